"""advocacy_campaigns (targets with OCD ids and stances) and outreaches (a
logged contact: call, letter, email, meeting) with record_outreach_helper."""

import datetime as dt

import pytest
import time_machine

from campaign.models import Action, ActionKind, ActionStatus, Position, Supporter
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "http://testserver/api/osdi/v1"
CREATED = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
OCD = "ocd-division/country:us/state:mn/county:pine"


@pytest.fixture
def parks(pine_county):
    body = pine_county["body"]
    body.ocd_division_id = OCD
    body.save()
    for district in pine_county["districts"]:
        district.ocd_id = f"{OCD}/council_district:{district.number}"
        district.save()
    campaign = pine_county["campaign"]
    factories.StanceFactory(
        campaign=campaign, member=pine_county["members"][0], position=Position.YES
    )
    return pine_county


@pytest.fixture
def ana(parks):
    return factories.SupporterFactory(
        first_name="Ana", email="ana@example.org", zip_code="55072", district=parks["districts"][2]
    )


def _target(member, number, stance=None):
    target = {
        "title": "Commissioner",
        "organization": "Pine County Board of Commissioners",
        "given_name": "Member",
        "family_name": str(number),
        "ocdid": f"{OCD}/council_district:{number}",
        "groundswell:id": member.pk,
        "groundswell:district": {
            "name": f"District {number}",
            "number": number,
            "ocdid": f"{OCD}/council_district:{number}",
        },
    }
    if stance:
        target["groundswell:stance"] = stance
    return target


def test_an_advocacy_campaign_in_osdi_shape(api, parks):
    campaign, members = parks["campaign"], parks["members"]
    factories.ActionFactory(campaign=campaign, kind=ActionKind.CALL, status=ActionStatus.COMPLETED)
    factories.ActionFactory(campaign=campaign, kind=ActionKind.CALL)  # a pledge: not an outreach
    factories.ActionFactory(
        campaign=campaign, kind=ActionKind.PETITION, status=ActionStatus.COMPLETED
    )
    body = api.get(f"/api/osdi/v1/advocacy_campaigns/{campaign.pk}").json()
    del body["created_date"], body["modified_date"]
    assert body == {
        "identifiers": [f"groundswell:{campaign.pk}"],
        "origin_system": "Groundswell",
        "title": "Alcohol-free county parks",
        "description": "Pass an ordinance banning alcohol in county parks.",
        "targets": [
            _target(members[0], 1, "yes"),
            _target(members[1], 2, "unknown"),
            _target(members[2], 3, "unknown"),
        ],
        "total_outreaches": 1,
        "_links": {
            "self": {"href": f"{BASE}/advocacy_campaigns/{campaign.pk}"},
            "osdi:outreaches": {"href": f"{BASE}/advocacy_campaigns/{campaign.pk}/outreaches"},
            "osdi:record_outreach_helper": {
                "href": f"{BASE}/advocacy_campaigns/{campaign.pk}/record_outreach_helper"
            },
        },
        "groundswell:slug": "parks-alcohol-ordinance",
        "groundswell:status": "active",
        "groundswell:votes_needed": None,
    }


def test_a_member_without_a_district_has_the_bodys_ocd_id(api, parks):
    factories.CouncilMemberFactory(body=parks["body"], district=None, name="At Large")
    body = api.get(f"/api/osdi/v1/advocacy_campaigns/{parks['campaign'].pk}").json()
    at_large = next(t for t in body["targets"] if t["family_name"] == "Large")
    assert (at_large["ocdid"], at_large["groundswell:district"]) == (OCD, None)


def test_the_campaigns_collection_costs_the_same_queries_for_many(
    api, parks, django_assert_num_queries
):
    for _ in range(4):
        factories.CampaignFactory(decision_body=parks["body"])
    api.get("/api/osdi/v1/")
    # The key, the count, the page, the members, the stances.
    with django_assert_num_queries(5):
        body = api.get("/api/osdi/v1/advocacy_campaigns").json()
    assert [len(c["targets"]) for c in body["_embedded"]["osdi:advocacy_campaigns"]] == [3] * 5


def _person_link(supporter):
    return {"osdi:person": {"href": f"{BASE}/people/{supporter.pk}"}}


def test_posting_an_outreach_logs_a_completed_call_to_their_member(api, parks, ana):
    campaign = parks["campaign"]
    with time_machine.travel(CREATED, tick=False):
        response = api.post(
            f"/api/osdi/v1/advocacy_campaigns/{campaign.pk}/outreaches",
            {"type": "phone", "message": "Left a voicemail.", "_links": _person_link(ana)},
            format="json",
        )
    assert response.status_code == 201
    action = Action.objects.get()
    assert (
        action.supporter,
        action.campaign,
        action.kind,
        action.status,
        action.target,
        action.outcome_note,
        action.source,
        action.completed_at,
    ) == (
        ana,
        campaign,
        "call",
        "completed",
        parks["members"][2],
        "Left a voicemail.",
        "import",
        CREATED,
    )
    assert response.json() == {
        "identifiers": [f"groundswell:{action.pk}"],
        "created_date": "2026-03-02T15:30:00Z",
        "modified_date": "2026-03-02T15:30:00Z",
        "type": "phone",
        "message": "Left a voicemail.",
        "targets": [_target(parks["members"][2], 3)],
        "_links": {
            "self": {"href": f"{BASE}/advocacy_campaigns/{campaign.pk}/outreaches/{action.pk}"},
            "osdi:advocacy_campaign": {"href": f"{BASE}/advocacy_campaigns/{campaign.pk}"},
            "osdi:person": {"href": f"{BASE}/people/{ana.pk}"},
        },
        "groundswell:kind": "call",
        "groundswell:completed_date": "2026-03-02T15:30:00Z",
    }


@pytest.mark.parametrize(
    "sent, kind",
    [
        ({"type": "postal mail"}, "letter"),
        ({"type": "email"}, "email"),
        ({"type": "in-person"}, "meeting"),
        ({"type": "phone", "groundswell:kind": "meeting"}, "meeting"),
    ],
)
def test_the_outreach_type_gives_the_kind(api, parks, ana, sent, kind):
    api.post(
        f"/api/osdi/v1/advocacy_campaigns/{parks['campaign'].pk}/outreaches",
        {**sent, "_links": _person_link(ana)},
        format="json",
    )
    assert Action.objects.get().kind == kind


def test_a_target_is_named_by_its_ocd_id(api, parks, ana):
    api.post(
        f"/api/osdi/v1/advocacy_campaigns/{parks['campaign'].pk}/outreaches",
        {
            "type": "email",
            "targets": [{"ocdid": f"{OCD}/council_district:1"}],
            "_links": _person_link(ana),
        },
        format="json",
    )
    assert Action.objects.get().target == parks["members"][0]


def test_an_unknown_target_is_refused(api, parks, ana):
    response = api.post(
        f"/api/osdi/v1/advocacy_campaigns/{parks['campaign'].pk}/outreaches",
        {"type": "email", "targets": [{"ocdid": "ocd-division/x"}], "_links": _person_link(ana)},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"targets": ["No member of the campaign's body has this id."]},
    )
    assert not Action.objects.exists()


def test_an_outreach_sent_twice_with_its_id_is_logged_once(api, parks, ana):
    url = f"/api/osdi/v1/advocacy_campaigns/{parks['campaign'].pk}/outreaches"
    sent = {"type": "phone", "identifiers": ["spoke:c-81"], "_links": _person_link(ana)}
    first, second = (api.post(url, sent, format="json") for _ in range(2))
    assert (first.status_code, second.status_code, Action.objects.count()) == (201, 200, 1)
    assert second.json()["identifiers"] == [f"groundswell:{Action.objects.get().pk}", "spoke:c-81"]


def test_the_outreaches_collection(api, parks, ana, django_assert_num_queries):
    campaign = parks["campaign"]
    calls = [
        factories.ActionFactory(
            campaign=campaign,
            supporter=ana,
            kind=kind,
            status=ActionStatus.COMPLETED,
            target=parks["members"][0],
        )
        for kind in (ActionKind.CALL, ActionKind.LETTER, ActionKind.MEETING)
    ]
    factories.ActionFactory(campaign=campaign, kind=ActionKind.CALL)
    factories.ActionFactory(kind=ActionKind.CALL, status=ActionStatus.COMPLETED)
    api.get("/api/osdi/v1/")
    # The key, the campaign, the count, the page with targets.
    with django_assert_num_queries(4):
        body = api.get(f"/api/osdi/v1/advocacy_campaigns/{campaign.pk}/outreaches").json()
    assert [(o["identifiers"][0], o["type"]) for o in body["_embedded"]["osdi:outreaches"]] == [
        (f"groundswell:{calls[0].pk}", "phone"),
        (f"groundswell:{calls[1].pk}", "postal mail"),
        (f"groundswell:{calls[2].pk}", "in-person"),
    ]


def test_outreaches_of_an_unknown_campaign_are_not_found(api, db):
    assert api.get("/api/osdi/v1/advocacy_campaigns/99/outreaches").status_code == 404


def test_the_helper_records_the_person_and_their_outreach(api, parks):
    campaign = parks["campaign"]
    response = api.post(
        f"/api/osdi/v1/advocacy_campaigns/{campaign.pk}/record_outreach_helper",
        {
            "person": {
                "given_name": "Cy",
                "email_addresses": [{"address": "cy@example.org"}],
                "postal_addresses": [{"postal_code": "55030"}],
            },
            "type": "postal mail",
            "message": "Letter delivered by hand.",
        },
        format="json",
    )
    assert response.status_code == 201
    supporter, action = Supporter.objects.get(), Action.objects.get()
    assert (action.supporter, action.kind, action.target, supporter.district) == (
        supporter,
        "letter",
        parks["members"][1],
        parks["districts"][1],
    )
    assert supporter.memberships.get().campaign == campaign


def test_the_helper_keeps_no_person_when_the_outreach_is_refused(api, parks):
    response = api.post(
        f"/api/osdi/v1/advocacy_campaigns/{parks['campaign'].pk}/record_outreach_helper",
        {
            "person": {"given_name": "Cy", "email_addresses": [{"address": "cy@example.org"}]},
            "type": "phone",
            "targets": [{"groundswell:id": 9999}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Supporter.objects.exists()


def test_an_outreach_needs_a_type(api, parks, ana):
    response = api.post(
        f"/api/osdi/v1/advocacy_campaigns/{parks['campaign'].pk}/outreaches",
        {"_links": _person_link(ana)},
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"non_field_errors": ["Give the outreach's type."]},
    )
