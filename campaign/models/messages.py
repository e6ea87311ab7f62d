"""The outbox: every email and SMS is a row here before anything is sent."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import Language, TimeStampedModel
from .supporters import Channel


class MessageKind(models.TextChoices):
    SIGNUP_CONFIRMATION = "signup_confirmation", _("Sign-up confirmation")
    # A public sign-up named an address already on the list: the mailbox's
    # owner confirms before anything about them changes.
    SIGNUP_CONFIRM_REQUEST = "signup_confirm_request", _("Sign-up: please confirm")
    # Asks the phone to reply YES before any text reminder (confirmed opt-in).
    SMS_CONSENT_REQUEST = "sms_consent_request", _("SMS consent request")
    PLEDGE_FOLLOWUP = "pledge_followup", _("Pledge follow-up")
    HEARING_3D = "hearing_3d", _("Hearing reminder, 3 days before")
    HEARING_24H = "hearing_24h", _("Hearing reminder, 24 hours before")
    HEARING_2H = "hearing_2h", _("Hearing reminder, 2 hours before")
    HEARING_THANKS = "hearing_thanks", _("Thank-you after the hearing")
    HEARING_CANCELLED = "hearing_cancelled", _("Hearing cancelled notice")
    COORDINATOR_DIGEST = "coordinator_digest", _("Daily digest for coordinators")
    SMS_OPTOUT_CONFIRMATION = "sms_optout", _("SMS opt-out confirmation")
    SMS_OPTIN_CONFIRMATION = "sms_optin", _("SMS opt-in confirmation")
    SMS_HELP = "sms_help", _("SMS help reply")
    BROADCAST = "broadcast", _("Broadcast")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Suppressed")
    CANCELLED = "cancelled", _("Cancelled")


# Prefix of `last_error` from the moment a send starts until its result is
# recorded (campaign.services.outbox writes and replaces it).
IN_FLIGHT = "In doubt: sending started"
# A message is *in doubt* when its send started and no result was recorded:
# the provider may or may not have it, so it is never resent automatically. A
# row merely claimed ("sending" without the note) is not: its send never began
# and the dispatcher releases it. The one definition, used by the outbox
# services, the admin outbox and the dashboard (as `MessageQuerySet.in_doubt`,
# `Message.is_in_doubt` or this Q in a conditional count).
IN_DOUBT = models.Q(status=MessageStatus.SENDING, last_error__startswith=IN_FLIGHT)


class MessageQuerySet(models.QuerySet):
    def in_doubt(self):
        return self.filter(IN_DOUBT)


class Message(TimeStampedModel):
    supporter = models.ForeignKey(
        "campaign.Supporter",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A staff recipient, e.g. of the coordinators' digest."),
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel)
    kind = models.CharField(_("kind"), max_length=25, choices=MessageKind)
    campaign = models.ForeignKey(
        "campaign.Campaign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    action = models.ForeignKey(
        "campaign.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    hearing = models.ForeignKey(
        "campaign.Hearing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    broadcast = models.ForeignKey(
        "campaign.Broadcast",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language, default=Language.ENGLISH
    )
    scheduled_for = models.DateTimeField(_("scheduled for"))
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    # e.g. "hearing-24h:<hearing>:<supporter>:email": the same reminder can
    # never be created twice.
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    # Free-form extras a template needs (e.g. the digest's figures).
    context = models.JSONField(default=dict, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supporter__isnull=False) | models.Q(user__isnull=False),
                name="message_has_recipient",
            ),
        ]
        indexes = [
            # The dispatcher's scan: due pending rows, oldest first.
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["campaign", "status"]),
            # A broadcast's progress: its rows by status.
            models.Index(fields=["broadcast", "status"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_channel_display()}) #{self.pk}"

    @property
    def is_in_doubt(self) -> bool:
        """IN_DOUBT, for a row in hand."""
        return self.status == MessageStatus.SENDING and self.last_error.startswith(IN_FLIGHT)


class InboundSms(models.Model):
    """A text the provider delivered to our webhook, by the provider's own
    message id: a replayed request (the same signed body posted again) finds
    its id here and changes nothing. Neither the number nor the words are
    kept."""

    provider_message_id = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound text")

    def __str__(self):
        return self.provider_message_id
