from django.db import migrations, models

#: The host's software updates events, new since 0002_hub_landscape_events: contracts can react to them too.
EVENT_TYPES = ["SoftwareUpdatesDiscoveryCleared", "SoftwareUpdatesDiscoveryRequested", "SoftwareUpdatesHealthChanged"]


def register(apps, schema_editor):
    System = apps.get_model("hub", "System")
    EventType = apps.get_model("hub", "EventType")
    landscape = System.objects.filter(identifier="landscape").first()
    if landscape is None:
        return
    for identifier in EVENT_TYPES:
        EventType.objects.get_or_create(
            identifier=identifier, defaults={"system": landscape, "name": identifier, "operation": "update"}
        )


class Migration(migrations.Migration):
    dependencies = [("landscape", "0003_database_instance_site_id"), ("hub", "0003_agents_system")]

    operations = [
        migrations.RemoveField(model_name="applicationinstance", name="clustered"),
        migrations.AddField(
            model_name="host",
            name="software_updates_health",
            field=models.CharField(
                blank=True,
                choices=[
                    ("passing", "Passing"),
                    ("warning", "Warning"),
                    ("critical", "Critical"),
                    ("unknown", "Unknown"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunPython(register, migrations.RunPython.noop),
    ]
