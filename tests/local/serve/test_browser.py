"""The inspector's pages in a real headless Chromium: what a person sees, and what never runs.

Marker ``browser`` (tox -e serve). Screenshots of the pages are saved to the
directory named by ``SENTRY_LITE_SCREENSHOTS`` when it is set (the docs use them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from conftest import require_browser
from serve_helpers import event_envelope, post_envelope

pytestmark = pytest.mark.browser

PROGRAM = """
import sentry_lite
from sentry_lite.crons import monitor

sentry_lite.init(release="shop@1.4", environment="staging", enable_logs=True)
sentry_lite.add_breadcrumb(category="ui", message="user opened the basket")
sentry_lite.add_attachment(bytes=b"sku,qty\\nA-1,0\\n", filename="basket.csv")
sentry_lite.logger.info("checkout started for {customer}", customer="c-42")

def total(items):
    basket_total = 4217
    return basket_total / len(items)

@monitor(monitor_slug="nightly-checkout")
def nightly_checkout():
    try:
        total([])
    except ZeroDivisionError:
        error_id = sentry_lite.capture_exception()
        sentry_lite.capture_feedback(
            "the basket page went blank", name="Ana", associated_event_id=error_id
        )
        raise

try:
    nightly_checkout()
except ZeroDivisionError:
    pass
sentry_lite.flush()
"""


HOSTILE = {
    "script": "<script>window.pwned = 'script'; alert('script')</script>",
    "img": "<img src=x onerror=\"window.pwned='img'; alert('img')\">",
    "svg": "<svg onload=\"window.pwned='svg'\"></svg>",
    "attr": '" autofocus onfocus="window.pwned=\'attr\'" x="',
}
ALL_HOSTILE = " ".join(HOSTILE.values())


@pytest.fixture
def browser():
    chromium, chromedriver = require_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",  # Chromium refuses to start as root without it
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
        "--no-proxy-server",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _screenshot(driver, name: str) -> None:
    directory = os.environ.get("SENTRY_LITE_SCREENSHOTS")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(directory) / f"serve-{name}.png"))


def _run_program(directory: Path, dsn: str) -> None:
    """Run PROGRAM from a file in its project folder, as a person runs theirs.

    Its frames then have source lines and count as the app's own (in app).
    """
    (directory / "checkout.py").write_text(PROGRAM)
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.lower().endswith("_proxy") and not name.startswith("SENTRY_")
    }
    environment["SENTRY_DSN"] = dsn
    result = subprocess.run(
        [sys.executable, "checkout.py"],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def _text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def test_a_person_finds_the_error_its_local_and_breadcrumb(inspector, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    _run_program(tmp_path, inspector.dsn)

    browser.get(inspector.url + "/")
    # The page's own script runs under its Content-Security-Policy: a choice filters at once.
    Select(browser.find_element(By.NAME, "release")).select_by_visible_text("shop@1.4")
    WebDriverWait(browser, 10).until(lambda driver: "release=shop%401.4" in driver.current_url)
    _screenshot(browser, "issues")
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "ZeroDivisionError")
    link.click()
    assert "division by zero" in browser.find_element(By.ID, "title").text
    _screenshot(browser, "issue")
    browser.find_element(By.CSS_SELECTOR, "a.event-link").click()

    assert browser.find_element(By.CSS_SELECTOR, ".exc-type").text == "ZeroDivisionError"
    frame = browser.find_element(By.CSS_SELECTOR, "details.frame.in-app")
    assert frame.find_element(By.CSS_SELECTOR, ".function").text == "total"
    current_line = frame.find_element(By.CSS_SELECTOR, "ol.source li.current").text
    assert "return basket_total / len(items)" in current_line
    locals_table = frame.find_element(By.CSS_SELECTOR, "table.locals")
    assert "basket_total" in locals_table.text
    assert "4217" in locals_table.text
    crumbs = browser.find_element(By.CSS_SELECTOR, "table.breadcrumbs").text
    assert "user opened the basket" in crumbs
    assert "shop@1.4" in _text(browser)
    _screenshot(browser, "event")

    # Keys c and e collapse and expand every frame.
    body = browser.find_element(By.TAG_NAME, "body")
    for key, opened in (("c", False), ("e", True)):
        body.send_keys(key)
        WebDriverWait(browser, 10).until(
            lambda driver, opened=opened: all(
                (frame.get_attribute("open") is not None) is opened
                for frame in driver.find_elements(By.CSS_SELECTOR, "details.frame")
            )
        )


def test_logs_feedback_crons_releases_and_the_attachment_show_what_the_program_sent(
    inspector, browser, tmp_path
):
    from selenium.webdriver.common.by import By

    _run_program(tmp_path, inspector.dsn)
    browser.get(inspector.url + "/")

    browser.find_element(By.LINK_TEXT, "Logs").click()
    assert "checkout started for c-42" in browser.find_element(By.CSS_SELECTOR, "table.logs").text
    _screenshot(browser, "logs")

    browser.find_element(By.LINK_TEXT, "Crons").click()
    monitor = browser.find_element(By.CSS_SELECTOR, "section.monitor")
    assert monitor.find_element(By.TAG_NAME, "h2").text == "nightly-checkout"
    assert monitor.find_elements(By.CSS_SELECTOR, "tr.check-in.status-error")
    _screenshot(browser, "crons")

    browser.find_element(By.LINK_TEXT, "Releases").click()
    releases = browser.find_element(By.CSS_SELECTOR, "table.releases").text
    assert "shop@1.4" in releases
    assert "staging" in releases
    _screenshot(browser, "releases")

    browser.find_element(By.LINK_TEXT, "Feedback").click()
    feedback = browser.find_element(By.CSS_SELECTOR, "table.feedback")
    assert "the basket page went blank" in feedback.text
    assert "Ana" in feedback.text
    _screenshot(browser, "feedback")
    feedback.find_element(By.CSS_SELECTOR, "a[href^='/events/']").click()
    assert browser.find_element(By.CSS_SELECTOR, ".exc-type").text == "ZeroDivisionError"

    link = browser.find_element(By.PARTIAL_LINK_TEXT, "basket.csv")
    assert link.get_attribute("download") is not None
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(link.get_attribute("href"), timeout=10) as answer:
        assert answer.headers["Content-Type"] == "application/octet-stream"
        assert answer.read() == b"sku,qty\nA-1,0\n"


def test_a_malicious_event_shows_as_text_and_runs_nothing(inspector, browser):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    event_id = uuid.uuid4().hex
    frames = [
        {
            "function": "handler",
            "module": "evil",
            "lineno": 1,
            "in_app": True,
            "vars": {"payload": ALL_HOSTILE},
            "context_line": HOSTILE["script"],
        }
    ]
    event = {
        "event_id": event_id,
        "message": ALL_HOSTILE,
        "tags": {"evil": ALL_HOSTILE},
        "exception": {
            "values": [{"type": "Evil", "value": ALL_HOSTILE, "stacktrace": {"frames": frames}}]
        },
        "request": {"url": "http://x/", "headers": {"X-Evil": ALL_HOSTILE}},
        "breadcrumbs": {"values": [{"message": ALL_HOSTILE}]},
        "release": HOSTILE["attr"],
    }
    assert post_envelope(inspector, event_envelope(**event))[0] == 200

    for path in ("/", "/issues/1", f"/events/{event_id}", f"/?q={HOSTILE['attr']}"):
        browser.get(inspector.url + path)
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert  # noqa: B018 -- the property raises when no alert is open
        assert browser.execute_script("return window.pwned === undefined")
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, main svg, main script")
        assert not browser.find_elements(By.CSS_SELECTOR, "[onerror], [onload], [onfocus]")
    # On the event page, every hostile string is there as text a person can read.
    browser.get(f"{inspector.url}/events/{event_id}")
    page_text = _text(browser)
    for hostile in HOSTILE.values():
        assert hostile in page_text, hostile
    tags = browser.find_element(By.CSS_SELECTOR, "table.tags").text
    assert HOSTILE["script"] in tags
    headers = browser.find_element(By.CSS_SELECTOR, "table.headers").text
    assert HOSTILE["img"] in headers
    local = browser.find_element(By.CSS_SELECTOR, "table.locals").text
    assert HOSTILE["svg"] in local
    _screenshot(browser, "hostile-event")
