"""A person sets up alert e-mails and sends a test, in a real (headless) Chromium."""

from pathlib import Path

from tests.browser import BROWSER_TEST, Admin

SCREENSHOT = Path("/tmp/junction-alerting.png")

pytestmark = BROWSER_TEST


def test_a_person_sets_up_alerts_and_a_test_email_arrives(browser, live_server, admin_user, smtp_server):
    admin = Admin(browser, live_server.url)
    admin.log_in("admin", "password")
    admin.open("/admin/alerting/alertingsettings/")

    admin.find("#id_enabled").click()
    admin.type("smtp_server", "127.0.0.1")
    admin.type("smtp_port", str(smtp_server.port))
    admin.type("sender", "junction@example.com")
    admin.type("recipients", "ops@example.com, sap-team@example.com")
    admin.save()
    admin.find("button[formaction$='/test/']").click()

    assert "A test e-mail went to ops@example.com, sap-team@example.com." in admin.find("ul.messagelist").text
    assert smtp_server.subjects() == ["[Junction] Test e-mail"]
    browser.save_screenshot(str(SCREENSHOT))
