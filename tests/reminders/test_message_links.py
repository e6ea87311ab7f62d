"""The personal links inside a rendered message: minted once per message, and
only the ones its template shows."""

import re

import pytest
from django.utils import timezone

from campaign import messaging
from campaign.models import Channel, MessageKind, SupporterLink
from campaign.models import Message as OutboxMessage
from campaign.tokens import action_link_read, unsubscribe_token_read
from tests import factories
from tests.reminders.conftest import make_supporter

pytestmark = pytest.mark.django_db

Purpose = SupporterLink.Purpose


def _message(supporter, campaign, channel, kind, **extra):
    return OutboxMessage.objects.create(
        supporter=supporter,
        campaign=campaign,
        channel=channel,
        kind=kind,
        scheduled_for=timezone.now(),
        dedupe_key=f"test:{channel}:{kind}",
        **extra,
    )


def _tokens(text: str, prefix: str) -> set[str]:
    return set(re.findall(rf"https://groundswell\.example\.org/{prefix}/([^/\s\"<>]+)/", text))


def test_an_emails_header_and_body_share_one_unsubscribe_link(campaign):
    supporter = make_supporter()
    message = _message(supporter, campaign, Channel.EMAIL, MessageKind.SIGNUP_CONFIRMATION)
    email = messaging.render_email(message)
    [header_token] = _tokens(email.extra_headers["List-Unsubscribe"], "u")
    html = email.alternatives[0].content
    assert _tokens(email.body, "u") == _tokens(html, "u") == {header_token}
    assert SupporterLink.objects.filter(purpose=Purpose.UNSUBSCRIBE).count() == 1
    assert unsubscribe_token_read(header_token) == supporter


def test_an_emails_text_and_html_share_one_action_page_link(campaign):
    supporter = make_supporter()
    message = _message(supporter, campaign, Channel.EMAIL, MessageKind.SIGNUP_CONFIRMATION)
    email = messaging.render_email(message)
    [token] = _tokens(email.body, "a")
    assert _tokens(email.alternatives[0].content, "a") == {token}
    assert SupporterLink.objects.filter(purpose=Purpose.ACTION_PAGE).count() == 1
    assert action_link_read(token) == (supporter, campaign.pk, None)


def test_a_text_that_shows_no_link_mints_none(campaign):
    supporter = make_supporter(sms_consent=True)
    message = _message(supporter, campaign, Channel.SMS, MessageKind.SIGNUP_CONFIRMATION)
    assert "STOP" in messaging.render_sms(message)
    assert SupporterLink.objects.count() == 0


def test_a_text_with_the_action_page_link_mints_only_that_link(campaign):
    supporter = make_supporter(sms_consent=True)
    hearing = factories.HearingFactory(campaign=campaign)
    message = _message(supporter, campaign, Channel.SMS, MessageKind.HEARING_24H, hearing=hearing)
    text = messaging.render_sms(message)
    [token] = _tokens(text, "a")
    assert list(SupporterLink.objects.values_list("purpose", flat=True)) == [Purpose.ACTION_PAGE]
    assert action_link_read(token).supporter == supporter
