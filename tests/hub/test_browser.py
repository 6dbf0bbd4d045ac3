"""A person wires two systems together in the admin, in a real (headless) Chromium."""

from pathlib import Path

from apps.hub.models import Contract
from tests.browser import BROWSER_TEST, Admin

SCREENSHOT = Path("/tmp/junction-contracts.png")

pytestmark = BROWSER_TEST


def test_a_person_wires_two_systems_together_and_reads_the_contract_as_a_sentence(browser, live_server, admin_user):
    admin = Admin(browser, live_server.url)
    admin.log_in("admin", "password")

    for name, role in (("CRM", "Producer (sends events)"), ("ERP", "Subscriber (receives actions)")):
        admin.open("/admin/hub/system/add/")
        admin.type("name", name)
        admin.type("kind", "SaaS")
        admin.choose("role", role)
        admin.save()

    admin.open("/admin/hub/eventtype/add/")
    admin.type("name", "customer created")
    admin.autocomplete("system", "CRM")
    admin.save()

    admin.open("/admin/hub/action/add/")
    admin.type("name", "create account")
    admin.autocomplete("system", "ERP")
    admin.type("url", "https://erp.example.com/accounts/{{ $.body.customer.id }}")
    admin.save()

    admin.open("/admin/hub/contract/add/")
    admin.type("name", "New customers get an ERP account")
    admin.autocomplete("event_type", "customer created", "CRM · customer created")
    admin.autocomplete("action", "create account", "ERP · create account")
    admin.save()

    sentence = admin.find("#result_list tbody tr .field-sentence").text.splitlines()[0]
    browser.save_screenshot(str(SCREENSHOT))
    assert sentence == "WHEN in CRM customer created happens THEN in ERP do create account"
    assert Contract.objects.get().sentence == ("WHEN in CRM `customer created` happens THEN in ERP do `create account`")
