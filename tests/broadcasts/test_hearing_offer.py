"""A hearing added or moved: the coordinator is offered a prefilled broadcast."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from campaign.models import Hearing
from campaign.services.broadcasts import broadcast_hearing_offer
from campaign.services.hearings import hearing_cancel, hearing_save
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_new_hearing_is_new(pine_county):
    hearing = hearing_save(
        hearing=Hearing(
            campaign=pine_county["campaign"],
            title="Hearing",
            starts_at=timezone.now() + dt.timedelta(days=9),
        )
    )
    assert hearing.saved_change == "new"


def test_a_hearing_whose_time_changed_moved(pine_county):
    hearing = factories.HearingFactory(campaign=pine_county["campaign"])
    hearing.starts_at += dt.timedelta(hours=1)
    assert hearing_save(hearing=hearing).saved_change == "moved"


def test_a_hearing_whose_place_changed_moved(pine_county):
    hearing = factories.HearingFactory(campaign=pine_county["campaign"])
    hearing.location_name = "Library"
    assert hearing_save(hearing=hearing).saved_change == "moved"


def test_a_hearing_renamed_only_did_not_move(pine_county):
    hearing = factories.HearingFactory(campaign=pine_county["campaign"])
    hearing.title = "Renamed"
    assert hearing_save(hearing=hearing).saved_change == ""


def test_a_cancelled_hearing_offers_nothing(pine_county):
    hearing = factories.HearingFactory(campaign=pine_county["campaign"])
    hearing_cancel(hearing=hearing)
    hearing.refresh_from_db()
    hearing.starts_at += dt.timedelta(hours=1)
    assert hearing_save(hearing=hearing).saved_change == ""


def test_the_offer_for_a_moved_hearing_goes_to_its_pledgers(pine_county):
    hearing = factories.HearingFactory(campaign=pine_county["campaign"])
    offer = broadcast_hearing_offer(hearing=hearing, change="moved")
    assert (offer["hearing"], offer["segment"]) == (hearing.pk, {"hearing": hearing.pk})
    assert "{hearing_date}" in offer["subject"] and "{hearing_place}" in offer["body_es"]


def test_the_offer_for_a_new_hearing_goes_to_the_whole_base(pine_county):
    hearing = factories.HearingFactory(campaign=pine_county["campaign"])
    assert broadcast_hearing_offer(hearing=hearing, change="new")["segment"] == {}


def test_the_admin_links_to_the_prefilled_composer_after_adding_a_hearing(
    client, coordinator, pine_county
):
    client.force_login(coordinator)
    starts = timezone.localtime() + dt.timedelta(days=30)
    response = client.post(
        "/admin/campaign/hearing/add/",
        {
            "campaign": pine_county["campaign"].pk,
            "title": "Second reading",
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": "18:30:00",
        },
    )
    hearing = Hearing.objects.get()
    [message] = [str(m) for m in get_messages(response.wsgi_request) if "broadcast" in str(m)]
    assert (
        f'href="/dashboard/parks-alcohol-ordinance/broadcasts/new/?hearing={hearing.pk}'
        f'&amp;change=new"' in message
    )
