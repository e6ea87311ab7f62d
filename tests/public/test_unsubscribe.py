"""/u/<token>/: unsubscribe. GET only asks; POST (a form or RFC 8058 one-click) does it."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from campaign.models import Channel, ConsentEvent, Message, MessageKind, MessageStatus
from campaign.tokens import action_token, unsubscribe_token, unsubscribe_url
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def supporter(db):
    now = timezone.now()
    return factories.SupporterFactory(
        phone="+16125550123", email_consent_at=now, sms_consent_at=now, language="en"
    )


@pytest.fixture
def url(supporter):
    return reverse("public:unsubscribe", args=[unsubscribe_token(supporter)])


def test_get_only_shows_the_confirmation(client, supporter, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "Unsubscribe me" in response.content.decode()
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is None
    assert supporter.email_consent_at is not None
    assert ConsentEvent.objects.count() == 0


def test_rfc8058_one_click_post_without_cookies_unsubscribes_with_200(supporter, url):
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "Location" not in response
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is not None
    assert (supporter.email_consent_at, supporter.sms_consent_at) == (None, None)
    rows = sorted(ConsentEvent.objects.values_list("channel", "kind", "source"))
    assert rows == [
        (Channel.EMAIL, "withdrawn", "list_unsubscribe_one_click"),
        (Channel.SMS, "withdrawn", "list_unsubscribe_one_click"),
    ]


def test_the_pages_form_unsubscribes_and_says_so(client, supporter, url):
    client.get(url)
    response = client.post(url)
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is not None
    assert set(ConsentEvent.objects.values_list("source", flat=True)) == {"unsubscribe_link"}


def test_unsubscribing_twice_is_harmless(client, supporter, url):
    client.post(url)
    first = supporter.__class__.objects.get(pk=supporter.pk).unsubscribed_at
    assert client.post(url).status_code == 200
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at == first
    assert ConsentEvent.objects.count() == 2
    assert "already unsubscribed" in client.get(url).content.decode()


def test_unsubscribing_suppresses_pending_messages(client, supporter, url):
    message = Message.objects.create(
        supporter=supporter,
        channel=Channel.SMS,
        kind=MessageKind.HEARING_24H,
        scheduled_for=timezone.now(),
        dedupe_key="test-1",
    )
    client.post(url)
    message.refresh_from_db()
    assert message.status == MessageStatus.SUPPRESSED


def test_a_tampered_token_is_not_found_and_changes_nothing(client, supporter, url):
    assert client.get(url[:-3] + "zz/").status_code == 404
    assert client.post(url[:-3] + "zz/").status_code == 404
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is None


def test_an_action_page_token_does_not_unsubscribe(client, supporter):
    url = reverse("public:unsubscribe", args=[action_token(supporter)])
    assert client.post(url).status_code == 404
    supporter.refresh_from_db()
    assert supporter.unsubscribed_at is None


def test_the_page_is_in_the_supporters_language(client, supporter, url):
    supporter.language = "es"
    supporter.save()
    body = client.get(url).content.decode()
    assert '<html lang="es">' in body
    assert "Darme de baja" in body


@override_settings(SITE_URL="https://groundswell.example.org")
def test_unsubscribe_url_is_absolute(supporter):
    assert unsubscribe_url(supporter).startswith("https://groundswell.example.org/u/")


@override_settings(PUBLIC_UNSUBSCRIBE_RATE="2/m")
def test_unsubscribe_posts_are_rate_limited_separately(client, supporter, url):
    assert [client.post(url).status_code for _ in range(3)] == [200, 200, 429]
