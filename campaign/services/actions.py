"""Writes about actions after they are recorded: completing and cancelling a
pledge. Recording an action is the intake core's (campaign.services.intake:
action_record, actions_record_many; member_for_supporter / seat_holders for
the supporter's own member)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaign.models import Action, ActionSource, ActionStatus
from campaign.services.scheduling import reminders_on_action_closed


@transaction.atomic
def action_complete(*, action: Action, note: str = "", completed_at=None, by=None) -> Action:
    """Mark a pledge done (self-reported when `by` is None). Idempotent: a
    completed action keeps its first completion time; a note is added.

    Side effects: updates the action, cancels its pending follow-up reminders."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.status == ActionStatus.CANCELLED:
        raise ValidationError("A cancelled action cannot be completed.")
    if action.status != ActionStatus.COMPLETED:
        action.status = ActionStatus.COMPLETED
        action.completed_at = completed_at or timezone.now()
        if by is None and action.source == ActionSource.PUBLIC_FORM:
            action.source = ActionSource.SELF_REPORT
    if by is not None and action.logged_by_id is None:
        action.logged_by = by
    if note:
        action.outcome_note = f"{action.outcome_note}\n{note}".strip()
    action.save()
    reminders_on_action_closed(action=action)
    return action


@transaction.atomic
def action_cancel(*, action: Action, note: str = "") -> Action:
    """Cancel an open pledge. Side effects: cancels its pending follow-ups."""
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.status == ActionStatus.COMPLETED:
        raise ValidationError("A completed action cannot be cancelled.")
    action.status = ActionStatus.CANCELLED
    if note:
        action.outcome_note = f"{action.outcome_note}\n{note}".strip()
    action.save()
    reminders_on_action_closed(action=action)
    return action
