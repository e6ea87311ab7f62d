"""Two callers split the demo's call list: each claims a batch and sees only
their own people; one saves results without a reload and keeps their place,
the other (no JavaScript) comes back at the next row. axe-core finds no
serious violation on the call list."""

import os

import pytest
from playwright.sync_api import expect

from campaign.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from campaign.models import CallClaim, Supporter
from tests import factories
from tests.browser.conftest import DEMO_SLUG, axe_serious_violations, new_page, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SECOND_PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's


def _sign_in(browser, base, username, password, javascript=True):
    context, page = new_page(browser, "en-US", javascript=javascript)
    page.goto(f"{base}/accounts/login/?next=/dashboard/{DEMO_SLUG}/call-list/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Call list")).to_be_visible()
    return context, page


def _batch(page) -> list[int]:
    return [
        int(row_id.removeprefix("row-"))
        for row_id in page.locator("#call-list-mine > li").evaluate_all(
            "rows => rows.map(r => r.id)"
        )
    ]


def _all_rows(page) -> set[int]:
    return {
        int(row_id.removeprefix("row-"))
        for row_id in page.locator("li[id^='row-']").evaluate_all("rows => rows.map(r => r.id)")
    }


def test_two_callers_split_the_list_and_keep_their_place(browser, demo):
    factories.CoordinatorFactory(username="caller2", first_name="Rosa")
    password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    one_context, one = _sign_in(browser, demo["base"], "coordinator", password)
    two_context, two = _sign_in(browser, demo["base"], "caller2", SECOND_PASSWORD, javascript=False)

    one.get_by_role("button", name="Claim my next 10").click()
    expect(one.get_by_role("heading", name="My batch (10 people)")).to_be_visible()
    two.get_by_role("button", name="Claim my next 10").click()
    expect(two.get_by_role("heading", name="My batch (10 people)")).to_be_visible()
    one.reload()
    first, second = _batch(one), _batch(two)
    assert len(first) == len(second) == 10
    assert set(first).isdisjoint(second)
    # Neither sees the other's people at all, only how many there are.
    assert _all_rows(one).isdisjoint(second)
    assert _all_rows(two).isdisjoint(first)
    expect(one.locator("#call-list-counts")).to_contain_text(
        "10 more are in other callers' batches and hidden here."
    )
    assert axe_serious_violations(one) == []
    save_screenshot(one, "call-list-my-batch")

    # Caller one (JavaScript): no result chosen, Save refuses and nothing is recorded.
    one.evaluate("window.stillTheSamePage = true")
    row = one.locator(f"#row-{first[0]}")
    row.get_by_role("button", name="Save").click()
    assert one.locator(f"#result-{first[0]}").evaluate("e => e.validity.valueMissing")
    assert CallClaim.objects.filter(supporter_id=first[0]).exists()

    # Three saves without a reload: each row shows its result and collapses,
    # the focus moves to the next row's result.
    names = Supporter.objects.in_bulk(first[:3])
    for index, (pk, result) in enumerate(
        zip(first[:3], ["Left a message", "Reached", "Wrong number"], strict=True)
    ):
        one.locator(f"#result-{pk}").select_option(label=result)
        one.locator(f"#row-{pk}").get_by_role("button", name="Save").click()
        expect(one.locator(f"#row-{pk}")).to_have_text(f"{names[pk].full_name}: {result}.")
        expect(one.locator(f"#result-{first[index + 1]}")).to_be_focused()
    assert one.evaluate("window.stillTheSamePage") is True
    assert not CallClaim.objects.filter(supporter_id__in=first[:3]).exists()
    assert axe_serious_violations(one) == []

    # Caller two (no JavaScript): the page comes back at the next row.
    two.locator(f"#result-{second[4]}").select_option(label="Left a message")
    two.locator(f"#row-{second[4]}").get_by_role("button", name="Save").click()
    expect(two.locator(".alert-success")).to_contain_text("Left a message.")
    assert two.url.endswith(f"/call-list/#row-{second[5]}")
    assert _batch(two) == second[:4] + second[5:]
    # A Save without a result that gets past the browser's own check (an old
    # browser): the page comes back with the message next to that row's field.
    two.locator(f"#result-{second[6]}").evaluate("e => e.removeAttribute('required')")
    two.locator(f"#row-{second[6]}").get_by_role("button", name="Save").click()
    expect(two.locator(f"#result-error-{second[6]}")).to_have_text("Choose a result for this call.")
    expect(two.locator(f"#result-{second[6]}")).to_be_focused()
    assert CallClaim.objects.filter(supporter_id=second[6]).exists()
    one_context.close()
    two_context.close()
