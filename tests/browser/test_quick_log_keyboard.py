"""Ten calls logged in the quick log by keyboard alone: type the name, Enter
picks the first match, Enter saves with the defaults shown (a call, their own
commissioner, done), and the name box has the focus again. Every key that is
not part of a name is counted: the target is at most 4 per call."""

import os
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from campaign.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from campaign.models import Action, ActionKind, ActionStatus, Campaign, Supporter
from campaign.selectors import supporters_search
from campaign.services.intake import seat_holders
from tests.browser.conftest import DEMO_SLUG, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

MAX_KEYS_PER_CALL = 4


def _callers(seats) -> list[Supporter]:
    """Ten demo people whose full name finds them first, each with a seat
    holder for their district."""
    chosen = []
    for supporter in Supporter.objects.filter(
        email__endswith="@demo.example.org", district__isnull=False
    ).order_by("pk"):
        found = supporters_search(supporter.full_name)
        if found and found[0].pk == supporter.pk and seats.get(supporter.district_id):
            chosen.append(supporter)
        if len(chosen) == 10:
            break
    assert len(chosen) == 10
    return chosen


def test_ten_calls_by_keyboard_take_the_name_plus_two_keys_each(browser, demo):
    context, page = new_page(browser, "en-US")
    page.goto(f"{demo['base']}/accounts/login/?next=/dashboard/{DEMO_SLUG}/log/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    search = page.get_by_label("Name, email or phone")
    expect(search).to_be_focused()

    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    seats = seat_holders(campaign.decision_body_id)
    callers = _callers(seats)
    keys = []

    def press(key: str) -> None:
        keys[-1] += 1
        page.keyboard.press(key)

    started = timezone.now()
    clock = time.monotonic()
    for caller in callers:
        keys.append(0)
        expect(search).to_be_focused()
        page.keyboard.type(caller.full_name)  # the name: not counted
        press("Enter")  # picks the first match
        expect(page.locator("#log-heading")).to_contain_text(caller.full_name)
        # The defaults are on screen: a call, their own commissioner, done.
        expect(page.get_by_label("What they did")).to_have_value(ActionKind.CALL)
        expect(page.get_by_label("Target member")).to_have_value(str(seats[caller.district_id]))
        expect(page.get_by_label("Status")).to_have_value(ActionStatus.COMPLETED)
        expect(page.locator("#target-note")).to_contain_text("their own commissioner")
        press("Enter")  # "Save and next" has the focus
        expect(page.locator(".alert-success").first).to_contain_text(
            f"Logged Call for {caller.full_name}."
        )
    seconds = time.monotonic() - clock
    context.close()

    print(
        f"\nQUICK LOG KEYBOARD: {len(callers)} calls, keys beyond the name per call: {keys} "
        f"(max {max(keys)}, total {sum(keys)}); {seconds:.1f} s in the browser"
    )
    assert keys == [2] * 10
    assert max(keys) <= MAX_KEYS_PER_CALL
    # A call logged for someone who had pledged to call fulfils that pledge
    # (the same row, completed now): found by completion time.
    logged = sorted(
        Action.objects.filter(completed_at__gte=started).values_list(
            "supporter_id", "kind", "status", "target_id"
        )
    )
    assert logged == sorted(
        (c.pk, ActionKind.CALL, ActionStatus.COMPLETED, seats[c.district_id]) for c in callers
    )
