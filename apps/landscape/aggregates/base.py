"""What the four landscape aggregates share: a draft to decide against, and payload reading."""

import copy
from typing import Any, Generic, Self, TypeVar

from apps.eventstore.commands import Aggregate, CommandRejected
from apps.eventstore.store import NewEvent
from apps.landscape.aggregates.health import HEALTHS
from apps.landscape.commands import COMMANDS

A = TypeVar("A", bound=Aggregate)


class Draft(Generic[A]):
    """Events decided so far, folded into a copy of the aggregate so later rules see their effect.

    ``Aggregate.execute`` folds the returned events into the real aggregate afterwards; deciding on a
    copy keeps a decision that emits several dependent events (details, then sub-healths, then the
    overall health) simple and free of double folding.
    """

    def __init__(self, aggregate: A) -> None:
        self.state: A = copy.deepcopy(aggregate)
        self.events: list[NewEvent] = []

    def emit(self, event_type: str, **data: Any) -> Self:
        new = NewEvent(event_type, copy.deepcopy(data))
        self.state.apply(event_type, copy.deepcopy(data))
        self.events.append(new)
        return self


def read(command_type: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Every documented field of ``command_type`` (missing ones as ``None``), deep-copied."""
    return {name: copy.deepcopy(payload.get(name)) for name in COMMANDS[command_type].fields}


def valid_health(health: Any) -> str:
    if health not in HEALTHS:
        raise CommandRejected("invalid_health", f"{health!r} is not one of {', '.join(HEALTHS)}.")
    return health


class LandscapeAggregate(Aggregate):
    """Common rules: never-registered (and, unless said otherwise, deregistered) aggregates refuse commands.

    Folds replace the values they store and never mutate nested ones in place: ``Aggregate.execute``
    hands them the very dicts that will be appended as event data.
    """

    #: Prefix of the ``<kind>_not_registered`` rejection code.
    kind = ""

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.deregistered_at: str | None = None

    @property
    def registered(self) -> bool:
        raise NotImplementedError

    def require_registered(self) -> None:
        if not self.registered or self.deregistered_at is not None:
            raise CommandRejected(f"{self.kind}_not_registered", f"The {self.kind} is not registered.")
