import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaign.models import Action, ActionKind, ActionStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_completed_action_needs_a_completion_time():
    action = factories.ActionFactory.build(
        supporter=factories.SupporterFactory(),
        campaign=factories.CampaignFactory(),
        status=ActionStatus.COMPLETED,
        completed_at=None,
    )
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert error.value.message_dict == {
        "completed_at": ["A completed action needs its completion time."]
    }


def test_the_database_refuses_a_completed_action_without_a_time():
    action = factories.ActionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status=ActionStatus.COMPLETED)


def test_the_database_refuses_a_completion_time_on_a_pledge():
    action = factories.ActionFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(completed_at=timezone.now())


def test_one_open_pledge_per_supporter_campaign_and_kind():
    first = factories.ActionFactory(kind=ActionKind.CALL)
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.ActionFactory(
            supporter=first.supporter, campaign=first.campaign, kind=ActionKind.CALL
        )


def test_a_completed_call_does_not_block_a_new_pledge():
    first = factories.ActionFactory(kind=ActionKind.CALL, status=ActionStatus.COMPLETED)
    second = factories.ActionFactory(
        supporter=first.supporter, campaign=first.campaign, kind=ActionKind.CALL
    )
    assert Action.objects.filter(supporter=first.supporter).count() == 2
    assert second.status == ActionStatus.PLEDGED


def test_the_target_must_sit_on_the_campaigns_body(pine_county):
    other_member = factories.CouncilMemberFactory()
    action = factories.ActionFactory.build(
        supporter=factories.SupporterFactory(),
        campaign=pine_county["campaign"],
        target=other_member,
    )
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert error.value.message_dict == {
        "target": ["The target does not sit on the campaign's body."]
    }


def test_a_supporter_with_actions_cannot_be_deleted():
    action = factories.ActionFactory()
    with pytest.raises(Exception) as error, transaction.atomic():
        action.supporter.delete()
    assert type(error.value).__name__ == "ProtectedError"
    assert Action.objects.filter(pk=action.pk).exists()
