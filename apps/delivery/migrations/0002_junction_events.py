from django.db import migrations

OUTCOMES = {
    "ExecutionCompleted": "A contract's action was delivered successfully.",
    "ExecutionFailed": "A contract's action failed for good (after its retries, or at once for a permanent error).",
}


def register(apps, schema_editor):
    """Junction itself is a producer: contracts can react to delivery outcomes (error workflows)."""
    System = apps.get_model("hub", "System")
    EventType = apps.get_model("hub", "EventType")
    junction, _ = System.objects.get_or_create(
        identifier="junction",
        defaults={"name": "Junction", "kind": "Integration hub", "role": "producer",
                  "description": "Events about Junction's own work, such as delivery outcomes."},
    )  # fmt: skip
    for identifier, description in OUTCOMES.items():
        EventType.objects.get_or_create(
            identifier=identifier,
            defaults={"system": junction, "name": identifier, "operation": "process", "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [("delivery", "0001_initial"), ("hub", "0003_agents_system")]

    operations = [migrations.RunPython(register, migrations.RunPython.noop)]
