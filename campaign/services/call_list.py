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
Every result adds a dated line to the supporter's notes and releases any
caller's claim on them.

Splitting the list: a caller claims a batch (`call_claims_take`); nobody else
sees those people until the claim expires or a result is recorded.

The volunteer's script (`phonebank_script_text`) is the campaign's
phone-bank script, or a built-in one, with a small set of placeholders
filled per supporter.
"""

import datetime as dt
import re

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from campaign.models import (
    Action,
    ActionStatus,
    CallClaim,
    Campaign,
    Channel,
    CouncilMember,
    Hearing,
    Supporter,
    Tag,
)
from campaign.selectors import (
    DO_NOT_CALL_TAG,
    WRONG_NUMBER_TAG,
    call_list_candidates,
    reached_tag_name,
)
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
    call_claim_release(campaign=campaign, supporter=supporter)
    return supporter


# ---------------------------------------------------------------------------
# Splitting the list among callers
# ---------------------------------------------------------------------------

# A conflicting claim costs one more round; more rounds than this means the
# list is being emptied under us, and a short batch is the honest answer.
CLAIM_ROUNDS = 5


def call_claims_take(
    *, campaign: Campaign, caller, size: int | None = None, now: dt.datetime | None = None
) -> list[CallClaim]:
    """Give the caller a batch of people nobody else holds, topped up to
    `size` (setting CALL_CLAIM_BATCH) in the call list's order, for
    CALL_CLAIM_MINUTES from now. Returns the caller's whole live batch.

    Side effects: deletes the campaign's expired claims (anyone's); extends
    the caller's live claims to the new expiry; inserts the new claims.

    Two callers at once never get the same person: the insert skips a
    person already claimed (unique campaign + supporter, ON CONFLICT DO
    NOTHING), and on PostgreSQL it waits for a concurrent claim of that
    person to commit or roll back first. The people lost that way are made
    up from the next candidates, for a few rounds."""
    size = settings.CALL_CLAIM_BATCH if size is None else size
    now = now or timezone.now()
    expires_at = now + dt.timedelta(minutes=settings.CALL_CLAIM_MINUTES)
    with transaction.atomic():
        CallClaim.objects.filter(campaign=campaign, expires_at__lte=now).delete()
        mine = CallClaim.objects.filter(campaign=campaign, caller=caller)
        mine.update(expires_at=expires_at)
        open_pledge = Action.objects.filter(
            campaign=campaign, supporter=OuterRef("pk"), status=ActionStatus.PLEDGED
        )
        for _round in range(CLAIM_ROUNDS):
            wanted = size - mine.count()
            if wanted <= 0:
                break
            free = list(
                call_list_candidates(campaign)
                .exclude(call_claims__campaign=campaign)
                .annotate(has_open_pledge=Exists(open_pledge))
                .order_by("-has_open_pledge", "last_name", "first_name", "id")
                .values_list("pk", flat=True)[:wanted]
            )
            if not free:
                break
            CallClaim.objects.bulk_create(
                [
                    CallClaim(
                        campaign=campaign,
                        supporter_id=pk,
                        caller=caller,
                        claimed_at=now,
                        expires_at=expires_at,
                    )
                    for pk in free
                ],
                ignore_conflicts=True,
            )
        return list(mine.select_related("supporter").order_by("id"))


def call_claim_release(
    *, campaign: Campaign, supporter: Supporter | None = None, caller=None
) -> int:
    """Release claims: on one supporter (whoever holds it), or a caller's
    whole batch ("Give back my batch"). Returns how many were released.

    Side effects: deletes those CallClaim rows."""
    if supporter is None and caller is None:
        raise ValueError("name a supporter or a caller")
    claims = CallClaim.objects.filter(campaign=campaign)
    if supporter is not None:
        claims = claims.filter(supporter=supporter)
    if caller is not None:
        claims = claims.filter(caller=caller)
    deleted, _per_model = claims.delete()
    return deleted


# ---------------------------------------------------------------------------
# The volunteer's script
# ---------------------------------------------------------------------------

PHONEBANK_PLACEHOLDERS = (
    "first_name",
    "caller_name",
    "campaign",
    "hearing",
    "hearing_date",
    "commissioner",
)
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# Used when the campaign wrote no phone-bank script of its own.
DEFAULT_PHONEBANK_SCRIPT = {
    "en": (
        "Hi {first_name}, this is {caller_name}, a volunteer with {campaign}. "
        "Thank you for standing with us. The next hearing is {hearing}. "
        "Can we count on you to call {commissioner}, or to come and speak at the hearing?"
    ),
    "es": (
        "Hola {first_name}, le habla {caller_name}, voluntario/a de {campaign}. "
        "Gracias por apoyarnos. La próxima audiencia es {hearing}. "
        "¿Podemos contar con usted para llamar a {commissioner} o para venir a hablar "
        "en la audiencia?"
    ),
}


# Said to the supporter, so in the script's language, not the page's.
PHONEBANK_FALLBACKS = {
    "en": {
        "first_name": "there",
        "hearing": "on a date still to be announced",
        "hearing_date": "a date still to be announced",
        "commissioner": "your commissioner",
    },
    "es": {
        "first_name": "vecino/a",
        "hearing": "un día que aún no se ha anunciado",
        "hearing_date": "día que aún no se ha anunciado",
        "commissioner": "su comisionado o comisionada",
    },
}


def phonebank_placeholders_unknown(text: str) -> list[str]:
    """The `{...}` in a script that are not placeholders (for the admin)."""
    return [name for name in _PLACEHOLDER.findall(text) if name not in PHONEBANK_PLACEHOLDERS]


def phonebank_script_text(
    *,
    campaign: Campaign,
    language: str,
    supporter: Supporter,
    caller_name: str,
    commissioner: CouncilMember | None,
    hearing: Hearing | None,
) -> str:
    """The script a volunteer reads to this supporter, in `language` (en/es):
    the campaign's phone-bank script, or the built-in one when it has none.

    Plain replacement of the known placeholders, never str.format (a staff
    text could reach attributes through it); an unknown `{...}` is dropped,
    so no raw brace reaches the page. Plain text: templates escape it."""
    language = "es" if language == "es" else "en"
    template = (
        campaign.localized("phonebank_script", language) or DEFAULT_PHONEBANK_SCRIPT[language]
    )
    fallback = PHONEBANK_FALLBACKS[language]
    with translation.override(language):
        hearing_date = (
            formats.date_format(timezone.localtime(hearing.starts_at), "DATE_FORMAT")
            if hearing is not None
            else fallback["hearing_date"]
        )
    # The hearing by its own title: the next one may be a work session, not
    # the public hearing.
    if hearing is None:
        hearing_named = fallback["hearing"]
    elif language == "es":
        hearing_named = f"«{hearing.localized_title(language)}», el {hearing_date}"
    else:
        hearing_named = f"“{hearing.localized_title(language)}”, on {hearing_date}"
    values = {
        "first_name": supporter.first_name or fallback["first_name"],
        "hearing": hearing_named,
        "caller_name": caller_name,
        "campaign": campaign.localized("name", language),
        "hearing_date": hearing_date,
        "commissioner": (
            f"{commissioner.localized_title(language)} {commissioner.name}".strip()
            if commissioner is not None
            else fallback["commissioner"]
        ),
    }
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), ""), template)
