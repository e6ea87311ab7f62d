"""/a/<token>/: the personal action page, "I did it" and the calendar file."""

from urllib.parse import quote

import icalendar
import pytest
from django.urls import reverse

from campaign.models import ActionKind, ActionSource, ActionStatus
from campaign.tokens import action_page_path, action_token, share_token
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def supporter(pine_county):
    return factories.SupporterFactory(
        first_name="Ana", last_name="Gómez", zip_code="55072", district=pine_county["districts"][2]
    )


@pytest.fixture
def pledge(supporter, campaign, pine_county):
    return factories.ActionFactory(
        supporter=supporter,
        campaign=campaign,
        kind=ActionKind.CALL,
        target=pine_county["members"][2],
        source=ActionSource.PUBLIC_FORM,
    )


@pytest.fixture
def page_url(supporter, campaign):
    return action_page_path(supporter, campaign)


def test_it_shows_the_supporters_commissioner_with_call_and_email_links(
    client, campaign, pine_county, pledge, page_url
):
    member = pine_county["members"][2]
    member.phone, member.email = "+1 (320) 555-0133", "member3@county.example.gov"
    member.save()
    response = client.get(page_url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Commissioner Member 3" in body
    assert "District 3" in body
    assert 'href="tel:+13205550133"' in body
    # The campaign's own letter ({member_name} is the name alone; services.asks).
    letter = "Dear Member 3, ... Sincerely, Ana Gómez"
    mailto = (
        "mailto:member3@county.example.gov?subject="
        + quote("Please support alcohol-free parks")
        + "&amp;body="
        + quote(letter)
    )
    assert f'href="{mailto}"' in body
    assert "Member 1" not in body and "Member 2" not in body
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_personalises_the_call_script_and_letter(client, pledge, page_url):
    body = client.get(page_url).content.decode()
    assert "Hello Member 3, my name is Ana Gómez." in body
    assert "Dear Member 3, ... Sincerely, Ana Gómez" in body


def test_placeholders_cannot_reach_python_attributes(client, campaign, pledge, page_url):
    campaign.call_script = "Hi {member_name} {supporter_name.__class__} {0}"
    campaign.save()
    body = client.get(page_url).content.decode()
    # Unknown placeholders are dropped: no raw brace reaches the page.
    assert "Hi Member 3  </p>" in body
    assert "{supporter_name.__class__}" not in body and "{0}" not in body


def test_a_name_with_script_is_escaped_in_the_page_and_the_mailto(
    client, campaign, supporter, pledge, page_url
):
    supporter.first_name = '<script>alert("x")</script>'
    supporter.save()
    body = client.get(page_url).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert quote('<script>alert("x")</script>') in body  # in the mailto body, URL-encoded


def test_an_ambiguous_zip_shows_the_members_of_every_district_covering_it(
    client, campaign, supporter, pledge, page_url
):
    supporter.zip_code, supporter.district = "55063", None
    supporter.save()
    body = client.get(page_url).content.decode()
    assert "more than one district" in body
    assert "Commissioner Member 1" in body and "Commissioner Member 2" in body
    assert "Commissioner Member 3" not in body
    # Not their own member for sure: the text for a resident (services.asks).
    assert "Hello, my name is Ana Gómez and I live in Pine County." in body


def test_a_non_constituent_sees_the_whole_body(client, campaign, supporter, pledge, page_url):
    supporter.zip_code, supporter.district = "90210", None
    supporter.save()
    body = client.get(page_url).content.decode()
    assert "here is the whole board" in body
    for n in (1, 2, 3):
        assert f"Commissioner Member {n}" in body


def test_a_tampered_token_is_not_found(client, page_url):
    assert client.get(page_url[:-3] + "xx/").status_code == 404
    assert client.get(reverse("public:action_page", args=["nonsense"])).status_code == 404


def test_an_unsubscribe_token_does_not_open_the_action_page(client, supporter):
    from campaign.tokens import unsubscribe_token

    url = reverse("public:action_page", args=[unsubscribe_token(supporter)])
    assert client.get(url).status_code == 404


def test_a_token_for_a_deleted_supporter_is_not_found(client, campaign):
    gone = factories.SupporterFactory()
    url = action_page_path(gone, campaign)
    gone.delete()
    assert client.get(url).status_code == 404


def test_an_expired_token_is_not_found(client, settings, page_url):
    settings.PUBLIC_TOKEN_MAX_AGE_DAYS = 0
    import time_machine

    with time_machine.travel("2099-01-01", tick=False):
        assert client.get(page_url).status_code == 404


def test_i_did_it_marks_the_pledge_completed_with_the_note(client, pledge, page_url, supporter):
    token = page_url.split("/")[2]
    url = reverse("public:action_done", args=[token, pledge.pk])
    response = client.post(url, {"note": "Left a voicemail"})
    assert response.status_code == 302
    assert response["Location"] == f"{page_url}?done={pledge.pk}#next-steps"
    pledge.refresh_from_db()
    assert (pledge.status, pledge.source, pledge.outcome_note) == (
        ActionStatus.COMPLETED,
        ActionSource.SELF_REPORT,
        "Left a voicemail",
    )
    assert pledge.completed_at is not None
    assert "Thank you! We marked it as done." in client.get(page_url).content.decode()


def test_i_did_it_cannot_touch_someone_elses_action(client, campaign, pledge, page_url):
    other = factories.ActionFactory(campaign=campaign)
    token = page_url.split("/")[2]
    response = client.post(reverse("public:action_done", args=[token, other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.status == ActionStatus.PLEDGED


def test_i_did_it_is_post_only(client, pledge, page_url):
    token = page_url.split("/")[2]
    assert client.get(reverse("public:action_done", args=[token, pledge.pk])).status_code == 405
    pledge.refresh_from_db()
    assert pledge.status == ActionStatus.PLEDGED


def test_a_cancelled_pledge_is_not_completed(client, pledge, page_url):
    pledge.status = ActionStatus.CANCELLED
    pledge.save()
    token = page_url.split("/")[2]
    response = client.post(reverse("public:action_done", args=[token, pledge.pk]), follow=True)
    assert "cannot be marked done" in response.content.decode()
    pledge.refresh_from_db()
    assert pledge.status == ActionStatus.CANCELLED


def test_the_calendar_file_holds_the_hearing_in_the_coalitions_time_zone(
    client, hearing, pledge, page_url
):
    token = page_url.split("/")[2]
    body = client.get(page_url).content.decode()
    ics_url = reverse("public:action_hearing_ics", args=[token, hearing.pk])
    assert f'href="{ics_url}"' in body
    response = client.get(ics_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="hearing.ics"'
    text = response.content.decode()
    assert "DTSTART;TZID=America/Chicago:20310311T133000" in text
    assert "DTEND;TZID=America/Chicago:20310311T153000" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:America/Chicago" in text
    calendar = icalendar.Calendar.from_ical(response.content)
    event = calendar.walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Public hearing on the parks ordinance"
    assert "315 Main St, Pine City, MN 55063" in str(event["LOCATION"])


def test_the_calendar_file_is_in_the_supporters_language(
    client, supporter, hearing, pledge, page_url
):
    supporter.language = "es"
    supporter.save()
    token = page_url.split("/")[2]
    response = client.get(reverse("public:action_hearing_ics", args=[token, hearing.pk]))
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Audiencia pública sobre la ordenanza de parques"


def test_the_calendar_file_of_another_campaigns_hearing_is_not_found(client, pledge, page_url):
    other = factories.HearingFactory()
    token = page_url.split("/")[2]
    assert (
        client.get(reverse("public:action_hearing_ics", args=[token, other.pk])).status_code == 404
    )


def test_the_page_follows_the_supporters_language(client, supporter, campaign, pledge, page_url):
    supporter.language = "es"
    supporter.save()
    body = client.get(page_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="es">' in body
    assert "Parques del condado sin alcohol" in body
    assert "Llamar" in body
    # No Spanish title written for the member: the neutral one.
    assert "Comisionado/a Member 3" in body
    # No Spanish call script was written, so the English one is shown.
    assert "Hello Member 3, my name is Ana Gómez." in body


def test_the_language_picker_beats_the_supporters_language(client, supporter, pledge, page_url):
    supporter.language = "es"
    supporter.save()
    client.post(reverse("set_language"), {"language": "en", "next": page_url})
    body = client.get(page_url).content.decode()
    assert '<html lang="en">' in body
    assert "Alcohol-free county parks" in body


def test_a_link_without_a_campaign_shows_every_campaign_the_supporter_pledged_in(
    client, supporter, pledge
):
    url = reverse("public:action_page", args=[action_token(supporter)])
    body = client.get(url).content.decode()
    assert "Alcohol-free county parks" in body
    assert "I did it" in body


def test_it_has_a_share_link_to_the_campaign_page(client, pledge, page_url, campaign, supporter):
    body = client.get(page_url).content.decode()
    # The supporter's own share link (tests/ladder covers what it credits).
    token = share_token(supporter, campaign)
    assert f'value="http://testserver/c/{campaign.slug}/?r={token}"' in body
