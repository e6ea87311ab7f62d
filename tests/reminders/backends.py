"""An email backend that answers like an SMTP server refusing the message."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend

# Set by a test: the exception the next sends raise, or None to accept.
refusal: Exception | None = None


def recipients_refused(code: int) -> smtplib.SMTPRecipientsRefused:
    return smtplib.SMTPRecipientsRefused({"x@example.org": (code, b"refused")})


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        if refusal is not None:
            raise refusal
        from django.core import mail

        mail.outbox.extend(email_messages)
        return len(email_messages)


# Set by a test: called with each email before it is "sent" (may raise).
before_send = None


class HookBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from django.core import mail

        for email in email_messages:
            if before_send is not None:
                before_send(email)
            mail.outbox.append(email)
        return len(email_messages)
