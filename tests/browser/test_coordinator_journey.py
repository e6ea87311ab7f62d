"""A coordinator on a laptop logs ten phone-bank calls with "Save and next",
for callers living in six different districts, and the whip table's
constituent and other contacts move by exactly those calls."""

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.models import Action, ActionKind, CouncilMember, Supporter
from tests.browser.conftest import DEMO_SLUG, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LAPTOP = {"width": 1280, "height": 900}


def _figures(page) -> dict[str, tuple[int, int]]:
    """Member name -> (constituent contacts, other contacts), as the page shows them."""
    figures = {}
    for row in page.locator("tr[id^='member-']").all():
        name = row.locator("th").inner_text().strip()
        constituent = int(row.locator("[data-figure='constituent']").inner_text())
        other = int(row.locator("[data-figure='other']").inner_text())
        figures[name] = (constituent, other)
    return figures


def _callers() -> list[Supporter]:
    """Ten demo supporters with an email and a known district, across six
    districts (2 to 7), the order mixing districts so a carried-over target
    would show."""
    chosen, per_district = [], {}
    for supporter in (
        Supporter.objects.filter(email__endswith="@demo.example.org", district__number__gte=2)
        .select_related("district")
        .order_by("email")
    ):
        number = supporter.district.number
        if per_district.get(number, 0) < 2:
            per_district[number] = per_district.get(number, 0) + 1
            chosen.append(supporter)
    chosen = chosen[:10]
    assert len({s.district.number for s in chosen}) == 6
    return sorted(chosen, key=lambda s: (-s.district.number, s.pk))


def test_ten_calls_logged_with_save_and_next_credit_each_callers_own_commissioner(browser, demo):
    context = browser.new_context(viewport=LAPTOP, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{demo['base']}/accounts/login/?next=/dashboard/{DEMO_SLUG}/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(os.environ["DEMO_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("tr[id^='member-']").first).to_be_visible()
    before = _figures(page)

    callers = _callers()
    started = timezone.now()
    seat = {m.district_id: str(m) for m in CouncilMember.objects.filter(active=True)}
    page.goto(f"{demo['base']}/dashboard/{DEMO_SLUG}/log/")
    for caller in callers:
        page.get_by_label("Name, email or phone").fill(caller.email)
        # Enter picks the first match (the quick log's keyboard path).
        page.get_by_label("Name, email or phone").press("Enter")
        expect(page.locator("#log-heading")).to_contain_text(caller.full_name)
        # The default target is the caller's own commissioner, named on screen.
        expect(page.locator("#target-note")).to_contain_text(
            seat[caller.district_id].split(" ", 1)[1]
        )
        page.get_by_role("button", name="Save and next").click()
        expect(page.get_by_role("alert").or_(page.locator(".alert-success")).first).to_contain_text(
            caller.full_name
        )
    save_screenshot(page, "quick-log-after-ten-calls")

    # A call logged for someone who had pledged to call fulfils that pledge
    # (the same row, completed now); the others are new rows.
    logged = list(
        Action.objects.filter(completed_at__gte=started).values_list(
            "kind", "supporter__district_id", "target__district_id"
        )
    )
    assert len(logged) == 10
    assert all(kind == ActionKind.CALL and own == target for kind, own, target in logged)

    page.goto(f"{demo['base']}/dashboard/{DEMO_SLUG}/")
    after = _figures(page)
    expected = dict(before)
    for caller in callers:
        name = seat[caller.district_id]
        constituent, other = expected[name]
        expected[name] = (constituent + 1, other)
    assert after == expected
    save_screenshot(page, "whip-count-after-ten-calls")
    context.close()
