from django.db import migrations

EVENTS = {
    "ActionDisabled": "Junction stopped delivering to an action: its endpoint answered 410 Gone or kept failing. "
    "Its deliveries wait until someone enables it again.",
    "ActionEnabled": "An action that was disabled delivers again.",
}


def register(apps, schema_editor):
    """Contracts can react when an action is disabled (tell its owner)."""
    System = apps.get_model("hub", "System")
    EventType = apps.get_model("hub", "EventType")
    junction = System.objects.get(identifier="junction")
    for identifier, description in EVENTS.items():
        EventType.objects.get_or_create(
            identifier=identifier,
            defaults={"system": junction, "name": identifier, "operation": "process", "description": description},
        )


class Migration(migrations.Migration):
    dependencies = [("delivery", "0003_delivery_engine"), ("hub", "0006_delivery_engine")]

    operations = [migrations.RunPython(register, migrations.RunPython.noop)]
