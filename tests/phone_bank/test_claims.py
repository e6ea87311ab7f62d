"""Splitting the call list: a caller claims a batch nobody else holds, claims
expire, a result releases its claim, and two callers never get the same
person, even at the same instant on PostgreSQL."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from campaign.models import CallClaim, Membership
from campaign.services.call_list import (
    CallResult,
    call_claim_release,
    call_claims_take,
    call_result_record,
)
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/dashboard/parks-alcohol-ordinance/call-list/"


def _names(claims):
    return [c.supporter.first_name for c in claims]


@override_settings(CALL_CLAIM_BATCH=3, CALL_CLAIM_MINUTES=60)
def test_a_claim_takes_the_batch_size_in_the_lists_order(coordinator, phone_bank):
    now = timezone.now()
    claims = call_claims_take(campaign=phone_bank["campaign"], caller=coordinator, now=now)
    # Ana first (open pledge), then by last name.
    assert _names(claims) == ["Ana", "Ben", "Cy"]
    assert {c.expires_at for c in claims} == {now + dt.timedelta(minutes=60)}


def test_the_default_batch_is_ten(coordinator, pine_county):
    campaign = pine_county["campaign"]
    for n in range(12):
        person = factories.SupporterFactory(phone=f"+1612555{n:04d}")
        Membership.objects.create(campaign=campaign, supporter=person, source="import")
    assert len(call_claims_take(campaign=campaign, caller=coordinator)) == 10


def test_two_callers_get_disjoint_batches(coordinator, second_caller, phone_bank):
    campaign = phone_bank["campaign"]
    mine = call_claims_take(campaign=campaign, caller=coordinator, size=3)
    theirs = call_claims_take(campaign=campaign, caller=second_caller, size=3)
    assert _names(mine) == ["Ana", "Ben", "Cy"]
    assert _names(theirs) == ["Dee", "Eve", "Fay"]


def test_claiming_again_tops_the_batch_up_and_extends_it(coordinator, phone_bank):
    campaign = phone_bank["campaign"]
    start = timezone.now()
    call_claims_take(campaign=campaign, caller=coordinator, size=3, now=start)
    ben = phone_bank["people"][1]
    call_result_record(supporter=ben, campaign=campaign, result=CallResult.REACHED)
    later = start + dt.timedelta(minutes=10)
    claims = call_claims_take(campaign=campaign, caller=coordinator, size=3, now=later)
    assert _names(claims) == ["Ana", "Cy", "Dee"]
    assert {c.expires_at for c in claims} == {later + dt.timedelta(minutes=60)}


def test_an_expired_claim_is_released_to_the_next_caller(coordinator, second_caller, phone_bank):
    campaign = phone_bank["campaign"]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        call_claims_take(campaign=campaign, caller=coordinator, size=7)
        traveller.shift(dt.timedelta(minutes=59))
        assert _names(call_claims_take(campaign=campaign, caller=second_caller, size=3)) == ["Hal"]
        traveller.shift(dt.timedelta(minutes=2))
        # The first caller's batch expired: deleted, and its people handed on.
        theirs = call_claims_take(campaign=campaign, caller=second_caller, size=3)
    assert _names(theirs) == ["Hal", "Ana", "Ben"]
    assert CallClaim.objects.filter(caller=coordinator).count() == 0


def test_recording_a_result_releases_the_claim(coordinator, phone_bank):
    campaign = phone_bank["campaign"]
    call_claims_take(campaign=campaign, caller=coordinator, size=2)
    ana = phone_bank["people"][0]
    call_result_record(supporter=ana, campaign=campaign, result=CallResult.LEFT_MESSAGE)
    assert list(CallClaim.objects.values_list("supporter__first_name", flat=True)) == ["Ben"]


def test_giving_back_a_batch_releases_only_the_callers_claims(
    coordinator, second_caller, phone_bank
):
    campaign = phone_bank["campaign"]
    call_claims_take(campaign=campaign, caller=coordinator, size=2)
    call_claims_take(campaign=campaign, caller=second_caller, size=2)
    assert call_claim_release(campaign=campaign, caller=coordinator) == 2
    assert list(CallClaim.objects.values_list("caller__username", flat=True)) == ["second"] * 2


def test_the_list_shows_my_batch_first_and_hides_the_others(
    client, coordinator, second_caller, phone_bank
):
    campaign = phone_bank["campaign"]
    call_claims_take(campaign=campaign, caller=second_caller, size=2)  # Ana, Ben
    client.force_login(coordinator)
    client.post(URL, {"action": "claim"})
    response = client.get(URL)
    context = response.context
    assert [s.first_name for s in context["mine"]] == [
        "Cy", "Dee", "Eve", "Fay", "Gus", "Hal"
    ]  # fmt: skip
    assert context["others"] == []
    assert (context["page"].total, context["page"].mine, context["page"].held_by_others) == (
        6,
        6,
        2,
    )
    html = response.content.decode()
    assert "2 more are in other callers' batches and hidden here." in html
    assert "My batch (6 people)" in html


def test_the_claim_button_redirects_to_my_batch(client, coordinator, phone_bank):
    client.force_login(coordinator)
    response = client.post(URL, {"action": "claim"})
    assert response["Location"] == f"{URL}#my-batch"
    assert CallClaim.objects.filter(caller=coordinator).count() == 8


def test_saving_a_result_on_the_page_releases_the_claim(client, coordinator, phone_bank):
    campaign = phone_bank["campaign"]
    call_claims_take(campaign=campaign, caller=coordinator, size=2)
    ana = phone_bank["people"][0]
    client.force_login(coordinator)
    client.post(URL, {"supporter": ana.pk, "result": CallResult.LEFT_MESSAGE})
    assert list(CallClaim.objects.values_list("supporter__first_name", flat=True)) == ["Ben"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_callers_claiming_at_the_same_instant_never_share_a_person(phone_bank, monkeypatch):
    campaign = phone_bank["campaign"]
    callers = [factories.UserFactory(username=f"racer{n}") for n in range(2)]
    # Both callers read the same free people before either inserts: the
    # worst case, forced rather than hoped for.
    both_read = threading.Barrier(2, timeout=10)
    first_insert = threading.local()
    real_bulk_create = CallClaim.objects.bulk_create

    def bulk_create_after_both_read(objs, **kwargs):
        if not getattr(first_insert, "done", False):
            first_insert.done = True
            both_read.wait()
        return real_bulk_create(objs, **kwargs)

    monkeypatch.setattr(CallClaim.objects, "bulk_create", bulk_create_after_both_read)
    results, errors = {}, []

    def claim(caller):
        try:
            batch = call_claims_take(campaign=campaign, caller=caller, size=4)
            results[caller.username] = {c.supporter_id for c in batch}
        except Exception as error:  # reported below, the thread must not die silently
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(caller,)) for caller in callers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    first, second = results["racer0"], results["racer1"]
    assert len(first) == len(second) == 4
    assert first.isdisjoint(second)
    assert first | second == {p.pk for p in phone_bank["people"]}
    assert CallClaim.objects.count() == 8


def test_an_empty_call_list_shows_nobody_to_call(client, coordinator, pine_county):
    client.force_login(coordinator)
    response = client.get("/dashboard/parks-alcohol-ordinance/call-list/")
    assert response.status_code == 200
    assert "Nobody to call right now." in response.content.decode()
