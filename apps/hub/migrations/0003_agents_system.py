from django.db import migrations


def register(apps, schema_editor):
    """Agents on monitored hosts authenticate with API keys of this system (discovery, checks facts)."""
    System = apps.get_model("hub", "System")
    System.objects.get_or_create(
        identifier="agents",
        defaults={
            "name": "Agents",
            "kind": "Agent",
            "role": "producer",
            "description": "The agents on monitored hosts. Their API keys authenticate discoveries, heartbeats "
            "and gathered facts.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("hub", "0002_delivery_settings")]

    operations = [migrations.RunPython(register, migrations.RunPython.noop)]
