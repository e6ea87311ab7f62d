"""events (hearings) and attendances (pledges to attend or testify, or having
done it), with record_attendance_helper."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from campaign.models import Action, ActionKind, ActionStatus, Supporter
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "http://testserver/api/osdi/v1"
NOW = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def hearing(pine_county):
    return factories.HearingFactory(
        campaign=pine_county["campaign"], starts_at=timezone.now() + dt.timedelta(days=14)
    )


@pytest.fixture
def ana(pine_county):
    return factories.SupporterFactory(first_name="Ana", email="ana@example.org")


def test_an_event_in_osdi_shape(api, pine_county, ana):
    with time_machine.travel(NOW, tick=False):
        hearing = factories.HearingFactory(
            campaign=pine_county["campaign"],
            starts_at=NOW + dt.timedelta(days=14),
            address="315 Main St\nPine City, MN 55063",
            speaker_slots=12,
        )
    factories.ActionFactory(
        supporter=ana, campaign=hearing.campaign, kind=ActionKind.ATTEND_HEARING, hearing=hearing
    )
    factories.ActionFactory(
        campaign=hearing.campaign,
        kind=ActionKind.TESTIMONY_IN_PERSON,
        hearing=hearing,
        status=ActionStatus.CANCELLED,
    )
    assert api.get(f"/api/osdi/v1/events/{hearing.pk}").json() == {
        "identifiers": [f"groundswell:{hearing.pk}"],
        "created_date": "2026-03-02T15:30:00Z",
        "modified_date": "2026-03-02T15:30:00Z",
        "origin_system": "Groundswell",
        "title": "Public hearing on the parks ordinance",
        "start_date": "2026-03-16T15:30:00Z",
        "end_date": None,
        "status": "confirmed",
        "location": {
            "venue": "County Government Center, Board Room",
            "address_lines": ["315 Main St", "Pine City, MN 55063"],
        },
        "total_accepted": 1,
        "_links": {
            "self": {"href": f"{BASE}/events/{hearing.pk}"},
            "osdi:attendances": {"href": f"{BASE}/events/{hearing.pk}/attendances"},
            "osdi:record_attendance_helper": {
                "href": f"{BASE}/events/{hearing.pk}/record_attendance_helper"
            },
            "groundswell:advocacy_campaign": {
                "href": f"{BASE}/advocacy_campaigns/{hearing.campaign_id}"
            },
        },
        "groundswell:speaker_slots": 12,
        "groundswell:testimony_deadline": None,
    }


def test_a_cancelled_hearing_is_a_cancelled_event(api, hearing):
    hearing.cancelled_at = timezone.now()
    hearing.save()
    assert api.get(f"/api/osdi/v1/events/{hearing.pk}").json()["status"] == "cancelled"


def test_a_viewer_key_reads_events(viewer_key, hearing):
    from tests.api.conftest import client_for

    response = client_for(viewer_key[1]).get("/api/osdi/v1/events")
    assert (response.status_code, response.json()["total_records"]) == (200, 1)


def test_the_events_collection_costs_the_same_queries_for_many(
    api, hearing, django_assert_num_queries
):
    for _ in range(4):
        factories.HearingFactory(campaign=hearing.campaign)
    api.get("/api/osdi/v1/")
    # The key, the count, the page with its counts.
    with django_assert_num_queries(3):
        body = api.get("/api/osdi/v1/events").json()
    assert body["total_records"] == 5


def _link(supporter):
    return {"osdi:person": {"href": f"{BASE}/people/{supporter.pk}"}}


def test_posting_an_attendance_records_a_pledge_to_attend(api, hearing, ana):
    response = api.post(
        f"/api/osdi/v1/events/{hearing.pk}/attendances", {"_links": _link(ana)}, format="json"
    )
    assert response.status_code == 201
    action = Action.objects.get()
    assert (action.supporter, action.kind, action.status, action.hearing, action.source) == (
        ana,
        "attend",
        "pledged",
        hearing,
        "import",
    )
    body = response.json()
    assert (body["status"], body["attended"], body["groundswell:kind"]) == (
        "accepted",
        False,
        "attend",
    )
    assert body["_links"] == {
        "self": {"href": f"{BASE}/events/{hearing.pk}/attendances/{action.pk}"},
        "osdi:event": {"href": f"{BASE}/events/{hearing.pk}"},
        "osdi:person": {"href": f"{BASE}/people/{ana.pk}"},
    }


def test_a_pledge_to_testify_takes_the_next_speaking_place(api, hearing, ana):
    factories.ActionFactory(
        campaign=hearing.campaign,
        kind=ActionKind.TESTIMONY_IN_PERSON,
        hearing=hearing,
        speaking_order=1,
    )
    response = api.post(
        f"/api/osdi/v1/events/{hearing.pk}/attendances",
        {"_links": _link(ana), "groundswell:kind": "testify"},
        format="json",
    )
    assert response.json()["groundswell:speaking_order"] == 2


def test_the_same_pledge_twice_is_one_pledge(api, hearing, ana):
    url = f"/api/osdi/v1/events/{hearing.pk}/attendances"
    first, second = (api.post(url, {"_links": _link(ana)}, format="json") for _ in range(2))
    assert (first.status_code, second.status_code, Action.objects.count()) == (201, 200, 1)


def test_attending_a_hearing_that_has_not_started_is_refused(api, hearing, ana):
    response = api.post(
        f"/api/osdi/v1/events/{hearing.pk}/attendances",
        {"_links": _link(ana), "attended": True},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {
            "errors": {
                "hearing": ["Nobody has testified at or attended a hearing that has not started."]
            }
        },
    )


def test_having_attended_fulfils_the_pledge(api, hearing, ana):
    url = f"/api/osdi/v1/events/{hearing.pk}/attendances"
    api.post(url, {"_links": _link(ana)}, format="json")
    with time_machine.travel(hearing.starts_at + dt.timedelta(hours=1)):
        response = api.post(url, {"_links": _link(ana), "attended": True}, format="json")
    assert response.json()["attended"] is True
    assert list(Action.objects.values_list("status", flat=True)) == ["completed"]


def test_the_attendances_collection(api, hearing, ana):
    pledge = factories.ActionFactory(
        supporter=ana, campaign=hearing.campaign, kind=ActionKind.ATTEND_HEARING, hearing=hearing
    )
    factories.ActionFactory(campaign=hearing.campaign, kind=ActionKind.CALL)
    body = api.get(f"/api/osdi/v1/events/{hearing.pk}/attendances").json()
    assert [a["identifiers"] for a in body["_embedded"]["osdi:attendances"]] == [
        [f"groundswell:{pledge.pk}"]
    ]


def test_the_helper_records_the_person_and_their_pledge(api, hearing):
    response = api.post(
        f"/api/osdi/v1/events/{hearing.pk}/record_attendance_helper",
        {
            "person": {"given_name": "Cy", "email_addresses": [{"address": "cy@example.org"}]},
            "groundswell:kind": "written_testimony",
            "identifiers": ["mobilize:att-9"],
        },
        format="json",
    )
    assert response.status_code == 201
    supporter, action = Supporter.objects.get(), Action.objects.get()
    assert (action.supporter, action.kind, action.status, action.idempotency_key) == (
        supporter,
        "written_testimony",
        "pledged",
        "api:mobilize:att-9",
    )
    assert supporter.memberships.get().campaign == hearing.campaign


def test_the_helper_keeps_no_person_for_a_refused_pledge(api, hearing):
    hearing.cancelled_at = timezone.now()
    hearing.save()
    response = api.post(
        f"/api/osdi/v1/events/{hearing.pk}/record_attendance_helper",
        {"person": {"given_name": "Cy", "email_addresses": [{"address": "cy@example.org"}]}},
        format="json",
    )
    assert response.status_code == 400
    assert not Supporter.objects.exists()
