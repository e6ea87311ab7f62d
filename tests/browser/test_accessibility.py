"""axe-core on the three public pages, in English and Spanish, at 375 px."""

import pytest

from campaign.models import Action, Supporter
from campaign.tokens import action_page_path, unsubscribe_url
from tests.browser.conftest import DEMO_SLUG, axe_serious_violations, new_page, save_screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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
    pages = {
        "public-page": demo["campaign_url"],
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
