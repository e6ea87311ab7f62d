"""A Spanish volunteer on a phone: their commissioner is a Comisionada with a
number to read and one to dial, the script thanks her (she supports the
ordinance), and "Ya lo hice" leads to the next step."""

import pytest
from playwright.sync_api import expect

from campaign.models import ActionKind, Campaign, District
from campaign.tokens import action_page_path
from tests import factories
from tests.browser.conftest import DEMO_SLUG, axe_serious_violations, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_spanish_volunteer_calls_her_comisionada_and_sees_what_is_next(page_es, demo):
    page = page_es
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    # ZIP 55007: district 1, Maria Delgado (yes on the ordinance).
    rosa = factories.SupporterFactory(
        first_name="Rosa",
        last_name="Flores",
        zip_code="55007",
        district=District.objects.get(body=campaign.decision_body, number=1),
        language="es",
    )
    factories.ActionFactory(supporter=rosa, campaign=campaign, kind=ActionKind.CALL)
    page.goto(demo["base"] + action_page_path(rosa, campaign))

    expect(page.locator("html")).to_have_attribute("lang", "es")
    card = page.locator(".commissioner-card")
    expect(card).to_have_count(1)
    expect(card.locator(".commissioner-name")).to_have_text("Comisionada Maria Delgado")
    call = card.locator("a.call-link")
    expect(call).to_have_attribute("href", "tel:+13205550101")
    expect(call).to_contain_text("Llamar (320) 555-0101")
    # The campaign's own Spanish script for thanking a member who supports it.
    expect(card.locator(".call-script")).to_contain_text(
        "Hola, soy Rosa Flores y vivo en el distrito de Maria Delgado. Gracias"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_serious_violations(page) == []

    page.locator(".pledge[data-kind='call']").get_by_role("button", name="Ya lo hice").click()
    expect(page.get_by_role("status").first).to_have_text("¡Gracias! Lo marcamos como hecho.")
    steps = page.locator("#next-steps")
    expect(steps.get_by_role("heading")).to_have_text("¿Y ahora qué?")
    expect(steps.locator(".next-step").first).to_contain_text("Escribir una carta")
    expect(steps.locator(".next-step").last).to_contain_text("Compartir con alguien")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert axe_serious_violations(page) == []
    save_screenshot(page, "action-page-next-steps-es")

    # "Ya envié mi carta" records the letter and shows the next step again.
    steps.get_by_role("button", name="Ya envié mi carta").click()
    expect(page.locator("#next-steps .next-step").first).not_to_contain_text("Escribir una carta")
    assert rosa.actions.filter(kind="letter", status="completed").count() == 1
