"""Browser tests: Playwright (sync API) driving Debian's Chromium against
pytest-django's live_server, on a phone-sized viewport.

Without Chromium these tests are skipped with a notice, unless REQUIRE_BROWSER=1
(CI sets it): then a missing browser is a failure, not a silent skip."""

import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command

CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
DEMO_SLUG = "parks-alcohol-ordinance"


@pytest.fixture
def browser(monkeypatch):
    """A fresh Chromium per test. Function scope on purpose: Playwright's sync
    API keeps an event loop running while it is started, and Django's ORM
    refuses to run next to one; pytest-django's own database set-up and
    flush must run outside it, and other tests must never see it."""
    if CHROMIUM is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(
                "REQUIRE_BROWSER=1 but Chromium is not installed (apt-get install chromium)"
            )
        pytest.skip("Chromium not found: browser tests skipped (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Only while Playwright runs, and undone after the test (a leaked variable
    # would reach other tests' subprocesses, where `check --deploy` rejects it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, locale: str, javascript: bool = True):
    # bypass_csp: axe-core is injected as a script our CSP would (rightly) block.
    context = browser.new_context(
        java_script_enabled=javascript,
        viewport=PHONE,
        locale=locale,
        is_mobile=True,
        has_touch=True,
        bypass_csp=True,
        accept_downloads=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.fixture
def page(browser):
    context, page = new_page(browser, "en-US")
    yield page
    context.close()


@pytest.fixture
def page_es(browser):
    context, page = new_page(browser, "es-US")
    yield page
    context.close()


@pytest.fixture
def demo(live_server):
    """The Pine County demo (seed_demo), served by the live server."""
    # Another worker-mate's transactional test may have flushed the groups the
    # roles migration made; seed_demo needs them.
    roles_migration = importlib.import_module("campaign.migrations.0002_roles")
    roles_migration.create_roles(django_apps, None)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return {"base": live_server.url, "campaign_url": f"{live_server.url}/c/{DEMO_SLUG}/"}


def axe_serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async () => {
            const results = await axe.run(document, {resultTypes: ['violations']});
            return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): `
                    + v.nodes.map(n => n.target.join(' ')).join(', '));
        }"""
    )


def save_screenshot(page, name: str) -> None:
    """Saved only when SCREENSHOT_DIR is set (docs/screenshots/ for the README)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
