"""The quick log's kept-target note and likely-duplicates warning work with
plain forms and links, without JavaScript; with it (axe-core needs it), axe
finds no serious violation on either screen."""

import os

import pytest
from playwright.sync_api import expect

from campaign.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from campaign.models import CouncilMember, Supporter
from tests.browser.conftest import DEMO_SLUG, axe_serious_violations, new_page

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _sign_in(page, base):
    page.goto(f"{base}/accounts/login/?next=/dashboard/{DEMO_SLUG}/log/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill(os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Name, email or phone")).to_be_visible()


@pytest.mark.parametrize("javascript", [False, True], ids=["no-js", "js+axe"])
def test_keeping_a_target_and_adding_a_likely_duplicate(browser, demo, javascript):
    context, page = new_page(browser, "en-US", javascript=javascript)
    _sign_in(page, demo["base"])
    first, second = (
        Supporter.objects.filter(email__endswith="@demo.example.org", district__number=n)
        .order_by("pk")
        .first()
        for n in (2, 3)
    )
    kept = CouncilMember.objects.get(active=True, district__number=5)

    # Keep District 5's commissioner for the next caller.
    page.goto(f"{demo['base']}/dashboard/{DEMO_SLUG}/log/?kind=call&supporter={first.pk}")
    page.get_by_label("Target member").select_option(str(kept.pk))
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Save and next").click()
    expect(page.get_by_text("Target kept from the last call")).to_be_visible()
    assert not javascript or axe_serious_violations(page) == []
    page.goto(f"{page.url}&supporter={second.pk}")
    expect(page.locator("#target-note")).to_contain_text(
        f"Target kept from the last call: {kept} — not this supporter's own commissioner"
    )
    assert not javascript or axe_serious_violations(page) == []

    # Adding someone already on the list, typed without accents: warned,
    # then added anyway. (A name the demo's seeded people do not have.)
    Supporter.objects.create(
        first_name="Lucía", last_name="Núñez", email="lucia.n@example.org", zip_code="55030"
    )
    page.goto(f"{demo['base']}/dashboard/{DEMO_SLUG}/log/")
    page.get_by_label("First name").fill("LUCIA")
    page.get_by_label("Last name").fill("Nunez")
    page.get_by_label("Email", exact=True).fill("someone.new@example.org")
    page.get_by_role("button", name="Add and log for them").click()
    expect(page.get_by_text("These people look like the one you are adding")).to_be_visible()
    expect(page.get_by_role("link", name="Pick Lucía Núñez")).to_be_visible()
    assert not javascript or axe_serious_violations(page) == []
    before = Supporter.objects.count()
    page.get_by_role("button", name="Add as a new person anyway").click()
    expect(page.get_by_text("New supporter added.")).to_be_visible()
    assert Supporter.objects.count() == before + 1
    context.close()
