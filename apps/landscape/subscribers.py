import logging

from django.db import connection

from apps.eventstore.commands import CommandRejected, dispatch
from apps.eventstore.models import Subscription
from apps.eventstore.store import RecordedEvent
from apps.eventstore.subscriptions import NotYet, subscriber
from apps.landscape import projections, reactions

logger = logging.getLogger(__name__)

PROJECTIONS = "landscape.projections"
PROCESS_MANAGER = "landscape.process_manager"


class ProjectionsBehind(NotYet):
    """The read models have not seen this event yet; the batch is tried again soon from its cursor."""


@subscriber(PROJECTIONS, event_types=projections.PROJECTORS, reset=projections.clear)
def project(event: RecordedEvent) -> None:
    projections.project(event)


def projected(event: RecordedEvent) -> bool:
    """The read models already include this event (what reacts to it may read them)."""
    cursor = Subscription.objects.filter(name=PROJECTIONS).values_list("last_tx", "last_position").first()
    if cursor is None:
        return False
    if connection.vendor == "postgresql":
        return cursor >= (event.tx, event.position)
    return cursor[1] >= event.position


def ensure_projected(event: RecordedEvent) -> None:
    if not projected(event):
        raise ProjectionsBehind(f"{PROJECTIONS} has not read event #{event.position} yet")


@subscriber(PROCESS_MANAGER, event_types=reactions.REACTIONS)
def react(event: RecordedEvent) -> None:
    """Deregistration cascade, staleness on heartbeat loss, database → SAP system propagation, checks
    results into health. Reactions to the landscape's own events read the read models, so those must
    have read the event first (the projections never read the checks engine's events)."""
    if event.type in projections.PROJECTORS:
        ensure_projected(event)
    for command in reactions.reactions_for(event):
        try:
            dispatch(command)
        except CommandRejected as rejection:
            # E.g. an instance removed meanwhile: the rest of the cascade still goes on.
            logger.warning("%s after %s refused: %s", command.type, event.type, rejection.message)
