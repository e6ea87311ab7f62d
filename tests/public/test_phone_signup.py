"""Public sign-up on a phone: a hearing-night table on one shared Wi-Fi goes
through, a script does not, a refused or rate-limited submission keeps what
was typed, and a failed submit lands on its first error."""

import datetime as dt
import re
import zlib

import pytest
import time_machine

from campaign.models import Membership, Supporter
from tests import factories

ADDRESS = "127.0.0.1"  # the test client's REMOTE_ADDR: everyone at the table


def _window_start(value: str, period: int) -> dt.datetime:
    """A moment just after django-ratelimit's fixed window for `value` opens,
    so a run shorter than `period` stays inside one window (a window edge in
    the middle would reset the count and prove nothing)."""
    base = 1_924_992_000  # 2031-01-01 00:00 UTC, a multiple of 600 s
    offset = (zlib.crc32(value.encode()) % period) + 1
    return dt.datetime.fromtimestamp(base + offset, tz=dt.UTC)


def _token(client, url) -> str:
    return client.get(url).context["form_token"]


@pytest.fixture
def form_check(settings):
    settings.SIGNUP_FORM_CHECK = True
    return settings


@pytest.fixture
def person(form_data):
    """One person at the table: no hearing ask (the campaign has no hearing)."""
    return {**form_data, "asks": ["call"], "language": "en"}


def test_forty_signups_from_one_address_in_ten_minutes_are_all_accepted(
    client, form_check, person, signup_url
):
    statuses = []
    with time_machine.travel(_window_start(ADDRESS, 600), tick=False) as clock:
        for n in range(40):
            token = _token(client, signup_url)
            clock.shift(3)  # typing
            response = client.post(
                signup_url, {**person, "email": f"table{n}@example.org", "form_token": token}
            )
            statuses.append(response.status_code)
            clock.shift(11.5)  # the next person steps up: 40 x 14.5 s = 9 min 40 s
    assert statuses == [302] * 40
    assert Supporter.objects.count() == 40


def test_a_script_posting_200_a_minute_is_stopped_after_the_address_limit(
    client, form_check, person, signup_url
):
    """A script that loads the form once and replays its token gets the
    per-address limit (100 in ten minutes), then a 429 for every post."""
    with time_machine.travel(_window_start(ADDRESS, 600), tick=False) as clock:
        token = _token(client, signup_url)
        clock.shift(3)
        statuses = []
        for n in range(200):
            response = client.post(
                signup_url, {**person, "email": f"bot{n}@example.org", "form_token": token}
            )
            statuses.append(response.status_code)
            clock.shift(0.3)  # 200 a minute
    assert statuses == [302] * 100 + [429] * 100
    assert Supporter.objects.count() == 100


def test_a_post_without_the_form_token_is_refused_and_keeps_the_form(
    client, form_check, person, signup_url
):
    response = client.post(signup_url, person)
    body = response.content.decode()
    assert response.status_code == 400
    assert (
        body.count(
            "This page was open too long or came from elsewhere. "
            "Please check your details and press Sign up again."
        )
        == 1
    )
    assert 'value="Ana"' in body
    assert 'value="55072"' in body
    assert Supporter.objects.count() == 0


def test_a_post_sooner_than_two_seconds_after_the_page_is_refused_then_accepted(
    client, form_check, person, signup_url
):
    with time_machine.travel(dt.datetime(2031, 1, 6, 18, 0, tzinfo=dt.UTC), tick=False) as clock:
        token = _token(client, signup_url)
        clock.shift(1.5)
        refused = client.post(signup_url, {**person, "form_token": token})
        clock.shift(2.5)
        # The re-rendered form carries a fresh token: pressing again works.
        again = client.post(signup_url, {**person, "form_token": refused.context["form_token"]})
    assert refused.status_code == 400
    # Once, in the summary above the form (not again in the form's own block).
    assert refused.content.decode().count("That was faster than anyone can fill in the form.") == 1
    assert again.status_code == 302
    assert Supporter.objects.count() == 1


def test_a_token_older_than_a_day_is_refused(client, form_check, person, signup_url):
    with time_machine.travel(dt.datetime(2031, 1, 6, 18, 0, tzinfo=dt.UTC), tick=False) as clock:
        token = _token(client, signup_url)
        clock.shift(24 * 3600 + 1)
        response = client.post(signup_url, {**person, "form_token": token})
    assert response.status_code == 400
    assert "This page was open too long" in response.content.decode()


def test_a_token_of_another_campaign_is_refused(
    client, form_check, person, signup_url, pine_county
):
    other = factories.CampaignFactory(decision_body=pine_county["body"])
    with time_machine.travel(dt.datetime(2031, 1, 6, 18, 0, tzinfo=dt.UTC), tick=False) as clock:
        token = _token(client, f"/c/{other.slug}/")
        clock.shift(5)
        response = client.post(signup_url, {**person, "form_token": token})
    assert response.status_code == 400


def test_one_email_is_limited_to_five_signups_an_hour(client, person, signup_url):
    statuses = [client.post(signup_url, person).status_code for _ in range(6)]
    # Another person at the same table is not affected.
    other = client.post(signup_url, {**person, "email": "luis@example.org"})
    assert statuses == [302] * 5 + [429]
    assert other.status_code == 302


def test_a_rate_limited_submission_keeps_what_was_typed(client, settings, person, signup_url):
    settings.SIGNUP_RATE_IP = "1/10m"
    client.post(signup_url, {**person, "email": "first@example.org"})
    response = client.post(signup_url, {**person, "email": "second@example.org"})
    body = response.content.decode()
    assert response.status_code == 429
    assert (
        "We received many sign-ups from your connection or for this email in a short time. "
        "Please wait a few minutes and press Sign up again: what you typed is kept." in body
    )
    assert 'value="second@example.org"' in body
    assert 'value="Ana"' in body
    assert 'value="G\u00f3mez"' in body
    assert 'value="55072"' in body
    assert re.search(r'value="call"[^>]*checked', body)
    assert Supporter.objects.filter(email="second@example.org").count() == 0


def test_a_failed_submit_links_and_focuses_the_first_error(client, person, signup_url):
    response = client.post(signup_url, {**person, "first_name": "", "zip_code": "x"})
    body = response.content.decode()
    assert response.status_code == 200
    summary = re.search(
        r'<div class="alert alert-danger" role="alert" id="error-summary">(.*?)</div>', body, re.S
    ).group(1)
    assert re.findall(r'href="#([\w-]+)"', summary) == ["id_first_name", "id_zip_code"]
    assert "First name: This field is required." in summary
    assert "ZIP code: Enter a 5-digit ZIP code, for example 55063." in summary
    # The first field in error, and only it, is autofocused.
    assert re.findall(r"<input[^>]*autofocus[^>]*>", body) == [
        re.search(r'<input[^>]*id="id_first_name"[^>]*>', body).group(0)
    ]
    # The form posts back to itself at the form's anchor.
    # No fragment in the form's action: Chromium skips autofocus when there is one.
    assert 'action="/c/parks-alcohol-ordinance/" novalidate' in body


def test_an_error_in_a_group_of_boxes_links_to_its_first_box(
    client, person, signup_url, pine_county
):
    response = client.post(signup_url, {**person, "asks": ["not-an-ask"]})
    summary = re.search(r'id="error-summary">(.*?)</div>', response.content.decode(), re.S).group(1)
    assert re.findall(r'href="#([\w-]+)"', summary) == ["id_asks_0"]


def test_the_first_error_is_in_spanish_for_a_spanish_visitor(client, person, signup_url):
    client.cookies["django_language"] = "es"
    response = client.post(signup_url, {**person, "zip_code": "x"})
    body = response.content.decode()
    assert "Por favor, corrija los campos marcados abajo." in body
    assert "Escriba un código postal de 5 dígitos, por ejemplo 55063." in body
    assert 'href="#id_zip_code"' in body


def test_the_ask_and_the_sign_up_button_come_first(client, signup_url, campaign):
    campaign.ask = "Call your commissioner."
    campaign.save()
    body = client.get(signup_url).content.decode()
    ask = body.index('<p class="lead mb-3" id="the-ask">Call your commissioner.</p>')
    button = body.index(
        '<a class="btn btn-primary btn-lg w-100" href="#signup" id="signup-jump">Sign up</a>'
    )
    assert ask < button < body.index('id="hearings-heading"') < body.index('id="signup"')


def _join(campaign, n: int) -> None:
    for supporter in factories.SupporterFactory.create_batch(n):
        Membership.objects.create(campaign=campaign, supporter=supporter, source="public_form")


def test_counters_stay_hidden_below_the_campaigns_threshold(client, signup_url, campaign):
    campaign.public_counts_from = 25
    campaign.save()
    _join(campaign, 24)
    response = client.get(signup_url)
    body = response.content.decode()
    section = body[
        body.index('<h2 id="progress-heading"') : body.index(
            '<section aria-labelledby="signup-heading"'
        )
    ]
    assert response.context["progress"] is None
    assert "We are just getting started. Sign up and be among the first." in section
    assert not re.search(r"\d", re.sub(r"<[^>]*>", "", section))  # no number in its text


def test_counters_show_once_the_base_reaches_the_threshold(client, signup_url, campaign):
    campaign.public_counts_from = 25
    campaign.save()
    _join(campaign, 25)
    body = client.get(signup_url).content.decode()
    assert '<dt class="col-8">Supporters</dt><dd class="col-4 text-end">25</dd>' in body
    assert "We are just getting started." not in body
