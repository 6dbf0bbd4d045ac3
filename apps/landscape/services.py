"""Landscape writes outside the aggregates: heartbeats, their expiry, deregistration requests."""

import logging
import math
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from apps.core.api import ApplicationError
from apps.eventstore.commands import CommandRejected, dispatch
from apps.eventstore.store import RecordedEvent
from apps.landscape import selectors
from apps.landscape.aggregates.health import CRITICAL, PASSING
from apps.landscape.commands import build, host_id
from apps.landscape.models import ApplicationInstance, DatabaseInstance, Heartbeat, Host

logger = logging.getLogger(__name__)

HEARTBEAT_CHECK_LOCK = "landscape:heartbeat-check"
#: Set while the hub is behind its agents' beats, and for one expiry after.
HUB_BEHIND = "landscape:hub-behind"


def heartbeat_expiry() -> timedelta:
    """interval * (allowed missed + 1) + tolerance (spec §2.2: 6 s by default)."""
    return timedelta(
        seconds=settings.HOST_HEARTBEAT_INTERVAL_SECONDS * (settings.HOST_HEARTBEAT_ALLOWED_MISSED + 1)
        + settings.HOST_HEARTBEAT_TOLERANCE_SECONDS
    )


def silence_allowed_while_behind() -> float:
    """Seconds a host may stay silent, while the hub is behind its agents, before it reads critical."""
    return heartbeat_expiry().total_seconds() + settings.HOST_HEARTBEAT_MAX_HOLD_SECONDS


def host_not_found(agent_id: UUID | str) -> ApplicationError:
    return ApplicationError("host_not_found", f"No host {agent_id} is registered.", status_code=404)


# Every agent beats every 5 s: the beat is the most frequent request of all, and building its two
# queries with the ORM cost half of its time. Plain SQL that both databases take (upsert, the later time).
_HOST_HEARTBEAT = f"SELECT heartbeat FROM {Host._meta.db_table} WHERE id = %s AND deregistered_at IS NULL"
_BEAT = (
    f"INSERT INTO {Heartbeat._meta.db_table} (agent_id, timestamp) VALUES (%s, %s) ON CONFLICT (agent_id) DO UPDATE"
    f" SET timestamp = CASE WHEN excluded.timestamp > {Heartbeat._meta.db_table}.timestamp THEN excluded.timestamp"
    f" ELSE {Heartbeat._meta.db_table}.timestamp END"
)


def heartbeat_record(*, agent_id: UUID, actor: str, at: datetime | None = None) -> list[RecordedEvent]:
    """Store the beat that arrived ``at`` (now by default); only a host not already passing gets an
    UpdateHeartbeat (a transition).

    A beat counts from when it arrived, not from when a busy server got to it: otherwise every host
    would expire whenever requests queue for a few seconds, and the flips to critical and back would
    add work to a server already behind. A beat handled after a later one does not move time back.
    """
    agent = Heartbeat._meta.pk.get_db_prep_value(agent_id, connection)
    at = min(at or timezone.now(), timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_HOST_HEARTBEAT, [agent])
        row = cursor.fetchone()
        if row is None:
            raise host_not_found(agent_id)
        cursor.execute(_BEAT, [agent, connection.ops.adapt_datetimefield_value(at)])
    heartbeat = row[0]
    if heartbeat == PASSING:
        return []
    return dispatch(build("UpdateHeartbeat", {"host_id": host_id(agent_id), "heartbeat": PASSING}, actor=actor))


def heartbeats_check(*, now: datetime | None = None) -> int:
    """Mark every passing host whose last beat is older than the expiry critical (longer while the hub
    itself is behind: `_expired_hosts`); return how many.

    Beat runs this every few seconds; a cache lock keeps it to one runner at a time.
    """
    if not cache.add(HEARTBEAT_CHECK_LOCK, 1, timeout=settings.HEARTBEAT_CHECK_LOCK_SECONDS):
        return 0
    try:
        marked = 0
        for agent_id in _expired_hosts(now or timezone.now()):
            command = build("UpdateHeartbeat", {"host_id": str(agent_id), "heartbeat": CRITICAL}, actor="scheduler")
            try:
                marked += bool(dispatch(command))
            except CommandRejected as rejection:
                logger.warning("Heartbeat of host %s not marked critical: %s", agent_id, rejection.message)
        return marked
    finally:
        cache.delete(HEARTBEAT_CHECK_LOCK)


def _expired_hosts(now: datetime) -> list[UUID]:
    """The passing hosts whose last beat is older than the expiry, or, while the hub is behind, than
    the expiry and ``HOST_HEARTBEAT_MAX_HOLD_SECONDS``.

    When the hub is restarting, too busy to read its requests, or cut off from its agents' network,
    every host's beat is late at once. Marking them all would mark every host's data stale, send an
    alert for each, and have every agent re-send everything once it is heard again: more work for a
    hub already behind, which makes the next beats later still (Kubernetes' node controller stops
    evicting in a full disruption for the same reason). The hub is behind when the whole fleet's beats
    run later than the tolerance; one silent agent among many does not make it so, and is seen at once.
    It stays behind for one expiry after: beats that were waiting for it are heard before anyone is marked.
    """
    expiry = heartbeat_expiry().total_seconds()
    last_beat = Heartbeat.objects.filter(agent_id=OuterRef("id")).values("timestamp")
    beats = (
        Host.objects.filter(heartbeat=PASSING, deregistered_at__isnull=True)
        .annotate(last_beat=Subquery(last_beat))
        .values_list("id", "last_beat")
    )
    ages = {host: (now - beat).total_seconds() if beat else math.inf for host, beat in beats}
    lateness = fleet_lateness(list(ages.values()))
    behind = lateness > settings.HOST_HEARTBEAT_TOLERANCE_SECONDS
    if behind:
        cache.set(HUB_BEHIND, 1, timeout=math.ceil(expiry))
        logger.warning(
            "Heartbeats of the %d passing hosts run %.1f s late: the hub itself is behind (restarting, overloaded"
            " or cut off from its agents); meanwhile a host is marked critical after %d s of silence.",
            len(ages),
            lateness,
            silence_allowed_while_behind(),
        )
    allowed = silence_allowed_while_behind() if behind or hub_behind() else expiry + lateness
    return [host for host, age in ages.items() if age > allowed]


def hub_behind() -> bool:
    """Whether the hub found itself behind its agents' beats within the last expiry (`_expired_hosts`)."""
    try:
        return bool(cache.get(HUB_BEHIND))
    except Exception:  # the shared cache cannot be reached: nothing known
        return False


def fleet_lateness(ages: list[float]) -> float:
    """Seconds by which the beats of a whole fleet run late: how much older than an on-time fleet's
    (whose beat ages spread evenly over one interval) the 90th percentile of ``ages`` is.

    One silent host does not move it; a fleet whose every beat is late does. Too few hosts say nothing
    about the hub (0), and it never exceeds ``HOST_HEARTBEAT_MAX_HOLD_SECONDS``.
    """
    if len(ages) < settings.HOST_HEARTBEAT_FLEET_MIN_HOSTS:
        return 0.0
    percentile = sorted(ages)[int(0.9 * (len(ages) - 1))]
    on_time = 0.9 * settings.HOST_HEARTBEAT_INTERVAL_SECONDS
    return min(max(0.0, percentile - on_time), settings.HOST_HEARTBEAT_MAX_HOLD_SECONDS)


def host_deregistration_request(*, host: UUID | str, actor: str, command_id: UUID | None = None) -> list[RecordedEvent]:
    """Ask to remove a host whose agent is gone; refused (``host_alive``) while it still beats."""
    if selectors.host_heartbeat(str(host)) is None:
        raise host_not_found(host)
    now = timezone.now()
    last = Heartbeat.objects.filter(agent_id=host).values_list("timestamp", flat=True).first()
    alive = last is not None and last + timedelta(seconds=settings.HOST_HEARTBEAT_INTERVAL_SECONDS) > now
    payload = {"host_id": str(host), "requested_at": now.isoformat(), "heartbeat": PASSING if alive else CRITICAL}
    return dispatch(build("RequestHostDeregistration", payload, actor=actor, command_id=command_id))


#: What an instance clean-up removes: the read model to look in, its target field and the command.
INSTANCE_KINDS = {
    "sap_system": (ApplicationInstance, "sap_system_id", "DeregisterApplicationInstance"),
    "database": (DatabaseInstance, "database_id", "DeregisterDatabaseInstance"),
}


def absent_instance_remove(
    *, kind: str, target: UUID, host: UUID, instance_number: str, actor: str
) -> list[RecordedEvent]:
    """Remove an instance that its host no longer reports (spec §5); one that is still there is refused."""
    model, target_field, command_type = INSTANCE_KINDS[kind]
    instance = model.objects.filter(**{target_field: target}, host_id=host, instance_number=instance_number).first()
    if instance is None:
        raise ApplicationError(
            "instance_not_found",
            f"No instance {instance_number} of {kind.replace('_', ' ')} {target} runs on host {host}.",
            status_code=404,
        )
    if instance.absent_at is None:
        raise ApplicationError(
            "instance_present",
            "Only an absent instance (one its host no longer reports) can be removed; this one is still reported.",
            status_code=422,
        )
    payload = {
        target_field: str(target),
        "host_id": str(host),
        "instance_number": instance_number,
        "deregistered_at": timezone.now().isoformat(),
    }
    return dispatch(build(command_type, payload, actor=actor))
