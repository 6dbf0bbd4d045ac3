from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    """The embedded default's shared cache is a database table: ``migrate`` makes everything the hub
    needs, so a deployment that migrates and starts serving works at once (with Redis, this is a no-op)."""
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
