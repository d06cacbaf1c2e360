"""Debian's Chromium, driven by Playwright, against a live server; axe-core on every page.

Never a downloaded browser: the tests use /usr/bin/chromium (CHROMIUM to override).
Every page a test opens through `visit` or after a form is checked by axe-core, and the
test fails on any violation.
"""

import os
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests
# make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

_axe = Axe()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Visitor:
    """One person at a browser: visits pages and checks each with axe-core."""

    def __init__(self, page, base_url: str, *, javascript: bool = True):
        self.page, self.base_url = page, base_url
        # axe-core is JavaScript: with scripts off it cannot run, and the same pages are
        # checked in the tests that have scripts on.
        self.javascript = javascript
        self.checked: list[str] = []

    def visit(self, path: str):
        self.page.goto(self.base_url + path)
        self.check_accessibility()
        return self.page

    def check_accessibility(self):
        self.page.wait_for_load_state()
        if not self.javascript:
            return
        results = _axe.run(self.page)
        assert results.violations_count == 0, f"{self.page.url}\n{results.generate_report()}"
        self.checked.append(self.page.url)

    def sign_in(self, email: str, password: str = PASSWORD):
        self.visit("/accounts/sign-in/")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name=re.compile("Sign in")).click()
        self.check_accessibility()

    def pick(self, label: str | None, name: str, *, within=None, search: str | None = None):
        """Choose a person in a people picker: type part of the name, press Find when
        scripts are off (with them on the matches come as one types), then choose (or
        tick) them among the matches."""
        scope = within if within is not None else self.page
        if label:
            box = scope.get_by_label(label, exact=True)
        else:
            box = scope.locator(".picker input[type=search]").first
        picker = box.locator(
            "xpath=ancestor::div[contains(concat(' ', @class, ' '), ' picker ')][1]"
        )
        name = name.split(" (")[0]  # the label adds their area, and if they are not online
        box.fill(search or name)
        if not self.javascript:
            picker.get_by_role("button", name="Find").click()
            self.page.wait_for_load_state()
        found = picker.locator(".picker-results").get_by_label(re.compile("^" + re.escape(name)))
        found.first.check()
        return picker


def _visitor(browser, live_server, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # The site's Content-Security-Policy and Permissions-Policy are on (never bypassed):
    # anything they block, or a header the browser cannot read, fails the test.
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text)
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text
            else None
        ),
    )
    javascript = context_options.get("java_script_enabled", True)
    yield Visitor(page, live_server.url, javascript=javascript)
    context.close()
    assert blocked == [], blocked


@pytest.fixture
def visitor(browser, live_server):
    yield from _visitor(browser, live_server, viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_visitor(browser, live_server):
    """A small, old phone: 320 pixels wide."""
    yield from _visitor(
        browser, live_server, viewport={"width": 320, "height": 640}, is_mobile=True
    )


@pytest.fixture
def no_script_visitor(browser, live_server):
    yield from _visitor(browser, live_server, java_script_enabled=False)


# A phone of today, 390 x 844, with and without JavaScript: most pages are checked on both.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


@pytest.fixture
def phone(browser, live_server):
    yield from _visitor(browser, live_server, **PHONE)


@pytest.fixture
def phone_without_scripts(browser, live_server):
    yield from _visitor(browser, live_server, java_script_enabled=False, **PHONE)


def fits_the_phone(page) -> None:
    """Nothing scrolls the page sideways on the phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} pixels wide"
