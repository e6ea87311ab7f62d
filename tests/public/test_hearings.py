"""Issue #10, finding 2: a campaign may have several hearings, and each pledge
to testify or attend names one.

Pine County holds the public hearing on the ordinance (March 11, 2031) and,
two weeks later, a committee work session where residents may also speak."""

import datetime as dt
import re

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.models import Action, ActionKind, Message, Supporter
from campaign.tokens import action_page_path
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(campaign):
    return factories.HearingFactory(
        campaign=campaign,
        title="Committee work session on the parks ordinance",
        title_es="Sesión de trabajo del comité sobre la ordenanza",
        starts_at=dt.datetime(2031, 3, 25, 14, 0, tzinfo=dt.UTC),
        location_name="Committee Room B",
    )


def hearing_choices(body: str) -> list[str]:
    return re.findall(r'<input type="radio"[^>]*name="hearing" value="(\d+)"', body)


def test_the_public_page_lists_both_hearings_and_the_volunteer_picks_one(
    client, signup_url, hearing, session, form_data
):
    body = client.get(signup_url).content.decode()
    assert "Public hearing on the parks ordinance" in body
    assert "Committee work session on the parks ordinance" in body
    for each in (hearing, session):
        assert f'href="/c/parks-alcohol-ordinance/hearing-{each.pk}.ics"' in body
    # Soonest first, each a labelled choice, none picked for the volunteer.
    assert hearing_choices(body) == [str(hearing.pk), str(session.pk)]
    assert 'for="id_hearing_0"' in body and 'for="id_hearing_1"' in body
    assert not re.search(r'name="hearing" value="\d+"[^>]*checked', body)

    response = client.post(signup_url, form_data)  # testify, no hearing chosen
    assert response.status_code == 200
    page = response.content.decode()
    # The error sits next to the choice, and the choice points to it.
    assert '<fieldset aria-describedby="id_hearing_error">' in page
    assert re.search(
        r'<div id="id_hearing_error" class="invalid-feedback">\s*<p [^>]*>'
        r"<strong>Choose the hearing you will come to.</strong>",
        page,
    )
    assert Supporter.objects.count() == 0

    response = client.post(signup_url, {**form_data, "hearing": session.pk})
    assert response.status_code == 302
    assert response["Location"].endswith(f"&hearing={session.pk}")
    assert Action.objects.get(kind=ActionKind.TESTIMONY_IN_PERSON).hearing == session


def test_a_hearing_the_page_did_not_list_is_refused(client, signup_url, hearing, form_data):
    past = factories.HearingFactory(
        campaign=hearing.campaign, starts_at=timezone.now() - dt.timedelta(days=2)
    )
    for other in (past, factories.HearingFactory()):
        response = client.post(signup_url, {**form_data, "hearing": other.pk})
        assert response.status_code == 200
        assert "Select a valid choice." in response.content.decode()
    assert Supporter.objects.count() == 0


def test_the_pledges_and_their_reminders_follow_the_chosen_hearing(
    client, signup_url, hearing, session, form_data, settings
):
    # Single opt-in, so the reminders are written at sign-up.
    settings.EMAIL_DOUBLE_OPT_IN = False
    data = {
        **form_data,
        "asks": [ActionKind.TESTIMONY_IN_PERSON, ActionKind.ATTEND_HEARING],
        "hearing": session.pk,
    }
    client.post(signup_url, data)
    assert set(Action.objects.values_list("kind", "hearing")) == {
        (ActionKind.TESTIMONY_IN_PERSON, session.pk),
        (ActionKind.ATTEND_HEARING, session.pk),
    }
    reminders = Message.objects.exclude(hearing=None)
    assert reminders.exists()
    assert set(reminders.values_list("hearing", flat=True)) == {session.pk}
    # Three days before, the day before, two hours before, and thanks after.
    assert sorted(reminders.values_list("kind", flat=True)) == [
        "hearing_24h",
        "hearing_2h",
        "hearing_3d",
        "hearing_thanks",
    ]


def test_the_action_page_lists_the_hearings_of_the_supporters_own_pledges(
    client, campaign, hearing, session, pine_county
):
    supporter = factories.SupporterFactory(
        first_name="Ana", zip_code="55072", district=pine_county["districts"][2]
    )
    factories.ActionFactory(
        supporter=supporter, campaign=campaign, kind=ActionKind.ATTEND_HEARING, hearing=session
    )
    path = action_page_path(supporter, campaign)
    token = path.split("/")[2]
    body = client.get(path).content.decode()
    assert "Your hearings" in body
    assert "Committee work session on the parks ordinance" in body
    assert f'href="/a/{token}/hearing-{session.pk}.ics"' in body
    # Not "the next hearing": she pledged for the session only.
    assert "Public hearing on the parks ordinance" not in body
    assert client.get(f"/a/{token}/hearing-{session.pk}.ics").status_code == 200

    factories.ActionFactory(
        supporter=supporter,
        campaign=campaign,
        kind=ActionKind.TESTIMONY_IN_PERSON,
        hearing=hearing,
    )
    body = client.get(path).content.decode()
    for each in (hearing, session):
        assert f'href="/a/{token}/hearing-{each.pk}.ics"' in body
    # Each pledge says which hearing it is for.
    assert re.search(r"Testimony in person.*?Public hearing on the parks ordinance", body, re.S)
    assert re.search(r"Attend hearing.*?Committee work session", body, re.S)


def test_without_a_hearing_pledge_the_action_page_lists_the_upcoming_hearings(
    client, campaign, hearing, session, pine_county
):
    supporter = factories.SupporterFactory(zip_code="55072", district=pine_county["districts"][2])
    factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.CALL)
    path = action_page_path(supporter, campaign)
    body = client.get(path).content.decode()
    assert "Upcoming hearings" in body
    for each in (hearing, session):
        assert f"/hearing-{each.pk}.ics" in body


def test_the_thanks_page_shows_the_chosen_hearing_with_a_public_calendar_file(
    client, campaign, hearing, session
):
    url = reverse("public:signup_thanks", args=[campaign.slug])
    body = client.get(url, {"zip": "55072", "ask": "testify", "hearing": session.pk}).content
    body = body.decode()
    assert "Committee work session on the parks ordinance" in body
    assert "Public hearing on the parks ordinance" not in body
    ics = f"/c/parks-alcohol-ordinance/hearing-{session.pk}.ics"
    assert f'href="{ics}"' in body
    response = client.get(ics)
    assert response.status_code == 200
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Committee work session on the parks ordinance"


def test_a_campaign_with_no_upcoming_hearing_says_so_and_offers_no_hearing_asks(
    client, campaign, signup_url, form_data, pine_county
):
    # A past hearing and a cancelled one do not count.
    factories.HearingFactory(campaign=campaign, starts_at=timezone.now() - dt.timedelta(days=3))
    factories.HearingFactory(campaign=campaign, cancelled_at=timezone.now())
    body = client.get(signup_url).content.decode()
    assert "No hearing is scheduled yet. Sign up and we will tell you when one is." in body
    assert "deadline" not in body.lower()
    assert "How to testify" not in body
    for label in (
        "Testify at the hearing in person",
        "Send written testimony",
        "Attend the hearing",
    ):
        assert label not in body
    assert "Call my commissioner" in body
    assert 'name="hearing"' not in body

    response = client.post(signup_url, form_data)  # call and testify
    assert response.status_code == 200
    page = response.content.decode()
    assert "Select a valid choice. testify is not one of the available choices." in page
    assert Supporter.objects.count() == 0

    supporter = factories.SupporterFactory(zip_code="55072", district=pine_county["districts"][2])
    factories.ActionFactory(supporter=supporter, campaign=campaign, kind=ActionKind.CALL)
    page = client.get(action_page_path(supporter, campaign)).content.decode()
    assert "No hearing is scheduled yet." in page
    assert "deadline" not in page.lower()
