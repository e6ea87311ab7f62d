"""A coordinator answers an access request and an erasure request from the
admin, in a real browser on the demo data: the clicks it takes, the time it
takes, and axe-core on the confirmation page."""

import json
import os
import time
import zipfile

import pytest
from playwright.sync_api import expect

from campaign.models import ActionStatus, Supporter
from tests.browser.conftest import (  # noqa: F401 - fixtures
    axe_serious_violations,
    browser,
    demo,
    new_page,
    save_screenshot,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_access_then_erasure_take_a_few_clicks_each(browser, demo):  # noqa: F811
    person = (
        Supporter.objects.filter(email__isnull=False, actions__status=ActionStatus.COMPLETED)
        .distinct()
        .first()
    )
    email = person.email
    context, page = new_page(browser, "en-US")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo['base']}/accounts/login/?next=/admin/campaign/supporter/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(os.environ["DEMO_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()

    # Access: search the address, open the person, download (2 clicks).
    started = time.monotonic()
    page.locator("#searchbar").fill(email)
    page.locator("#searchbar").press("Enter")
    page.get_by_role("link", name=person.last_name or person.first_name).first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything we hold (access request)").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert json.loads(archive.read("data.json"))["person"]["email"] == email
    access_seconds = time.monotonic() - started

    # Erasure, from the same page: the button, then the confirmation (2 clicks).
    started = time.monotonic()
    page.get_by_role("link", name="Erase this person").click()
    expect(page.get_by_role("heading", name="What stays, anonymously")).to_be_visible()
    assert axe_serious_violations(page) == []
    save_screenshot(page, "erase-confirmation")
    page.get_by_role("button", name="Erase").click()
    expect(page.locator(".messagelist")).to_contain_text("1 person erased.")
    erasure_seconds = time.monotonic() - started
    context.close()

    person.refresh_from_db()
    assert (person.first_name, person.email, person.erased_at is not None) == (
        "Erased",
        None,
        True,
    )
    # The browser's own time (a person reads the page too): far under a minute.
    assert access_seconds < 20 and erasure_seconds < 20, (access_seconds, erasure_seconds)
