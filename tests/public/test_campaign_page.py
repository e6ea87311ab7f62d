"""/c/<slug>/: the public campaign page and its sign-up form."""

import datetime as dt
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    CampaignStatus,
    ConsentEvent,
    Membership,
    MessageKind,
    PendingSignup,
    Position,
    Supporter,
)
from campaign.tokens import action_link_read
from tests import factories
from tests.public.helpers import confirmation_path

pytestmark = pytest.mark.django_db


def test_it_shows_the_campaign_goal_and_hearing(client, campaign, hearing, signup_url):
    response = client.get(signup_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Alcohol-free county parks" in body
    assert "Pass an ordinance banning alcohol in county parks." in body
    assert "Families deserve safe parks." in body
    assert "Public hearing on the parks ordinance" in body
    # 18:30 UTC is 1:30 p.m. in the coalition's time zone (America/Chicago,
    # daylight time from March 9, 2031).
    assert "Tuesday, March 11, 2031, 1:30 p.m." in body
    assert "clerk@county.example.gov" in body


@pytest.mark.parametrize(
    ("status", "is_public"),
    [
        (CampaignStatus.DRAFT, True),
        (CampaignStatus.ACTIVE, False),
        (CampaignStatus.CLOSED, True),
    ],
)
def test_a_campaign_not_open_to_the_public_is_not_found(client, campaign, status, is_public):
    campaign.status, campaign.is_public = status, is_public
    campaign.save()
    response = client.get(reverse("public:campaign", args=[campaign.slug]))
    assert response.status_code == 404
    assert "Alcohol-free county parks" not in response.content.decode()


def test_it_shows_only_aggregate_progress(client, campaign, pine_county, signup_url):
    members = pine_county["members"]
    factories.StanceFactory(campaign=campaign, member=members[0], position=Position.CHAMPION)
    factories.StanceFactory(campaign=campaign, member=members[1], position=Position.YES)
    # Member 2's latest stance is "no": an earlier "yes" does not count.
    factories.StanceFactory(campaign=campaign, member=members[2], position=Position.YES)
    factories.StanceFactory(campaign=campaign, member=members[2], position=Position.NO)
    alice = factories.SupporterFactory(first_name="Alice", last_name="Secretname")
    bob = factories.SupporterFactory()
    factories.ActionFactory(
        campaign=campaign, supporter=alice, kind=ActionKind.CALL, status=ActionStatus.COMPLETED
    )
    factories.ActionFactory(campaign=campaign, supporter=alice, kind=ActionKind.TESTIMONY_IN_PERSON)
    factories.ActionFactory(
        campaign=campaign,
        supporter=bob,
        kind=ActionKind.WRITTEN_TESTIMONY,
        status=ActionStatus.COMPLETED,
    )
    factories.ActionFactory(
        campaign=campaign,
        supporter=bob,
        kind=ActionKind.WRITTEN_TESTIMONY,
        status=ActionStatus.CANCELLED,
    )
    factories.ActionFactory(kind=ActionKind.CALL, status=ActionStatus.COMPLETED)  # other campaign

    response = client.get(signup_url)
    progress = response.context["progress"]
    assert progress.supporters == 2
    assert progress.testimonies_pledged == 2
    assert (progress.votes_secured, progress.votes_needed) == (2, 4)
    assert [(str(label), n) for label, n in progress.completed_by_kind] == [
        ("Call", 1),
        ("Written testimony", 1),
    ]
    body = response.content.decode()
    assert "2 of 4 votes secured" in body
    assert "Secretname" not in body
    assert alice.email not in body


def test_the_form_has_labels_and_mobile_friendly_inputs(client, campaign, hearing, signup_url):
    body = client.get(signup_url).content.decode()
    for field in ("first_name", "last_name", "email", "phone", "zip_code", "language", "sector"):
        assert f'for="id_{field}"' in body
    # Every checkbox and radio has its own label (crispy numbers them from 0).
    for name, count in (("asks", 6), ("hearing", 1)):
        for n in range(count):
            assert f'for="id_{name}_{n}"' in body
    assert "For testimony or attendance: which hearing?" in body
    assert re.search(r'<input type="email" name="email"[^>]*autocomplete="email"', body)
    assert re.search(
        r'<input type="tel" name="phone"[^>]*autocomplete="tel"[^>]*inputmode="tel"', body
    )
    assert re.search(
        r'name="zip_code"[^>]*autocomplete="postal-code"[^>]*inputmode="numeric"', body
    )
    assert re.search(r'name="first_name"[^>]*autocomplete="given-name"', body)
    sms_box = re.search(r'<input type="checkbox" name="sms_reminders"[^>]*>', body).group(0)
    assert "checked" not in sms_box
    assert "Reply STOP to stop" in body
    assert "up to 4 text messages a month" in body
    for label in (
        "Call my commissioner",
        "Write a letter",
        "Testify at the hearing in person",
        "Send written testimony",
        "Attend the hearing",
        "Help phone-bank",
    ):
        assert label in body


def test_a_valid_signup_redirects_to_the_thanks_page_and_emails_the_personal_page(
    client, form_data, signup_url, campaign, hearing
):
    # Was: the form redirected straight to the personal action page. That
    # page now comes by email, so typing an address never opens someone's page.
    response = client.post(signup_url, form_data)
    supporter = Supporter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (
        f"/c/parks-alcohol-ordinance/thanks/?zip=55072&ask=call&ask=testify&hearing={hearing.pk}"
    )
    assert sorted(supporter.actions.values_list("kind", flat=True)) == ["call", "testify"]
    # Double opt-in: the email consent waits for the link in the confirmation
    # (tests/optin).
    assert list(ConsentEvent.objects.values_list("channel", flat=True)) == []
    assert Membership.objects.filter(supporter=supporter, campaign=campaign).exists()
    # The confirmation email's link opens the page with every pledge.
    token = confirmation_path(supporter).removeprefix("/a/").removesuffix("/")
    assert action_link_read(token) == (supporter, campaign.pk, None)


def test_a_known_email_gets_the_same_answer_as_a_new_one(
    client, form_data, signup_url, campaign, hearing
):
    first = client.post(signup_url, form_data)
    Supporter.objects.update(created_at=timezone.now() - dt.timedelta(days=1))
    second = client.post(signup_url, {**form_data, "email": "ANA.gomez@example.org"})
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"]
    assert first.content == second.content
    assert Supporter.objects.count() == 1
    assert PendingSignup.objects.count() == 1


def test_a_double_click_stores_one_supporter_and_no_duplicate_pledges(
    client, form_data, signup_url, hearing
):
    client.post(signup_url, form_data)
    client.post(signup_url, form_data)
    assert Supporter.objects.count() == 1
    assert Action.objects.count() == 2
    # The person's own second click is not a "known email": nothing is held
    # and no confirmation is asked of them (their own sign-up waits, held,
    # for the address's confirmation: double opt-in).
    assert list(PendingSignup.objects.values_list("payload__confirms_address", flat=True)) == [True]
    supporter = Supporter.objects.get()
    assert not supporter.messages.filter(kind=MessageKind.SIGNUP_CONFIRM_REQUEST).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ana@", "Enter a valid email address."),
        ("phone", "555", "Enter a valid mobile phone number, for example 612-555-0123."),
        ("zip_code", "5506", "Enter a 5-digit ZIP code, for example 55063."),
    ],
)
def test_invalid_input_comes_back_with_the_error_next_to_the_field_and_values_kept(
    client, form_data, signup_url, field, value, message
):
    response = client.post(signup_url, {**form_data, field: value})
    assert response.status_code == 200
    body = response.content.decode()
    assert Supporter.objects.count() == 0
    assert f'<div id="id_{field}_error" class="invalid-feedback">' in body
    assert message in body
    widget = re.search(rf'<input [^>]*name="{field}"[^>]*>', body).group(0)
    assert f'aria-describedby="id_{field}_error"' in widget
    assert 'aria-invalid="true"' in widget
    assert f'value="{value}"' in widget
    assert 'value="Gómez"' in body  # what else was typed is kept
    assert re.search(r'name="asks" value="call"[^>]*checked', body)


def test_sms_reminders_without_a_phone_ask_for_the_phone(client, form_data, signup_url):
    response = client.post(signup_url, {**form_data, "sms_reminders": "on", "phone": ""})
    assert response.status_code == 200
    assert "Give your mobile phone number to get text reminders." in response.content.decode()
    assert Supporter.objects.count() == 0


def test_a_filled_honeypot_looks_like_success_and_stores_nothing(
    client, form_data, signup_url, hearing
):
    response = client.post(signup_url, {**form_data, "website": "http://spam.example"})
    assert (Supporter.objects.count(), Action.objects.count()) == (0, 0)
    assert PendingSignup.objects.count() == 0
    assert response.status_code == 302
    assert "Thank you for signing up" in client.get(response["Location"]).content.decode()
    # The same redirect as a real sign-up's.
    real = client.post(signup_url, {**form_data, "email": "real@example.org"})
    assert response["Location"] == real["Location"]


def test_names_with_markup_are_stored_as_typed_and_escaped(
    client, form_data, signup_url, campaign, hearing
):
    name = '<script>alert("x")</script>'
    response = client.post(signup_url, {**form_data, "first_name": name}, follow=True)
    supporter = Supporter.objects.get()
    assert supporter.first_name == name
    # The thanks page shows no name at all; the personal page escapes it.
    assert "alert(" not in response.content.decode()
    body = client.get(confirmation_path(supporter)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_invalid_input_with_markup_is_escaped_when_shown_again(client, form_data, signup_url):
    response = client.post(signup_url, {**form_data, "last_name": "<b>x</b>", "zip_code": "x"})
    body = response.content.decode()
    assert "<b>x</b>" not in body
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in body


# The sign-up's rate limits: tests/public/test_phone_signup.py.


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
def test_an_oversized_body_gets_a_friendly_400(client, form_data, signup_url):
    response = client.post(signup_url, {**form_data, "last_name": "x" * 20_000})
    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()
    assert Supporter.objects.count() == 0


def test_csrf_is_enforced_on_the_signup_form(form_data, signup_url):
    response = Client(enforce_csrf_checks=True).post(signup_url, form_data)
    assert response.status_code == 403
    assert Supporter.objects.count() == 0


def test_the_page_is_in_spanish_for_a_spanish_browser(client, campaign, hearing, signup_url):
    response = client.get(signup_url, HTTP_ACCEPT_LANGUAGE="es")
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Parques del condado sin alcohol" in body
    assert "Aprobar una ordenanza que prohíba el alcohol en los parques." in body
    assert "Audiencia pública sobre la ordenanza de parques" in body
    assert "11 de marzo de 2031" in body
    assert "Nombre" in body
    assert "Código postal" in body
    assert "Responda STOP para dejar de recibirlos" in body
    assert 'value="es" selected' in body


def test_the_language_picker_cookie_beats_the_browser(client, campaign, signup_url):
    client.post(reverse("set_language"), {"language": "es", "next": signup_url})
    response = client.get(signup_url, HTTP_ACCEPT_LANGUAGE="en")
    assert "Parques del condado sin alcohol" in response.content.decode()


def test_spanish_content_falls_back_to_english_when_untranslated(client, campaign, signup_url):
    body = client.get(signup_url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Families deserve safe parks." in body


def test_the_thanks_page_shows_the_member_for_the_zip_and_a_script_to_fill_in(
    client, campaign, pine_county
):
    url = reverse("public:signup_thanks", args=[campaign.slug])
    body = client.get(url, {"zip": "55072", "ask": ["call", "meeting"]}).content.decode()
    assert body.count('class="card mb-3 commissioner-card"') == 1
    assert "Commissioner Member 3" in body
    # The page knows nobody: the name is left for the caller to say.
    assert "Hello Member 3, my name is [your name]." in body
    assert "Sincerely%2C%20%5Byour%20name%5D" in body  # the letter in the mailto
    # Only asks the campaign offers are echoed back.
    assert "Call my commissioner" in body and "Meet with my commissioner" not in body
    # A ZIP the body does not cover: the whole board; no ZIP: a hint.
    body = client.get(url, {"zip": "90210"}).content.decode()
    assert body.count('class="card mb-3 commissioner-card"') == 3
    body = client.get(url, {"zip": "<b>"}).content.decode()
    assert "Give your ZIP code on the campaign page to see who represents you." in body
