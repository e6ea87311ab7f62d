"""Writes about actions: pledges, completions, coordinator logging."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaign.models import (
    Action,
    ActionSource,
    ActionStatus,
    Campaign,
    CouncilMember,
    Hearing,
    Supporter,
)
from campaign.services.scheduling import reminders_on_action_closed, reminders_on_pledge


def target_for_supporter(*, supporter: Supporter, campaign: Campaign) -> CouncilMember | None:
    """The active member holding the supporter's district seat on the campaign's
    body, or None when the supporter's district is unknown or elsewhere."""
    if supporter.district_id is None:
        return None
    return (
        CouncilMember.objects.active()
        .filter(body_id=campaign.decision_body_id, district_id=supporter.district_id)
        .first()
    )


def action_pledge(
    *,
    supporter: Supporter,
    campaign: Campaign,
    kind: str,
    source: str = ActionSource.PUBLIC_FORM,
    target: CouncilMember | None = None,
    hearing: Hearing | None = None,
    due_date=None,
) -> tuple[Action, bool]:
    """Record a pledge, unless the supporter already has an open pledge of this
    kind for the campaign. Returns (action, created).

    Side effects: one INSERT (or none); a savepoint guards the race where two
    identical submissions arrive at once (the partial unique constraint wins)."""
    # At most one row (the one-open-pledge constraint); no ORDER BY, so
    # PostgreSQL reads that constraint's index, not the campaign's by date.
    existing = next(
        iter(
            Action.objects.filter(
                supporter=supporter, campaign=campaign, kind=kind, status=ActionStatus.PLEDGED
            ).order_by()[:1]
        ),
        None,
    )
    if existing:
        return existing, False
    action = Action(
        supporter=supporter,
        campaign=campaign,
        kind=kind,
        status=ActionStatus.PLEDGED,
        source=source,
        target=target,
        hearing=hearing,
        due_date=due_date,
    )
    action.full_clean(validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:
        return (
            Action.objects.get(
                supporter=supporter, campaign=campaign, kind=kind, status=ActionStatus.PLEDGED
            ),
            False,
        )
    return action, True


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


def action_log(
    *,
    supporter: Supporter,
    campaign: Campaign,
    kind: str,
    status: str,
    by,
    target: CouncilMember | None = None,
    hearing: Hearing | None = None,
    note: str = "",
    source: str = ActionSource.PHONE_BANK,
    completed_at=None,
    due_date=None,
    idempotency_key: str | None = None,
) -> tuple[Action, bool]:
    """A coordinator logs what a supporter pledged or did. With an
    idempotency key, logging the same thing twice returns the first action.

    Side effects: one INSERT (or none); a new pledge gets its follow-up or
    hearing reminders written to the outbox."""
    if idempotency_key:
        existing = Action.objects.filter(idempotency_key=idempotency_key).first()
        if existing:
            return existing, False
    action = Action(
        supporter=supporter,
        campaign=campaign,
        kind=kind,
        status=status,
        target=target,
        hearing=hearing,
        outcome_note=note,
        source=source,
        logged_by=by,
        due_date=due_date,
        idempotency_key=idempotency_key,
        completed_at=(completed_at or timezone.now()) if status == ActionStatus.COMPLETED else None,
    )
    action.full_clean(validate_constraints=False, validate_unique=False)
    try:
        with transaction.atomic():
            action.save()
    except IntegrityError:
        if idempotency_key:
            return Action.objects.get(idempotency_key=idempotency_key), False
        if status == ActionStatus.PLEDGED:
            return (
                Action.objects.get(
                    supporter=supporter, campaign=campaign, kind=kind, status=ActionStatus.PLEDGED
                ),
                False,
            )
        raise
    reminders_on_pledge(action=action)
    return action, True
