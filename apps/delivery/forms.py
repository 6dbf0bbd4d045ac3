from django import forms

from apps.delivery.models import Execution
from apps.hub.models import Action, Contract

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ReplayFilterForm(forms.Form):
    """Which executions to replay: every one that matches all the filters given."""

    contract = forms.ModelChoiceField(
        Contract.objects.all(), required=False, help_text="Only this contract's deliveries. Empty: every contract."
    )
    action = forms.ModelChoiceField(
        Action.objects.all(), required=False, help_text="Only deliveries to this action. Empty: every action."
    )
    states = forms.MultipleChoiceField(
        choices=[(value, label) for value, label in Execution.State.choices if value != Execution.State.PROCESSING],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only deliveries in these states, usually “Error (gave up)”. None ticked: all states.",
    )
    created_from = forms.DateTimeField(
        label="From", required=False, widget=DATETIME, help_text="Only deliveries of events received from then on."
    )
    created_until = forms.DateTimeField(
        label="Until", required=False, widget=DATETIME, help_text="Only deliveries of events received before then."
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("created_from"), cleaned.get("created_until")
        if start and end and end <= start:
            self.add_error("created_until", "“Until” must be later than “From”.")
        return cleaned
