"""The outbox: which messages to write, and when. (Owned by the reminders issue.)

The hooks below are called by the other services in the same transaction as
their cause; they only write Message rows and never touch the broker.
"""

from django.utils import timezone

from campaign.models import Message, MessageStatus


def messages_suppress_pending(*, supporter, channel: str | None, reason: str) -> int:
    """Mark the supporter's pending messages (on one channel, or all) suppressed."""
    pending = Message.objects.filter(supporter=supporter, status=MessageStatus.PENDING)
    if channel:
        pending = pending.filter(channel=channel)
    return pending.update(
        status=MessageStatus.SUPPRESSED, last_error=reason, updated_at=timezone.now()
    )


def reminders_on_signup(*, supporter, campaign, pledges) -> None:
    """A supporter signed up (or signed up again) with these new pledges."""


def reminders_on_action_closed(*, action) -> None:
    """A pledge was completed or cancelled: its pending follow-ups go."""
