"""The inbound SMS webhook: signature, opt-out words, START, HELP."""

import uuid

import pytest
from django.urls import reverse

from campaign import sms
from campaign.models import ConsentEvent, Message, MessageKind
from campaign.sms import twilio_signature
from tests.reminders.conftest import make_supporter

pytestmark = pytest.mark.django_db

URL = "https://groundswell.example.org/sms/inbound/"


def post(client, body, phone, signature=None):
    params = {
        "From": phone,
        "To": "+16125550000",
        "Body": body,
        "MessageSid": f"SM{uuid.uuid4().hex}",
    }
    signature = signature or twilio_signature(url=URL, params=params, auth_token="test-auth-token")
    return client.post(reverse("sms:inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_the_signature_follows_twilios_documented_example():
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675310",
        "Digits": "1234",
        "From": "+14158675310",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert (
        twilio_signature(url=url, params=params, auth_token="12345")
        == "GvWf1cFY/Q7PnoempGyD5oXAezc="
    )


def test_a_bad_signature_is_refused_and_changes_nothing(client):
    supporter = make_supporter(sms_consent=True)
    response = post(client, "STOP", supporter.phone, signature="forged")
    assert response.status_code == 403
    supporter.refresh_from_db()
    assert supporter.sms_consent_at is not None


def test_without_a_configured_token_every_request_is_refused(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    supporter = make_supporter(sms_consent=True)
    assert post(client, "STOP", supporter.phone).status_code == 403


@pytest.mark.parametrize(
    "word",
    [
        "STOP",
        "  stop ",
        "Quit",
        "end",
        "REVOKE",
        "opt out",
        "Cancel",
        "UNSUBSCRIBE",
        "alto",
        "Parar",
        "No más",
        "NO MAS",
        "stop.",
    ],
)
def test_an_opt_out_word_withdraws_sms_consent_with_one_confirmation(client, word):
    supporter = make_supporter(sms_consent=True)
    response = post(client, word, supporter.phone)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    supporter.refresh_from_db()
    assert supporter.sms_consent_at is None
    assert supporter.email_consent_at is not None  # email is another channel
    event = ConsentEvent.objects.get(supporter=supporter, kind=ConsentEvent.Kind.WITHDRAWN)
    assert (event.channel, event.source) == ("sms", "sms_stop")
    [reply] = Message.objects.filter(supporter=supporter)
    assert reply.kind == MessageKind.SMS_OPTOUT_CONFIRMATION


def test_a_second_stop_sends_no_second_confirmation(client):
    supporter = make_supporter(sms_consent=True)
    post(client, "STOP", supporter.phone)
    post(client, "STOP", supporter.phone)
    assert Message.objects.filter(kind=MessageKind.SMS_OPTOUT_CONFIRMATION).count() == 1


def test_stop_suppresses_pending_texts(client, campaign):
    from campaign.services.scheduling import reminders_on_signup

    supporter = make_supporter(sms_consent=True)
    reminders_on_signup(supporter=supporter, campaign=campaign, pledges=[])
    post(client, "STOP", supporter.phone)
    text = Message.objects.get(kind=MessageKind.SIGNUP_CONFIRMATION, channel="sms")
    assert text.status == "suppressed"


def test_start_opts_back_in_to_texts(client):
    supporter = make_supporter(phone=True)
    post(client, "Start", supporter.phone)
    supporter.refresh_from_db()
    assert supporter.sms_consent_source == "sms_start"
    assert Message.objects.get().kind == MessageKind.SMS_OPTIN_CONFIRMATION


def test_help_queues_the_help_reply(client):
    supporter = make_supporter(sms_consent=True)
    post(client, " help ", supporter.phone)
    assert Message.objects.get().kind == MessageKind.SMS_HELP


def test_an_unknown_sender_asking_for_help_is_answered_inline(client):
    response = post(client, "HELP", "+16125559876")
    assert response.status_code == 200
    assert b"<Message>Pine County Prevention Coalition: campaign reminders" in response.content
    assert Message.objects.count() == 0


def test_an_unknown_sender_saying_stop_gets_an_empty_answer(client):
    response = post(client, "STOP", "not a number")
    assert response.content == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def test_other_texts_are_ignored(client):
    supporter = make_supporter(sms_consent=True)
    post(client, "Please stop by the office", supporter.phone)
    supporter.refresh_from_db()
    assert supporter.sms_consent_at is not None
    assert Message.objects.count() == 0
    assert sms.outbox == []


def test_a_get_is_not_allowed(client):
    assert client.get(reverse("sms:inbound")).status_code == 405


def test_a_replayed_start_changes_nothing_the_second_and_third_time(client, settings):
    """Hole 3 of the privacy issue: one captured, signed START posted three
    times added three consent rows and queued three opt-in texts."""
    supporter = make_supporter(sms_consent=False, phone=True)
    params = {"From": supporter.phone, "To": "+16125550000", "Body": "START", "MessageSid": "SMx"}
    signature = twilio_signature(url=URL, params=params, auth_token="test-auth-token")
    responses = [
        client.post(reverse("sms:inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)
        for _ in range(3)
    ]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert ConsentEvent.objects.filter(supporter=supporter).count() == 1
    assert Message.objects.filter(kind=MessageKind.SMS_OPTIN_CONFIRMATION).count() == 1


def test_a_text_without_the_providers_id_is_refused(client):
    supporter = make_supporter(sms_consent=False, phone=True)
    params = {"From": supporter.phone, "To": "+16125550000", "Body": "START"}
    signature = twilio_signature(url=URL, params=params, auth_token="test-auth-token")
    response = client.post(reverse("sms:inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 400
    assert ConsentEvent.objects.count() == 0
