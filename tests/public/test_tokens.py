"""campaign.tokens: signed links."""

import pytest
from django.test import override_settings

from campaign.tokens import (
    action_page_url,
    action_token,
    action_token_read,
    unsubscribe_token,
    unsubscribe_token_read,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_action_token_reads_back_its_supporter_and_campaign(pine_county):
    supporter = factories.SupporterFactory()
    campaign = pine_county["campaign"]
    assert action_token_read(action_token(supporter, campaign)) == (supporter, campaign.pk)
    assert action_token_read(action_token(supporter)) == (supporter, None)


def test_tokens_of_two_supporters_differ_and_carry_a_full_length_signature():
    first, second = factories.SupporterFactory(), factories.SupporterFactory()
    assert action_token(first) != action_token(second)
    assert len(action_token(first).split(":")[-1]) == 43  # HMAC-SHA256, base64


def test_a_token_signed_with_another_key_is_rejected():
    supporter = factories.SupporterFactory()
    with override_settings(SECRET_KEY="another-secret-key-entirely-0123456789-abcdefghij"):
        forged = unsubscribe_token(supporter)
    assert unsubscribe_token_read(forged) is None
    assert unsubscribe_token_read(unsubscribe_token(supporter)) == supporter


def test_a_token_with_a_swapped_payload_is_rejected():
    victim, attacker = factories.SupporterFactory(), factories.SupporterFactory()
    victim_payload = action_token(victim).split(":")[0]
    forged = ":".join([victim_payload, *action_token(attacker).split(":")[1:]])
    assert action_token_read(forged) is None


@override_settings(SITE_URL="https://groundswell.example.org")
def test_action_page_url_is_absolute(pine_county):
    supporter = factories.SupporterFactory()
    url = action_page_url(supporter, pine_county["campaign"])
    assert url.startswith("https://groundswell.example.org/a/")
    assert url.endswith("/")
