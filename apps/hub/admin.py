"""The hub's admin: where people who are not developers wire systems together.

Every configured item is soft-deleted (hidden, kept for history); secrets are typed in but never shown
again; credentials created here (API keys, OAuth2 clients) are shown once, on the page that creates them.
"""

import json
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from apps.core.http import HttpResult
from apps.hub.forms import (
    ActionForm,
    ApiKeyForm,
    ContractTestForm,
    PrettyJSONField,
    TestSendForm,
    pretty_json,
    schema_example,
)
from apps.hub.models import BUILTIN_SYSTEMS, Action, ApiKey, Configured, Contract, EventType, System
from apps.hub.outbound import TestSendResult, action_test_send, contract_test, event_context, sample_context
from apps.hub.samples import event_samples, sample_fields, schema_from_samples
from apps.hub.sending import HowToSend, how_to_send
from apps.hub.services import action_signing_secret_rotate, api_key_create, api_key_revoke, oauth_client_create

PRODUCER_ROLES = [System.Role.PRODUCER, System.Role.BOTH]
SUBSCRIBER_ROLES = [System.Role.SUBSCRIBER, System.Role.BOTH]
#: Which systems the autocomplete offers for a foreign key, by (model, field) of the form asking.
AUTOCOMPLETE_ROLES = {("eventtype", "system"): PRODUCER_ROLES, ("action", "system"): SUBSCRIBER_ROLES}


def json_block(value: Any) -> SafeString:
    return format_html('<pre class="json-block">{}</pre>', pretty_json(value))


def readable_body(text: str) -> str:
    """A body as text, indented when it is JSON."""
    try:
        return pretty_json(json.loads(text))
    except ValueError:
        return text


def titled_filter(title: str) -> type[admin.RelatedOnlyFieldListFilter]:
    """A related-object filter with a title of its own (two filters on ``system`` would both say "system")."""

    class Filter(admin.RelatedOnlyFieldListFilter):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Filter


def secret_once_response(
    request: HttpRequest,
    model_admin: "ConfiguredAdmin",
    obj: Configured,
    *,
    title: str,
    secrets: list[tuple[str, str]],
    how: HowToSend | None = None,
) -> HttpResponse:
    """A page showing freshly created credentials, which Junction cannot show again.

    The page is the answer to the POST that created them, not a redirect with a message: messages
    travel in a cookie, and the credentials must not. (Admin views are already sent with no-store.)
    """
    return model_admin.render_page(
        request, obj, "admin/hub/secret_once.html", title=title, secrets=secrets, how=how, how_id="key", key_shown=True
    )


#: One-line boxes whose values are long: URL templates, conditions.
WIDE_FIELDS = {"url", "condition", "oauth_token_url", "ordering_key"}


class ConfiguredAdmin(admin.ModelAdmin):
    """Common to systems, events, actions and contracts."""

    list_per_page = 50
    # Explicit, because the model's default ordering is dropped from the annotated (GROUP BY) system queries.
    ordering = ["name"]

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any):
        if isinstance(db_field, models.JSONField):
            kwargs.update(form_class=PrettyJSONField, empty_value=None if db_field.null else db_field.get_default())
        elif isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in WIDE_FIELDS:
            field.widget.attrs["class"] = "vTextField hub-wide"
        return field

    def get_readonly_fields(self, request: HttpRequest, obj: Configured | None = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "identifier"] if obj is not None else readonly

    # Deleting hides an item and stops its use; its row stays, so what was recorded about it stays readable.
    def delete_model(self, request: HttpRequest, obj: Configured) -> None:
        obj.soft_delete()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            obj.soft_delete()

    def get_deleted_objects(self, objs, request: HttpRequest):
        # Nothing related is deleted, so nothing is protected and no other permission is needed.
        return [str(obj) for obj in objs], {self.opts.verbose_name_plural: len(objs)}, set(), []

    def object_for_change(self, request: HttpRequest, object_id: str) -> Any:
        """The live object, for a page that changes it, or 404 / 403."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"There is no {self.opts.verbose_name} {object_id}.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def render_page(self, request: HttpRequest, obj: Configured, template: str, **context: Any) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.opts, "original": obj, **context}
        return TemplateResponse(request, template, context)

    def confirm_page(
        self, request: HttpRequest, obj: Configured, *, title: str, intro: str, submit: str, form: Form | None = None
    ) -> TemplateResponse:
        return self.render_page(
            request, obj, "admin/hub/confirm.html", title=title, intro=intro, submit=submit, form=form
        )

    def change_url(self, obj: Configured) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])


def picker_event_types(*, first: list[EventType]) -> list[EventType]:
    """The events a field picker offers: the given ones (a contract's event), then people's own."""
    own = EventType.objects.select_related("system").exclude(system__identifier__in=BUILTIN_SYSTEMS)
    return list(dict.fromkeys([*first, *own.order_by("system__name", "name")]))


class ApiKeyInline(admin.TabularInline):
    """The system's API keys: read-only, each with a link to revoke it."""

    model = ApiKey
    fields = ["prefix", "name", "created_at", "last_used_at", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "API keys (for sending events)"

    def has_add_permission(self, request: HttpRequest, obj: System | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: System | None = None) -> bool:
        return False

    @admin.display(description="status")
    def status(self, key: ApiKey) -> str:
        if not key.is_active:
            return format_html("revoked {}", date_format(localtime(key.revoked_at), "DATETIME_FORMAT"))
        url = reverse("admin:hub_system_api_key_revoke", args=[key.system_id, key.pk])
        return format_html('active · <a class="deletelink" href="{}">Revoke</a>', url)


@admin.register(System)
class SystemAdmin(ConfiguredAdmin):
    list_display = ["name", "identifier", "kind", "role", "is_active", "event_count", "action_count"]
    list_filter = ["role", "is_active", "kind"]
    search_fields = ["name", "identifier", "kind", "description"]
    readonly_fields = ["oauth_client"]
    fieldsets = [
        (None, {"fields": ["name", "identifier", "kind", "role", "description", "is_active"]}),
        (
            "OAuth2",
            {
                "fields": ["oauth_client"],
                "description": "A producer can get tokens with OAuth2 client credentials instead of using an API "
                "key. Use the “Create OAuth2 client” button above.",
            },
        ),
    ]
    inlines = [ApiKeyInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .select_related("oauth_application")
            .annotate(
                event_count=Count("event_types", filter=Q(event_types__deleted_at__isnull=True), distinct=True),
                action_count=Count("actions", filter=Q(actions__deleted_at__isnull=True), distinct=True),
            )
        )

    def get_inlines(self, request: HttpRequest, obj: System | None) -> list:
        return self.inlines if obj is not None and obj.is_producer else []

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        roles = AUTOCOMPLETE_ROLES.get((request.GET.get("model_name"), request.GET.get("field_name")))
        if roles and request.path == reverse("admin:autocomplete"):
            queryset = queryset.filter(role__in=roles)
        return queryset, may_have_duplicates

    @admin.display(description="events", ordering="event_count")
    def event_count(self, system: System) -> str:
        url = reverse("admin:hub_eventtype_changelist") + f"?system__id__exact={system.pk}"
        return format_html('<a href="{}">{}</a>', url, system.event_count)

    @admin.display(description="actions", ordering="action_count")
    def action_count(self, system: System) -> str:
        url = reverse("admin:hub_action_changelist") + f"?system__id__exact={system.pk}"
        return format_html('<a href="{}">{}</a>', url, system.action_count)

    @admin.display(description="OAuth2 client id")
    def oauth_client(self, system: System) -> str:
        application = system.oauth_application
        return application.client_id if application else "None yet."

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/api-keys/new/", view(self.api_key_create_view), name="hub_system_api_key_create"),
            path(
                "<path:object_id>/api-keys/<int:key_id>/revoke/",
                view(self.api_key_revoke_view),
                name="hub_system_api_key_revoke",
            ),
            path("<path:object_id>/oauth-client/", view(self.oauth_client_view), name="hub_system_oauth_client"),
            *super().get_urls(),
        ]

    def api_key_create_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        system = self.object_for_change(request, object_id)
        form = ApiKeyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            api_key, key = api_key_create(system=system, name=form.cleaned_data["name"])
            self.log_change(request, system, f"Created the API key {api_key.prefix}… ({api_key.name}).")
            how = how_to_send(
                base_url=request.build_absolute_uri("/").rstrip("/"),
                system=system,
                event_type=system.event_types.filter(is_active=True).order_by("name").first(),
                key=key,
            )
            return secret_once_response(
                request, self, system, title=f"New API key for {system}", secrets=[("API key", key)], how=how
            )
        return self.confirm_page(
            request,
            system,
            title=f"Create an API key for {system}",
            intro=f"{system} sends it in the X-API-Key header with every event. A system can have several "
            "keys at once, so a new key can be rolled out before the old one is revoked.",
            submit="Create the key",
            form=form,
        )

    def api_key_revoke_view(self, request: HttpRequest, object_id: str, key_id: int) -> HttpResponse:
        system = self.object_for_change(request, object_id)
        api_key = ApiKey.objects.filter(system=system, pk=key_id).first()
        if api_key is None:
            raise Http404("There is no such API key.")
        if request.method == "POST":
            api_key_revoke(api_key=api_key)
            self.log_change(request, system, f"Revoked the API key {api_key.prefix}… ({api_key.name}).")
            self.message_user(request, f"The API key {api_key} is revoked.", messages.SUCCESS)
            return HttpResponseRedirect(self.change_url(system))
        return self.confirm_page(
            request,
            system,
            title=f"Revoke the API key {api_key}?",
            intro=f"Events sent with this key will be refused from now on. {system}'s other keys keep working.",
            submit="Revoke the key",
        )

    def oauth_client_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        system = self.object_for_change(request, object_id)
        if request.method == "POST":
            client_id, secret = oauth_client_create(system=system)
            self.log_change(request, system, f"Created the OAuth2 client {client_id}.")
            token_url = request.build_absolute_uri(reverse("oauth2_provider:token"))
            credentials = [("Client id", client_id), ("Client secret", secret), ("Token URL", token_url)]
            return secret_once_response(
                request, self, system, title=f"New OAuth2 client for {system}", secrets=credentials
            )
        intro = (
            f"{system} will get access tokens from Junction's token URL with the client credentials grant "
            "and send events with the token in the Authorization header."
        )
        if system.oauth_application:
            intro += (
                f" It already has the client {system.oauth_application.client_id}: "
                "the new one replaces it, and the old one stops working at once."
            )
        return self.confirm_page(
            request, system, title=f"Create an OAuth2 client for {system}", intro=intro, submit="Create the client"
        )


class MadeByFilter(admin.SimpleListFilter):
    """Your own events first: the built-in systems' events (landscape, checks, Junction's own) only on request."""

    title = "origin"
    parameter_name = "made_by"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("builtin", "Built in"), ("all", "Everyone")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "You",
        }
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "all":
            return queryset
        builtin = Q(system__identifier__in=BUILTIN_SYSTEMS)
        return queryset.filter(builtin) if self.value() == "builtin" else queryset.exclude(builtin)


@admin.register(EventType)
class EventTypeAdmin(ConfiguredAdmin):
    list_display = ["name", "system", "identifier", "operation", "is_active", "has_schema"]
    list_filter = [MadeByFilter, ("system", admin.RelatedOnlyFieldListFilter), "operation", "is_active"]
    list_select_related = ["system"]
    search_fields = ["name", "identifier", "description", "system__name"]
    autocomplete_fields = ["system"]
    fieldsets = [
        (None, {"fields": ["name", "identifier", "system", "operation", "description", "is_active"]}),
        (
            "What the event's body looks like",
            {
                "fields": ["payload_schema"],
                "description": "A JSON Schema (https://json-schema.org) describing the body producers send. "
                'Example: {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}',
            },
        ),
    ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        """The page says how to send the event: URL, header and a ready-to-paste request."""
        event_type = self.get_object(request, object_id)
        if event_type is not None:
            base_url = request.build_absolute_uri("/").rstrip("/")
            how = how_to_send(base_url=base_url, system=event_type.system, event_type=event_type)
            schema = schema_from_samples(event_type)
            extra_context = {
                "how": how,
                "how_id": "event",
                "system": event_type.system,
                "schema_from_samples": pretty_json(schema) if schema else None,
                **(extra_context or {}),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description="schema", boolean=True)
    def has_schema(self, event_type: EventType) -> bool:
        return event_type.payload_schema is not None

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str):
        """Pickers list people's own systems' events first, by system (see ``autocomplete_group``)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete"):
            builtin = models.Case(models.When(system__identifier__in=BUILTIN_SYSTEMS, then=1), default=0)
            queryset = queryset.select_related("system").order_by(builtin, "system__name", "name")
        return queryset, may_have_duplicates

    def get_urls(self) -> list[URLPattern]:
        fields = path(
            "<path:object_id>/fields/", self.admin_site.admin_view(self.fields_view), name="hub_eventtype_fields"
        )
        return [fields, *super().get_urls()]

    def fields_view(self, request: HttpRequest, object_id: str) -> JsonResponse:
        """The last received events of this type with their fields, for the field pickers."""
        event_type = self.get_object(request, unquote(object_id))
        if event_type is None or not self.has_view_permission(request, event_type):
            raise Http404("There is no such event.")
        samples = [
            {
                "id": str(event.event_id),
                "received_at": date_format(localtime(event.recorded_at), "DATETIME_FORMAT"),
                "fields": [
                    {"path": f.path, "shown": f.shown, "placeholder": f.placeholder, "condition": f.condition}
                    for f in sample_fields(event)
                ],
            }
            for event in event_samples(event_type)
        ]
        return JsonResponse({"event": str(event_type), "samples": samples})

    def autocomplete_group(self, event_type: EventType) -> str:
        return f"{event_type.system.name} (built in)" if event_type.system.is_builtin else event_type.system.name


@admin.register(Action)
class ActionAdmin(ConfiguredAdmin):
    form = ActionForm
    list_display = ["name", "system", "method", "url", "auth", "is_active", "test_link"]
    list_filter = [("system", admin.RelatedOnlyFieldListFilter), "method", "auth", "is_active"]
    list_select_related = ["system"]
    search_fields = ["name", "identifier", "url", "description", "system__name"]
    autocomplete_fields = ["system", "response_event_type"]
    fieldsets = [
        ("What it is", {"fields": ["name", "identifier", "system", "operation", "description", "is_active"]}),
        (
            "The request template",
            {
                "fields": ["method", "url", "headers", "query_params", "body"],
                "description": "Write {{ $.body.customer.id }} anywhere to take a value from the event "
                "(JSONPath: $.body is the event's body, $.headers its headers, $.event.id its id).",
            },
        ),
        (
            "Authentication",
            {
                "fields": [
                    "auth",
                    "auth_username",
                    "auth_secret",
                    "oauth_token_url",
                    "oauth_client_id",
                    "oauth_client_secret",
                    "oauth_scope",
                    "oauth_token_path",
                ],
                "description": "How Junction proves itself to the system. Fill in only what the chosen kind needs.",
            },
        ),
        ("Delivery & retries", {"fields": ["timeout_seconds", "max_tries", "retry_base_seconds", "retry_max_seconds"]}),
        ("Chaining", {"fields": ["response_event_type"], "classes": ["collapse"]}),
    ]

    @admin.display(description="")
    def test_link(self, action: Action) -> str:
        return format_html(
            '<a href="{}">Send test request</a>', reverse("admin:hub_action_test_send", args=[action.pk])
        )

    def get_urls(self) -> list[URLPattern]:
        test = path(
            "<path:object_id>/test/", self.admin_site.admin_view(self.test_send_view), name="hub_action_test_send"
        )
        secret = path(
            "<path:object_id>/signing-secret/",
            self.admin_site.admin_view(self.signing_secret_view),
            name="hub_action_signing_secret",
        )
        return [test, secret, *super().get_urls()]

    def signing_secret_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        action = self.object_for_change(request, object_id)
        if request.method == "POST":
            secret = action_signing_secret_rotate(action=action)
            self.log_change(request, action, "Rotated the signing secret.")
            return secret_once_response(
                request, self, action, title=f"New signing secret of {action}", secrets=[("Signing secret", secret)]
            )
        intro = (
            f"Every delivery of {action} carries webhook-id, webhook-timestamp and webhook-signature headers "
            "(the Standard Webhooks scheme): an HMAC-SHA256 of the id, timestamp and body with this secret, so "
            f"{action.system} can check a request really comes from Junction. A new secret replaces the current "
            "one at once: give it to the subscriber straight away."
        )
        return self.confirm_page(
            request, action, title=f"New signing secret for {action}", intro=intro, submit="Create a new secret"
        )

    def test_send_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        action = self.object_for_change(request, object_id)
        event_type, sample = action_sample(action)
        initial_body = (
            event_context(sample)["body"]
            if sample
            else schema_example(event_type.payload_schema if event_type else None) or {}
        )
        form = TestSendForm(request.POST or None, initial={"sample_body": initial_body, "sample_headers": {}})
        result = None
        if request.method == "POST" and form.is_valid():
            context = sample_context(
                event_type=event_type.identifier if event_type else "test",
                body=form.cleaned_data["sample_body"],
                headers=form.cleaned_data["sample_headers"],
            )
            result = action_test_send(action=action, context=context)
        return self.render_page(
            request,
            action,
            "admin/hub/action/test_send.html",
            title=f"Send a test request: {action}",
            form=form,
            sample=sample,
            sample_event_type=event_type,
            result=result and test_send_display(result),
        )

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        action = self.get_object(request, unquote(object_id))
        first = [c.event_type for c in Contract.objects.filter(action=action).select_related("event_type__system")]
        picker = {"picker_event_types": picker_event_types(first=first), "picker_target": "template"}
        return super().change_view(request, object_id, form_url, {**picker, **(extra_context or {})})

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        picker = {"picker_event_types": picker_event_types(first=[]), "picker_target": "template"}
        return super().add_view(request, form_url, {**picker, **(extra_context or {})})


def action_sample(action: Action) -> tuple[EventType | None, Any]:
    """An event that triggers the action, and the last one received of it (``None`` if none yet)."""
    contracts = Contract.objects.filter(action=action).select_related("event_type").order_by("-updated_at")
    event_types = [contract.event_type for contract in contracts]
    for event_type in event_types:
        if samples := event_samples(event_type, limit=1):
            return event_type, samples[0]
    return (event_types[0] if event_types else None), None


def test_send_display(result: TestSendResult) -> dict[str, Any]:
    """What the test page shows of a test send: request and response with readable bodies."""
    request, response = result.request, result.response
    shown: dict[str, Any] = {"error": result.error}
    if request is not None:
        shown["request"] = {**request, "body": readable_body(request["body"])}
    if isinstance(response, HttpResult) and response.status is not None:
        shown["response"] = {
            "status": response.status,
            "ok": response.ok,
            "headers": response.headers,
            "body": readable_body(response.text()),
            "truncated": response.body_truncated,
            "duration_ms": response.duration_ms,
        }
    return shown


@admin.register(Contract)
class ContractAdmin(ConfiguredAdmin):
    list_display = ["sentence", "is_active", "event_type", "action"]
    list_display_links = ["sentence"]
    list_filter = [
        ("event_type__system", titled_filter("when in system")),
        ("action__system", titled_filter("then in system")),
        "is_active",
    ]
    list_select_related = ["event_type__system", "action__system"]
    search_fields = [
        "name",
        "identifier",
        "description",
        "event_type__name",
        "event_type__system__name",
        "action__name",
        "action__system__name",
    ]
    autocomplete_fields = ["event_type", "action"]
    fieldsets = [
        (None, {"fields": ["name", "identifier", "event_type", "action", "condition", "description", "is_active"]}),
    ]

    def get_urls(self) -> list[URLPattern]:
        test = path("<path:object_id>/test/", self.admin_site.admin_view(self.test_view), name="hub_contract_test")
        return [test, *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        contract = self.get_object(request, unquote(object_id))
        first = [contract.event_type] if contract else []
        picker = {"picker_event_types": picker_event_types(first=first), "picker_target": "condition"}
        return super().change_view(request, object_id, form_url, {**picker, **(extra_context or {})})

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context=None):
        picker = {"picker_event_types": picker_event_types(first=[]), "picker_target": "condition"}
        return super().add_view(request, form_url, {**picker, **(extra_context or {})})

    def test_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Run a received event (or a body typed in) through the condition and the template; send it if asked."""
        contract = self.object_for_change(request, object_id)
        samples = event_samples(contract.event_type)
        wanted = request.GET.get("sample")
        chosen = next((event for event in samples if str(event.event_id) == wanted), samples[0] if samples else None)
        identifier = contract.event_type.identifier
        context = event_context(chosen) if chosen else sample_context(event_type=identifier, body={})
        form = ContractTestForm(request.POST or None, initial={"body": context["body"]})
        result = None
        if request.method == "POST" and form.is_valid():
            context = {**context, "body": form.cleaned_data["body"]}
            result = contract_test(contract=contract, context=context, send_it=form.cleaned_data["send_it"])
        elif request.method == "GET" and chosen:  # a sample is previewed as soon as it is chosen
            result = contract_test(contract=contract, context=context, send_it=False)
        return self.render_page(
            request,
            contract,
            "admin/hub/contract/test.html",
            title=f"Test the contract: {contract}",
            form=form,
            samples=samples,
            chosen=chosen,
            result=result,
            shown=result and result.sent and test_send_display(result.sent),
        )

    @admin.display(description="contract", ordering="name")
    def sentence(self, contract: Contract) -> SafeString:
        # The sentence puts names between backticks; here they are shown in bold.
        parts = [
            f"<strong>{conditional_escape(part)}</strong>" if index % 2 else conditional_escape(part)
            for index, part in enumerate(contract.sentence.split("`"))
        ]
        notes = [contract.name, *([f"only if {contract.condition}"] if contract.condition else [])]
        parts.append(format_html('<br><span class="quiet">{}</span>', " · ".join(notes)))
        return mark_safe("".join(parts))
