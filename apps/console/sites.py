"""Junction's admin site: the menu by what people do, not by Django app, and a home page that answers
"is everything all right?"."""

import json
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone

from apps.console.dashboard import home


@dataclass(frozen=True)
class Section:
    label: str
    name: str
    help: str
    #: (model label, name in the menu); ``None`` takes every model no other section lists.
    models: list[tuple[str, str]] | None


SECTIONS = [
    Section("integrations", "Integrations", "Who sends what to whom: systems, their events and actions, and the "
            "contracts that connect them (WHEN this event happens THEN do that action), and which systems may "
            "follow the event log or send commands.", [
        ("hub.system", "Systems"), ("hub.eventtype", "Events"), ("hub.action", "Actions"),
        ("hub.contract", "Contracts"), ("eventlog.logaccess", "Event log access"),
    ]),
    Section("activity", "Activity", "What happened: events received, their deliveries with every try, "
            "requests that were refused, replays, alerts and the log of everything.", [
        ("ingest.receivedevent", "Received events"), ("delivery.execution", "Deliveries"),
        ("ingest.refusedrequest", "Refused requests"), ("delivery.replayjob", "Replays"),
        ("alerting.alert", "Alerts sent"), ("activity.activityentry", "Activity log"),
    ]),
    Section("landscape", "Landscape", "The SAP landscape the agents report: hosts, clusters, SAP systems "
            "and databases with their health.", [
        ("landscape.host", "Hosts"), ("landscape.cluster", "Clusters"), ("landscape.sapsystem", "SAP systems"),
        ("landscape.database", "Databases"), ("discovery.discoveryevent", "Discoveries"),
        ("discovery.discardeddiscoveryevent", "Discarded discoveries"),
    ]),
    Section("checks", "Checks", "Best-practice checks run on hosts and clusters, and their results.", [
        ("checks.catalogcheck", "Catalog"), ("checks.execution", "Check runs"),
        ("checks.scheduledselection", "Scheduled selections"), ("checks.customization", "Customizations"),
    ]),
    Section("settings", "Settings", "E-mail alerts and the people who may sign in.", [
        ("alerting.alertingsettings", "E-mail alerts"), ("auth.user", "Users"), ("auth.group", "Groups"),
    ]),
    Section("advanced", "Advanced", "For developers and operators: the event store, OAuth2 internals and "
            "sign-in attempts.", None),
]  # fmt: skip


class GroupedAutocompleteJsonView(AutocompleteJsonView):
    """Suggestions under headings when the model's admin names a group for each (``autocomplete_group``)."""

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, Any]:
        result = super().serialize_result(obj, to_field_name)
        group = getattr(self.model_admin, "autocomplete_group", None)
        return {**result, "group": group(obj)} if group else result

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        response = super().get(request, *args, **kwargs)
        if not getattr(self.model_admin, "autocomplete_group", None):
            return response
        data = json.loads(response.content)
        groups: dict[str, list[dict[str, Any]]] = {}
        for result in data["results"]:
            groups.setdefault(result.pop("group"), []).append(result)
        data["results"] = [{"text": name, "children": children} for name, children in groups.items()]
        return JsonResponse(data)


class JunctionAdminSite(admin.AdminSite):
    site_header = site_title = "Junction"
    index_title = "Is everything all right?"
    index_template = "admin/home.html"

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        if app_label:
            return apps
        models = {entry["model"]._meta.label_lower: entry for app in apps for entry in app["models"]}
        sections = []
        for section in SECTIONS:
            listed = section.models or [(label, entry["name"]) for label, entry in models.items()]
            entries = [{**models.pop(label), "name": name} for label, name in listed if label in models]
            if entries:
                sections.append({
                    "name": section.name, "app_label": section.label, "help": section.help,
                    "app_url": reverse("admin:index") + f"#{section.label}", "has_module_perms": True,
                    "models": entries,
                })  # fmt: skip
        return sections

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None):
        return super().index(request, {"home": home(now=timezone.now()), **(extra_context or {})})

    def autocomplete_view(self, request: HttpRequest):
        return GroupedAutocompleteJsonView.as_view(admin_site=self)(request)
