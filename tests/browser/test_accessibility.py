"""axe-core on the public pages, in English and Spanish, at 375 px: the
campaign page, the thanks page, the page confirming a held sign-up, the
personal action page and unsubscribe."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.models import Action, ActionKind, Hearing, Supporter
from campaign.services.intake import PersonInput
from campaign.services.signup import SignupRequest, signup_confirm_link, signup_submit
from campaign.tokens import action_page_path, unsubscribe_url
from tests.browser.conftest import DEMO_SLUG, axe_serious_violations, new_page, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _a_held_signup_path(language: str) -> str:
    """The confirm link of a demo supporter who signed up again (her email
    was on the list): moved to ZIP 55072, wants to call and attend."""
    supporter = (
        Supporter.objects.filter(email__isnull=False, phone__isnull=False)
        .exclude(actions__campaign__slug=DEMO_SLUG)
        .first()
    )
    Supporter.objects.filter(pk=supporter.pk).update(
        language=language, created_at=timezone.now() - dt.timedelta(days=60)
    )
    supporter.refresh_from_db()
    campaign = supporter.memberships.get(campaign__slug=DEMO_SLUG).campaign
    hearing = Hearing.objects.upcoming().filter(campaign=campaign).last()
    signup_submit(
        request=SignupRequest(
            campaign=campaign,
            person=PersonInput(
                first_name=supporter.first_name,
                last_name=supporter.last_name,
                email=supporter.email,
                zip_code="55072",
                language=language,
            ),
            asks=(ActionKind.CALL, ActionKind.ATTEND_HEARING),
            hearing=hearing,
            email_updates=True,
        )
    )
    token = signup_confirm_link(supporter=supporter, campaign=campaign)
    return f"/c/{DEMO_SLUG}/confirm/{token}/"


def _a_demo_supporter_with_pledges() -> Supporter:
    # The demo's supporter with the most pledges: a full personal page.
    action = Action.objects.filter(campaign__slug=DEMO_SLUG, status="pledged").first()
    return action.supporter


@pytest.fixture(params=["en", "es"])
def language(request):
    return request.param


@pytest.fixture
def any_page(browser, language):
    context, page = new_page(browser, "en-US" if language == "en" else "es-US")
    yield page
    context.close()


def test_public_pages_have_no_serious_axe_violations(any_page, demo, language):
    page, suffix = any_page, "" if language == "en" else "-es"
    supporter = _a_demo_supporter_with_pledges()
    supporter.language = language
    supporter.save(update_fields=["language"])
    campaign = supporter.actions.first().campaign
    unsubscribe_path = unsubscribe_url(supporter).split("/u/", 1)[1]
    hearing = Hearing.objects.upcoming().filter(campaign=campaign).last()
    pages = {
        "public-page": demo["campaign_url"],
        "thanks-page": f"{demo['campaign_url']}thanks/?zip=55072&ask=call&ask=testify"
        f"&hearing={hearing.pk}",
        "confirm-page": demo["base"] + _a_held_signup_path(language),
        "action-page": demo["base"] + action_page_path(supporter, campaign),
        "unsubscribe": f"{demo['base']}/u/{unsubscribe_path}",
    }
    for name, url in pages.items():
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == language
        # No horizontal scrolling on a 375 px phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
        assert axe_serious_violations(page) == [], name
        save_screenshot(page, name + suffix)
