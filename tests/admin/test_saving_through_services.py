"""Admin writes go through the services: stances are added (never
overwritten), hearings saved with `hearing_save`, pledges completed with
`action_complete`, consent changes logged in the ledger."""

import datetime as dt

import pytest
from django.utils import timezone

from campaign.admin import core as admin_core
from campaign.models import Action, ActionStatus, ConsentEvent, Hearing, Stance
from campaign.services.hearings import hearing_save
from tests import factories
from tests.admin.helpers import add_inline_row, changeform_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def hearing_save_calls(monkeypatch):
    calls = []

    def recording_hearing_save(*, hearing):
        calls.append(hearing.title)
        return hearing_save(hearing=hearing)

    monkeypatch.setattr(admin_core, "hearing_save", recording_hearing_save)
    return calls


def test_mark_completed_completes_the_selected_pledges_with_a_time(
    coordinator_client, coordinator, pine_county
):
    campaign = pine_county["campaign"]
    pledges = factories.ActionFactory.create_batch(2, campaign=campaign)
    cancelled = factories.ActionFactory(campaign=campaign, status=ActionStatus.CANCELLED)
    before = timezone.now()

    response = coordinator_client.post(
        "/admin/campaign/action/",
        {
            "action": "mark_completed",
            "_selected_action": [str(a.pk) for a in [*pledges, cancelled]],
        },
    )

    assert response.status_code == 302
    for pledge in pledges:
        pledge.refresh_from_db()
        assert pledge.status == ActionStatus.COMPLETED
        assert pledge.completed_at >= before
        assert pledge.logged_by == coordinator
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.completed_at) == (ActionStatus.CANCELLED, None)


def test_completing_a_pledge_on_its_page_sets_the_completion_time(coordinator_client, pine_county):
    action = factories.ActionFactory(campaign=pine_county["campaign"])
    url = f"/admin/campaign/action/{action.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    data["status"] = ActionStatus.COMPLETED

    response = coordinator_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED
    assert action.completed_at is not None


def test_a_completed_action_cannot_be_set_back_to_pledged(coordinator_client, pine_county):
    action = factories.ActionFactory(
        campaign=pine_county["campaign"], status=ActionStatus.COMPLETED
    )
    url = f"/admin/campaign/action/{action.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    data["status"] = ActionStatus.PLEDGED
    data["completed_at_0"] = data["completed_at_1"] = ""

    response = coordinator_client.post(url, data)

    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED


def test_an_action_logged_on_a_supporters_page_is_saved_with_who_logged_it(
    coordinator_client, coordinator, pine_county
):
    supporter = factories.SupporterFactory()
    url = f"/admin/campaign/supporter/{supporter.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    add_inline_row(
        data,
        "actions",
        {
            "campaign": str(pine_county["campaign"].pk),
            "kind": "call",
            "status": ActionStatus.COMPLETED,
            "source": "phone_bank",
            "outcome_note": "Left a voicemail",
        },
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    [action] = Action.objects.filter(supporter=supporter)
    assert (action.kind, action.status, action.logged_by, action.outcome_note) == (
        "call",
        ActionStatus.COMPLETED,
        coordinator,
        "Left a voicemail",
    )
    assert action.completed_at is not None


def test_a_new_stance_is_added_to_the_history_with_who_recorded_it(
    coordinator_client, coordinator, pine_county
):
    member = pine_county["members"][0]
    campaign = pine_county["campaign"]
    earlier = factories.StanceFactory(campaign=campaign, member=member, position="undecided")

    response = coordinator_client.post(
        "/admin/campaign/stance/add/",
        {
            "campaign": campaign.pk,
            "member": member.pk,
            "position": "yes",
            "note": "Said yes at the town hall",
        },
    )

    assert response.status_code == 302
    assert list(Stance.objects.filter(member=member).values_list("position", flat=True)) == [
        "yes",
        "undecided",
    ]
    latest = Stance.objects.filter(member=member).first()
    assert (latest.recorded_by, latest.note) == (coordinator, "Said yes at the town hall")
    earlier.refresh_from_db()
    assert earlier.position == "undecided"


def test_a_stance_cannot_be_edited_in_the_admin(coordinator_client, pine_county):
    stance = factories.StanceFactory(campaign=pine_county["campaign"], position="no")
    url = f"/admin/campaign/stance/{stance.pk}/change/"

    page = coordinator_client.get(url)
    response = coordinator_client.post(
        url,
        {
            "campaign": stance.campaign_id,
            "member": stance.member_id,
            "position": "yes",
        },
    )

    assert page.status_code == 200  # read-only view
    assert response.status_code == 403
    stance.refresh_from_db()
    assert stance.position == "no"


def test_a_stance_added_on_a_members_page_keeps_the_earlier_ones(
    coordinator_client, coordinator, pine_county
):
    member = pine_county["members"][1]
    campaign = pine_county["campaign"]
    factories.StanceFactory(campaign=campaign, member=member, position="leaning_no")
    url = f"/admin/campaign/councilmember/{member.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    add_inline_row(
        data, "stances", {"campaign": str(campaign.pk), "position": "leaning_yes", "note": "x"}
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    history = Stance.objects.filter(member=member)
    assert [s.position for s in history] == ["leaning_yes", "leaning_no"]
    assert history[0].recorded_by == coordinator


def test_the_hearing_admin_saves_through_hearing_save(
    coordinator_client, pine_county, hearing_save_calls
):
    starts = timezone.localtime() + dt.timedelta(days=30)

    response = coordinator_client.post(
        "/admin/campaign/hearing/add/",
        {
            "campaign": pine_county["campaign"].pk,
            "title": "Second reading",
            "starts_at_0": starts.strftime("%Y-%m-%d"),
            "starts_at_1": "18:30:00",
        },
    )

    assert response.status_code == 302
    assert hearing_save_calls == ["Second reading"]
    assert Hearing.objects.get().title == "Second reading"


def test_a_hearing_moved_on_the_campaign_page_is_saved_through_hearing_save(
    coordinator_client, pine_county, hearing_save_calls
):
    campaign = pine_county["campaign"]
    hearing = factories.HearingFactory(campaign=campaign, title="Hearing")
    url = f"/admin/campaign/campaign/{campaign.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    data["hearings-0-title"] = "Hearing (moved)"
    data["hearings-0-starts_at_1"] = "19:00:00"

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    assert hearing_save_calls == ["Hearing (moved)"]
    hearing.refresh_from_db()
    assert timezone.localtime(hearing.starts_at).strftime("%H:%M") == "19:00"


def test_ticking_email_consent_on_a_supporter_is_logged_in_the_ledger(
    coordinator_client, pine_county
):
    supporter = factories.SupporterFactory(phone="+16125550123")
    url = f"/admin/campaign/supporter/{supporter.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    data["email_consent"] = "on"

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    supporter.refresh_from_db()
    assert supporter.email_consent_at is not None
    [event] = ConsentEvent.objects.filter(supporter=supporter)
    assert (event.channel, event.kind, event.source) == ("email", "granted", "admin: coordinator")


def test_ticking_text_consent_asks_the_phone_to_reply_yes_and_records_nothing_yet(
    coordinator_client, pine_county
):
    from campaign.models import Message, MessageKind

    supporter = factories.SupporterFactory(phone="+16125550123")
    url = f"/admin/campaign/supporter/{supporter.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    data["sms_consent"] = "on"

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    supporter.refresh_from_db()
    assert supporter.sms_consent_at is None
    assert not ConsentEvent.objects.filter(supporter=supporter).exists()
    [request] = Message.objects.filter(supporter=supporter)
    assert (request.kind, request.channel) == (MessageKind.SMS_CONSENT_REQUEST, "sms")


def test_unticking_consent_withdraws_it_in_the_ledger(coordinator_client, pine_county):
    from campaign.services.intake import consent_record

    supporter = factories.SupporterFactory()
    consent_record(supporter=supporter, channel="email", source="form")
    url = f"/admin/campaign/supporter/{supporter.pk}/change/"
    data = changeform_data(coordinator_client.get(url))
    data.pop("email_consent")

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    supporter.refresh_from_db()
    assert supporter.email_consent_at is None
    assert list(
        ConsentEvent.objects.filter(supporter=supporter).values_list("kind", flat=True)
    ) == ["withdrawn", "granted"]
