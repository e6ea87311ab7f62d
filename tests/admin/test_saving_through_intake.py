"""The admin saves people and actions through the intake core: the same
place rule, consent rule, base and action rules as every other path."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.admin import core as admin_core
from campaign.models import (
    Action,
    ActionKind,
    ActionStatus,
    ConsentEvent,
    Membership,
    Supporter,
)
from campaign.services.intake import NON_CONSTITUENT_TAG, Trust
from campaign.services.supporters import supporter_unsubscribe
from tests import factories
from tests.admin.helpers import add_inline_row, changeform_data

pytestmark = pytest.mark.django_db


def _change(client, supporter, **changes):
    url = f"/admin/campaign/supporter/{supporter.pk}/change/"
    data = changeform_data(client.get(url))
    data.update({key: "" if value is None else str(value) for key, value in changes.items()})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    supporter.refresh_from_db()
    return supporter


@pytest.fixture
def ana(pine_county):
    return factories.SupporterFactory(
        first_name="Ana",
        email="ana@example.org",
        phone="+16125550501",
        zip_code="55007",
        street_address="1 Elm St",
        district=pine_county["districts"][0],
    )


def test_a_supporter_is_saved_through_supporter_intake_at_staff_trust(
    coordinator_client, ana, monkeypatch
):
    calls = []
    real = admin_core.__dict__.get("supporter_intake")

    def recording(**kwargs):
        calls.append((kwargs["trust"], kwargs["supporter"].pk if kwargs["supporter"] else None))
        return real(**kwargs)

    monkeypatch.setattr(admin_core, "supporter_intake", recording, raising=False)
    _change(coordinator_client, ana, first_name="Anabel")

    assert calls == [(Trust.STAFF, ana.pk)]
    assert ana.first_name == "Anabel"


def test_a_new_zip_moves_the_supporter_to_the_one_district_covering_it(
    coordinator_client, ana, pine_county
):
    _change(coordinator_client, ana, zip_code="55072")
    assert ana.district == pine_county["districts"][2]


def test_a_new_zip_spanning_two_districts_keeps_the_known_one_among_them(
    coordinator_client, ana, pine_county
):
    _change(coordinator_client, ana, zip_code="55063")
    assert ana.district == pine_county["districts"][0]


def test_a_district_chosen_by_hand_wins_over_the_zip(coordinator_client, ana, pine_county):
    # The coordinator knows the street address: district 2, whatever the ZIP says.
    _change(coordinator_client, ana, zip_code="55072", district=pine_county["districts"][1].pk)
    assert ana.district == pine_county["districts"][1]


def test_a_supporter_added_in_the_admin_is_placed_by_their_zip(coordinator_client, pine_county):
    url = "/admin/campaign/supporter/add/"
    data = changeform_data(coordinator_client.get(url))
    data.update({"first_name": "Bo", "email": "BO@example.org", "zip_code": "55072"})
    data.pop("tags")
    response = coordinator_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    bo = Supporter.objects.get(email="bo@example.org")
    assert bo.district == pine_county["districts"][2]


def test_the_coordinator_corrects_an_email_and_clears_a_field(coordinator_client, ana):
    _change(coordinator_client, ana, email="ana.avila@example.org", street_address=None)
    assert (ana.email, ana.street_address) == ("ana.avila@example.org", "")


def test_the_admins_explicit_tick_lifts_an_unsubscribe(coordinator_client, ana):
    supporter_unsubscribe(supporter=ana, source="link")
    _change(coordinator_client, ana, email_consent="on")
    assert ana.unsubscribed_at is None
    assert ana.email_consent_at is not None
    assert ConsentEvent.objects.filter(supporter=ana, kind="granted").count() == 1


def test_an_action_added_on_a_supporters_page_joins_the_base_and_aims_at_their_member(
    coordinator_client, coordinator, ana, pine_county
):
    campaign = pine_county["campaign"]
    url = f"/admin/campaign/supporter/{ana.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    add_inline_row(
        data,
        "actions",
        {"campaign": str(campaign.pk), "kind": "letter", "status": "completed", "source": "admin"},
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    [action] = Action.objects.filter(supporter=ana)
    assert (action.target, action.logged_by) == (pine_county["members"][0], coordinator)
    assert Membership.objects.filter(campaign=campaign, supporter=ana, source="admin").exists()


def _add_action(client, **fields):
    url = "/admin/campaign/action/add/"
    data = changeform_data(client.get(url))
    data.update({key: str(value) for key, value in fields.items()})
    return client.post(url, data)


def test_a_pledge_added_in_the_admin_is_due_on_its_hearings_day_and_joins_the_base(
    coordinator_client, ana, pine_county
):
    campaign = pine_county["campaign"]
    hearing = factories.HearingFactory(campaign=campaign)

    response = _add_action(
        coordinator_client,
        supporter=ana.pk,
        campaign=campaign.pk,
        kind=ActionKind.ATTEND_HEARING,
        status=ActionStatus.PLEDGED,
        hearing=hearing.pk,
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    action = Action.objects.get(supporter=ana)
    assert action.due_date == timezone.localtime(hearing.starts_at).date()
    assert Membership.objects.filter(campaign=campaign, supporter=ana).exists()


def test_nobody_testified_in_person_at_a_hearing_that_has_not_happened(
    coordinator_client, ana, pine_county
):
    campaign = pine_county["campaign"]
    hearing = factories.HearingFactory(
        campaign=campaign, starts_at=timezone.now() + dt.timedelta(days=10)
    )

    response = _add_action(
        coordinator_client,
        supporter=ana.pk,
        campaign=campaign.pk,
        kind=ActionKind.TESTIMONY_IN_PERSON,
        status=ActionStatus.COMPLETED,
        hearing=hearing.pk,
    )

    assert response.status_code == 200
    assert "hearing" in response.context["adminform"].form.errors
    assert not Action.objects.exists()


def test_an_action_on_a_supporters_page_places_them_within_the_campaigns_body(
    coordinator_client, pine_county
):
    # St Paul: no district of the County Board covers 55101.
    outsider = factories.SupporterFactory(email="out@example.org", zip_code="55101")
    url = f"/admin/campaign/supporter/{outsider.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    data.pop("tags")
    add_inline_row(
        data,
        "actions",
        {
            "campaign": str(pine_county["campaign"].pk),
            "kind": "petition",
            "status": "completed",
            "source": "admin",
        },
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    assert list(outsider.tags.values_list("name", flat=True)) == [NON_CONSTITUENT_TAG]
    assert Membership.objects.filter(campaign=pine_county["campaign"], supporter=outsider).exists()
