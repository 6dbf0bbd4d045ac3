"""Receiving agent discoveries and turning them into landscape commands (spec §2.1, §3).

In the request: authenticate, validate the envelope, compare its fingerprint with the last one
processed for the agent and type (identical → nothing more), store it, answer 202. Once the row is
committed a task processes it: policy → enrichment → dispatch, or a dead letter with the reason. A
beat sweep re-runs envelopes whose task got lost.
"""

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from apps.core.api import ApplicationError, json_body
from apps.core.cache import cache_get_versioned, cache_invalidate, cache_set_versioned
from apps.discovery.enrichment import enrich
from apps.discovery.models import DiscardedDiscoveryEvent, DiscoveryEvent, LastDiscovery
from apps.discovery.policies import (
    ClusterSapInstance,
    InvalidDiscovery,
    KnownApplicationInstance,
    KnownDatabaseInstance,
    PolicyContext,
    policy_for,
    validate_envelope,
)
from apps.eventstore.commands import Command, CommandRejected, dispatch
from apps.eventstore.store import ConcurrencyError, RecordedEvent
from apps.hub.models import ApiKey
from apps.hub.services import agent_key_authenticate
from apps.landscape import selectors
from apps.landscape.commands import cluster_id, host_id
from apps.landscape.models import ClusterEnrichment

logger = logging.getLogger(__name__)

CLUSTER_DISCOVERY = "ha_cluster_discovery"
#: The rejection of a payload its policy cannot use (it depends on nothing but the payload).
INVALID_DISCOVERY = "invalid_discovery"


# --- the request ---------------------------------------------------------------------------------


def agent_authenticate(key: str | None) -> ApiKey:
    api_key = agent_key_authenticate(key) if key else None
    if api_key is None:
        raise ApplicationError("unauthorized", "A valid agent API key is required (X-Trento-Apikey).", status_code=401)
    return api_key


def envelope_parse(raw_body: bytes) -> dict[str, Any]:
    """The envelope of a collect request; 422 with the failing paths when it breaks the contract."""
    envelope = json_body(raw_body)
    errors = validate_envelope(envelope)
    if not errors:
        try:
            policy_for(envelope["discovery_type"])
        except InvalidDiscovery as invalid:
            errors = invalid.errors
    if errors:
        raise ApplicationError(
            "invalid_envelope",
            "The discovery envelope is not valid.",
            details=[error.as_dict() for error in errors],
            status_code=422,
        )
    return envelope


#: Landscape events after which a host re-asserts everything: its last discoveries are forgotten.
REASSERT_AFTER = frozenset({"HeartbeatFailed", "HostDeregistered"})
#: Landscape events that change what `policy_context` reads: a host's cluster, its application and
#: database instances, and its cluster's SAP instances. Keep it in step with `policy_context`.
CONTEXT_CHANGES = frozenset(
    {
        "HostAddedToCluster",
        "ClusterHostStatusChanged",
        "HostRemovedFromCluster",
        "ClusterRegistered",
        "ClusterDetailsUpdated",
        "ApplicationInstanceRegistered",
        "ApplicationInstanceMoved",
        "ApplicationInstanceDeregistered",
        "DatabaseInstanceRegistered",
        "DatabaseInstanceDeregistered",
    }
)


def policy_context(envelope: dict[str, Any], *, received_at: datetime | None = None) -> PolicyContext:
    """The read-model facts the envelope's policy needs (only those: the others stay empty)."""
    host, discovery_type = host_id(envelope["agent_id"]), envelope["discovery_type"]
    if discovery_type == CLUSTER_DISCOVERY:
        return PolicyContext(current_cluster_id=selectors.host_cluster_id(host), received_at=received_at)
    if discovery_type == "saptune_discovery":
        return PolicyContext(sap_running=selectors.host_runs_sap(host), received_at=received_at)
    if discovery_type == "sap_system_discovery":
        return PolicyContext(
            application_instances=tuple(
                KnownApplicationInstance(str(i.sap_system_id), i.sid or "", i.instance_number)
                for i in selectors.host_application_instances(host)
            ),
            database_instances=tuple(
                KnownDatabaseInstance(str(i.database_id), i.sid, i.instance_number)
                for i in selectors.host_database_instances(host)
            ),
            cluster_sap_instances=tuple(
                ClusterSapInstance(i.get("sid"), i.get("instance_number"), bool(i.get("mounted")))
                for i in selectors.cluster_sap_instances(selectors.host_cluster_id(host))
            ),
            received_at=received_at,
        )
    return PolicyContext(received_at=received_at)


def fingerprint(payload_hash: str, context: PolicyContext) -> str:
    """Same payload in the same known context → same commands: that is what "identical" means."""
    facts = {**asdict(context), "received_at": None}
    return hashlib.sha256(f"{payload_hash}:{json.dumps(facts, sort_keys=True, default=str)}".encode()).hexdigest()


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def collect_digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


#: Whose discovery a body is never changes: those entries are held under one version nothing drops.
KNOWN_BODIES_VERSION = "discovery:known-bodies-version"


def collect_cache_keys(digest: str) -> list[str]:
    """The shared-cache entries ``discovery_collect`` reads first (for ``cache_read_ahead``)."""
    return [_known_body_key(digest), KNOWN_BODIES_VERSION]


def _known_body_key(digest: str) -> str:
    """Whose discovery a body is, once it was found identical to its agent's last one: the same bytes
    are the same envelope, so a repeat is recognised without being parsed and checked again."""
    return f"discovery:body:{digest}"


def discovery_collect(*, body: bytes, digest: str) -> DiscoveryEvent | None:
    """An agent's collect request: ``discovery_receive`` of its envelope, parsed and checked only when
    the body is not byte for byte a repeat of its agent's last discovery (parsing is most of a
    repeat's cost, and agents repeat themselves every few seconds)."""
    # Both read from the web process's own copy once held (a repeat then costs no round trip); when the
    # cache cannot be reached, the body is parsed, as a new one is.
    known, bodies_version = cache_get_versioned(_known_body_key(digest), KNOWN_BODIES_VERSION, local=True)
    if known is not None:
        agent_id, discovery_type = known
        seen, _ = cache_get_versioned(_seen_key(agent_id, discovery_type), _context_key(agent_id), local=True)
        if seen == digest:
            return None
    envelope = envelope_parse(body)
    discovery = discovery_receive(envelope=envelope, body=body, digest=digest)
    if discovery is None and known is None:
        whose = (str(UUID(envelope["agent_id"])), envelope["discovery_type"])
        cache_set_versioned(_known_body_key(digest), whose, bodies_version, settings.DISCOVERY_SEEN_SECONDS, local=True)
    return discovery


def _seen_key(agent_id: UUID | str, discovery_type: str) -> str:
    return f"discovery:seen:{agent_id}:{discovery_type}"


def discovery_receive(*, envelope: dict[str, Any], body: bytes, digest: str | None = None) -> DiscoveryEvent | None:
    """Store an accepted envelope and have it processed once committed; None when it is identical to the
    last one processed for the agent and type (nothing more to do).

    The hash is taken over the body as received: agents serialise a discovery the same way every time,
    and hashing the bytes is far cheaper than re-serialising a large payload canonically. An identical
    repeat is first looked up in the shared cache (one round trip, no query); on a miss the policy's
    context is read to compare fingerprints, and a repeat found identical is cached for the next ones.
    """
    agent_id, discovery_type = UUID(envelope["agent_id"]), envelope["discovery_type"]
    digest = digest or collect_digest(body)
    seen_key = _seen_key(agent_id, discovery_type)
    seen, version = cache_get_versioned(seen_key, _context_key(agent_id), local=True)
    if seen == digest:
        return None
    mark = fingerprint(digest, policy_context(envelope))
    if LastDiscovery.objects.filter(agent_id=agent_id, discovery_type=discovery_type, fingerprint=mark).exists():
        cache_set_versioned(seen_key, digest, version, settings.DISCOVERY_SEEN_SECONDS, local=True)
        return None
    discovery = DiscoveryEvent.objects.create(
        agent_id=agent_id,
        discovery_type=discovery_type,
        payload=envelope["payload"],
        payload_hash=digest,
        fingerprint=mark,
        received_at=timezone.now(),
    )
    _process_on_commit(discovery)
    return discovery


def _context_key(agent_id: UUID | str) -> str:
    """The version of everything the agent's policies read (and of its last-discovery rows): a cached
    "identical" verdict holds only under the version it was reached in."""
    return f"discovery:context:{agent_id}"


def discovery_contexts_changed(*, agent_ids: Iterable[str]) -> None:
    """What the policies read about these agents, or their last discoveries, changed: their next
    discoveries are compared again."""
    cache_invalidate([_context_key(agent_id) for agent_id in agent_ids])


def _process_on_commit(discovery: DiscoveryEvent) -> None:
    from apps.discovery.tasks import process_discovery_task

    pk = discovery.pk
    transaction.on_commit(lambda: process_discovery_task.delay(pk), robust=True)


def discovery_preview(*, envelope: dict[str, Any]) -> dict[str, Any]:
    """The commands an envelope would dispatch now (enriched), and the enrichment rejections; no writes."""
    context = policy_context(envelope, received_at=timezone.now())
    try:
        commands = policy_for(envelope["discovery_type"])(envelope, context)
    except InvalidDiscovery as invalid:
        raise ApplicationError(
            INVALID_DISCOVERY,
            "The policy cannot use this discovery.",
            details=[error.as_dict() for error in invalid.errors],
            status_code=422,
        ) from None
    preview: dict[str, Any] = {"commands": [], "rejections": []}
    for command in commands:
        try:
            command = enrich(command)
        except CommandRejected as rejection:
            preview["rejections"].append({"type": command.type, "code": rejection.code, "message": rejection.message})
            continue
        preview["commands"].append({"type": command.type, "stream_id": command.stream_id, "payload": command.payload})
    return preview


# --- processing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    command_type: str
    code: str
    message: str


def _lock_keys(discovery: DiscoveryEvent) -> list[str]:
    """One observation of a target at a time: the agent's discovery type, and a cluster as a whole."""
    keys = [f"discovery:lock:{discovery.agent_id}:{discovery.discovery_type}"]
    payload = discovery.payload
    if (
        discovery.discovery_type == CLUSTER_DISCOVERY
        and isinstance(payload, dict)
        and isinstance(payload.get("Id"), str)
    ):
        keys.append(f"discovery:lock:cluster:{cluster_id(payload['Id'])}")
    return keys


def _acquire(keys: list[str]) -> bool:
    """Non-blocking: take every lock or none."""
    taken = []
    for key in keys:
        if not cache.add(key, 1, timeout=settings.DISCOVERY_LOCK_SECONDS):
            cache.delete_many(taken)
            return False
        taken.append(key)
    return True


def _finish(discovery: DiscoveryEvent, state: str) -> None:
    discovery.state, discovery.processed_at = state, timezone.now()
    discovery.save(update_fields=["state", "processed_at"])


def discovery_process(*, discovery_id: int) -> str | None:
    """Process one stored envelope; return the state it ends in (None: not pending, or to be retried).

    A concurrent observation of the same target drops it (the agent sends again soon); a newer
    envelope of the same agent and type supersedes it.
    """
    discovery = DiscoveryEvent.objects.filter(pk=discovery_id, state=DiscoveryEvent.State.PENDING).first()
    if discovery is None:
        return None
    keys = _lock_keys(discovery)
    if not _acquire(keys):
        _finish(discovery, DiscoveryEvent.State.DROPPED)
        return DiscoveryEvent.State.DROPPED
    try:
        newer = DiscoveryEvent.objects.filter(
            agent_id=discovery.agent_id, discovery_type=discovery.discovery_type, pk__gt=discovery.pk
        )
        if newer.exists():
            _finish(discovery, DiscoveryEvent.State.SUPERSEDED)
            return DiscoveryEvent.State.SUPERSEDED
        # Read before the policy reads the context: whatever changes it meanwhile drops this version.
        _, context_version = cache_get_versioned(_seen_key(discovery.agent_id, discovery.discovery_type),
                                                 _context_key(discovery.agent_id))  # fmt: skip
        try:
            rejections = _run(discovery)
        except ConcurrencyError:
            logger.warning("Discovery %s hit a busy stream; the sweep will run it again", discovery.pk)
            return None
        if rejections is None:
            _remember_as_last(discovery, context_version)
            _finish(discovery, DiscoveryEvent.State.PROCESSED)
            return DiscoveryEvent.State.PROCESSED
        _discard(discovery, rejections)
        if all(rejection.code == INVALID_DISCOVERY for rejection in rejections):
            # The payload itself is wrong: the agent's identical repeats would only be discarded again.
            _remember_as_last(discovery, context_version)
        return DiscoveryEvent.State.DISCARDED
    finally:
        cache.delete_many(keys)


def _remember_as_last(discovery: DiscoveryEvent, context_version: str | None) -> None:
    """Identical envelopes of this agent and type, in the same context, need no further work from now on.

    The agent's next repeat is answered from the shared cache: the verdict names this body, under the
    context version read before processing (dropped if what the policy read has changed since, by
    this very discovery too). Failing that, every verdict of the agent is dropped (one cached against
    an older last discovery, say a retried dead letter, must not stand).
    """
    LastDiscovery.objects.update_or_create(
        agent_id=discovery.agent_id,
        discovery_type=discovery.discovery_type,
        defaults={"fingerprint": discovery.fingerprint, "processed_at": timezone.now()},
    )
    seen_key = _seen_key(discovery.agent_id, discovery.discovery_type)
    if not cache_set_versioned(seen_key, discovery.payload_hash, context_version, settings.DISCOVERY_SEEN_SECONDS):
        discovery_contexts_changed(agent_ids=[str(discovery.agent_id)])


def last_seen_forget(*, event: RecordedEvent) -> None:
    """After a landscape event of `REASSERT_AFTER` or `CONTEXT_CHANGES` (already in the read models):
    the hosts it concerns compare their next discoveries again, and re-assert all if they must."""
    data = event.data
    hosts = {data[name] for name in ("host_id", "old_host_id", "new_host_id") if data.get(name)}
    if not hosts and data.get("cluster_id"):
        hosts = {str(host) for host in selectors.cluster_host_ids(data["cluster_id"])}
    if event.type in REASSERT_AFTER:
        LastDiscovery.objects.filter(agent_id__in=hosts).delete()
    discovery_contexts_changed(agent_ids=hosts)


def _envelope(discovery: DiscoveryEvent) -> dict[str, Any]:
    return {
        "agent_id": str(discovery.agent_id),
        "discovery_type": discovery.discovery_type,
        "payload": discovery.payload,
    }


def _run(discovery: DiscoveryEvent) -> list[Rejection] | None:
    """Policy → enrichment → dispatch of every command; the rejections, or None when all went through."""
    envelope = _envelope(discovery)
    try:
        commands = policy_for(discovery.discovery_type)(
            envelope, policy_context(envelope, received_at=discovery.received_at)
        )
    except InvalidDiscovery as invalid:
        return [Rejection("", INVALID_DISCOVERY, str(invalid))]
    _record_cib_last_written(commands)
    rejections = []
    for index, command in enumerate(commands):
        command = Command(
            command.type,
            command.stream_id,
            command.payload,
            # Deterministic: running the envelope again after a crash does not apply a command twice.
            command_id=uuid5(discovery.envelope_id, str(index)),
            cause_id=discovery.envelope_id,
            correlation_id=discovery.correlation_id,
            actor=f"agent {discovery.agent_id}",
        )
        try:
            dispatch(enrich(command))
        except CommandRejected as rejection:
            rejections.append(Rejection(command.type, rejection.code, rejection.message))
        except ConcurrencyError:
            raise
        except Exception as exc:
            logger.exception("Discovery %s: %s failed", discovery.pk, command.type)
            rejections.append(Rejection(command.type, "error", f"{type(exc).__name__}: {exc}"))
    return rejections or None


def _record_cib_last_written(commands: list[Command]) -> None:
    """A side table, not an event: the CIB is rewritten far more often than anything users care about
    (the cluster aggregate ignores the command's ``cib_last_written``)."""
    for command in commands:
        if command.type == "RegisterOnlineClusterHost":
            ClusterEnrichment.objects.update_or_create(
                cluster_id=command.payload["cluster_id"],
                defaults={"cib_last_written": command.payload["cib_last_written"] or ""},
            )


def _discard(discovery: DiscoveryEvent, rejections: list[Rejection]) -> None:
    with transaction.atomic():
        DiscardedDiscoveryEvent.objects.create(
            discovery=discovery,
            agent_id=discovery.agent_id,
            discovery_type=discovery.discovery_type,
            payload=discovery.payload,
            code=rejections[0].code,
            reason="; ".join(f"{r.command_type + ': ' if r.command_type else ''}{r.message}" for r in rejections),
            details=[asdict(r) for r in rejections],
            discarded_at=timezone.now(),
        )
        _finish(discovery, DiscoveryEvent.State.DISCARDED)


def discarded_retry(*, discarded: DiscardedDiscoveryEvent) -> str | None:
    """Process a dead letter's envelope again, now, as a new discovery; it replaces the dead letter."""
    envelope = {
        "agent_id": str(discarded.agent_id),
        "discovery_type": discarded.discovery_type,
        "payload": discarded.payload,
    }
    digest = payload_hash(discarded.payload)
    discovery = DiscoveryEvent.objects.create(
        agent_id=discarded.agent_id,
        discovery_type=discarded.discovery_type,
        payload=discarded.payload,
        payload_hash=digest,
        fingerprint=fingerprint(digest, policy_context(envelope)),
        received_at=timezone.now(),
    )
    state = discovery_process(discovery_id=discovery.pk)
    if state in (DiscoveryEvent.State.PROCESSED, DiscoveryEvent.State.DISCARDED):
        discarded.delete()  # it went through, or it has a new dead letter with today's reason
    return state


def discoveries_sweep(*, grace: timedelta | None = None) -> int:
    """Process envelopes still pending after the grace period (their task was lost); return how many."""
    grace = timedelta(seconds=settings.DISCOVERY_SWEEP_GRACE_SECONDS) if grace is None else grace
    pending = DiscoveryEvent.objects.filter(
        state=DiscoveryEvent.State.PENDING, received_at__lte=timezone.now() - grace
    ).order_by("pk")
    done = 0
    for pk in pending.values_list("pk", flat=True)[: settings.DISCOVERY_SWEEP_LIMIT]:
        done += discovery_process(discovery_id=pk) is not None
    return done


def discoveries_prune(*, now: datetime | None = None) -> int:
    """Delete discoveries and dead letters older than the retention, in batches; return how many went."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.DISCOVERY_RETENTION_DAYS)
    deleted = 0
    for model, field in ((DiscardedDiscoveryEvent, "discarded_at"), (DiscoveryEvent, "received_at")):
        for _ in range(settings.DISCOVERY_PRUNE_MAX_BATCHES):
            batch = list(
                model.objects.filter(**{f"{field}__lt": cutoff}).values_list("pk", flat=True)[
                    : settings.DISCOVERY_PRUNE_BATCH_SIZE
                ]
            )
            if not batch:
                break
            deleted += model.objects.filter(pk__in=batch).delete()[0]
    return deleted
