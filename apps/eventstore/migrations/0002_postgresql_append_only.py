from django.db import migrations

FORWARD = """
ALTER TABLE eventstore_eventrecord ALTER COLUMN tx SET DEFAULT pg_current_xact_id()::text::bigint;
CREATE OR REPLACE FUNCTION eventstore_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'eventstore_eventrecord is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER eventstore_append_only
    BEFORE UPDATE OR DELETE ON eventstore_eventrecord
    FOR EACH ROW EXECUTE FUNCTION eventstore_refuse_change();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS eventstore_append_only ON eventstore_eventrecord;
DROP FUNCTION IF EXISTS eventstore_refuse_change();
ALTER TABLE eventstore_eventrecord ALTER COLUMN tx SET DEFAULT 0;
"""


def run_on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    """On PostgreSQL the database itself refuses UPDATE and DELETE of recorded events."""

    dependencies = [("eventstore", "0001_initial")]

    operations = [migrations.RunPython(run_on_postgresql(FORWARD), run_on_postgresql(BACKWARD))]
