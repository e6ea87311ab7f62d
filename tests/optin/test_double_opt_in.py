"""Privacy hole 7: the public form let anyone make the coalition email any
address. A new address now gets one confirmation email a day at most, and no
email consent (so nothing else) until its owner follows the link in it."""

import datetime as dt

import pytest

from campaign.messaging import render_email
from campaign.models import (
    ActionKind,
    Channel,
    ConsentEvent,
    Message,
    MessageKind,
    PendingSignup,
    Supporter,
)
from campaign.services.outbox import _recheck
from campaign.services.scheduling import reminders_on_hearing_saved, reminders_on_pledge
from tests import factories
from tests.optin.conftest import emailed_confirm_path

pytestmark = pytest.mark.django_db

HEARING_REMINDERS = [
    (MessageKind.HEARING_24H, Channel.EMAIL),
    (MessageKind.HEARING_2H, Channel.EMAIL),
    (MessageKind.HEARING_3D, Channel.EMAIL),
    (MessageKind.HEARING_THANKS, Channel.EMAIL),
]


@pytest.fixture
def victims_form(form_data, hearing):
    """A stranger's form naming someone else's address, ticking email updates."""
    return {**form_data, "email": "victim@example.org", "hearing": hearing.pk}


def sign_up(client, signup_url, data):
    response = client.post(signup_url, data)
    assert response.status_code == 302


def rows(supporter):
    return sorted(
        Message.objects.filter(supporter=supporter).values_list("kind", "channel"),
    )


def test_ten_signups_of_one_address_in_a_day_send_one_email(
    client, signup_url, victims_form, clock
):
    for _ in range(10):
        sign_up(client, signup_url, victims_form)
        clock.shift(dt.timedelta(minutes=30))
    victim = Supporter.objects.get(email="victim@example.org")
    assert rows(victim) == [(MessageKind.SIGNUP_CONFIRMATION, Channel.EMAIL)]


def test_the_address_gets_no_consent_until_its_link_is_followed(
    client, signup_url, victims_form, clock
):
    sign_up(client, signup_url, victims_form)
    victim = Supporter.objects.get(email="victim@example.org")
    assert (victim.email_consent_at, victim.email_consent_source) == (None, "")
    assert ConsentEvent.objects.count() == 0
    assert victim.unreachable_reason(Channel.EMAIL) == "no email consent"


def test_the_confirmation_email_carries_the_link_to_confirm_the_address(
    client, signup_url, victims_form, clock
):
    sign_up(client, signup_url, {**victims_form, "language": "en"})
    message = Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION)
    body = render_email(message).body
    assert "Confirm your address" in body
    assert emailed_confirm_path(message).startswith("/c/parks-alcohol-ordinance/confirm/")


def test_the_spanish_confirmation_email_asks_to_confirm_the_address(
    client, signup_url, victims_form, clock
):
    sign_up(client, signup_url, victims_form)  # the form is filled in Spanish
    body = render_email(Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION)).body
    assert "Confirme su dirección" in body


def test_following_the_link_records_consent_and_schedules_the_reminders(
    client, signup_url, victims_form, clock, campaign
):
    sign_up(client, signup_url, victims_form)
    path = emailed_confirm_path(Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION))
    clock.shift(dt.timedelta(hours=1))
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/a/")
    victim = Supporter.objects.get(email="victim@example.org")
    event = ConsentEvent.objects.get()
    assert (event.channel, event.kind, event.source, event.campaign_id) == (
        Channel.EMAIL,
        ConsentEvent.Kind.GRANTED,
        "double opt-in confirmed (public_form:parks-alcohol-ordinance)",
        campaign.pk,
    )
    assert victim.email_consent_at == event.occurred_at
    assert rows(victim) == sorted(
        [
            (MessageKind.SIGNUP_CONFIRMATION, Channel.EMAIL),
            (MessageKind.PLEDGE_FOLLOWUP, Channel.EMAIL),
            *HEARING_REMINDERS,
        ]
    )
    assert not PendingSignup.objects.filter(confirmed_at__isnull=True).exists()


def test_following_the_link_twice_records_one_consent(client, signup_url, victims_form, clock):
    sign_up(client, signup_url, victims_form)
    path = emailed_confirm_path(Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION))
    client.post(path)
    assert client.post(path).status_code == 404
    assert ConsentEvent.objects.count() == 1


def test_a_second_day_allows_one_more_email_whose_link_opens_the_latest_signup(
    client, signup_url, victims_form, clock
):
    sign_up(client, signup_url, victims_form)
    clock.shift(dt.timedelta(days=1))
    sign_up(client, signup_url, {**victims_form, "asks": [ActionKind.LETTER]})
    victim = Supporter.objects.get(email="victim@example.org")
    assert rows(victim) == [
        (MessageKind.SIGNUP_CONFIRM_REQUEST, Channel.EMAIL),
        (MessageKind.SIGNUP_CONFIRMATION, Channel.EMAIL),
    ]
    path = emailed_confirm_path(Message.objects.get(kind=MessageKind.SIGNUP_CONFIRM_REQUEST))
    held = PendingSignup.objects.get(confirmed_at__isnull=True)
    assert held.payload["asks"] == [ActionKind.LETTER]
    assert client.post(path).status_code == 302
    held.refresh_from_db()
    assert held.confirmed_at is not None


def test_a_link_already_sent_opens_a_signup_held_after_it_went(
    client, signup_url, victims_form, clock
):
    sign_up(client, signup_url, victims_form)
    path = emailed_confirm_path(Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION))
    clock.shift(dt.timedelta(minutes=30))
    sign_up(client, signup_url, {**victims_form, "asks": [ActionKind.LETTER]})
    page = client.get(path)
    assert page.status_code == 200
    # One held sign-up: the newer replaced the older, and the link opens it.
    held = PendingSignup.objects.get()
    assert held.payload["asks"] == [ActionKind.LETTER]
    assert client.post(path).status_code == 302
    held.refresh_from_db()
    assert held.confirmed_at is not None


def test_an_unconfirmed_address_gets_no_hearing_reminder_or_follow_up(
    client, signup_url, victims_form, clock, hearing, campaign
):
    sign_up(client, signup_url, victims_form)
    victim = Supporter.objects.get(email="victim@example.org")
    reminders_on_hearing_saved(hearing=hearing)
    pledge = factories.ActionFactory(supporter=victim, campaign=campaign, kind=ActionKind.LETTER)
    reminders_on_pledge(action=pledge)
    assert rows(victim) == [(MessageKind.SIGNUP_CONFIRMATION, Channel.EMAIL)]


def test_a_broadcast_row_to_an_unconfirmed_address_is_suppressed_at_send_time(
    client, signup_url, victims_form, clock, campaign
):
    sign_up(client, signup_url, victims_form)
    victim = Supporter.objects.get(email="victim@example.org")
    row = Message.objects.create(
        supporter=victim,
        campaign=campaign,
        kind=MessageKind.BROADCAST,
        channel=Channel.EMAIL,
        scheduled_for=dt.datetime.now(dt.UTC),
        dedupe_key="broadcast-test",
    )
    verdict = _recheck(row, dt.datetime.now(dt.UTC))
    assert (verdict.status, verdict.reason) == ("suppressed", "no email consent")


def test_without_email_updates_ticked_nothing_waits_for_confirmation(
    client, signup_url, victims_form, clock
):
    sign_up(client, signup_url, {**victims_form, "email_updates": ""})
    message = Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION)
    assert PendingSignup.objects.count() == 0
    assert emailed_confirm_path(message) is None


def test_with_the_setting_off_a_new_address_is_single_opt_in(
    client, signup_url, victims_form, clock, settings
):
    settings.EMAIL_DOUBLE_OPT_IN = False
    sign_up(client, signup_url, victims_form)
    victim = Supporter.objects.get(email="victim@example.org")
    event = ConsentEvent.objects.get()
    assert (event.channel, event.source) == (Channel.EMAIL, "public_form:parks-alcohol-ordinance")
    assert PendingSignup.objects.count() == 0
    assert rows(victim) == sorted(
        [
            (MessageKind.SIGNUP_CONFIRMATION, Channel.EMAIL),
            (MessageKind.PLEDGE_FOLLOWUP, Channel.EMAIL),
            *HEARING_REMINDERS,
        ]
    )
    assert emailed_confirm_path(Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION)) is None


def test_with_the_setting_off_ten_signups_still_send_one_email(
    client, signup_url, victims_form, clock, settings
):
    settings.EMAIL_DOUBLE_OPT_IN = False
    for _ in range(10):
        sign_up(client, signup_url, victims_form)
        clock.shift(dt.timedelta(minutes=30))
    victim = Supporter.objects.get(email="victim@example.org")
    emails = Message.objects.filter(
        supporter=victim,
        kind__in=[MessageKind.SIGNUP_CONFIRMATION, MessageKind.SIGNUP_CONFIRM_REQUEST],
    )
    assert emails.count() == 1


def test_the_thanks_page_asks_to_confirm_the_address(client, signup_url, victims_form, clock):
    response = client.post(signup_url, {**victims_form, "language": "en"}, follow=True)
    assert "confirm your address" in response.content.decode()


def test_a_link_already_followed_opens_a_signup_held_later_that_day(
    client, signup_url, victims_form, clock
):
    sign_up(client, signup_url, victims_form)
    path = emailed_confirm_path(Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION))
    assert client.post(path).status_code == 302
    clock.shift(dt.timedelta(minutes=30))
    sign_up(client, signup_url, {**victims_form, "asks": [ActionKind.LETTER]})
    # No second email today: the one in the mailbox opens the new sign-up.
    assert Message.objects.filter(kind=MessageKind.SIGNUP_CONFIRM_REQUEST).count() == 0
    held = PendingSignup.objects.get(confirmed_at__isnull=True)
    assert held.payload["asks"] == [ActionKind.LETTER]
    assert client.post(path).status_code == 302
    held.refresh_from_db()
    assert held.confirmed_at is not None
    assert PendingSignup.objects.filter(confirmed_at__isnull=False).count() == 2
