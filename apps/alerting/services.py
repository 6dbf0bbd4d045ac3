"""E-mail alerts (spec §6): when a host, cluster, database or SAP system goes critical, and when a
host's heartbeat fails, one alert is recorded and mailed.

Only transitions raise alerts: the aggregates emit a health event only when the health changes, so
an alert never repeats while something stays critical. Alerts raised within ``ALERT_DIGEST_SECONDS``
of each other go out as one e-mail (a whole cluster failing is one mail, not fifty). A failed send
is kept with its error (visible in the admin) and retried by the beat job up to ``ALERT_MAX_TRIES``.

Configuration: Trento's variables (``ENABLE_ALERTING``, ``SMTP_SERVER`` ...) win when
``ENABLE_ALERTING`` is set, and the stored settings are then read-only; otherwise staff edit them.
"""

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework import status

from apps.alerting.models import Alert, AlertingSettings
from apps.core.api import ApplicationError
from apps.eventstore.store import RecordedEvent
from apps.landscape.models import ApplicationInstance, Cluster, Database, DatabaseInstance, Host, SapSystem

logger = logging.getLogger(__name__)

#: The events that raise an alert, and what the alert names: (component, model, name field).
HEALTH_EVENTS = {
    "HostHealthChanged": ("Host", "host_id", Host, "hostname"),
    "ClusterHealthChanged": ("Cluster", "cluster_id", Cluster, "name"),
    "DatabaseHealthChanged": ("Database", "database_id", Database, "sid"),
    "SapSystemHealthChanged": ("SAP system", "sap_system_id", SapSystem, "sid"),
}
ALERTING_EVENTS = (*HEALTH_EVENTS, "HeartbeatFailed")
#: A sender that died holding alerts gives them back after this long.
CLAIM_SECONDS = 60
MAX_PER_MAIL = 100


@dataclass(frozen=True)
class Config:
    enabled: bool
    smtp_server: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    sender: str
    recipients: list[str]
    #: Set by the environment (ENABLE_ALERTING ...): the stored settings cannot change it.
    enforced: bool

    @property
    def complete(self) -> bool:
        return bool(self.smtp_server and self.sender and self.recipients)


def addresses(text: str) -> list[str]:
    return [address for address in re.split(r"[\s,;]+", text) if address]


def config() -> Config:
    if settings.ALERTING_ENFORCED:
        return Config(
            enabled=settings.ENABLE_ALERTING,
            smtp_server=settings.SMTP_SERVER,
            smtp_port=settings.SMTP_PORT,
            smtp_user=settings.SMTP_USER,
            smtp_password=settings.SMTP_PASSWORD,
            sender=settings.ALERT_SENDER,
            recipients=addresses(settings.ALERT_RECIPIENT),
            enforced=True,
        )
    stored = settings_get()
    return Config(
        enabled=stored.enabled,
        smtp_server=stored.smtp_server,
        smtp_port=stored.smtp_port,
        smtp_user=stored.smtp_user,
        smtp_password=stored.smtp_password,
        sender=stored.sender,
        recipients=addresses(stored.recipients),
        enforced=False,
    )


def settings_get() -> AlertingSettings:
    return AlertingSettings.objects.get_or_create(pk=1)[0]


def settings_update(**changes: object) -> AlertingSettings:
    """Change the stored settings (refused with ``alerting_settings_enforced`` when the environment sets them)."""
    if settings.ALERTING_ENFORCED:
        raise ApplicationError(
            "alerting_settings_enforced",
            "Alerting is set by the ENABLE_ALERTING, SMTP_* and ALERT_* environment variables; change them there.",
            status_code=status.HTTP_409_CONFLICT,
        )
    stored = settings_get()
    for name, value in changes.items():
        setattr(stored, name, value)
    stored.save()
    return stored


# --- Raising ----------------------------------------------------------------------------------


def alert_raise(event: RecordedEvent) -> Alert | None:
    """Record the alert ``event`` raises, if any, and have it mailed shortly (with any others raised meanwhile).

    Nothing is recorded while alerting is off, nor for an event older than ``ALERT_MAX_AGE_MINUTES``
    (a subscription catching up on history must not mail the past).
    """
    if event.recorded_at < timezone.now() - timedelta(minutes=settings.ALERT_MAX_AGE_MINUTES):
        return None
    if event.type == "HeartbeatFailed":
        content = _heartbeat_failed(event)
    elif event.data.get("health") == "critical":
        content = _health_critical(event)
    else:
        return None
    if not config().enabled:
        return None
    component, component_id, subject, body = content
    alert, created = Alert.objects.get_or_create(
        event_id=event.event_id,
        defaults={
            "component": component,
            "component_id": component_id,
            "subject": subject,
            "body": body,
            "occurred_at": event.recorded_at,
        },
    )
    if created:
        from apps.alerting.tasks import send_alerts_task

        countdown = settings.ALERT_DIGEST_SECONDS
        transaction.on_commit(lambda: send_alerts_task.apply_async(countdown=countdown), robust=True)
    return alert


def _health_critical(event: RecordedEvent) -> tuple[str, str, str, str]:
    component, id_field, model, name_field = HEALTH_EVENTS[event.type]
    component_id = event.data[id_field]
    name = model.objects.filter(pk=component_id).values_list(name_field, flat=True).first() or component_id
    subject = f"{component} {name} health is now in critical state"
    body = f"{subject}.\n\n{component}: {name} ({component_id})\nSince: {event.recorded_at:%Y-%m-%d %H:%M:%S %Z}\n"
    return component.lower(), component_id, subject, body


def _heartbeat_failed(event: RecordedEvent) -> tuple[str, str, str, str]:
    host_id = event.data["host_id"]
    host = Host.objects.filter(pk=host_id).first()
    hostname = host.hostname if host and host.hostname else host_id
    cluster = Cluster.objects.filter(pk=host.cluster_id).values_list("name", flat=True).first() if host else None
    instances = [
        f"{i.sid} {i.instance_number}"
        for model in (ApplicationInstance, DatabaseInstance)
        for i in model.objects.filter(host_id=host_id).order_by("sid", "instance_number")
    ]
    subject = f"Host {hostname}: heartbeat failed"
    body = (
        f"The agent on host {hostname} ({host_id}) stopped sending heartbeats.\n\n"
        f"Failed at: {event.recorded_at:%Y-%m-%d %H:%M:%S %Z}\n"
        f"Cluster: {cluster or '-'}\nInstances on it: {', '.join(instances) or '-'}\n"
    )
    return "heartbeat", host_id, subject, body


# --- Sending ----------------------------------------------------------------------------------


def alerts_send() -> int:
    """Mail the alerts waiting to be sent, all in one e-mail; returns how many went out.

    The alerts are claimed first (so two senders never mail the same alert) and mailed outside any
    transaction (an SMTP server that takes seconds holds no lock).
    """
    now = timezone.now()
    claimable = Alert.objects.filter(status=Alert.Status.PENDING).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - timedelta(seconds=CLAIM_SECONDS))
    )
    ids = list(claimable.order_by("occurred_at", "pk").values_list("pk", flat=True)[:MAX_PER_MAIL])
    mail_id = uuid.uuid4()
    Alert.objects.filter(pk__in=ids).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - timedelta(seconds=CLAIM_SECONDS))
    ).update(claimed_at=now, mail_id=mail_id)
    alerts = list(Alert.objects.filter(mail_id=mail_id).order_by("occurred_at", "pk"))
    if not alerts:
        return 0
    subject, body = _digest(alerts)
    try:
        mail_send(config(), subject, body)
    except (OSError, ValueError) as error:  # smtplib's errors are OSErrors
        _failed(alerts, error)
        return 0
    Alert.objects.filter(mail_id=mail_id).update(status=Alert.Status.SENT, sent_at=timezone.now(), error="")
    return len(alerts)


def _digest(alerts: list[Alert]) -> tuple[str, str]:
    if len(alerts) == 1:
        return alerts[0].subject, alerts[0].body
    subject = f"{len(alerts)} alerts: {alerts[0].subject}, and {len(alerts) - 1} more"
    body = f"{len(alerts)} things need attention:\n\n" + "\n".join(f"- {a.subject}" for a in alerts)
    return subject, body + "\n\n" + "\n---\n".join(a.body for a in alerts)


def _failed(alerts: list[Alert], error: Exception) -> None:
    message = f"{type(error).__name__}: {error}"
    logger.warning("alert e-mail not sent (%d alert(s)): %s", len(alerts), message)
    for alert in alerts:
        alert.tries += 1
        alert.error, alert.claimed_at = message, None
        alert.status = Alert.Status.FAILED if alert.tries >= settings.ALERT_MAX_TRIES else Alert.Status.PENDING
    Alert.objects.bulk_update(alerts, ["tries", "error", "claimed_at", "status"])


def mail_send(cfg: Config, subject: str, body: str) -> None:
    """One e-mail to the recipients over SMTP: TLS from the start on port 465, STARTTLS on 587."""
    if not cfg.complete:
        raise ValueError("alerting needs an SMTP server, a sender and at least one recipient")
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=cfg.smtp_server,
        port=cfg.smtp_port,
        username=cfg.smtp_user or None,
        password=cfg.smtp_password or None,
        use_ssl=cfg.smtp_port == 465,
        use_tls=cfg.smtp_port == 587,
        timeout=settings.ALERT_SMTP_TIMEOUT_SECONDS,
        fail_silently=False,
    )
    EmailMessage(f"[Junction] {subject}", body, cfg.sender, cfg.recipients, connection=connection).send()


def test_mail_send() -> list[str]:
    """Send a test e-mail with the current settings; returns the recipients. A failure says why (422)."""
    cfg = config()
    try:
        mail_send(cfg, "Test e-mail", "This is a test e-mail from Junction: alerts will reach you.\n")
    except (OSError, ValueError) as error:
        raise ApplicationError(
            "test_email_failed",
            f"The test e-mail was not sent: {error}. Check the SMTP server, port, user and password.",
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        ) from None
    return cfg.recipients
