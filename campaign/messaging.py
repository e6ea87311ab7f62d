"""Render and send one outbox message: email (subject/text/html trio) or SMS.

Templates are per kind and language, never gettext (the sign-up issue owns the
.po file): `emails/<kind>/<lang>/{subject.txt,body.txt,body.html}` and
`sms/<kind>/<lang>.txt`, falling back to English when a language is missing.
"""

import contextlib
import re
import smtplib
from email.utils import make_msgid, parseaddr

from billiard.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from campaign import tokens
from campaign.errors import MessageError
from campaign.models import Channel, Language, Message, MessageKind
from campaign.services.broadcasts import broadcast_language, message_broadcast_context
from campaign.services.signup import signup_confirm_link
from campaign.sms import get_backend

_NEWLINES = re.compile(r"[\r\n]+")


def clean_header(value: str) -> str:
    """CR/LF would let a name or title inject headers: fold them to spaces."""
    return _NEWLINES.sub(" ", str(value)).strip()


def message_language(message: Message) -> str:
    """The recipient's current language (they may have changed it since the
    row was written); staff get the row's language, and so does the request
    to confirm a sign-up (the language its form was filled in)."""
    if (
        message.supporter_id
        and message.kind != MessageKind.SIGNUP_CONFIRM_REQUEST
        and message.supporter.language in Language.values
    ):
        if message.kind == MessageKind.BROADCAST and message.broadcast_id:
            # A broadcast not written in their language goes in English.
            return broadcast_language(message.broadcast, message.supporter.language)
        return message.supporter.language
    return message.language or Language.ENGLISH


def _dashboard_url() -> str:
    try:
        return settings.SITE_URL + reverse("dashboard:index")
    except NoReverseMatch:
        return settings.SITE_URL + "/dashboard/"


def message_context(message: Message, language: str) -> dict:
    """Everything a template may show. Links are minted now, at send time."""
    supporter, campaign, hearing, action = (
        message.supporter,
        message.campaign,
        message.hearing,
        message.action,
    )
    context = {
        "message": message,
        "language": language,
        "coalition_name": settings.COALITION_NAME,
        "postal_address": settings.COALITION_POSTAL_ADDRESS,
        "site_url": settings.SITE_URL,
        "extra": message.context or {},
    }
    if supporter is not None:
        context.update(
            supporter=supporter,
            first_name=supporter.first_name,
            # Each link is minted (a SupporterLink row) on first use, once: a
            # text that shows no link stores none, and an email's
            # List-Unsubscribe header and footer share one unsubscribe link.
            action_page_url=SimpleLazyObject(lambda: tokens.action_page_url(supporter, campaign)),
            unsubscribe_url=SimpleLazyObject(lambda: tokens.unsubscribe_url(supporter)),
        )
    if message.kind == MessageKind.SIGNUP_CONFIRM_REQUEST and supporter and campaign:
        token = signup_confirm_link(supporter=supporter, campaign=campaign)
        if token is None:
            raise MessageError("the sign-up to confirm expired or was confirmed", permanent=True)
        context["confirm_url"] = settings.SITE_URL + reverse(
            "public:signup_confirm", args=[campaign.slug, token]
        )
    elif (
        message.kind == MessageKind.SIGNUP_CONFIRMATION
        and message.channel == Channel.EMAIL
        and supporter
        and campaign
        and supporter.email_consent_at is None
    ):
        # Double opt-in: a new address's sign-up waits for this link (one
        # email a day per address, so it opens the latest held sign-up).
        token = signup_confirm_link(supporter=supporter, campaign=campaign)
        if token is not None:
            context["confirm_url"] = settings.SITE_URL + reverse(
                "public:signup_confirm", args=[campaign.slug, token]
            )
    if message.user_id:
        context.update(
            first_name=message.user.first_name or message.user.get_username(),
            dashboard_url=_dashboard_url(),
        )
    if campaign is not None:
        context.update(
            campaign=campaign,
            campaign_name=campaign.localized("name", language),
            testimony_guidance=campaign.localized("testimony_guidance", language),
        )
    if hearing is not None:
        context.update(
            hearing=hearing,
            hearing_title=hearing.localized_title(language),
            hearing_starts=timezone.localtime(hearing.starts_at),
        )
    if message.kind == MessageKind.BROADCAST and message.broadcast_id:
        context.update(message_broadcast_context(message=message, language=language))
    if action is not None:
        with translation.override(language):
            context.update(action=action, action_kind=str(action.get_kind_display()))
        if action.target_id:
            context["target"] = action.target
    return context


def _render(names: list[str], context: dict, language: str) -> str:
    last_error = None
    for name in names:
        try:
            with translation.override(language):
                return render_to_string(name, context)
        except TemplateDoesNotExist as error:
            last_error = error
    raise MessageError(f"no template: {last_error}", permanent=True)


def _names(kind: str, language: str, pattern: str) -> list[str]:
    languages = [language] if language == Language.ENGLISH else [language, Language.ENGLISH]
    return [pattern.format(kind=kind, lang=lang) for lang in languages]


def render_email(message: Message) -> EmailMultiAlternatives:
    """The email for a row, with RFC 8058 one-click unsubscribe headers."""
    language = message_language(message)
    context = message_context(message, language)
    kind = message.kind
    subject = _render(_names(kind, language, "emails/{kind}/{lang}/subject.txt"), context, language)
    text = _render(_names(kind, language, "emails/{kind}/{lang}/body.txt"), context, language)
    html = _render(_names(kind, language, "emails/{kind}/{lang}/body.html"), context, language)
    to = message.supporter.email if message.supporter_id else message.user.email
    if not to:
        raise MessageError("the recipient has no email address", permanent=True)
    from_email = clean_header(settings.DEFAULT_FROM_EMAIL)
    domain = parseaddr(from_email)[1].rpartition("@")[2] or "groundswell.local"
    headers = {
        # The row id inside the Message-ID lets a mail log be matched to the
        # outbox when a coordinator reconciles a message in doubt.
        "Message-ID": make_msgid(idstring=f"gs{message.pk}", domain=domain),
        "Auto-Submitted": "auto-generated",
    }
    if message.supporter_id:
        headers["List-Unsubscribe"] = f"<{clean_header(context['unsubscribe_url'])}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=clean_header(subject),
        body=text,
        from_email=from_email,
        to=[clean_header(to)],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email


def render_sms(message: Message) -> str:
    language = message_language(message)
    context = message_context(message, language)
    names = _names(message.kind, language, "sms/{kind}/{lang}.txt")
    return " ".join(_render(names, context, language).split())


def smtp_error(error: Exception) -> MessageError:
    """SMTP 4xx, timeouts and dropped connections are transient; 5xx is
    permanent (and a 5xx refusal of the recipient is a hard bounce)."""
    if isinstance(error, MessageError):
        return error
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (0, b""))
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
        permanent = 500 <= code < 600
        return MessageError(f"SMTP {code} {text}", permanent=permanent, bounce=permanent)
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return MessageError(f"SMTP {code} {text}", permanent=500 <= code < 600)
    if isinstance(error, (smtplib.SMTPException, TimeoutError, OSError)):
        return MessageError(f"SMTP unavailable: {error!r}", permanent=False)
    # Anything else (a bad header, a bug) will not get better by retrying.
    return MessageError(f"{type(error).__name__}: {error}", permanent=True)


class EmailSender:
    """One connection for several emails (a task's chunk); reopened after any
    error, because a failed SMTP session may be in an unknown state."""

    def __init__(self):
        self.connection = None

    def send(self, email: EmailMultiAlternatives) -> str:
        try:
            if self.connection is None:
                self.connection = get_connection(fail_silently=False)
                self.connection.open()
            email.connection = self.connection
            email.send()
        except SoftTimeLimitExceeded:
            # The task is out of time mid-send: whether the server took the
            # message is unknown, so the row must stay in doubt, not fail.
            self.close()
            raise
        except Exception as error:
            self.close()
            raise smtp_error(error) from error
        return email.extra_headers.get("Message-ID", "")

    def close(self) -> None:
        if self.connection is not None:
            # Closing a session that already broke may fail too.
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None


def send_sms(*, to: str, body: str) -> str:
    try:
        return get_backend().send(to=to, body=body)
    except MessageError:
        raise
    except Exception as error:
        raise MessageError(f"{type(error).__name__}: {error}", permanent=False) from error


def message_recipient_address(message: Message) -> str | None:
    if message.channel == Channel.SMS:
        return message.supporter.phone if message.supporter_id else None
    if message.supporter_id:
        return message.supporter.email
    return message.user.email if message.user_id else None
