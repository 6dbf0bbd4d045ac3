"""A small demo configuration: a web shop whose orders go to an ERP (Junction's echo endpoint plays the ERP)."""

from apps.hub.models import Action, Contract, EventType, System
from apps.hub.services import api_key_create

ORDER_SCHEMA = {
    "type": "object",
    "required": ["order", "customer"],
    "properties": {
        "order": {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}},
        "customer": {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}},
    },
}


def load_demo(*, base_url: str) -> list[str]:
    """Create the demo once (later runs only point the ERP action at the current address); return news to print.

    Items are looked up among deleted ones too: a demo item someone deleted stays deleted, not created again.
    """
    shop, _ = System.all_objects.get_or_create(
        identifier="web_shop",
        defaults={"name": "Web shop", "kind": "E-commerce", "role": System.Role.PRODUCER,
                  "description": "Demo: the online shop where customers place orders."},
    )  # fmt: skip
    erp, _ = System.all_objects.get_or_create(
        identifier="erp",
        defaults={"name": "ERP", "kind": "ERP", "role": System.Role.SUBSCRIBER,
                  "description": "Demo: the ERP that books sales orders (played by Junction's echo endpoint)."},
    )  # fmt: skip
    order_placed, _ = EventType.all_objects.get_or_create(
        identifier="web_shop.order_placed",
        defaults={"system": shop, "name": "order placed", "operation": "new", "payload_schema": ORDER_SCHEMA},
    )
    action, _ = Action.all_objects.update_or_create(
        identifier="erp.create_sales_order",
        defaults={
            "system": erp,
            "name": "create sales order",
            "operation": "new",
            "url": f"{base_url}/api/v1/echo/erp/sales-orders",
            "headers": {"X-Order": "{{ $.body.order.id }}"},
            "body": {"order_id": "{{ $.body.order.id }}", "customer": "{{ $.body.customer.email }}"},
        },
    )
    Contract.all_objects.get_or_create(
        identifier="order_to_erp",
        defaults={"name": "Orders go to the ERP", "event_type": order_placed, "action": action},
    )
    if shop.api_keys.exists():
        return []
    _, key = api_key_create(system=shop, name="demo")
    return [
        f"Demo API key of the web shop (shown once): {key}",
        f"Try it: curl -X POST {base_url}/api/v1/events/web_shop.order_placed -H 'X-API-Key: {key}' "
        """-H 'Content-Type: application/json' -d '{"order": {"id": 1}, "customer": {"email": "ada@example.com"}}'""",
    ]
