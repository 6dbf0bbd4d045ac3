"""E-mail alerts (spec §6): the SMTP settings people edit in the admin, and every alert with its fate."""

from django.db import models

from apps.core.secrets import EncryptedTextField


class AlertingSettings(models.Model):
    """One row: how alerts are sent, unless the ENABLE_ALERTING environment variables set it."""

    enabled = models.BooleanField("send alerts", default=False)
    smtp_server = models.CharField("SMTP server", max_length=255, blank=True, help_text="e.g. smtp.example.com")
    smtp_port = models.PositiveIntegerField("SMTP port", default=587, help_text="587 (STARTTLS), 465 (TLS) or 25.")
    smtp_user = models.CharField("SMTP user", max_length=255, blank=True, help_text="Empty: no login.")
    smtp_password = EncryptedTextField("SMTP password", blank=True, help_text="Stored encrypted.")
    sender = models.EmailField("from", blank=True, help_text="The address alerts come from.")
    recipients = models.TextField(
        blank=True, help_text="Who receives alerts: e-mail addresses, one per line or separated by commas."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "alerting settings"

    def __str__(self) -> str:
        return "Alerting settings"


class Alert(models.Model):
    """Something that went critical, and whether the e-mail about it went out."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event_id = models.UUIDField(unique=True, help_text="The event that raised it (each raises one alert).")
    component = models.CharField(max_length=20, help_text="host, cluster, database, SAP system or heartbeat")
    component_id = models.CharField(max_length=64)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    tries = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the last try failed.")
    mail_id = models.UUIDField(null=True, blank=True, help_text="The e-mail it went out in (a digest holds many).")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a sender took it (retaken if it died).")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return self.subject
