"""A small aggregate for the event store's tests: a counter with a ceiling."""

from apps.eventstore.commands import Aggregate, CommandRejected, applies, event, handles


class Counter(Aggregate):
    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.value = 0
        self.ceiling = None

    @handles("Test.Increment")
    def increment(self, payload):
        if self.ceiling is not None and self.value + payload["by"] > self.ceiling:
            raise CommandRejected("ceiling_reached", f"The counter may not go above {self.ceiling}.")
        return [event("Test.Incremented", by=payload["by"])]

    @handles("Test.SetCeiling")
    def set_ceiling(self, payload):
        if payload["ceiling"] == self.ceiling:
            return []
        return [event("Test.CeilingSet", ceiling=payload["ceiling"])]

    @applies("Test.Incremented")
    def _incremented(self, data):
        self.value += data["by"]

    @applies("Test.CeilingSet")
    def _ceiling_set(self, data):
        self.ceiling = data["ceiling"]
