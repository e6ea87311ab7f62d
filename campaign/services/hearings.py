"""Writes about hearings: create, move, cancel. The admin and dashboard save
hearings only through these, so reminders always follow the hearing."""

from django.db import transaction
from django.utils import timezone

from campaign.models import Hearing
from campaign.services.scheduling import (
    reminders_on_hearing_cancelled,
    reminders_on_hearing_saved,
)


@transaction.atomic
def hearing_save(*, hearing: Hearing) -> Hearing:
    """Create or update a hearing.

    Side effects: INSERT/UPDATE; pending reminders follow a moved hearing (those
    whose time has passed are cancelled) and pledgers get any missing ones; a
    hearing saved as cancelled cancels its reminders and sends the notice.
    Sets `hearing.saved_change`: "new", "moved" (time or place changed) or ""
    (what campaign.services.broadcasts offers to tell people about)."""
    before = (
        Hearing.objects.filter(pk=hearing.pk)
        .values("starts_at", "location_name", "address")
        .first()
        if hearing.pk
        else None
    )
    hearing.full_clean()
    hearing.save()
    if before is None:
        hearing.saved_change = "" if hearing.is_cancelled else "new"
    else:
        now = {key: getattr(hearing, key) for key in before}
        hearing.saved_change = "moved" if now != before and not hearing.is_cancelled else ""
    reminders_on_hearing_saved(hearing=hearing)
    return hearing


@transaction.atomic
def hearing_cancel(*, hearing: Hearing) -> Hearing:
    """Cancel a hearing. Idempotent: a second call changes nothing.

    Side effects: sets cancelled_at, cancels pending reminders, queues one
    cancellation notice per pledger and channel."""
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
    if hearing.cancelled_at is None:
        hearing.cancelled_at = timezone.now()
        hearing.save(update_fields=["cancelled_at", "updated_at"])
    reminders_on_hearing_cancelled(hearing=hearing)
    return hearing
