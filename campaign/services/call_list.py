"""Writes from the call list: the result of a phone-bank call to a supporter.

The rule, shown on the call-list page too:
- reached: the supporter leaves this campaign's call list (tag
  `reached-c<campaign id>`), and their hearing pledges count as confirmed on
  the roster;
- left a message: they stay on the list for another try;
- wrong number: they leave every call list (tag `wrong-number`) until the
  number is corrected and the tag removed;
- do not call: SMS consent is withdrawn (ledger row, pending texts
  suppressed) and they leave every call list for good (tag `do-not-call`).
Every result adds a dated line to the supporter's notes.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaign.models import Campaign, Channel, Supporter, Tag
from campaign.selectors import DO_NOT_CALL_TAG, WRONG_NUMBER_TAG, reached_tag_name
from campaign.services.intake import consent_withdraw


class CallResult:
    REACHED = "reached"
    LEFT_MESSAGE = "left_message"
    WRONG_NUMBER = "wrong_number"
    DO_NOT_CALL = "do_not_call"
    CHOICES = [
        (REACHED, _("Reached")),
        (LEFT_MESSAGE, _("Left a message")),
        (WRONG_NUMBER, _("Wrong number")),
        (DO_NOT_CALL, _("Do not call")),
    ]
    LABELS = dict(CHOICES)


@transaction.atomic
def call_result_record(
    *, supporter: Supporter, campaign: Campaign, result: str, note: str = "", by=None
) -> Supporter:
    """Record the result of a call (rules in the module docstring).

    Side effects: updates supporter.notes, may add a tag; for "do not call"
    withdraws SMS consent (a ConsentEvent, pending SMS suppressed)."""
    if result not in CallResult.LABELS:
        raise ValueError(f"unknown call result {result!r}")
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    who = f" by {by.get_username()}" if by is not None else ""
    line = f"{stamp} call ({campaign.slug}){who}: {CallResult.LABELS[result]}"
    if note:
        line = f"{line}. {note.strip()}"
    supporter.notes = f"{supporter.notes}\n{line}".strip()
    supporter.save(update_fields=["notes", "updated_at"])

    tag_name = {
        CallResult.REACHED: reached_tag_name(campaign),
        CallResult.WRONG_NUMBER: WRONG_NUMBER_TAG,
        CallResult.DO_NOT_CALL: DO_NOT_CALL_TAG,
    }.get(result)
    if tag_name:
        tag, _created = Tag.objects.get_or_create(name=tag_name)
        supporter.tags.add(tag)
    if result == CallResult.DO_NOT_CALL:
        consent_withdraw(supporter=supporter, channel=Channel.SMS, source="call list: do not call")
    return supporter
