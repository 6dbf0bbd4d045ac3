"""What people configure: systems, the events they emit, the actions they accept, and contracts."""

import base64
import re
import secrets
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Manager
from django.utils import timezone
from django.utils.text import slugify
from jsonschema import Draft202012Validator, SchemaError

from apps.core.secrets import EncryptedTextField
from apps.hub import templating


class Operation(models.TextChoices):
    SELECT = "select", "Select (read)"
    NEW = "new", "New (create)"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    PROCESS = "process", "Process"


class LiveManager(models.Manager):
    """Hides soft-deleted rows; ``all_objects`` still sees them for history."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Configured(models.Model):
    """Common to everything people configure: a name, a stable identifier, soft deletion."""

    name = models.CharField(
        max_length=120, help_text="A short name people recognise, e.g. 'Web shop', 'Order placed' or 'Create account'."
    )
    identifier = models.CharField(
        max_length=150,
        unique=True,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                "Use letters, digits, '_', '-' and '.', starting with a letter or digit.",
            )
        ],
        help_text="Generated from the name when left empty; it never changes afterwards, so URLs keep working.",
    )
    description = models.TextField(blank=True, help_text="Optional: what it is for, in plain words.")
    is_active = models.BooleanField("active", default=True, help_text="Inactive items are kept but not used.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    all_objects = Manager()
    objects = LiveManager()

    class Meta:
        abstract = True
        ordering = ["name"]
        default_manager_name = "objects"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.identifier:
            self.identifier = self._unique_identifier(self.identifier_base())
        super().save(*args, **kwargs)

    def identifier_base(self) -> str:
        return slugify(self.name).replace("-", "_") or "item"

    def _unique_identifier(self, base: str) -> str:
        manager = type(self).all_objects
        candidate, number = base, 1
        while manager.filter(identifier=candidate).exclude(pk=self.pk).exists():
            number += 1
            candidate = f"{base}_{number}"
        return candidate

    def validate_unique(self, exclude=None) -> None:
        super().validate_unique(exclude)
        # Deleted items keep their identifiers (history, URLs): a new item may not take one.
        if self.identifier and type(self).all_objects.filter(identifier=self.identifier).exclude(pk=self.pk).exists():
            raise ValidationError(
                {"identifier": f"{self.identifier!r} is already used by another {self._meta.verbose_name} "
                 "(perhaps a deleted one)."}
            )  # fmt: skip

    def soft_delete(self) -> None:
        """Hide the item (it stays for history), and everything that would stop working without it."""
        self.deleted_at = timezone.now()
        self.is_active = False
        self.save(update_fields=["deleted_at", "is_active", "updated_at"])
        for dependent in self.dependents():
            dependent.soft_delete()

    def dependents(self) -> list["Configured"]:
        return []


#: Systems Junction brings along (its agents, landscape, checks engine and itself): their events are
#: listed apart from the ones people define.
BUILTIN_SYSTEMS = frozenset({"agents", "checks", "junction", "landscape"})


class System(Configured):
    class Role(models.TextChoices):
        PRODUCER = "producer", "Producer (sends events)"
        SUBSCRIBER = "subscriber", "Subscriber (receives actions)"
        BOTH = "both", "Producer and subscriber"

    kind = models.CharField(
        "type",
        max_length=60,
        blank=True,
        help_text="What kind of system this is, e.g. Microservice, ERP, CRM, SaaS.",
    )
    role = models.CharField(
        max_length=10,
        choices=Role.choices,
        default=Role.BOTH,
        help_text="Producers send events to Junction; subscribers receive the actions of contracts.",
    )
    oauth_application = models.OneToOneField(
        "oauth2_provider.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="system",
        editable=False,
        help_text="The OAuth2 client this system uses to get tokens for sending events.",
    )

    class Meta(Configured.Meta):
        pass

    def dependents(self) -> list[Configured]:
        return [*self.event_types.all(), *self.actions.all()]

    @property
    def is_builtin(self) -> bool:
        return self.identifier in BUILTIN_SYSTEMS

    @property
    def is_producer(self) -> bool:
        return self.role in {self.Role.PRODUCER, self.Role.BOTH}

    @property
    def is_subscriber(self) -> bool:
        return self.role in {self.Role.SUBSCRIBER, self.Role.BOTH}


class EventType(Configured):
    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        related_name="event_types",
        help_text="The one system that produces this event.",
    )
    operation = models.CharField(
        max_length=10,
        choices=Operation.choices,
        default=Operation.NEW,
        help_text="What happened to the data in the producer: read, created, updated, deleted or processed.",
    )
    payload_schema = models.JSONField(
        "payload JSON Schema",
        null=True,
        blank=True,
        help_text="Optional JSON Schema; events whose body does not match it are refused with the failing path.",
    )

    class Meta(Configured.Meta):
        verbose_name = "event"

    def __str__(self) -> str:
        return f"{self.system.name} · {self.name}"

    def identifier_base(self) -> str:
        return f"{self.system.identifier}.{super().identifier_base()}"

    def dependents(self) -> list[Configured]:
        return list(self.contracts.all())

    def clean(self) -> None:
        if self.system_id and not self.system.is_producer:
            raise ValidationError({"system": f"{self.system} is not a producer: only producers send events."})
        if self.payload_schema is not None:
            try:
                Draft202012Validator.check_schema(self.payload_schema)
            except SchemaError as exc:
                path = "/".join(str(p) for p in exc.path) or "(top level)"
                raise ValidationError({"payload_schema": f"Not a valid JSON Schema at {path}: {exc.message}"}) from None


HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")


class Action(Configured):
    class Method(models.TextChoices):
        GET = "GET"
        POST = "POST"
        PUT = "PUT"
        PATCH = "PATCH"
        DELETE = "DELETE"

    class Auth(models.TextChoices):
        NONE = "none", "No authentication"
        BEARER = "bearer", "Static bearer token"
        BASIC = "basic", "Basic auth (user and password)"
        OAUTH2 = "oauth2", "OAuth2 client credentials"

    system = models.ForeignKey(
        System,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text="The system that performs this action.",
    )
    operation = models.CharField(
        max_length=10,
        choices=Operation.choices,
        default=Operation.NEW,
        help_text="What the action does to the data in the subscriber: read, create, update, delete or process.",
    )
    method = models.CharField(
        max_length=6, choices=Method.choices, default=Method.POST, help_text="The HTTP method of the request."
    )
    url = models.CharField(
        "URL",
        max_length=2000,
        help_text="Where to send the request, e.g. https://erp.example.com/accounts/{{ $.body.customer.id }}",
    )
    headers = models.JSONField(
        default=dict, blank=True, help_text='Header names and values, e.g. {"X-Source": "junction"}.'
    )
    query_params = models.JSONField(
        "query parameters",
        default=dict,
        blank=True,
        help_text='Added to the URL, e.g. {"customer": "{{ $.body.customer.id }}"} gives ?customer=42.',
    )
    body = models.JSONField(
        null=True,
        blank=True,
        help_text='The JSON body; values can take parts of the event, e.g. {"id": "{{ $.body.customer.id }}"}. '
        "Empty sends the event's body as it was received.",
    )
    timeout_seconds = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="How long to wait for the answer (1 to 120 seconds); a try that takes longer failed and is retried.",
    )
    auth = models.CharField(
        "authentication",
        max_length=10,
        choices=Auth.choices,
        default=Auth.NONE,
        help_text="How Junction proves who it is to the subscriber.",
    )
    auth_username = models.CharField("user name", max_length=200, blank=True, help_text="For basic auth.")
    auth_secret = EncryptedTextField(
        "password or token",
        blank=True,
        help_text="The basic-auth password or the static bearer token. Stored encrypted; never shown again.",
    )
    oauth_token_url = models.URLField(
        "token URL",
        max_length=2000,
        blank=True,
        help_text="For OAuth2: where Junction gets an access token, e.g. https://login.example.com/oauth/token.",
    )
    oauth_client_id = models.CharField(
        "client id", max_length=200, blank=True, help_text="For OAuth2: the client id the subscriber gave you."
    )
    oauth_client_secret = EncryptedTextField(
        "client secret", blank=True, help_text="Stored encrypted; never shown again."
    )
    oauth_scope = models.CharField(
        "scope", max_length=500, blank=True, help_text="For OAuth2, optional: the scopes to ask for, space-separated."
    )
    oauth_token_path = models.CharField(
        "access token JSONPath",
        max_length=200,
        default="$.access_token",
        help_text="Where the access token is in the token endpoint's response.",
    )
    max_tries = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="How many times a delivery is tried before it is given up (1 means no retry).",
    )
    retry_base_seconds = models.PositiveIntegerField(
        "first retry after (seconds)",
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Each later retry waits twice as long, with some randomness, up to the maximum below.",
    )
    retry_max_seconds = models.PositiveIntegerField(
        "longest wait between tries (seconds)",
        default=3600,
        validators=[MinValueValidator(1)],
        help_text="Retries never wait longer than this, whatever the backoff or the subscriber's Retry-After says.",
    )
    signing_secret = EncryptedTextField(
        blank=True,
        editable=False,
        help_text="Signs every delivery (Standard Webhooks headers) so subscribers can verify it came from Junction.",
    )
    response_event_type = models.ForeignKey(
        "EventType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="produced_by_actions",
        verbose_name="the response is the event",
        help_text="Optional: the response body enters Junction as this event and runs its own contracts (chaining).",
    )
    max_in_flight = models.PositiveSmallIntegerField(
        "requests at once",
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="How many deliveries to this action may wait for an answer at the same time (per worker). "
        "Raise it for a fast API that takes a lot of traffic; lower it for a fragile one.",
    )
    ordering_key = models.CharField(
        "keep in order by",
        max_length=200,
        blank=True,
        help_text="Optional: a JSONPath such as $.body.customer.id. Deliveries with the same value go out one at "
        "a time, in the order the events arrived; a failing one holds back only its own value's later ones.",
    )
    disabled_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When Junction stopped delivering to this action because its endpoint kept failing or is gone.",
    )
    disabled_reason = models.CharField(max_length=500, blank=True, editable=False)

    class Meta(Configured.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.system.name} · {self.name}"

    def save(self, *args, **kwargs):
        if not self.signing_secret:
            self.signing_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        super().save(*args, **kwargs)

    def identifier_base(self) -> str:
        return f"{self.system.identifier}.{super().identifier_base()}"

    def dependents(self) -> list[Configured]:
        return list(self.contracts.all())

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.retry_max_seconds < self.retry_base_seconds:
            errors["retry_max_seconds"] = "The longest wait cannot be shorter than the first one."
        if self.system_id and not self.system.is_subscriber:
            errors["system"] = f"{self.system} is not a subscriber: only subscribers perform actions."
        for field in ("url", "headers", "query_params", "body"):
            try:
                templating.validate(getattr(self, field), field)
            except templating.TemplateError as exc:
                errors[field] = f"{exc.where}: {exc.message}" if exc.where != field else exc.message
        if "url" not in errors and (problem := url_problem(self.url)):
            errors["url"] = problem
        if not isinstance(self.headers, dict):
            errors["headers"] = 'Headers must be a JSON object of names and values, e.g. {"X-Source": "junction"}.'
        elif bad := [name for name in self.headers if not HEADER_NAME.match(name)]:
            errors["headers"] = f"{bad[0]!r} is not a valid header name."
        if not isinstance(self.query_params, dict):
            errors["query_params"] = "Query parameters must be a JSON object of names and values."
        if self.ordering_key:
            try:
                templating.compile_path(self.ordering_key)
            except templating.TemplateError as exc:
                errors["ordering_key"] = exc.message
        if self.auth == self.Auth.OAUTH2:
            for field in ("oauth_token_url", "oauth_client_id", "oauth_client_secret"):
                if not getattr(self, field):
                    errors[field] = "Required for OAuth2 client credentials."
            try:
                templating.compile_path(self.oauth_token_path)
            except templating.TemplateError as exc:
                errors["oauth_token_path"] = exc.message
        if self.auth in {self.Auth.BEARER, self.Auth.BASIC} and not self.auth_secret:
            errors["auth_secret"] = "Required for this kind of authentication."
        if self.auth == self.Auth.BASIC and not self.auth_username:
            errors["auth_username"] = "Required for basic auth."
        if errors:
            raise ValidationError(errors)


PLACEHOLDER = re.compile(r"\{\{.*?\}\}")
HOST = re.compile(r"^[A-Za-z0-9._~%:-]+$")  # a name, an IPv4 address or (without brackets) an IPv6 address


def url_problem(url: str) -> str:
    """What is wrong with an action's URL template, or ''. Placeholders stand for any value; internal
    single-label host names (http://erp:8080/) are fine."""
    parts = urlsplit(PLACEHOLDER.sub("x", url.strip()))
    if parts.scheme not in {"http", "https"}:
        return "The URL must start with http:// or https://."
    host = parts.hostname
    if not host:
        return "The URL has no host name after http(s)://, e.g. https://erp.example.com/accounts."
    if not HOST.match(host):
        return f"{host!r} is not a valid host name (spaces or special characters?)."
    try:
        parts.port  # noqa: B018 (raises on a port that is not a number from 0 to 65535)
    except ValueError:
        return "The port after the host name must be a number from 1 to 65535."
    return ""


class Contract(Configured):
    event_type = models.ForeignKey(
        EventType,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name="when this event happens",
        help_text="WHEN: the event of a producer system that starts this contract.",
    )
    action = models.ForeignKey(
        Action,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name="do this action",
        help_text="THEN: the action a subscriber system performs for each such event.",
    )
    condition = models.CharField(
        max_length=1000,
        blank=True,
        help_text="Optional JSONPath: the contract only runs for events where it finds a value that is not "
        'false or null. Examples: $.body.customer.vip  ·  $[?(@.body.country == "DE")]  ·  '
        "$.body.items[?(@.quantity > 10)]",
    )

    class Meta(Configured.Meta):
        pass

    def __str__(self) -> str:
        return self.name

    @property
    def sentence(self) -> str:
        return (
            f"WHEN in {self.event_type.system.name} `{self.event_type.name}` happens "
            f"THEN in {self.action.system.name} do `{self.action.name}`"
        )

    def clean(self) -> None:
        if self.condition:
            try:
                templating.compile_path(self.condition)
            except templating.TemplateError as exc:
                raise ValidationError({"condition": exc.message}) from None


class ApiKey(models.Model):
    """A producer's credential. Only a hash is stored; the key itself is shown once, when created."""

    system = models.ForeignKey(
        System, on_delete=models.CASCADE, related_name="api_keys", help_text="The system that sends events with it."
    )
    name = models.CharField(max_length=120, help_text="What the key is for, e.g. 'production' or 'rotation 2026'.")
    prefix = models.CharField(max_length=16, editable=False, help_text="The start of the key, to tell keys apart.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
