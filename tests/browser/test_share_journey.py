"""The volunteer ladder on phones: a volunteer opens their action page at
375 px, copies their share link; a friend opens it in another browser, signs
up in Spanish; the coordinator's dashboard counts 1 recruiter and 1 person
recruited, and names the volunteer. axe-core on the blocks this adds."""

import os
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from campaign.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD
from campaign.models import Action, Membership, Supporter
from campaign.tokens import action_page_path, share_token
from tests.browser.conftest import AXE, DEMO_SLUG, new_page, save_screenshot
from tests.browser.test_journeys import applied, field

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def axe_serious_violations_in(page, selector: str) -> list[str]:
    """Serious or critical axe-core violations inside `selector` only."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        """async (selector) => {
            const results = await axe.run(
                {include: [[selector]]}, {resultTypes: ['violations']});
            return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): `
                    + v.nodes.map(n => n.target.join(' ')).join(', '));
        }""",
        selector,
    )


def test_a_friend_who_signs_up_through_the_share_link_is_counted_for_the_volunteer(browser, demo):
    # The demo's own recruits set aside: this journey's is the only one.
    Membership.objects.update(recruited_by=None)
    volunteer = Action.objects.filter(campaign__slug=DEMO_SLUG).first().supporter
    Supporter.objects.filter(pk=volunteer.pk).update(language="en")
    campaign = volunteer.memberships.get(campaign__slug=DEMO_SLUG).campaign

    # The volunteer, on a phone.
    context, page = new_page(browser, "en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=demo["base"])
    page.goto(demo["base"] + action_page_path(volunteer, campaign))
    block = page.locator(".share-block")
    expect(block.get_by_role("heading", name="Share with a friend")).to_be_visible()
    link = block.get_by_label("Your share link")
    share_url = link.input_value()
    assert share_url == (f"{demo['base']}/c/{DEMO_SLUG}/?r={share_token(volunteer, campaign)}")
    block.get_by_role("button", name="Copy link").click()
    expect(block.get_by_role("status")).to_have_text("Link copied.")
    assert page.evaluate("navigator.clipboard.readText()") == share_url
    encoded = quote(share_url)
    assert encoded in block.get_by_role("link", name="Share by text message").get_attribute("href")
    assert encoded in block.get_by_role("link", name="Share by email").get_attribute("href")
    box = block.bounding_box()
    assert box["x"] + box["width"] <= 375
    save_screenshot(page, "share-link-action-page")
    assert axe_serious_violations_in(page, ".share-block") == []
    context.close()

    # A friend, in another browser, in Spanish.
    friend_context, friend = new_page(browser, "es-US")
    friend.goto(share_url)
    expect(friend.locator("html")).to_have_attribute("lang", "es")
    field(friend, "Nombre").fill("Marisol")
    field(friend, "Apellido").fill("Vega")
    field(friend, "Correo electrónico").fill("marisol.vega@example.org")
    field(friend, "Código postal").fill("55072")
    field(friend, "Idioma preferido").select_option("es")
    friend.get_by_role("button", name="Inscribirme").click()
    expect(friend.get_by_role("heading", level=1)).to_have_text("Gracias por inscribirse")
    share_section = friend.locator("section[aria-labelledby='share-heading']")
    expect(share_section).to_contain_text("Su propio enlace para compartir")
    # The thanks page knows nobody: no share link on it.
    assert "?r=" not in friend.content()
    assert axe_serious_violations_in(friend, "section[aria-labelledby='share-heading']") == []
    friend_context.close()

    marisol = applied(lambda: Supporter.objects.get(email="marisol.vega@example.org"))
    assert list(
        Membership.objects.filter(recruited_by__isnull=False).values_list(
            "supporter_id", "recruited_by_id"
        )
    ) == [(marisol.pk, volunteer.pk)]

    # The coordinator, on a phone too.
    coordinator_context, coordinator = new_page(browser, "en-US")
    coordinator.goto(f"{demo['base']}/accounts/login/?next=/dashboard/{DEMO_SLUG}/")
    coordinator.get_by_label("Username").fill("coordinator")
    coordinator.get_by_label("Password").fill(
        os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    )
    coordinator.get_by_role("button", name="Sign in").click()
    section = coordinator.locator("#organizing-section")
    expect(section.locator("[data-figure='recruiters']")).to_have_text("1")
    expect(section.locator("[data-figure='recruited']")).to_have_text("1")
    expect(section.locator("[data-figure='recruiters-recent']")).to_have_text("1")
    expect(section.locator("#top-recruiters li")).to_have_text(
        [re.compile(rf"^{re.escape(volunteer.full_name)}: 1$")]
    )
    expect(section.locator("#organizing-reading")).to_contain_text(
        "1 recruited someone in the last 7 days."
    )
    save_screenshot(coordinator, "dashboard-organizing")
    assert axe_serious_violations_in(coordinator, "#organizing-section") == []
    coordinator_context.close()
