"""What a policy may know besides the envelope: a snapshot of read-model facts, fetched before the call."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class KnownApplicationInstance:
    """An application instance the read models currently place on the reporting host."""

    sap_system_id: str
    sid: str
    instance_number: str


@dataclass(frozen=True)
class KnownDatabaseInstance:
    """A database instance the read models currently place on the reporting host."""

    database_id: str
    sid: str
    instance_number: str


@dataclass(frozen=True)
class ClusterSapInstance:
    """An SAP instance of the host's cluster, as its last RegisterOnlineClusterHost described it."""

    sid: str
    instance_number: str
    mounted: bool


@dataclass(frozen=True)
class PolicyContext:
    """Read-model facts about the reporting host; each policy reads only the ones it needs.

    ``received_at`` stamps the ``deregistered_at`` / ``absent_at`` fields so that a policy never reads
    the clock: the same envelope and context always give the same commands. Left ``None``, those
    fields are ``None`` too.
    """

    #: The cluster the host belongs to now (ha_cluster_discovery).
    current_cluster_id: str | None = None
    #: The host's application and database instances now (sap_system_discovery).
    application_instances: tuple[KnownApplicationInstance, ...] = ()
    database_instances: tuple[KnownDatabaseInstance, ...] = ()
    #: The SAP instances of the host's cluster CIB (sap_system_discovery: ``clustered``).
    cluster_sap_instances: tuple[ClusterSapInstance, ...] = ()
    #: The host has at least one application or database instance (saptune_discovery).
    sap_running: bool = False
    received_at: datetime | None = None

    @property
    def received_at_iso(self) -> str | None:
        return self.received_at.isoformat() if self.received_at is not None else None
