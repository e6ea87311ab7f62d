import pytest
from django.core.exceptions import ValidationError

from campaign.models import Action, ActionKind, ActionSource, ActionStatus
from campaign.services.actions import action_cancel, action_complete
from campaign.services.intake import action_record, member_for_supporter
from tests import factories


def phone_bank_log(**kwargs):
    """A coordinator logs what a supporter pledged or did (the phone bank)."""
    return action_record(source=ActionSource.PHONE_BANK, **kwargs)


pytestmark = pytest.mark.django_db


def test_pledging_the_same_kind_twice_keeps_one_open_pledge(pine_county):
    supporter = factories.SupporterFactory()
    campaign = pine_county["campaign"]
    pledge = {
        "supporter": supporter,
        "campaign": campaign,
        "kind": ActionKind.CALL,
        "status": ActionStatus.PLEDGED,
        "source": ActionSource.PUBLIC_FORM,
    }
    first, created_first = action_record(**pledge)
    second, created_second = action_record(**pledge)
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Action.objects.count() == 1


def test_completing_a_pledge_sets_the_time_and_marks_it_self_reported():
    action = factories.ActionFactory(source=ActionSource.PUBLIC_FORM)
    action_complete(action=action, note="Left a voicemail")
    action.refresh_from_db()
    assert action.status == ActionStatus.COMPLETED
    assert action.completed_at is not None
    assert (action.source, action.outcome_note) == (ActionSource.SELF_REPORT, "Left a voicemail")


def test_completing_twice_keeps_the_first_completion_time():
    action = factories.ActionFactory()
    first = action_complete(action=action).completed_at
    assert action_complete(action=action).completed_at == first


def test_a_cancelled_pledge_cannot_be_completed():
    action = factories.ActionFactory()
    action_cancel(action=action)
    with pytest.raises(ValidationError):
        action_complete(action=action)


def test_logging_with_the_same_idempotency_key_twice_logs_once(coordinator):
    supporter = factories.SupporterFactory()
    campaign = factories.CampaignFactory()
    kwargs = {
        "supporter": supporter,
        "campaign": campaign,
        "kind": ActionKind.CALL,
        "status": ActionStatus.COMPLETED,
        "by": coordinator,
        "idempotency_key": "bulk:1",
    }
    first, created = phone_bank_log(**kwargs)
    again, created_again = phone_bank_log(**kwargs)
    assert (created, created_again, first.pk) == (True, False, again.pk)
    assert Action.objects.count() == 1
    assert first.logged_by == coordinator


def test_the_target_is_the_member_for_the_supporters_district(pine_county):
    supporter = factories.SupporterFactory(zip_code="55072", district=pine_county["districts"][2])
    target = member_for_supporter(supporter=supporter, campaign=pine_county["campaign"])
    assert target == pine_county["members"][2]


def test_a_supporter_without_a_district_has_no_target(pine_county):
    supporter = factories.SupporterFactory(zip_code="55063", district=None)
    assert member_for_supporter(supporter=supporter, campaign=pine_county["campaign"]) is None


def test_a_pledge_logged_by_a_coordinator_gets_its_follow_up_reminder(coordinator):
    from django.utils import timezone

    from campaign.models import Message, MessageKind

    supporter = factories.SupporterFactory(email_consent_at=timezone.now())
    action, _ = phone_bank_log(
        supporter=supporter,
        campaign=factories.CampaignFactory(),
        kind=ActionKind.LETTER,
        status=ActionStatus.PLEDGED,
        by=coordinator,
    )
    assert list(Message.objects.values_list("kind", "action_id")) == [
        (MessageKind.PLEDGE_FOLLOWUP, action.pk)
    ]


def test_a_completed_action_logged_by_a_coordinator_queues_nothing(coordinator):
    from django.utils import timezone

    from campaign.models import Message

    supporter = factories.SupporterFactory(email_consent_at=timezone.now())
    phone_bank_log(
        supporter=supporter,
        campaign=factories.CampaignFactory(),
        kind=ActionKind.LETTER,
        status=ActionStatus.COMPLETED,
        by=coordinator,
    )
    assert Message.objects.count() == 0
