"""Writes about hearings: create, move, cancel. (Reminders issue fills in the
rescheduling; the admin and dashboard save hearings only through these.)"""

from django.db import transaction

from campaign.models import Hearing


@transaction.atomic
def hearing_save(*, hearing: Hearing) -> Hearing:
    """Create or update a hearing. Side effects: reschedules its pending reminders."""
    hearing.full_clean()
    hearing.save()
    return hearing
