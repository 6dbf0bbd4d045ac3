from uuid import uuid4

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from apps.eventstore import schema, store
from apps.eventstore.models import EventRecord
from apps.eventstore.store import Causation, ConcurrencyError, NewEvent

pytestmark = pytest.mark.django_db


def new(type_="Test.Happened", **data):
    return NewEvent(type_, data)


def test_append_records_a_batch_in_stream_order_with_global_positions():
    recorded = store.append("order-1", [new(n=1), new(n=2), new(n=3)], expected_version=0)

    assert [e.stream_version for e in recorded] == [1, 2, 3]
    assert recorded[0].position < recorded[1].position < recorded[2].position
    assert [e.data["n"] for e in store.read_stream("order-1")] == [1, 2, 3]


def test_payloads_read_back_exactly_as_appended():
    data = {"text": "Grüße 🚚", "big": 2**70, "negative": -(2**64), "ratio": 0.1, "nested": [{"a": None}, True]}

    store.append("order-1", [new(**data)])

    (event,) = store.read_stream("order-1")
    assert event.data == data
    assert store.read_after(0, 0, limit=10)[0].data == data


def test_events_carry_cause_correlation_and_actor():
    root, cause = uuid4(), uuid4()

    store.append("order-1", [new()], causation=Causation(correlation_id=root, cause_id=cause, actor="crm"))

    stored = store.read_stream("order-1")[0]
    assert (stored.correlation_id, stored.cause_id, stored.actor) == (root, cause, "crm")


def test_an_event_without_causation_is_its_own_root():
    first = new()

    store.append("order-1", [first])

    stored = store.read_stream("order-1")[0]
    assert stored.correlation_id == first.event_id
    assert stored.cause_id is None


def test_a_wrong_expected_version_raises_and_writes_nothing():
    store.append("order-1", [new(n=1)])

    with pytest.raises(ConcurrencyError) as error:
        store.append("order-1", [new(n=2), new(n=3)], expected_version=0)

    assert error.value.actual == 1
    assert "expected version 0, found 1" in str(error.value)
    assert len(store.read_stream("order-1")) == 1


def test_appending_again_the_same_event_ids_is_a_no_op():
    batch = [new(n=1), new(n=2)]
    first = store.append("order-1", batch, expected_version=0)

    again = store.append("order-1", batch, expected_version=0)

    assert [e.position for e in again] == [e.position for e in first]
    assert EventRecord.objects.count() == 2


def test_a_batch_that_is_partly_stored_is_refused_whole():
    stored = new(n=1)
    store.append("order-1", [stored])

    with pytest.raises(ValueError, match="appended whole"), transaction.atomic():
        store.append("order-1", [stored, new(n=2)])

    assert len(store.read_stream("order-1")) == 1


def test_the_orm_refuses_to_change_or_delete_recorded_events():
    store.append("order-1", [new(n=1)])
    record = EventRecord.objects.get()

    with pytest.raises(PermissionDenied):
        EventRecord.objects.filter(pk=record.pk).update(data={})
    with pytest.raises(PermissionDenied):
        EventRecord.objects.all().delete()
    with pytest.raises(PermissionDenied):
        record.save()
    with pytest.raises(PermissionDenied):
        record.delete()
    assert EventRecord.objects.get().data == {"n": 1}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_postgresql_itself_refuses_update_and_delete():
    store.append("order-1", [new(n=1)])

    for sql in ("UPDATE eventstore_eventrecord SET data = '{}'", "DELETE FROM eventstore_eventrecord"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    assert store.read_stream("order-1")[0].data == {"n": 1}


def test_upcasters_read_old_payloads_in_todays_shape():
    store.append("customer-1", [new("Test.CustomerRenamed", name="Ada Lovelace")])

    @schema.upcaster("Test.CustomerRenamed", from_version=1)
    def split_name(data):
        first, last = data["name"].split(" ", 1)
        return {"first_name": first, "last_name": last}

    try:
        store.append("customer-1", [new("Test.CustomerRenamed", first_name="Grace", last_name="Hopper")])
        old, current = store.read_stream("customer-1")
    finally:
        schema.unregister("Test.CustomerRenamed")

    assert old.data == {"first_name": "Ada", "last_name": "Lovelace"}
    assert old.schema_version == current.schema_version == 2
    assert current.data == {"first_name": "Grace", "last_name": "Hopper"}
