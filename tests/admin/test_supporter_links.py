"""Supporters' personal links in the admin: revoke them, see how many still work.

Personas: Ana asked for her links to be revoked (she forwarded an email); Ben
did not, and his links must keep working."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from campaign.tokens import (
    action_link_read,
    action_token,
    unsubscribe_token,
    unsubscribe_token_read,
)
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/campaign/supporter/"


@pytest.fixture
def ana(db):
    return factories.SupporterFactory(first_name="Ana")


@pytest.fixture
def ben(db):
    return factories.SupporterFactory(first_name="Ben")


def test_the_action_revokes_only_the_selected_supporters_action_page_links(
    coordinator_client, ana, ben, pine_county
):
    campaign = pine_county["campaign"]
    anas = [action_token(ana, campaign), action_token(ana)]
    anas_unsubscribe = unsubscribe_token(ana)
    bens = action_token(ben, campaign)

    response = coordinator_client.post(
        CHANGELIST,
        {"action": "revoke_links_selected", "_selected_action": [str(ana.pk)]},
        follow=True,
    )

    page = response.content.decode()
    assert "2 personal action-page links revoked." in page
    assert "Unsubscribe links in emails already sent keep working." in page
    assert [action_link_read(token) for token in anas] == [None, None]
    assert action_link_read(bens).supporter == ben
    # The rule: Ana can still leave the list from an old email.
    assert unsubscribe_token_read(anas_unsubscribe) == ana


def test_the_action_is_offered_on_the_supporter_changelist(coordinator_client, ana):
    page = coordinator_client.get(CHANGELIST).content.decode()
    assert 'value="revoke_links_selected"' in page
    assert "Revoke the selected supporters&#x27; personal links" in page


def test_the_change_page_counts_the_links_that_still_open_the_page(
    coordinator_client, settings, ana, pine_county
):
    settings.PUBLIC_TOKEN_MAX_AGE_DAYS = 365
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=400)):
        action_token(ana)  # expired
    action_token(ana)
    action_token(ana, pine_county["campaign"])
    unsubscribe_token(ana)  # not an action-page link
    url = reverse("admin:campaign_supporter_change", args=[ana.pk])

    page = coordinator_client.get(url).content.decode()
    assert "Live personal action-page links" in page
    assert '<div class="readonly">2</div>' in page
