"""A campaign's hearings as a subscribable calendar (/c/<slug>/hearings.ics),
parsed back with the icalendar library."""

import datetime as dt
import zoneinfo

import icalendar
import pytest
import time_machine
from django.urls import reverse

from campaign.models import CampaignStatus
from campaign.services.hearings import hearing_cancel, hearing_save
from tests import factories

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
T0 = dt.datetime(2026, 11, 2, 15, 0, tzinfo=dt.UTC)
HEARING_AT = dt.datetime(2026, 12, 8, 18, 30, tzinfo=CENTRAL)


@pytest.fixture
def campaign(db):
    return factories.CampaignFactory(name="Alcohol-free county parks", slug="parks")


@pytest.fixture
def hearing(campaign):
    with time_machine.travel(T0, tick=False):
        return hearing_save(
            hearing=factories.HearingFactory.build(campaign=campaign, starts_at=HEARING_AT)
        )


def feed(client, slug="parks"):
    response = client.get(reverse("public:hearings_ics", args=[slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def events(calendar):
    return list(calendar.walk("VEVENT"))


def test_the_feed_lists_an_upcoming_hearing_with_its_uid_sequence_and_time(
    client, settings, hearing
):
    settings.TIME_ZONE = "America/Chicago"
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        (event,) = events(feed(client))
    assert str(event["UID"]) == f"hearing-{hearing.pk}@testserver"
    assert event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == HEARING_AT
    assert event.decoded("DTSTART").tzinfo.key == "America/Chicago"
    assert str(event["SUMMARY"]) == "Public hearing on the parks ordinance"


def test_a_moved_hearing_keeps_its_uid_with_a_higher_sequence(client, hearing):
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        (before,) = events(feed(client))
    with time_machine.travel(T0 + dt.timedelta(days=2), tick=False):
        hearing.starts_at = HEARING_AT + dt.timedelta(days=7)
        hearing_save(hearing=hearing)
        (after,) = events(feed(client))
    assert str(after["UID"]) == str(before["UID"])
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 2 * 24 * 3600)
    assert after.decoded("DTSTART") == HEARING_AT + dt.timedelta(days=7)


def test_a_cancelled_hearing_is_in_the_feed_as_cancelled_with_a_higher_sequence(client, hearing):
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        hearing_cancel(hearing=hearing)
        (event,) = events(feed(client))
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SEQUENCE"] == 3600
    assert str(event["UID"]) == f"hearing-{hearing.pk}@testserver"


def test_a_hearing_that_is_over_leaves_the_feed_and_the_next_ones_are_in_order(
    client, campaign, hearing
):
    with time_machine.travel(T0, tick=False):
        later = factories.HearingFactory(
            campaign=campaign, title="Vote", starts_at=HEARING_AT + dt.timedelta(days=14)
        )
        factories.HearingFactory(
            campaign=campaign, title="Old", starts_at=T0 - dt.timedelta(days=3)
        )
        other = factories.HearingFactory(starts_at=HEARING_AT)  # another campaign's
    with time_machine.travel(T0, tick=False):
        uids = [str(e["UID"]) for e in events(feed(client))]
    assert uids == [f"hearing-{hearing.pk}@testserver", f"hearing-{later.pk}@testserver"]
    assert f"hearing-{other.pk}@testserver" not in uids


def test_the_one_hearing_file_gives_the_same_event_as_the_feed(client, hearing):
    with time_machine.travel(T0 + dt.timedelta(days=1), tick=False):
        (in_feed,) = events(feed(client))
        single = client.get(reverse("public:hearing_ics", args=["parks", hearing.pk]))
    (alone,) = events(icalendar.Calendar.from_ical(single.content))
    assert (str(alone["UID"]), alone["SEQUENCE"]) == (str(in_feed["UID"]), in_feed["SEQUENCE"])


@pytest.mark.parametrize(
    "change",
    [{"is_public": False}, {"status": CampaignStatus.CLOSED}, {"status": CampaignStatus.DRAFT}],
)
def test_a_campaign_whose_public_page_is_not_open_has_no_feed(client, campaign, hearing, change):
    type(campaign).objects.filter(pk=campaign.pk).update(**change)
    assert client.get(reverse("public:hearings_ics", args=["parks"])).status_code == 404


def test_the_feed_reads_in_two_queries(client, campaign, hearing, django_assert_num_queries):
    factories.HearingFactory(campaign=campaign, starts_at=HEARING_AT + dt.timedelta(days=1))
    with time_machine.travel(T0, tick=False), django_assert_num_queries(2):
        client.get(reverse("public:hearings_ics", args=["parks"]))


def test_the_public_page_and_the_dashboard_link_the_feed_as_webcal(client, coordinator, campaign):
    link = 'href="webcal://testserver/c/parks/hearings.ics"'
    assert link in client.get(reverse("public:campaign", args=["parks"])).content.decode()
    client.force_login(coordinator)
    assert link in client.get(reverse("dashboard:campaign", args=["parks"])).content.decode()
