import threading
from uuid import uuid4

import pytest
from django.db import connection

from apps.eventstore import commands, store
from apps.eventstore.commands import Command, CommandRejected
from apps.eventstore.models import CommandRecord, Snapshot
from tests.eventstore.counter import Counter


def increment(stream="counter-1", by=1, **kwargs):
    return Command("Test.Increment", stream, {"by": by}, **kwargs)


class TestCounterRulesWithoutADatabase:
    def test_it_decides_an_event(self):
        counter = Counter("counter-1")

        events = counter.execute(increment(by=2))

        assert [(e.type, e.data) for e in events] == [("Test.Incremented", {"by": 2})]

    def test_it_rejects_going_over_the_ceiling(self):
        counter = Counter("counter-1")
        counter.apply("Test.CeilingSet", {"ceiling": 1})

        with pytest.raises(CommandRejected) as rejection:
            counter.execute(increment(by=2))

        assert rejection.value.code == "ceiling_reached"

    def test_a_command_that_changes_nothing_emits_nothing(self):
        counter = Counter("counter-1")
        counter.apply("Test.CeilingSet", {"ceiling": 5})

        assert counter.execute(Command("Test.SetCeiling", "counter-1", {"ceiling": 5})) == []


@pytest.mark.django_db
class TestCommandBus:
    def test_events_record_the_command_as_cause_and_inherit_its_correlation(self):
        command = increment(correlation_id=(root := uuid4()), actor="alice")

        (recorded,) = commands.dispatch(command)

        assert recorded.cause_id == command.command_id
        assert recorded.correlation_id == root
        assert recorded.actor == "alice"
        assert CommandRecord.objects.get().outcome == "accepted"

    def test_a_command_caused_by_an_event_records_that_event_as_its_cause(self):
        (trigger,) = store.append("order-1", [store.NewEvent("Test.OrderPlaced", {})])

        command = Command.caused_by(trigger, "Test.Increment", "counter-1", {"by": 1})
        (recorded,) = commands.dispatch(command)

        assert command.cause_id == trigger.event_id
        assert recorded.correlation_id == trigger.correlation_id == trigger.event_id

    def test_a_rejected_command_appends_nothing_and_is_recorded_with_its_error(self):
        commands.dispatch(Command("Test.SetCeiling", "counter-1", {"ceiling": 1}))

        with pytest.raises(CommandRejected):
            commands.dispatch(increment(by=5))

        assert [e.type for e in store.read_stream("counter-1")] == ["Test.CeilingSet"]
        rejected = CommandRecord.objects.get(outcome="rejected")
        assert (rejected.error_code, rejected.command_type) == ("ceiling_reached", "Test.Increment")

    def test_an_unknown_command_is_a_structured_rejection(self):
        with pytest.raises(CommandRejected) as rejection:
            commands.dispatch(Command("Test.Nope", "counter-1"))

        assert rejection.value.code == "unknown_command"

    def test_a_command_that_changes_nothing_appends_nothing(self):
        commands.dispatch(Command("Test.SetCeiling", "counter-1", {"ceiling": 3}))

        assert commands.dispatch(Command("Test.SetCeiling", "counter-1", {"ceiling": 3})) == []
        assert len(store.read_stream("counter-1")) == 1

    def test_dispatching_the_same_command_twice_records_its_events_once(self):
        command = increment(by=3)

        first = commands.dispatch(command)
        again = commands.dispatch(command)

        assert [e.event_id for e in again] == [e.event_id for e in first]
        assert commands.load(Counter, "counter-1").value == 3

    def test_long_streams_load_from_a_snapshot_to_the_same_state(self, settings):
        settings.EVENTSTORE_SNAPSHOT_EVERY = 4
        for by in range(1, 11):
            commands.dispatch(increment(by=by))

        snapshot = Snapshot.objects.get(stream_id="counter-1")
        assert snapshot.version == 8
        assert snapshot.state["value"] == sum(range(1, 9))
        counter = commands.load(Counter, "counter-1")
        assert (counter.value, counter.version) == (55, 10)


@pytest.mark.django_db(transaction=True)
def test_concurrent_commands_on_one_stream_all_land_in_order(settings):
    settings.EVENTSTORE_COMMAND_RETRIES = 50
    errors = []

    def work():
        try:
            for _ in range(10):
                commands.dispatch(increment())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [e.stream_version for e in store.read_stream("counter-1")] == list(range(1, 41))
    assert commands.load(Counter, "counter-1").value == 40
