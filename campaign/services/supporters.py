"""Writes about supporters beyond the intake core: unsubscribing from every
channel. Finding, creating and updating people and their consents is the
intake core's (campaign.services.intake: supporter_match, supporter_intake,
consent_record, consent_withdraw)."""

from django.db import transaction
from django.utils import timezone

from campaign.models import Channel, ConsentEvent, Supporter
from campaign.services.scheduling import messages_suppress_pending


@transaction.atomic
def supporter_unsubscribe(*, supporter: Supporter, source: str) -> bool:
    """Unsubscribe from every channel at once. Idempotent: returns False when
    the supporter had already unsubscribed.

    Side effects: sets unsubscribed_at, withdraws both consents (ledger rows),
    suppresses every pending message."""
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    if supporter.unsubscribed_at is not None:
        return False
    now = timezone.now()
    had = [
        channel
        for channel, given in (
            (Channel.EMAIL, supporter.email_consent_at),
            (Channel.SMS, supporter.sms_consent_at),
        )
        if given
    ]
    supporter.unsubscribed_at = now
    supporter.email_consent_at = supporter.sms_consent_at = None
    supporter.email_consent_source = supporter.sms_consent_source = ""
    supporter.save(
        update_fields=[
            "unsubscribed_at",
            "email_consent_at",
            "email_consent_source",
            "sms_consent_at",
            "sms_consent_source",
            "updated_at",
        ]
    )
    ConsentEvent.objects.bulk_create(
        ConsentEvent(
            supporter=supporter,
            channel=channel,
            kind=ConsentEvent.Kind.WITHDRAWN,
            source=source,
            occurred_at=now,
        )
        for channel in had
    )
    messages_suppress_pending(supporter=supporter, channel=None, reason=f"unsubscribed ({source})")
    return True
