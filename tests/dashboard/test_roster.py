"""The hearing roster: one line per person per hearing, their kinds together."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.models import ActionKind, ActionStatus
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/roster/"


@pytest.fixture
def two_hearings(pine_county):
    campaign = pine_county["campaign"]
    session = factories.HearingFactory(
        campaign=campaign,
        title="Committee work session",
        starts_at=timezone.now() + dt.timedelta(days=35),
    )
    hearing = factories.HearingFactory(
        campaign=campaign, title="Public hearing", starts_at=timezone.now() + dt.timedelta(days=42)
    )
    ana = factories.SupporterFactory(first_name="Ana", last_name="Avila", phone="+16125550401")
    ben = factories.SupporterFactory(first_name="Ben", last_name="Berg")

    def pledge(supporter, kind, hearing, status=ActionStatus.PLEDGED):
        return factories.ActionFactory(
            campaign=campaign, supporter=supporter, kind=kind, status=status, hearing=hearing
        )

    # Ana testifies and attends at the public hearing, and attends the session.
    pledge(ana, ActionKind.TESTIMONY_IN_PERSON, hearing)
    pledge(ana, ActionKind.WRITTEN_TESTIMONY, hearing, ActionStatus.COMPLETED)
    pledge(ana, ActionKind.ATTEND_HEARING, session)
    pledge(ben, ActionKind.ATTEND_HEARING, hearing)
    return {"session": session, "hearing": hearing, "ana": ana, "ben": ben}


def _lines(response):
    return [
        (row.supporter.full_name, row.hearing.title, [str(k.label) for k in row.kinds])
        for row in response.context["rows"]
    ]


def test_each_person_is_listed_once_per_hearing_with_their_kinds_together(
    client, coordinator, two_hearings
):
    client.force_login(coordinator)
    response = client.get(URL)
    # Three pledges at the public hearing, one at the session: two lines.
    assert response.content.decode().count("Ana Avila") == 2
    assert _lines(response) == [
        ("Ana Avila", "Committee work session", ["Attend hearing"]),
        ("Ana Avila", "Public hearing", ["Testimony in person", "Written testimony"]),
        ("Ben Berg", "Public hearing", ["Attend hearing"]),
    ]


def test_one_hearing_lists_each_person_once(client, coordinator, two_hearings):
    client.force_login(coordinator)
    response = client.get(f"{URL}?hearing={two_hearings['hearing'].pk}")
    assert response.content.decode().count("Ana Avila") == 1
    assert [name for name, _title, _kinds in _lines(response)] == ["Ana Avila", "Ben Berg"]


def test_a_line_is_confirmed_when_every_kind_on_it_is_done_or_the_person_was_reached(
    client, coordinator, two_hearings, pine_county
):
    from campaign.services.call_list import CallResult, call_result_record

    call_result_record(
        supporter=two_hearings["ben"], campaign=pine_county["campaign"], result=CallResult.REACHED
    )
    client.force_login(coordinator)
    confirmed = {
        (row.supporter.first_name, row.hearing.title): row.confirmed
        for row in client.get(URL).context["rows"]
    }
    assert confirmed == {
        ("Ana", "Committee work session"): False,
        ("Ana", "Public hearing"): False,
        ("Ben", "Public hearing"): True,
    }
