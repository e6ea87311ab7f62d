"""A board member or funder (the demo's viewer) on a 375 px phone: signs in
from the landing page, opens every page a viewer can open; none is wider
than the screen and axe-core finds no serious or critical violation. And a
volunteer on the same phone: the ask and the Sign up button above the fold,
and a refused submit landing on its first error."""

import os

import pytest

from tests.browser.conftest import DEMO_SLUG, PHONE, axe_serious_violations, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

VIEWER_PAGES = [
    "/dashboard/",
    f"/dashboard/{DEMO_SLUG}/",
    f"/dashboard/{DEMO_SLUG}/report/",
    f"/dashboard/{DEMO_SLUG}/report/?from=2020-01-01&to=2099-12-31",
]


def _page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def _sign_in_from_the_landing_page(page, demo) -> None:
    page.goto(demo["base"] + "/")
    page.click("#staff-sign-in")
    page.fill("#id_username", "viewer")
    page.fill("#id_password", os.environ["DEMO_PASSWORD"])
    page.locator("main button[type=submit]").click()
    page.wait_for_url(demo["base"] + "/dashboard/")


@pytest.mark.parametrize("path", VIEWER_PAGES)
def test_a_viewer_reads_each_page_on_a_phone(page, demo, path):
    _sign_in_from_the_landing_page(page, demo)
    response = page.goto(demo["base"] + path)
    assert response.status == 200
    assert _page_width(page) <= PHONE["width"], path
    assert axe_serious_violations(page) == [], path
    text = page.inner_text("main").lower()
    assert "outbox" not in text and "in doubt" not in text
    if path.endswith("/report/"):
        save_screenshot(page, "report-phone")


def test_the_report_in_spanish_fits_a_phone(page_es, demo):
    _sign_in_from_the_landing_page(page_es, demo)
    page_es.goto(demo["base"] + f"/dashboard/{DEMO_SLUG}/report/")
    assert page_es.locator("#report-votes").inner_text().startswith("Asegurados:")
    assert _page_width(page_es) <= PHONE["width"]
    assert axe_serious_violations(page_es) == []


@pytest.mark.parametrize("fixture", ["page", "page_es"])
def test_the_landing_page_fits_a_phone(request, demo, fixture):
    page = request.getfixturevalue(fixture)
    page.goto(demo["base"] + "/")
    assert page.locator(f'a[href="/c/{DEMO_SLUG}/"]').count() == 1
    assert _page_width(page) <= PHONE["width"]
    assert axe_serious_violations(page) == []
    save_screenshot(page, f"landing-{fixture}")


@pytest.mark.parametrize("fixture", ["page", "page_es"])
def test_the_ask_and_the_sign_up_button_are_above_the_fold(request, demo, fixture):
    page = request.getfixturevalue(fixture)
    page.goto(demo["campaign_url"])
    for selector in ("#the-ask", "#signup-jump"):
        box = page.locator(selector).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], selector
    assert _page_width(page) <= PHONE["width"]
    page.click("#signup-jump")
    assert page.url.endswith("#signup")


def test_a_refused_submit_lands_on_its_first_error_without_javascript(browser, demo):
    from tests.browser.conftest import new_page

    context, page = new_page(browser, "en-US", javascript=False)
    try:
        page.goto(demo["campaign_url"])
        page.fill("#id_first_name", "Ana")
        page.fill("#id_last_name", "Gómez")
        page.fill("#id_email", "ana.phone@example.org")
        page.fill("#id_zip_code", "55")
        page.locator("#signup button[type=submit]").click()
        page.wait_for_load_state()
        assert page.url == demo["campaign_url"]
        assert page.evaluate("document.activeElement.id") == "id_zip_code"
        # Autofocus scrolls the field into view once the page is laid out
        # (polled: wait_for_function needs the page's own JavaScript).
        in_view = """() => {
            const box = document.getElementById("id_zip_code").getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }"""
        for _ in range(50):
            if page.evaluate(in_view):
                break
            page.wait_for_timeout(100)
        assert page.evaluate(in_view)
        assert page.locator("#error-summary a").get_attribute("href") == "#id_zip_code"
        assert page.input_value("#id_first_name") == "Ana"
    finally:
        context.close()
