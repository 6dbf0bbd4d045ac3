"""Form pieces of the hub's admin: JSON edited as indented text, write-only secrets, the test-send form."""

import copy
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from apps.hub.models import ApiKey


def pretty_json(value: Any) -> str:
    """JSON as people read it: indented, non-ASCII kept."""
    return json.dumps(value, indent=2, ensure_ascii=False)


class PrettyJSONField(forms.JSONField):
    """A JSON field shown indented in a monospace box, saying where a typing mistake is.

    ``empty_value`` is what an empty box means (``None`` or, for fields that cannot be null, their
    default such as ``{}``).
    """

    def __init__(self, *, empty_value: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField json-input"}))
        super().__init__(**kwargs)
        self.empty_value = empty_value

    def to_python(self, value: Any) -> Any:
        if not self.disabled and value in (None, ""):
            return copy.deepcopy(self.empty_value)
        if self.disabled or not isinstance(value, str):
            return super().to_python(value)
        try:
            converted = json.loads(value, cls=self.decoder)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                f"This is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.", code="invalid"
            ) from None
        return forms.fields.JSONString(converted) if isinstance(converted, str) else converted

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if value is None or value == self.empty_value:
            return ""  # an empty box (which means the same) rather than null or {} to puzzle over
        return pretty_json(value)


#: Action fields holding credentials: typed in, stored encrypted, never shown again.
ACTION_SECRET_FIELDS = ("auth_secret", "oauth_client_secret")


class ActionForm(forms.ModelForm):
    """Secrets are password boxes that are never filled in: leaving one empty keeps the stored value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ACTION_SECRET_FIELDS:
            field = self.fields[name]
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
            field.strip = False
            if getattr(self.instance, name):
                field.help_text = (
                    "A value is stored. Leave empty to keep the current one; type a new one to replace it."
                )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name in ACTION_SECRET_FIELDS:
            if not cleaned.get(name):
                cleaned[name] = getattr(self.instance, name)
        return cleaned


class ApiKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ["name"]


class TestSendForm(forms.Form):
    sample_body = PrettyJSONField(
        label="Sample event body",
        required=False,
        help_text="The body of an event as a producer would send it; the template reads it as $.body.",
    )
    sample_headers = PrettyJSONField(
        label="Sample event headers",
        required=False,
        empty_value={},
        help_text="Optional headers of the sample event, read as $.headers (names in lower case), "
        'e.g. {"X-Tenant": "a"}.',
    )

    def clean_sample_headers(self) -> dict[str, str]:
        headers = self.cleaned_data["sample_headers"]
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ValidationError('Headers must be a JSON object of names and text values, e.g. {"X-Tenant": "a"}.')
        return headers


class ContractTestForm(forms.Form):
    body = PrettyJSONField(
        label="The event's body",
        required=False,
        help_text="Filled in with the chosen sample; change it to try other cases. The template reads it as $.body.",
    )
    send_it = forms.BooleanField(
        label="Also send the request",
        required=False,
        help_text="Sends it once, for real, without retries. Leave unticked to only see what would be sent.",
    )


#: Stand-in values of a JSON Schema ``format`` for an example body.
FORMAT_EXAMPLES = {
    "email": "ada@example.com",
    "date-time": "2026-01-31T12:00:00Z",
    "date": "2026-01-31",
    "uri": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def schema_example(schema: Any, depth: int = 0) -> Any:
    """A sample value that a JSON Schema accepts in simple cases, to pre-fill the test-send form."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("oneOf", "anyOf", "allOf"):
        if schema.get(key):
            return schema_example(schema[key][0], depth + 1)
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "object" or (kind is None and "properties" in schema):
        return {name: schema_example(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [schema_example(schema.get("items", {}), depth + 1)]
    return {
        "string": FORMAT_EXAMPLES.get(schema.get("format", ""), "text"),
        "integer": 1,
        "number": 1.5,
        "boolean": True,
    }.get(kind)
