"""Broadcasts: one message a coordinator sends to a segment of a campaign's
base. Each recipient becomes an outbox row (campaign.models.Message with
kind=broadcast), so a broadcast gets the outbox's guarantees: once per
recipient, only with consent, never after an unsubscribe."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel
from .supporters import Channel


class BroadcastStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    QUEUED = "queued", _("Queued")
    CANCELLED = "cancelled", _("Cancelled")


class Broadcast(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="broadcasts"
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel, default=Channel.EMAIL)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    subject_es = models.CharField(_("subject (Spanish)"), max_length=200, blank=True)
    body = models.TextField(_("message"))
    body_es = models.TextField(_("message (Spanish)"), blank=True)
    # The segment's filters, as the composer's form cleaned them
    # (campaign.services.broadcasts reads them; unknown keys are refused).
    segment = models.JSONField(_("segment"), default=dict, blank=True)
    # The hearing a broadcast is about: its date and place fill the merge
    # fields, and "people this hearing concerns" is a segment.
    hearing = models.ForeignKey(
        "campaign.Hearing",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="broadcasts",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=BroadcastStatus, default=BroadcastStatus.DRAFT
    )
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "send_at"])]

    def __str__(self):
        return self.subject or self.body[:60]

    def localized(self, field: str, language: str | None = None) -> str:
        """The Spanish text when asked for and written, otherwise the English one."""
        if field not in ("subject", "body"):
            raise ValueError(f"{field} has no translation")
        if language == "es" and getattr(self, f"{field}_es"):
            return getattr(self, f"{field}_es")
        return getattr(self, field)
