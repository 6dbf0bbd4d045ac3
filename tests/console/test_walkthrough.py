"""A new person's whole path through the admin, in a real headless Chromium, against the web server and a
Celery worker as `make run` starts them: sign in, wire a shop to an ERP with a field picked from a real
event, send an event with the curl example the admin gives, see it delivered, break the endpoint, read
what went wrong in plain words, fix it and replay.

Each step leaves a screenshot in var/test/walkthrough/ for people to look at.
"""

import json
import shlex
import subprocess
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from apps.delivery.models import Execution
from tests.browser import BROWSER_TEST, Admin
from tests.processes import free_port

pytestmark = BROWSER_TEST

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "walkthrough"
ORDER = {"order": {"id": 1001, "total": 59.9}, "country": "DE", "customer": {"email": "ada@example.org"}}


class Walk(Admin):
    step = 0

    def shot(self, name: str) -> None:
        """A screenshot of the whole page, numbered in the order of the walk."""
        Walk.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1400, min(max(height, 900), 4000))
        self.driver.save_screenshot(str(SCREENSHOTS / f"{Walk.step:02d}-{name}.png"))
        self.driver.set_window_size(1400, 900)

    def click(self, css: str) -> None:
        element = self.find(css)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        self.wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, css))).click()

    def click_text(self, text: str) -> None:
        link = (By.XPATH, f"//a[normalize-space()='{text}'] | //button[normalize-space()='{text}']")
        element = self.wait.until(ec.element_to_be_clickable(link))
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def text(self, css: str = "#content") -> str:
        return self.find(css).text

    def until_text(self, text: str, *, css: str = "#content", reload: bool = False, timeout: float = 30) -> None:
        """Wait until the page says ``text`` (reloading it, as a person would, if asked)."""
        from selenium.webdriver.support.ui import WebDriverWait

        def says(driver) -> bool:
            if text in driver.find_element(By.CSS_SELECTOR, css).text:
                return True
            if reload:
                driver.refresh()
            return False

        WebDriverWait(self.driver, timeout, poll_frequency=0.5).until(says)

    def add_system(self, name: str, role: str) -> None:
        self.open("/admin/hub/system/add/")
        self.type("name", name)
        self.type("kind", "Web shop" if name == "Shop" else "ERP")
        self.choose("role", role)
        self.save()

    def copied_curl(self) -> str:
        """The curl example as the copy button copies it (the text of the element it names)."""
        self.click("button[data-copy]")
        self.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "button[data-copy]"), "Copied"))
        target = self.find("button[data-copy]").get_attribute("data-copy")
        return self.find(target).text


def paste_and_run(curl: str) -> tuple[int, str]:
    """What a person does with the copied example: paste it into a terminal. Its status and answer."""
    words = shlex.split(curl.replace("\\\n", " "))
    assert words[0] == "curl"
    answer = subprocess.run([*words, "-s", "-w", "\n%{http_code}"], capture_output=True, text=True, check=True)
    body, status = answer.stdout.rsplit("\n", 1)
    return int(status), body


def test_a_new_person_wires_a_shop_to_an_erp_sends_an_event_and_recovers_a_broken_endpoint(
    browser, web, admin_user, celery_worker, subscriber
):
    walk = Walk(browser, web)
    try:
        the_walk(walk, subscriber)
    except Exception:
        walk.shot("where-it-failed")
        raise


def the_walk(walk: Walk, subscriber) -> None:

    # 1. Sign in: the home page answers "is everything all right?" and says what to do first.
    walk.log_in("admin", "password")
    assert "Is everything all right?" in walk.text()
    assert "Getting started: your first integration" in walk.text()
    walk.shot("home")

    # 2. A producer and its event; its API key comes with a ready-to-paste example.
    walk.add_system("Shop", "Producer (sends events)")
    walk.open("/admin/hub/eventtype/add/")
    walk.type("name", "order placed")
    walk.autocomplete("system", "Shop")
    walk.save()
    walk.click_text("Shop · order placed")
    walk.shot("event-says-how-to-send")
    walk.click_text("create one")
    walk.type("name", "shop server")
    walk.click("input[type=submit]")
    assert "X-API-Key" in walk.text()
    walk.shot("api-key-shown-once")
    key = walk.find("input[data-secret=api-key]").get_attribute("value")  # kept by the person, as told
    first = walk.copied_curl()
    assert f"X-API-Key: {key}" in first  # the example carries the new key: it runs as it is

    # 3. A first event, sent with the example (its body changed to a real order): it becomes a sample.
    status, answer = paste_and_run(first.replace(shlex.quote("{}"), shlex.quote(json.dumps(ORDER))))
    assert status == 202, answer

    # The event's page offers a schema written from it: one click, reviewed, saved.
    walk.open("/admin/hub/eventtype/")
    walk.click_text("order placed")
    walk.click_text("Write a schema from the events received")
    assert '"country"' in walk.find("#id_payload_schema").get_attribute("value")
    walk.shot("schema-from-the-event")
    walk.save()

    # 4. The subscriber and an action whose URL takes the order's id, picked from the event received.
    walk.add_system("ERP", "Subscriber (receives actions)")
    walk.open("/admin/hub/action/add/")
    walk.type("name", "create sales order")
    walk.autocomplete("system", "ERP")
    walk.type("url", f"{subscriber.url}/orders/")
    walk.click(".picker-insert[data-path='$.body.order.id']")
    assert walk.find("#id_url").get_attribute("value") == f"{subscriber.url}/orders/{{{{ $.body.order.id }}}}"
    walk.shot("action-field-picked-from-a-sample")
    walk.save()

    # 5. The contract, with a condition picked from the same event.
    walk.open("/admin/hub/contract/add/")
    walk.type("name", "Orders reach the ERP")
    walk.autocomplete("event_type", "order placed", "Shop · order placed")
    walk.autocomplete("action", "create sales order", "ERP · create sales order")
    walk.click(".picker-insert[data-path='$.body.country']")
    assert walk.find("#id_condition").get_attribute("value") == '$[?(@.body.country == "DE")]'
    walk.shot("contract-condition-picked")
    walk.save()
    walk.click_text("Orders reach the ERP")
    walk.click_text("Test this contract")
    walk.until_text("holds")
    assert f"POST {subscriber.url}/orders/1001" in walk.text()
    walk.shot("contract-tested-on-the-sample")

    # 6. The event page's example, copied and sent: the ERP gets the order, and the execution says so.
    walk.open("/admin/hub/eventtype/")
    walk.click_text("order placed")
    second = walk.copied_curl().replace("YOUR_API_KEY", key)  # the page does not know the key: it says where
    assert '"id": 1001' in second  # the example is the last event received
    assert paste_and_run(second)[0] == 202
    (received,) = subscriber.wait_for(1)
    assert received.path == "/orders/1001"
    walk.open("/admin/delivery/execution/")
    walk.until_text("Completed", css="#result_list .field-badge", reload=True)
    walk.shot("delivered")

    # 7. The endpoint breaks (the ERP moved): the execution says why in plain words.
    closed = free_port()
    walk.open("/admin/hub/action/")
    walk.click_text("create sales order")
    walk.type("url", f"http://127.0.0.1:{closed}/orders/{{{{ $.body.order.id }}}}")
    walk.save()
    assert paste_and_run(second)[0] == 202
    walk.open("/admin/delivery/execution/?state__exact=failed")
    walk.until_text("Cannot connect", css="#content-main", reload=True)
    walk.find("#result_list tbody tr th a").click()
    error = f"Cannot connect to 127.0.0.1:{closed}: connection refused."
    walk.until_text(error)
    assert "Traceback" not in walk.text()
    assert "Errno" not in walk.text()
    walk.shot("plain-error")
    broken = Execution.objects.get(state=Execution.State.FAILED)

    # 8. Fixed, then replayed from the execution's page, which shows the outcome by itself.
    walk.open(f"/admin/hub/action/{broken.action_id}/change/")
    walk.type("url", f"{subscriber.url}/orders/{{{{ $.body.order.id }}}}")
    walk.save()
    walk.open(f"/admin/delivery/execution/{broken.pk}/change/")
    walk.click_text("Replay")
    assert [request.path for request in subscriber.wait_for(2, timeout=60)] == ["/orders/1001", "/orders/1001"]
    walk.until_text("Completed", css=".field-badge")  # the open page shows it by itself
    walk.shot("replayed")
    broken.refresh_from_db()
    assert broken.state == Execution.State.COMPLETED

    # 9. A producer that sends a wrong key is refused; the home page and the producer's page say why.
    wrong = second.replace(key, "jct_00000000_wrong")
    assert paste_and_run(wrong)[0] == 401
    walk.open("/admin/")
    assert "Shop: 1 refused" in walk.text("#home-refusals")
    assert "Getting started" not in walk.text()  # a first integration exists
    walk.shot("home-after-the-first-integration")
    walk.click_text("Shop")
    walk.until_text("The API key or token is not valid")
    walk.shot("refused-requests")
