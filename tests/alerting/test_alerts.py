"""E-mail alerts: settings, test e-mail, alerts on transitions to critical and failed heartbeats, digests,
failures kept and retried; all against a real SMTP server."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.alerting.models import Alert
from apps.alerting.services import alerts_send
from apps.eventstore.commands import dispatch
from apps.landscape.commands import build
from apps.landscape.services import heartbeats_check
from tests.discovery.agents import APP_HOST as OTHER_HOST
from tests.discovery.agents import DB_HOST, agent_api_key, host_envelope, post, settle
from tests.discovery.support import load
from tests.landscape.test_end_to_end import HANA_CLUSTER
from tests.subscriptions import catch_up

pytestmark = pytest.mark.django_db


def test_settings_are_stored_with_the_password_encrypted_and_never_shown(admin_client):
    response = admin_client.patch(
        "/api/v1/settings/alerting",
        {"smtp_server": "smtp.example.com", "smtp_password": "s3cret-pass", "recipients": ["a@example.com"]},
        content_type="application/json",
    )

    assert response.status_code == 200, response.content
    body = admin_client.get("/api/v1/settings/alerting").json()
    assert body["smtp_server"] == "smtp.example.com"
    assert body["recipients"] == ["a@example.com"]
    assert body["password_set"] is True
    assert "s3cret-pass" not in str(body)
    with connection.cursor() as cursor:
        cursor.execute("SELECT smtp_password FROM alerting_alertingsettings")
        (stored,) = cursor.fetchone()
    assert stored
    assert "s3cret-pass" not in stored


def test_a_test_email_reaches_every_recipient(admin_client, alerting_on):
    response = admin_client.post("/api/v1/settings/alerting/test")

    assert response.status_code == 200, response.content
    assert response.json() == {"sent_to": ["ops@example.com", "sap-team@example.com"]}
    (message,) = alerting_on.messages
    assert message["Subject"] == "[Junction] Test e-mail"
    assert message["From"] == "junction@example.com"
    assert message["X-Envelope-To"] == "ops@example.com, sap-team@example.com"


def test_a_test_email_that_cannot_go_says_why(admin_client):
    admin_client.patch(
        "/api/v1/settings/alerting",
        {"smtp_server": "127.0.0.1", "smtp_port": 9, "sender": "j@example.com", "recipients": ["a@example.com"]},
        content_type="application/json",
    )

    response = admin_client.post("/api/v1/settings/alerting/test")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "test_email_failed"
    assert "Check the SMTP server" in response.json()["error"]["message"]


def test_settings_from_the_environment_win_and_are_read_only(admin_client, settings):
    settings.ALERTING_ENFORCED, settings.ENABLE_ALERTING = True, True
    settings.SMTP_SERVER, settings.ALERT_RECIPIENT = "mail.corp", "a@corp.example, b@corp.example"

    body = admin_client.get("/api/v1/settings/alerting").json()
    refused = admin_client.patch("/api/v1/settings/alerting", {"enabled": False}, content_type="application/json")

    assert (body["enforced"], body["enabled"], body["smtp_server"]) == (True, True, "mail.corp")
    assert body["recipients"] == ["a@corp.example", "b@corp.example"]
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "alerting_settings_enforced"
    page = admin_client.get("/admin/alerting/alertingsettings/", follow=True).content.decode()
    assert "come from the environment" in page


def _hosts_that_stop_beating(client, shared_dir) -> None:
    """Two hosts (suse and vmhana02) send one heartbeat, then nothing."""
    key = agent_api_key()
    post(client, key, load(shared_dir, "web/host_discovery.json"))
    post(client, key, host_envelope(shared_dir, OTHER_HOST, "vmhana02", "10.74.1.13"))
    for host in (DB_HOST, OTHER_HOST):
        assert client.post(f"/api/v1/hosts/{host}/heartbeat", HTTP_X_TRENTO_APIKEY=key).status_code == 204
    settle()
    heartbeats_check(now=timezone.now() + timedelta(minutes=10))
    settle()
    catch_up("alerting.alerts")


def test_heartbeats_failing_together_go_out_in_one_email(
    client, alerting_on, shared_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():  # the countdown task is what the worker would run later
        _hosts_that_stop_beating(client, shared_dir)

    assert alerts_send() == 2
    (message,) = alerting_on.messages
    assert message["Subject"].startswith("[Junction] 2 alerts: Host ")
    text = message.get_payload()
    assert "The agent on host suse" in text
    assert "The agent on host vmhana02" in text
    assert set(Alert.objects.values_list("status", flat=True)) == {"sent"}

    heartbeats_check(now=timezone.now() + timedelta(minutes=20))  # still down: nothing new
    settle()
    catch_up("alerting.alerts")
    assert alerts_send() == 0
    assert Alert.objects.count() == 2


def _cluster_checks(health: str) -> None:
    dispatch(build("CompleteChecksExecution", {"cluster_id": HANA_CLUSTER, "health": health}))
    settle()
    catch_up("alerting.alerts")


def test_a_cluster_going_critical_is_mailed_once_per_transition(client, alerting_on, shared_dir):
    key = agent_api_key()
    post(client, key, load(shared_dir, "web/host_discovery.json"))
    post(client, key, load(shared_dir, "web/ha_cluster_discovery_hana_scale_up.json"))

    _cluster_checks("critical")
    _cluster_checks("critical")  # stays critical: no new alert
    assert alerts_send() == 1
    _cluster_checks("passing")
    _cluster_checks("critical")
    assert alerts_send() == 1

    assert alerting_on.subjects() == ["[Junction] Cluster hana_cluster health is now in critical state"] * 2


def test_nothing_is_recorded_while_alerting_is_off(client, shared_dir, smtp_server):
    _hosts_that_stop_beating(client, shared_dir)

    assert not Alert.objects.exists()
    assert smtp_server.messages == []


def test_a_send_that_fails_is_kept_with_its_reason_retried_then_failed(
    client, admin_client, alerting_on, shared_dir, settings
):
    settings.ALERT_MAX_TRIES = 2
    admin_client.patch("/api/v1/settings/alerting", {"smtp_port": 9}, content_type="application/json")
    _hosts_that_stop_beating(client, shared_dir)

    assert alerts_send() == 0
    assert set(Alert.objects.values_list("status", "tries")) == {("pending", 1)}
    assert alerts_send() == 0
    assert set(Alert.objects.values_list("status", "tries")) == {("failed", 2)}
    assert "ConnectionRefusedError" in Alert.objects.first().error
    page = admin_client.get("/admin/alerting/alert/").content.decode()
    assert "Failed (try 2: ConnectionRefusedError" in page


def test_the_admin_settings_page_saves_keeps_the_password_and_sends_a_test(admin_client, alerting_on):
    page = "/admin/alerting/alertingsettings/1/change/"
    assert admin_client.get("/admin/alerting/alertingsettings/").url == page
    admin_client.patch("/api/v1/settings/alerting", {"smtp_password": "kept"}, content_type="application/json")
    form = {
        "enabled": "on",
        "smtp_server": "127.0.0.1",
        "smtp_port": alerting_on.port,
        "smtp_user": "",
        "smtp_password": "",
        "sender": "junction@example.com",
        "recipients": "ops@example.com, oncall@example.com",
    }

    saved = admin_client.post(page, form, follow=True)
    tested = admin_client.post("/admin/alerting/alertingsettings/test/", follow=True)

    assert saved.status_code == 200
    assert admin_client.get("/api/v1/settings/alerting").json()["recipients"] == [
        "ops@example.com",
        "oncall@example.com",
    ]
    assert admin_client.get("/api/v1/settings/alerting").json()["password_set"] is True
    assert "A test e-mail went to ops@example.com, oncall@example.com." in tested.content.decode()
    assert alerting_on.subjects() == ["[Junction] Test e-mail"]
