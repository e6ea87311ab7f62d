"""Inbound texts (the /sms/inbound/ webhook): STOP, START and HELP keywords."""

import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from campaign.models import Channel, InboundSms, MessageKind, Supporter, normalize_phone
from campaign.services.intake import consent_record, consent_withdraw
from campaign.services.scheduling import reminders_sms_reply

# FCC 24-24 (47 CFR 64.1200(a)(10)) names these; Twilio also blocks STOPALL
# and OPTOUT; the Spanish words are what our Spanish-speaking supporters send.
SMS_STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "QUIT",
        "END",
        "REVOKE",
        "OPT OUT",
        "OPTOUT",
        "CANCEL",
        "UNSUBSCRIBE",
        "ALTO",
        "PARAR",
        "NO MAS",
    }
)
# "SI" ("Sí" with its accent dropped): the Spanish consent request asks for
# "YES (o SI)".
SMS_START_WORDS = frozenset({"START", "UNSTOP", "YES", "SI"})
SMS_HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})


def sms_keyword(body: str) -> str:
    """The message as a keyword: accents dropped, case and stray spaces or
    trailing punctuation ignored ("  No más. " -> "NO MAS")."""
    text = unicodedata.normalize("NFKD", body or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = " ".join(text.upper().split())
    return text.strip(" .!¡?¿,;:")


@dataclass
class InboundResult:
    action: str  # "stop", "start", "help", "ignored" or "replayed"
    supporter: Supporter | None = None
    reply_inline: str = ""  # for senders we do not know: answered in the webhook


def _first_delivery(provider_message_id: str) -> bool:
    """Records the provider's id; False when it was already recorded (a
    replayed or retried request)."""
    try:
        with transaction.atomic():
            InboundSms.objects.create(provider_message_id=provider_message_id[:64])
    except IntegrityError:
        return False
    return True


@transaction.atomic
def sms_inbound(*, phone: str, body: str, provider_message_id: str) -> InboundResult:
    """Act on a text a supporter sent us, once per provider message id.

    Side effects: an InboundSms row; a text whose id was seen before changes
    nothing (a captured, signed START posted again must not add consent rows
    or queue replies). STOP words withdraw SMS consent (ledger row, pending texts
    suppressed) and queue one confirmation; START re-grants SMS consent and
    queues a confirmation; HELP queues the help reply. A sender we do not know
    gets the help text inline (no row: a Message needs a recipient)."""
    if not _first_delivery(provider_message_id):
        return InboundResult("replayed")
    keyword = sms_keyword(body)
    try:
        number = normalize_phone(phone)
    except Exception:
        number = None
    supporter = (
        Supporter.objects.select_for_update().filter(phone=number).first() if number else None
    )
    if keyword in SMS_STOP_WORDS:
        action = "stop"
    elif keyword in SMS_START_WORDS:
        action = "start"
    elif keyword in SMS_HELP_WORDS:
        action = "help"
    else:
        return InboundResult("ignored", supporter)
    if supporter is None:
        if action == "help":
            text = render_to_string(
                "sms/sms_help/en.txt",
                {"coalition_name": settings.COALITION_NAME, "site_url": settings.SITE_URL},
            )
            return InboundResult(action, None, " ".join(text.split()))
        return InboundResult(action, None)
    if action == "stop":
        # One confirmation per opt-out: a second STOP finds no consent left.
        if supporter.sms_consent_at is not None:
            consent_withdraw(supporter=supporter, channel=Channel.SMS, source="sms_stop")
            reminders_sms_reply(supporter=supporter, kind=MessageKind.SMS_OPTOUT_CONFIRMATION)
    elif action == "start":
        # The phone's owner texted it: their own word lifts their unsubscribe.
        consent_record(
            supporter=supporter,
            channel=Channel.SMS,
            source="sms_start",
            wording=f"Texted {keyword}",
            lift_unsubscribe=True,
        )
        reminders_sms_reply(supporter=supporter, kind=MessageKind.SMS_OPTIN_CONFIRMATION)
    else:
        reminders_sms_reply(supporter=supporter, kind=MessageKind.SMS_HELP)
    return InboundResult(action, supporter)
