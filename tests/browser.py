"""A real headless Chromium for the admin's browser tests, and what a person does there, in words."""

from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")

#: What a browser test module marks itself with.
BROWSER_TEST = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
        reason="needs Debian's chromium and chromedriver (apt-get install chromium chromium-driver)",
    ),
]


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,900",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


class Admin:
    """What a person does in the admin, in words."""

    def __init__(self, driver, base_url: str) -> None:
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.base_url = driver, base_url
        # A page that is being replaced (a click that navigates) can make a lookup fail half-way: look again.
        self.wait = WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,))

    def find(self, css: str):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    def type(self, field: str, text: str) -> None:
        box = self.find(f"#id_{field}")
        box.clear()
        box.send_keys(text)

    def choose(self, field: str, label: str) -> None:
        from selenium.webdriver.support.ui import Select

        Select(self.find(f"#id_{field}")).select_by_visible_text(label)

    def autocomplete(self, field: str, text: str, label: str | None = None) -> None:
        """Open the select2 box of ``field``, type ``text`` and pick the suggestion that reads ``label``."""
        label = label or text
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        self.find(f"#id_{field} + .select2 .select2-selection").click()
        self.find(".select2-container--open .select2-search__field").send_keys(text)
        option = (By.XPATH, f"//li[contains(@class, 'select2-results__option') and normalize-space()='{label}']")
        self.wait.until(ec.element_to_be_clickable(option)).click()
        self.wait.until(ec.text_to_be_present_in_element((By.ID, f"select2-id_{field}-container"), label))

    def save(self) -> None:
        self.find("input[name=_save]").click()
        self.find("ul.messagelist li.success")

    def log_in(self, username: str, password: str) -> None:
        self.open("/admin/login/")
        self.type("username", username)
        self.type("password", password)
        self.find("input[type=submit]").click()
        self.find("#user-tools")  # only a signed-in page has it
        self.find("#content-main")
