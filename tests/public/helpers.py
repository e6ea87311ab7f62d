"""Helpers for the public sign-up tests: a supporter who has been on the list
for a while, a cleaned form, and the links the outbox would email."""

import datetime as dt
import re

from django.utils import timezone

from campaign.messaging import render_email
from campaign.models import ActionKind, Message, MessageKind, Supporter
from campaign.services.intake import PersonInput
from campaign.services.signup import SignupRequest
from tests import factories


def known_supporter(**fields) -> Supporter:
    """A supporter on the list for a month: outside the sign-up's double-click
    window (signup.RESUBMIT_WINDOW), so the form treats their email as known."""
    supporter = factories.SupporterFactory(**fields)
    Supporter.objects.filter(pk=supporter.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    supporter.refresh_from_db()
    return supporter


def signup_request(campaign, *, hearing=None, **overrides) -> SignupRequest:
    """What SignupForm hands the service for Ana Gómez of ZIP 55072 (district 3)."""
    person = {
        "first_name": "Ana",
        "last_name": "Gómez",
        "email": "Ana.Gomez@Example.org",
        "phone": "",
        "zip_code": "55072",
        "language": "es",
        "sector": "parents",
    }
    options = {
        "asks": (ActionKind.CALL,),
        "email_updates": False,
        "sms_reminders": False,
        "email_wording": "",
        "sms_wording": "",
    }
    for name, value in overrides.items():
        (person if name in person else options)[name] = value
    options["asks"] = tuple(options["asks"])
    return SignupRequest(
        campaign=campaign, person=PersonInput(**person), hearing=hearing, **options
    )


def _emailed_path(message: Message, pattern: str) -> str:
    email = render_email(message)
    match = re.search(pattern, email.body)
    assert match, email.body
    return match.group(0)


def confirm_path(supporter: Supporter) -> str:
    """The /c/<slug>/confirm/<token>/ link of the confirmation request queued
    for this supporter, as the outbox renders it (rendering mints the token)."""
    message = Message.objects.get(supporter=supporter, kind=MessageKind.SIGNUP_CONFIRM_REQUEST)
    return _emailed_path(message, r"/c/[\w-]+/confirm/[\w-]+/")


def confirmation_path(supporter: Supporter) -> str:
    """The /a/<token>/ link of the sign-up confirmation queued for a new supporter."""
    message = Message.objects.get(
        supporter=supporter, kind=MessageKind.SIGNUP_CONFIRMATION, channel="email"
    )
    return _emailed_path(message, r"/a/[\w-]+/")
