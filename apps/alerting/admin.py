"""Alerting for people: one settings page with "Send a test e-mail", and the alerts with their fate."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from apps.alerting import services
from apps.alerting.models import Alert, AlertingSettings
from apps.core.api import ApplicationError
from apps.eventstore.admin import ReadOnlyAdmin


class AlertingSettingsForm(forms.ModelForm):
    smtp_password = forms.CharField(
        label="SMTP password",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted and never shown. Leave empty to keep the current one.",
    )

    class Meta:
        model = AlertingSettings
        fields = ["enabled", "smtp_server", "smtp_port", "smtp_user", "smtp_password", "sender", "recipients"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 3})}

    def clean_smtp_password(self) -> str:
        return self.cleaned_data["smtp_password"] or self.instance.smtp_password

    def clean_recipients(self) -> str:
        recipients = services.addresses(self.cleaned_data["recipients"])
        bad = [address for address in recipients if "@" not in address]
        if bad:
            raise forms.ValidationError(f"Not e-mail addresses: {', '.join(bad)}.")
        if self.cleaned_data.get("enabled") and not recipients:
            raise forms.ValidationError("Alerts are on: say who receives them.")
        return "\n".join(recipients)


def _settings_page() -> HttpResponse:
    return HttpResponseRedirect(reverse("admin:alerting_alertingsettings_change", args=[services.settings_get().pk]))


@admin.register(AlertingSettings)
class AlertingSettingsAdmin(admin.ModelAdmin):
    """A single page: the list opens it; the environment, when it sets alerting, makes it read-only."""

    form = AlertingSettingsForm
    change_form_template = "admin/alerting/settings_change_form.html"

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        return _settings_page()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return not settings.ALERTING_ENFORCED and super().has_change_permission(request, obj)

    def get_urls(self) -> list[URLPattern]:
        test = path("test/", self.admin_site.admin_view(self.test_view), name="alerting_alertingsettings_test")
        return [test, *super().get_urls()]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        cfg = services.config()
        context = {"enforced": cfg.enforced, "config": cfg, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra_context=context)

    def test_view(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                sent_to = services.test_mail_send()
                self.message_user(request, f"A test e-mail went to {', '.join(sent_to)}.", messages.SUCCESS)
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
        return _settings_page()


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "subject", "status_badge", "tries", "sent_at"]
    list_filter = ["status", "component"]
    search_fields = ["subject", "component_id"]
    readonly_fields = ["status_badge"]

    @admin.display(description="e-mail", ordering="status")
    def status_badge(self, obj: Alert) -> str:
        colour = {"sent": "#2e7d32", "failed": "#c62828"}.get(obj.status, "#757575")
        label = obj.get_status_display() + (f" (try {obj.tries}: {obj.error})" if obj.error else "")
        return format_html(
            '<span style="background:{};color:#fff;border-radius:8px;padding:1px 8px;font-size:11px">{}</span>',
            colour,
            label,
        )
