"""Read models of the landscape (spec §9), built from the event store by ``apps.landscape.projections``.

Rows are keyed by the aggregates' ids and only ever written by the projections (plus the heartbeat
side table, written by the heartbeat endpoint): everything here can be rebuilt from the events.
"""

from django.db import models


class Health(models.TextChoices):
    PASSING = "passing"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"


def _health(**kwargs) -> models.CharField:
    return models.CharField(max_length=10, choices=Health.choices, default=Health.UNKNOWN, **kwargs)


class Host(models.Model):
    id = models.UUIDField(primary_key=True, help_text="The agent id.")
    hostname = models.CharField(max_length=255, blank=True, db_index=True)
    fully_qualified_domain_name = models.CharField(max_length=255, blank=True)
    ip_addresses = models.JSONField(default=list)
    netmasks = models.JSONField(default=list)
    agent_version = models.CharField(max_length=60, blank=True)
    arch = models.CharField(max_length=30, blank=True)
    os_version = models.CharField(max_length=60, blank=True)
    cpu_count = models.IntegerField(null=True)
    socket_count = models.IntegerField(null=True)
    total_memory_mb = models.BigIntegerField(null=True)
    installation_source = models.CharField(max_length=30, blank=True)
    prometheus_targets = models.JSONField(null=True)
    prometheus_mode = models.CharField(max_length=10, blank=True)
    systemd_units = models.JSONField(null=True)
    last_boot_timestamp = models.CharField(max_length=40, blank=True)
    provider = models.CharField(max_length=20, blank=True, db_index=True)
    provider_data = models.JSONField(null=True)
    saptune_status = models.JSONField(null=True)
    saptune_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    checks_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    #: Blank while no software updates discovery completed (upstream's not_set).
    software_updates_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    selected_checks = models.JSONField(default=list)
    heartbeat = _health()
    health = _health(db_index=True)
    cluster_id = models.UUIDField(null=True, blank=True, db_index=True)
    cluster_host_status = models.CharField(max_length=10, blank=True)
    stale_at = models.DateTimeField(null=True, blank=True)
    deregistration_requested_at = models.DateTimeField(null=True, blank=True)
    deregistered_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["hostname", "id"]

    def __str__(self) -> str:
        return self.hostname or str(self.id)


class HostAddress(models.Model):
    """One IPv4 address of a host, without prefix length: how enrichment finds a database by ``db_host``."""

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="addresses")
    address = models.CharField(max_length=45, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "address"], name="landscape_unique_host_address")]

    def __str__(self) -> str:
        return self.address


class SlesSubscription(models.Model):
    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="sles_subscriptions")
    identifier = models.CharField(max_length=120)
    version = models.CharField(max_length=40, blank=True)
    arch = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=40, blank=True)
    subscription_status = models.CharField(max_length=60, blank=True)
    type = models.CharField(max_length=40, blank=True)
    starts_at = models.CharField(max_length=40, blank=True)
    expires_at = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.identifier


class Heartbeat(models.Model):
    """Side table: the last heartbeat of each agent (no event per beat; only transitions are events)."""

    agent_id = models.UUIDField(primary_key=True)
    timestamp = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.agent_id} at {self.timestamp}"


class Cluster(models.Model):
    class Type(models.TextChoices):
        HANA_SCALE_UP = "hana_scale_up", "HANA scale-up"
        HANA_SCALE_OUT = "hana_scale_out", "HANA scale-out"
        ASCS_ERS = "ascs_ers", "ASCS/ERS"
        UNKNOWN = "unknown", "Unknown"

    id = models.UUIDField(primary_key=True)
    name = models.CharField(max_length=255, blank=True, db_index=True)
    type = models.CharField(max_length=20, choices=Type.choices, blank=True)
    state = models.CharField(max_length=40, blank=True)
    provider = models.CharField(max_length=20, blank=True)
    sap_instances = models.JSONField(null=True)
    resources_number = models.IntegerField(null=True)
    hosts_number = models.IntegerField(null=True)
    details = models.JSONField(null=True)
    replication_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    distributed_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    sbd_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    checks_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    selected_checks = models.JSONField(default=list)
    health = _health(db_index=True)
    stale_at = models.DateTimeField(null=True, blank=True)
    deregistered_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name or str(self.id)


class ClusterEnrichment(models.Model):
    """Side table written while processing cluster discoveries (not an event: the CIB changes often)."""

    cluster_id = models.UUIDField(primary_key=True)
    cib_last_written = models.CharField(max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return str(self.cluster_id)


class Database(models.Model):
    id = models.UUIDField(primary_key=True)
    sid = models.CharField(max_length=10, db_index=True)
    tenants = models.JSONField(default=list)
    health = _health(db_index=True)
    stale_at = models.DateTimeField(null=True, blank=True)
    deregistered_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["sid", "id"]

    def __str__(self) -> str:
        return self.sid

    @property
    def tenant_names(self) -> list[str]:
        return [tenant.get("name") for tenant in self.tenants or []]


class DatabaseInstance(models.Model):
    database = models.ForeignKey(Database, on_delete=models.CASCADE, related_name="instances")
    host_id = models.UUIDField(db_index=True)
    instance_number = models.CharField(max_length=2)
    sid = models.CharField(max_length=10)
    instance_hostname = models.CharField(max_length=255, blank=True)
    features = models.CharField(max_length=255, blank=True)
    http_port = models.IntegerField(null=True)
    https_port = models.IntegerField(null=True)
    start_priority = models.CharField(max_length=20, blank=True)
    health = _health()
    system_replication = models.CharField(max_length=20, blank=True)
    system_replication_status = models.CharField(max_length=40, blank=True)
    system_replication_site = models.CharField(max_length=120, blank=True)
    system_replication_site_id = models.IntegerField(null=True)
    system_replication_mode = models.CharField(max_length=40, blank=True)
    system_replication_operation_mode = models.CharField(max_length=40, blank=True)
    system_replication_source_site = models.CharField(max_length=120, blank=True)
    system_replication_tier = models.IntegerField(null=True)
    absent_at = models.DateTimeField(null=True, blank=True)
    stale_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["database_id", "host_id", "instance_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["database", "host_id", "instance_number"], name="landscape_unique_database_instance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sid} {self.instance_number} on {self.host_id}"


class SapSystem(models.Model):
    id = models.UUIDField(primary_key=True)
    sid = models.CharField(max_length=10, blank=True, db_index=True)
    tenant = models.CharField(max_length=60, blank=True)
    db_host = models.CharField(max_length=255, blank=True)
    database_id = models.UUIDField(null=True, db_index=True)
    ensa_version = models.CharField(max_length=10, blank=True)
    health = _health(db_index=True)
    database_health = models.CharField(max_length=10, choices=Health.choices, blank=True)
    database_stale_at = models.DateTimeField(null=True, blank=True)
    stale_at = models.DateTimeField(null=True, blank=True)
    #: Instances accumulate before the system is complete (message server + ABAP/J2EE) and registered.
    registered = models.BooleanField(default=False)
    deregistered_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["sid", "id"]
        verbose_name = "SAP system"

    def __str__(self) -> str:
        return self.sid or str(self.id)


class ApplicationInstance(models.Model):
    sap_system = models.ForeignKey(SapSystem, on_delete=models.CASCADE, related_name="instances")
    host_id = models.UUIDField(db_index=True)
    instance_number = models.CharField(max_length=2)
    sid = models.CharField(max_length=10, blank=True)
    instance_hostname = models.CharField(max_length=255, blank=True)
    features = models.CharField(max_length=255, blank=True)
    http_port = models.IntegerField(null=True)
    https_port = models.IntegerField(null=True)
    start_priority = models.CharField(max_length=20, blank=True)
    health = _health()
    absent_at = models.DateTimeField(null=True, blank=True)
    stale_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sap_system_id", "host_id", "instance_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["sap_system", "host_id", "instance_number"], name="landscape_unique_application_instance"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sid} {self.instance_number} on {self.host_id}"
