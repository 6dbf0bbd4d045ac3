"""The activity log is a view: the event store already keeps every event and command."""

from django.db import migrations

#: How severe an entry is: a rejected command or a health turning warning is a warning; a health
#: turning critical or a failed heartbeat is critical; a deregistration is a warning.
SEVERITY = """CASE
    WHEN event_type = 'HeartbeatFailed' OR (event_type LIKE '%HealthChanged' AND {health} = 'critical') THEN 'critical'
    WHEN (event_type LIKE '%HealthChanged' AND {health} = 'warning') OR event_type LIKE '%Deregistered'
        OR event_type IN ('ActionDisabled', 'ExecutionFailed') THEN 'warning'
    ELSE 'info' END"""

VIEW = """CREATE VIEW activity_log AS
SELECT 'e' || position AS id, 'event' AS kind, event_type AS name, stream_id, actor, {severity} AS severity,
       event_id AS entry_id, correlation_id, cause_id, recorded_at AS at, '' AS outcome, '' AS error
FROM eventstore_eventrecord
UNION ALL
SELECT 'c' || id, 'command', command_type, stream_id, actor,
       CASE WHEN outcome = 'rejected' THEN 'warning' ELSE 'info' END,
       command_id, correlation_id, cause_id, recorded_at, outcome, error_message
FROM eventstore_commandrecord"""

HEALTH = {"postgresql": "data->>'health'", "sqlite": "json_extract(data, '$.health')"}


def create_view(apps, schema_editor):
    health = HEALTH[schema_editor.connection.vendor]
    with schema_editor.connection.cursor() as cursor:  # no parameters: the LIKE patterns' % stay as they are
        cursor.execute(VIEW.format(severity=SEVERITY.format(health=health)))


def drop_view(apps, schema_editor):
    schema_editor.execute("DROP VIEW activity_log")


class Migration(migrations.Migration):
    dependencies = [("eventstore", "0003_event_type_plain_index")]

    operations = [
        migrations.RunPython(create_view, drop_view),
    ]
