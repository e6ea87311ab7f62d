"""Issue #10, finding 9: a stranger who knows someone's email cannot change,
see or learn anything about that person through the public form.

Personas: Zelda Quixote has been on the list for a month (consents, a
pledge, a tag). Mallory knows Zelda's email and types it into the form with
her own name, ZIP, language and phone. Nadia is new to the list."""

import datetime as dt
import re
import uuid
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaign import sms
from campaign.messaging import render_sms
from campaign.models import (
    Action,
    ActionKind,
    Channel,
    ConsentEvent,
    Membership,
    Message,
    MessageKind,
    PendingSignup,
    Supporter,
    Tag,
)
from campaign.services.outbox import messages_dispatch, messages_send
from campaign.services.signup import signup_pending_get
from campaign.sms import twilio_signature
from tests import factories
from tests.public.helpers import confirm_path, known_supporter

pytestmark = pytest.mark.django_db

LONG_AGO = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.SMS_BACKEND = "locmem"
    settings.SITE_URL = "https://groundswell.example.org"
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    # The outbox runs in some tests: texts are not held for the night.
    settings.QUIET_HOURS_START = "23:59"
    settings.QUIET_HOURS_END = "00:00"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def zelda(campaign, pine_county):
    supporter = known_supporter(
        first_name="Zelda",
        last_name="Quixote",
        email="zelda@example.org",
        phone="+16125550199",
        zip_code="55007",
        district=pine_county["districts"][0],
        language="en",
        sector="business",
        email_consent_at=LONG_AGO,
        email_consent_source="import",
        sms_consent_at=LONG_AGO,
        sms_consent_source="import",
    )
    factories.ActionFactory(
        supporter=supporter, campaign=campaign, kind=ActionKind.LETTER, outcome_note="Private"
    )
    supporter.tags.add(Tag.objects.create(name="board-member"))
    return supporter


@pytest.fixture
def mallory(form_data, hearing):
    """What Mallory types: Zelda's email with everything else her own."""
    return {
        **form_data,
        "first_name": "Mallory",
        "last_name": "Mallet",
        "email": "Zelda@Example.org",
        "phone": "612-555-0142",
        "zip_code": "55072",
        "language": "es",
        "sector": "youth",
        "asks": [ActionKind.CALL, ActionKind.TESTIMONY_IN_PERSON],
        "hearing": hearing.pk,
        "email_updates": "on",
        "sms_reminders": "on",
    }


def stored(supporter: Supporter) -> dict:
    """Everything stored about a person, but the confirmation request."""
    return {
        "row": Supporter.objects.filter(pk=supporter.pk).values().get(),
        "actions": list(Action.objects.filter(supporter=supporter).order_by("pk").values()),
        "tags": sorted(supporter.tags.values_list("name", flat=True)),
        "consents": list(ConsentEvent.objects.filter(supporter=supporter).values()),
        "memberships": list(Membership.objects.filter(supporter=supporter).values()),
        "messages": list(
            Message.objects.filter(supporter=supporter)
            .exclude(kind=MessageKind.SIGNUP_CONFIRM_REQUEST)
            .values()
        ),
    }


def webhook(client, phone: str, body: str):
    """An inbound text, signed as the provider signs it."""
    params = {
        "From": phone,
        "To": "+16125550000",
        "Body": body,
        "MessageSid": f"SM{uuid.uuid4().hex}",
    }
    url = "https://groundswell.example.org" + reverse("sms:inbound")
    signature = twilio_signature(url=url, params=params, auth_token="test-auth-token")
    return client.post(reverse("sms:inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def without_csrf(content: bytes) -> bytes:
    # A form's CSRF token is masked afresh on every render.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def run_outbox() -> None:
    for ids, claim in messages_dispatch(publish=lambda ids, claim: None).claims:
        messages_send(ids=ids, claim=claim)


# A known email changes nothing
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("unsubscribed", [False, True])
def test_a_known_email_changes_nothing_until_confirmed(
    client, signup_url, zelda, mallory, unsubscribed
):
    if unsubscribed:
        Supporter.objects.filter(pk=zelda.pk).update(
            unsubscribed_at=LONG_AGO, email_consent_at=None, sms_consent_at=None
        )
    before = stored(zelda)
    response = client.post(signup_url, mallory)
    assert response.status_code == 302
    assert stored(zelda) == before
    pending = PendingSignup.objects.get()
    assert (pending.supporter, pending.confirmed_at) == (zelda, None)
    request = Message.objects.get(kind=MessageKind.SIGNUP_CONFIRM_REQUEST)
    assert (request.supporter, request.channel) == (zelda, Channel.EMAIL)
    # Nobody was created for Mallory, and nothing else was queued.
    assert Supporter.objects.count() == 1
    assert Message.objects.count() == len(before["messages"]) + 1


def test_a_known_and_a_new_email_get_byte_identical_answers(signup_url, zelda, mallory):
    known = Client().post(signup_url, mallory)
    new = Client().post(signup_url, {**mallory, "email": "nadia@example.org"})
    assert known.status_code == new.status_code == 302
    assert known["Location"] == new["Location"]
    assert known.content == new.content
    assert dict(known.headers) == dict(new.headers)
    assert sorted(known.cookies) == sorted(new.cookies)
    # One was held, the other signed up (and, double opt-in, waits for her
    # to confirm her address before her email consent counts).
    nadia = Supporter.objects.get(email="nadia@example.org")
    assert sorted(
        PendingSignup.objects.values_list("supporter__email", "payload__confirms_address")
    ) == [("nadia@example.org", True), ("zelda@example.org", None)]
    assert nadia.actions.count() == 2


def test_the_confirmation_request_goes_at_most_once_a_day(client, signup_url, zelda, mallory):
    for _ in range(3):
        client.post(signup_url, mallory)
    # Each held sign-up replaced the one before it (the link sent opens the
    # latest: privacy hole 7, tests/optin).
    assert PendingSignup.objects.count() == 1
    assert Message.objects.filter(kind=MessageKind.SIGNUP_CONFIRM_REQUEST).count() == 1


def test_the_thanks_page_shows_nothing_stored_about_anyone(client, signup_url, zelda, mallory):
    held = client.post(signup_url, mallory, follow=True)
    new = client.post(
        signup_url, {**mallory, "email": "nadia@example.org", "first_name": "Nadia"}, follow=True
    )
    for response in (held, new):
        assert response.status_code == 200
        body = response.content.decode()
        assert "Thank you for signing up" in body
        for secret in (
            "Zelda",
            "Quixote",
            "zelda@example.org",
            "Mallory",
            "Mallet",
            "Nadia",
            "nadia@example.org",
            "555-0199",
            "5550199",
            "555-0142",
            "5550142",
            "Private",
            "board-member",
        ):
            assert secret.lower() not in body.lower(), secret
        # What it does show: public facts for the ZIP typed.
        assert "Commissioner Member 3" in body
    # The same page for both, but for the language picker's CSRF token.
    assert without_csrf(held.content) == without_csrf(new.content)


# Confirming through the emailed link
# ------------------------------------------------------------------------------
def test_confirming_through_the_emailed_link_applies_the_held_signup(
    client, signup_url, zelda, mallory, hearing, pine_county
):
    Supporter.objects.filter(pk=zelda.pk).update(
        unsubscribed_at=LONG_AGO, email_consent_at=None, sms_consent_at=None, phone=None
    )
    client.post(signup_url, mallory)
    zelda.refresh_from_db()
    assert zelda.unsubscribed_at == LONG_AGO  # held: not lifted by the form
    path = confirm_path(zelda)
    assert path.startswith("/c/parks-alcohol-ordinance/confirm/")

    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/a/")
    zelda.refresh_from_db()
    # What was typed is now hers: the mailbox's owner confirmed it.
    assert (zelda.first_name, zelda.last_name, zelda.zip_code, zelda.language) == (
        "Mallory",
        "Mallet",
        "55072",
        "es",
    )
    assert zelda.district == pine_county["districts"][2]
    # Her own unsubscribe is lifted by her own consent, only now.
    assert zelda.unsubscribed_at is None
    assert zelda.email_consent_at is not None
    event = ConsentEvent.objects.get(kind=ConsentEvent.Kind.GRANTED)
    assert (event.channel, event.source) == (Channel.EMAIL, "public_form:parks-alcohol-ordinance")
    # A phone nobody holds joins her record; texts still wait for its YES.
    assert (zelda.phone, zelda.sms_consent_at) == ("+16125550142", None)
    assert Message.objects.filter(kind=MessageKind.SMS_CONSENT_REQUEST).count() == 1
    pledges = zelda.actions.filter(status="pledged").order_by("kind")
    assert [(a.kind, a.hearing_id) for a in pledges] == [
        ("call", None),
        ("letter", None),
        ("testify", hearing.pk),
    ]
    assert PendingSignup.objects.get().confirmed_at is not None
    # The page it opens shows the confirmed pledges, not the older letter.
    body = client.get(response["Location"]).content.decode()
    assert "Private" not in body
    assert body.count('class="card mb-2 pledge"') == 2


def test_opening_the_confirm_link_changes_nothing(client, signup_url, zelda, mallory):
    client.post(signup_url, mallory)
    path = confirm_path(zelda)
    before = stored(zelda)
    # Mail scanners and link previews open links: only a POST confirms.
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200
        assert 'method="post"' in response.content.decode()
    assert client.head(path).status_code == 200
    assert stored(zelda) == before
    assert PendingSignup.objects.get().confirmed_at is None
    assert client.post(path).status_code == 302


def test_the_confirm_page_says_what_confirming_saves(client, signup_url, zelda, mallory, hearing):
    client.post(signup_url, mallory)
    # The page speaks the held form's language (Spanish) unless the picker says otherwise.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(confirm_path(zelda)).content.decode()
    assert "Mallory Mallet" in body
    assert "55072" in body
    assert "Call my commissioner" in body
    assert "Testify at the hearing in person" in body
    assert "Public hearing on the parks ordinance" in body
    # Zelda has a phone: the one typed would not replace it, so it is not listed.
    assert "555-0142" not in body and "5550142" not in body


def test_a_used_or_unknown_confirm_link_gets_the_friendly_404(
    client, signup_url, zelda, mallory, campaign
):
    client.post(signup_url, mallory)
    path = confirm_path(zelda)
    other = factories.CampaignFactory(decision_body=campaign.decision_body)
    dead = {
        "unknown": f"/c/{campaign.slug}/confirm/{'A' * 43}/",
        "malformed": f"/c/{campaign.slug}/confirm/nonsense/",
        "another campaign's page": path.replace(campaign.slug, other.slug),
    }
    for name, url in dead.items():
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 404, name
            assert "This link no longer works" in response.content.decode(), name
    assert PendingSignup.objects.get().confirmed_at is None

    assert client.post(path).status_code == 302
    actions = Action.objects.count()
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code == 404
        assert "This link no longer works" in response.content.decode()
        assert f'href="/c/{campaign.slug}/"' in response.content.decode()
    assert Action.objects.count() == actions


def test_an_expired_confirm_link_gets_the_friendly_404_and_changes_nothing(
    client, signup_url, zelda, mallory
):
    client.post(signup_url, mallory)
    path = confirm_path(zelda)
    before = stored(zelda)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 404
            assert "This link no longer works" in response.content.decode()
    assert stored(zelda) == before


# Phones
# ------------------------------------------------------------------------------
def test_a_strangers_phone_is_never_attached_to_a_known_record(client, signup_url, zelda, mallory):
    Supporter.objects.filter(pk=zelda.pk).update(phone=None, sms_consent_at=None)
    client.post(signup_url, mallory)
    zelda.refresh_from_db()
    assert zelda.phone is None
    # And Mallory's phone is not texted on Zelda's behalf.
    assert not Message.objects.filter(channel=Channel.SMS).exists()


def test_a_phone_held_by_another_supporter_is_not_attached_to_a_new_one(
    client, signup_url, zelda, mallory
):
    before = stored(zelda)
    # Nadia is new, but types Zelda's phone.
    client.post(signup_url, {**mallory, "email": "nadia@example.org", "phone": "612-555-0199"})
    nadia = Supporter.objects.get(email="nadia@example.org")
    assert (nadia.phone, nadia.sms_consent_at) == (None, None)
    assert stored(zelda) == before
    assert not Message.objects.filter(kind=MessageKind.SMS_CONSENT_REQUEST).exists()


# Text consent
# ------------------------------------------------------------------------------
@pytest.mark.parametrize("reply", ["YES", "Sí"])
def test_text_consent_comes_only_from_the_phones_yes(client, signup_url, mallory, reply):
    client.post(signup_url, {**mallory, "email": "nadia@example.org", "first_name": "Nadia"})
    nadia = Supporter.objects.get(email="nadia@example.org")
    # Ticking the box records nothing: the phone is asked.
    assert (nadia.phone, nadia.sms_consent_at) == ("+16125550142", None)
    assert not ConsentEvent.objects.filter(channel=Channel.SMS).exists()
    request = Message.objects.get(kind=MessageKind.SMS_CONSENT_REQUEST)
    assert request.channel == Channel.SMS
    assert "responda YES (o SI)" in render_sms(request)  # Nadia chose Spanish

    # Another phone's YES does nothing for her.
    assert webhook(client, "+16125550177", "YES").status_code == 200
    nadia.refresh_from_db()
    assert nadia.sms_consent_at is None

    assert webhook(client, "+16125550142", reply).status_code == 200
    nadia.refresh_from_db()
    assert nadia.sms_consent_at is not None
    event = ConsentEvent.objects.get(channel=Channel.SMS)
    assert (event.supporter, event.kind, event.source) == (
        nadia,
        ConsentEvent.Kind.GRANTED,
        "sms_start",
    )


# The outbox delivers what the form promises
# ------------------------------------------------------------------------------
def test_the_outbox_sends_the_confirmation_request_to_a_known_address_without_consent(
    client, signup_url, zelda, mallory
):
    Supporter.objects.filter(pk=zelda.pk).update(email_consent_at=None, sms_consent_at=None)
    client.post(signup_url, mallory)
    run_outbox()
    assert [email.to for email in mail.outbox] == [["zelda@example.org"]]
    assert "/c/parks-alcohol-ordinance/confirm/" in mail.outbox[0].body
    assert sms.outbox == []


def test_the_outbox_sends_a_new_supporter_their_page_and_the_yes_question(
    client, signup_url, mallory
):
    # Nadia ticked neither box's consent but the texts: her page still comes
    # by email (the thanks page says so), and her phone is asked for YES.
    data = {**mallory, "email": "nadia@example.org", "first_name": "Nadia"}
    del data["email_updates"]
    client.post(signup_url, data)
    run_outbox()
    assert [email.to for email in mail.outbox] == [["nadia@example.org"]]
    assert "/a/" in mail.outbox[0].body
    assert [text["to"] for text in sms.outbox] == ["+16125550142"]
    assert "YES" in sms.outbox[0]["body"]
    # Nothing else: no follow-ups or reminders without consent.
    assert set(Message.objects.filter(status="sent").values_list("kind", flat=True)) == {
        MessageKind.SIGNUP_CONFIRMATION,
        MessageKind.SMS_CONSENT_REQUEST,
    }


def test_the_outbox_never_sends_the_confirmation_request_to_someone_unsubscribed(
    client, signup_url, zelda, mallory
):
    # "A supporter who unsubscribes is never messaged again, on any channel",
    # whoever types their address into the form.
    Supporter.objects.filter(pk=zelda.pk).update(unsubscribed_at=LONG_AGO)
    client.post(signup_url, mallory)
    run_outbox()
    assert mail.outbox == [] and sms.outbox == []
    assert Message.objects.get().status == "suppressed"


def test_a_confirmation_that_lost_a_race_gets_the_friendly_404(client, signup_url, zelda, mallory):
    # A double click: both requests found the held sign-up, the other one
    # applied it first.
    client.post(signup_url, mallory)
    path = confirm_path(zelda)
    token = path.rstrip("/").rsplit("/", 1)[1]
    stale = signup_pending_get(campaign=PendingSignup.objects.get().campaign, token=token)
    assert client.post(path).status_code == 302
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with mock.patch("campaign.views.public.signup_pending_get", return_value=stale):
        response = client.post(path)
    assert response.status_code == 404
    assert "This link no longer works" in response.content.decode()
    assert zelda.actions.filter(kind=ActionKind.CALL).count() == 1


def test_the_confirmation_request_speaks_the_language_the_form_was_filled_in(
    client, campaign, signup_url, form_data
):
    from campaign.messaging import render_email
    from campaign.models import Message, MessageKind

    known = known_supporter(email="ana.gomez@example.org", language="en")
    client.post(signup_url, {**form_data, "language": "es", "asks": [ActionKind.CALL]})

    request = Message.objects.get(supporter=known, kind=MessageKind.SIGNUP_CONFIRM_REQUEST)
    email = render_email(request)
    assert email.subject.startswith("Confirme su inscripción")
    path = next(w for w in email.body.split() if "/confirm/" in w).split("127.0.0.1:8000")[-1]
    page = client.get(path)
    assert "Confirme su inscripción" in page.content.decode()
    known.refresh_from_db()
    assert known.language == "en"
