"""Hearing night on a 375 px phone: a coordinator opens the demo hearing's
check-in desk, finds people by name typed without accents and taps each in
(with JavaScript, no reload; without, the page comes back at the row). Each
tap is one completed attendance. No page is wider than the phone; axe-core
finds no serious violation on the queue, check-in and roster."""

import datetime as dt
import os
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from campaign.models import Action, ActionKind, ActionStatus, Hearing, fold_text
from tests.browser.conftest import DEMO_SLUG, axe_serious_violations, new_page, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _sign_in(browser, base, path, javascript=True):
    context, page = new_page(browser, "en-US", javascript=javascript)
    page.goto(f"{base}/accounts/login/?next={path}")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def _tonight() -> Hearing:
    """The demo's public hearing, begun half an hour ago."""
    hearing = Hearing.objects.get(
        campaign__slug=DEMO_SLUG, title="Public hearing: alcohol in county parks ordinance"
    )
    Hearing.objects.filter(pk=hearing.pk).update(
        starts_at=timezone.now() - dt.timedelta(minutes=30)
    )
    return hearing


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.scrollingElement.scrollWidth") <= 375


def _search(page, text):
    page.get_by_label("Find a person by name").fill(text)
    page.get_by_label("Find a person by name").press("Enter")
    expect(page.locator("#people-heading")).to_contain_text(text)


def test_a_coordinator_checks_people_in_on_a_phone(browser, demo):
    hearing = _tonight()
    pledgers = [
        action.supporter
        for action in Action.objects.filter(hearing=hearing, kind=ActionKind.TESTIMONY_IN_PERSON)
        .select_related("supporter")
        .order_by("speaking_order")[:3]
    ]
    assert len(pledgers) == 3
    base = f"/dashboard/{DEMO_SLUG}/hearings/{hearing.pk}"
    context, page = _sign_in(browser, demo["base"], f"{base}/check-in/")
    expect(page.get_by_role("heading", name="Pledged for this hearing")).to_be_visible()
    assert _no_horizontal_scroll(page)
    assert axe_serious_violations(page) == []

    page.evaluate("window.stillTheSamePage = true")
    for supporter in pledgers:
        _search(page, fold_text(supporter.full_name))
        row = page.locator(f"#person-{supporter.pk}")
        page.evaluate("window.stillTheSamePage = true")
        row.get_by_role("button", name=f"Check in: {supporter.full_name}").click()
        expect(row.locator(".hn-done")).to_have_text("✓ Attended")
        # Saved by fetch: the page (and its search) stayed.
        assert page.evaluate("window.stillTheSamePage") is True
    assert _no_horizontal_scroll(page)
    assert axe_serious_violations(page) == []
    save_screenshot(page, "hearing-check-in")

    attended = Action.objects.filter(
        hearing=hearing, kind=ActionKind.ATTEND_HEARING, status=ActionStatus.COMPLETED
    )
    assert sorted(attended.values_list("supporter_id", flat=True)) == sorted(s.pk for s in pledgers)
    assert all(a.logged_by.username == "coordinator" for a in attended)

    # The desk's list of pledgers shows them as attended (saved, not only drawn).
    page.goto(f"{demo['base']}{base}/check-in/")
    for supporter in pledgers:
        expect(page.locator(f"#person-{supporter.pk} .hn-done")).to_have_text("✓ Attended")

    page.goto(f"{demo['base']}{base}/")
    expect(page.get_by_role("heading", name="Speakers, in order")).to_be_visible()
    assert _no_horizontal_scroll(page)
    assert axe_serious_violations(page) == []
    save_screenshot(page, "hearing-night-queue")

    page.goto(f"{demo['base']}{base}/roster/")
    expect(page.locator("#hearing-roster")).to_be_visible()
    assert _no_horizontal_scroll(page)
    assert axe_serious_violations(page) == []
    save_screenshot(page, "hearing-roster")
    context.close()


def test_without_javascript_a_tap_comes_back_to_the_same_search_and_row(browser, demo):
    hearing = _tonight()
    supporter = (
        Action.objects.filter(hearing=hearing, kind=ActionKind.TESTIMONY_IN_PERSON)
        .select_related("supporter")
        .order_by("speaking_order")
        .first()
        .supporter
    )
    base = f"/dashboard/{DEMO_SLUG}/hearings/{hearing.pk}"
    context, page = _sign_in(browser, demo["base"], f"{base}/check-in/", javascript=False)
    query = fold_text(supporter.last_name)
    _search(page, query)
    page.locator(f"#person-{supporter.pk}").get_by_role(
        "button", name=f"Check in: {supporter.full_name}"
    ).click()
    expect(page.locator(f"#person-{supporter.pk} .hn-done")).to_have_text("✓ Attended")
    assert page.url == (
        f"{demo['base']}{base}/check-in/?{urlencode({'q': query})}#person-{supporter.pk}"
    )
    assert (
        Action.objects.filter(
            supporter=supporter, hearing=hearing, kind=ActionKind.ATTEND_HEARING
        ).count()
        == 1
    )
    context.close()
