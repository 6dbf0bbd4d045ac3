"""The home page's answer to "is everything all right?", each figure with a link to the list behind it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.urls import reverse

from apps.delivery import selectors as delivery
from apps.delivery.models import Execution
from apps.hub import selectors as hub
from apps.ingest import selectors as ingest
from apps.landscape import selectors as landscape

WINDOW = timedelta(hours=24)
#: The landscape's lists, in the order shown, with their names.
LANDSCAPE = [("host", "Hosts"), ("cluster", "Clusters"), ("sapsystem", "SAP systems"), ("database", "Databases")]
HEALTHS = ["critical", "warning", "passing", "unknown"]


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | None
    url: str
    tone: str = ""  # "good", "warning" or "bad": how the figure is coloured
    note: str = ""


@dataclass(frozen=True)
class Step:
    text: str
    url: str
    done: bool


@dataclass
class Home:
    traffic: list[Figure]
    failing_contracts: list[Figure]
    troubled_actions: list[Figure]
    refusals: list[Figure]
    landscape: list[tuple[str, str, list[Figure]]] = field(default_factory=list)
    #: The steps to a first integration, until one exists.
    getting_started: list[Step] = field(default_factory=list)

    @property
    def all_right(self) -> bool:
        landscape_bad = any(f.tone == "bad" and f.value for _, _, figures in self.landscape for f in figures)
        return not (self.failing_contracts or self.troubled_actions or landscape_bad)


def _url(name: str, **query: object) -> str:
    return reverse(f"admin:{name}_changelist") + (f"?{urlencode(query)}" if query else "")


def home(*, now: datetime) -> Home:
    since = now - WINDOW
    since_text = since.isoformat(timespec="seconds")
    states = delivery.outcome_counts(since=since)
    deliveries = "delivery_execution"
    failed = states.get(Execution.State.ERROR, 0)
    retrying = states.get(Execution.State.FAILED, 0)
    traffic = [
        Figure(
            "events received", ingest.received_count(since=since),
            _url("ingest_receivedevent", recorded_at__gte=since_text),
        ),
        Figure(
            "delivered", states.get(Execution.State.COMPLETED, 0),
            _url(deliveries, state__exact="completed", created_at__gte=since_text), "good",
        ),
        Figure(
            "waiting to be retried", retrying,
            _url(deliveries, state__exact="failed", created_at__gte=since_text), "warning" if retrying else "",
        ),
        Figure(
            "failed for good", failed,
            _url(deliveries, state__exact="error", created_at__gte=since_text), "bad" if failed else "",
        ),
    ]  # fmt: skip
    failing = [
        Figure(str(contract), count, _url(deliveries, contract__id__exact=contract.pk, state__exact="error"), "bad")
        for contract, count in delivery.failing_contracts(since=since)
    ]
    troubled = [
        Figure(
            str(action),
            None,
            reverse("admin:hub_action_change", args=[action.pk]),
            "bad" if action.disabled_at else "warning",
            f"Disabled: {action.disabled_reason}"
            if action.disabled_at
            else "Paused: its endpoint keeps failing, Junction tries it again now and then.",
        )
        for action in delivery.troubled_actions()
    ]
    refusals = [
        Figure(name, count, _url("ingest_refusedrequest", **({"system__id__exact": pk} if pk else {})), "warning")
        for name, pk, count in ingest.refused_by_system(since=since)
    ]
    counts = landscape.health_counts()
    tones = {"critical": "bad", "warning": "warning", "passing": "good", "unknown": ""}
    health = []
    for model, label in LANDSCAPE:
        name = f"landscape_{model}"
        figures = [Figure(s, counts[model].get(s, 0), _url(name, health__exact=s), tones[s]) for s in HEALTHS]
        health.append((label, _url(name), figures))
    return Home(traffic, failing, troubled, refusals, health, getting_started())


def getting_started() -> list[Step]:
    """What to do next to wire a first integration; nothing once a contract of one's own exists."""
    done = hub.setup_progress()
    if done["contract"]:
        return []
    return [
        Step("Add the system that sends events (role: producer), e.g. your web shop.",
             reverse("admin:hub_system_add"), done["producer"]),
        Step("Add the event it sends, e.g. “order placed”.", reverse("admin:hub_eventtype_add"), done["event"]),
        Step("Create an API key for it (on the system's page) and send one event: the event's page gives the "
             "request to paste.", _url("hub_system"), done["key"]),
        Step("Add the system that receives (role: subscriber) and its action: where Junction sends the request, "
             "with fields picked from the event you sent.", reverse("admin:hub_action_add"), done["subscriber_action"]),
        Step("Add a contract: WHEN that event happens THEN do that action. Test it on the event you sent.",
             reverse("admin:hub_contract_add"), False),
    ]  # fmt: skip
