from django.db import migrations

EVENTS = {
    "ChecksExecutionStarted": "A checks execution started: its group, its targets (agents) and the checks each runs.",
    "ChecksExecutionCompleted": "A checks execution completed: its result (passing, warning or critical), the number "
    "of checks with each result and the agents that timed out.",
}


def register(apps, schema_editor):
    """Checks executions are events contracts can react to (e.g. open a ticket on a critical result)."""
    System = apps.get_model("hub", "System")
    EventType = apps.get_model("hub", "EventType")
    checks, _ = System.objects.get_or_create(
        identifier="checks",
        defaults={"name": "Checks", "kind": "Checks engine", "role": "producer",
                  "description": "Junction's checks engine: best-practice checks run on agents."},
    )  # fmt: skip
    for identifier, description in EVENTS.items():
        EventType.objects.get_or_create(
            identifier=identifier,
            defaults={"system": checks, "name": identifier, "operation": "process", "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [("checks", "0001_initial"), ("hub", "0003_agents_system")]

    operations = [migrations.RunPython(register, migrations.RunPython.noop)]
