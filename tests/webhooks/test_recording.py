"""Delivery rows are written by the intake core, in the change's transaction:
one per event and hook that wants it, never two for one event and hook."""

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from campaign.models import (
    ActionKind,
    ActionSource,
    ActionStatus,
    Hearing,
    WebhookDelivery,
)
from campaign.services.intake import (
    PersonInput,
    Trust,
    action_build,
    action_record,
    actions_record_many,
    supporter_intake,
)
from campaign.services.webhooks import webhook_deliveries_record
from tests import factories
from tests.webhooks.conftest import hook_create

pytestmark = pytest.mark.django_db


def _rows():
    return sorted(WebhookDelivery.objects.values_list("event", "dedupe_key"))


def _new_supporter(campaign=None, email="ana@example.org"):
    person = PersonInput(first_name="Ana", last_name="Gómez", email=email, zip_code="55072")
    return supporter_intake(person=person, trust=Trust.STAFF, campaign=campaign).supporter


@pytest.fixture
def member(pine_county):
    return factories.SupporterFactory(
        email="ana@example.org", zip_code="55072", district=pine_county["districts"][2]
    )


def _record(member, campaign, kind, status, hearing=None):
    action, _ = action_record(
        supporter=member,
        campaign=campaign,
        kind=kind,
        status=status,
        source=ActionSource.PHONE_BANK,
        hearing=hearing,
    )
    return action


def test_a_new_supporter_is_one_person_delivery_per_hook_that_wants_it():
    every = hook_create()
    people = hook_create(events=["person"])
    hook_create(events=["outreach", "attendance"])
    supporter = _new_supporter()
    assert _rows() == sorted(
        [
            ("person", f"person:{supporter.pk}:{every.pk}"),
            ("person", f"person:{supporter.pk}:{people.pk}"),
        ]
    )


def test_the_person_payload_is_the_osdi_person():
    hook_create()
    supporter = _new_supporter()
    payload = WebhookDelivery.objects.get().payload
    assert (payload["given_name"], payload["family_name"]) == ("Ana", "Gómez")
    assert payload["identifiers"] == [f"groundswell:{supporter.pk}"]
    assert payload["email_addresses"] == [
        {"primary": True, "address": "ana@example.org", "status": "unsubscribed"}
    ]
    assert payload["_links"]["self"] == {
        "href": f"{settings.SITE_URL}/api/osdi/v1/people/{supporter.pk}"
    }


def test_an_inactive_hook_gets_no_row():
    hook_create(active=False)
    _new_supporter()
    assert _rows() == []


def test_a_known_supporter_updated_is_no_person_event(member):
    hook_create()
    person = PersonInput(email="ana@example.org", first_name="Ana María")
    supporter_intake(person=person, trust=Trust.STAFF)
    assert _rows() == []


def test_a_completed_call_is_an_outreach(pine_county, member):
    hook = hook_create(events=["outreach"])
    action = _record(member, pine_county["campaign"], ActionKind.CALL, ActionStatus.COMPLETED)
    assert _rows() == [("outreach", f"outreach:{action.pk}:{hook.pk}")]
    payload = WebhookDelivery.objects.get().payload
    assert (payload["type"], payload["targets"][0]["family_name"]) == ("phone", "3")


def test_a_pledge_to_call_is_no_outreach_until_it_is_done(pine_county, member):
    hook = hook_create()
    campaign = pine_county["campaign"]
    pledge = _record(member, campaign, ActionKind.CALL, ActionStatus.PLEDGED)
    assert _rows() == []
    done = _record(member, campaign, ActionKind.CALL, ActionStatus.COMPLETED)
    assert done.pk == pledge.pk
    assert _rows() == [("outreach", f"outreach:{pledge.pk}:{hook.pk}")]


def test_a_pledge_to_testify_is_an_attendance(pine_county, member):
    hook = hook_create(events=["attendance"])
    hearing = factories.HearingFactory(campaign=pine_county["campaign"])
    action = _record(
        member,
        pine_county["campaign"],
        ActionKind.TESTIMONY_IN_PERSON,
        ActionStatus.PLEDGED,
        hearing=hearing,
    )
    assert _rows() == [("attendance", f"attendance:{action.pk}:pledged:{hook.pk}")]
    payload = WebhookDelivery.objects.get().payload
    assert (payload["status"], payload["attended"]) == ("accepted", False)


def test_attending_after_pledging_is_a_second_attendance_event(pine_county, member):
    hook = hook_create(events=["attendance"])
    campaign = pine_county["campaign"]
    hearing = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() + dt.timedelta(days=3)
    )
    pledge = _record(
        member, campaign, ActionKind.ATTEND_HEARING, ActionStatus.PLEDGED, hearing=hearing
    )
    Hearing.objects.filter(pk=hearing.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    hearing.refresh_from_db()
    done = _record(
        member, campaign, ActionKind.ATTEND_HEARING, ActionStatus.COMPLETED, hearing=hearing
    )
    assert done.pk == pledge.pk
    assert _rows() == [
        ("attendance", f"attendance:{pledge.pk}:completed:{hook.pk}"),
        ("attendance", f"attendance:{pledge.pk}:pledged:{hook.pk}"),
    ]


def test_a_hook_for_people_only_gets_no_outreach(pine_county, member):
    hook_create(events=["person"])
    _record(member, pine_county["campaign"], ActionKind.CALL, ActionStatus.COMPLETED)
    assert _rows() == []


def test_actions_recorded_in_bulk_are_one_outreach_each(pine_county, member):
    hook = hook_create()
    campaign = pine_county["campaign"]
    other = factories.SupporterFactory(zip_code="55072", district=pine_county["districts"][2])
    built = [
        action_build(
            supporter=supporter,
            campaign=campaign,
            kind=ActionKind.LETTER,
            status=ActionStatus.COMPLETED,
            source=ActionSource.IMPORT,
        )
        for supporter in (member, other)
    ]
    saved = actions_record_many(actions=built)
    assert _rows() == sorted(("outreach", f"outreach:{a.pk}:{hook.pk}") for a in saved)


def test_recording_the_same_change_twice_is_one_delivery(member):
    hook = hook_create()
    webhook_deliveries_record(event="person", obj=member)
    webhook_deliveries_record(event="person", obj=member)
    assert _rows() == [("person", f"person:{member.pk}:{hook.pk}")]


def test_a_change_rolled_back_leaves_no_delivery():
    from django.db import transaction

    hook_create()
    with pytest.raises(RuntimeError), transaction.atomic():
        _new_supporter()
        raise RuntimeError("the request failed after the intake")
    assert _rows() == []
