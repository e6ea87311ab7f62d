"""Personal links and sign-ups waiting for confirmation.

A link's token is random and only its SHA-256 is stored, so a token says
nothing about who it opens (no id, no campaign) and a leaked database does
not leak working links. Links are revoked per supporter."""

import hashlib

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SupporterLink(models.Model):
    class Purpose(models.TextChoices):
        ACTION_PAGE = "action", _("Personal action page")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe")
        # The supporter's own link to share: whoever signs up through it
        # counts as recruited by them (Membership.recruited_by).
        SHARE = "share", _("Share link")

    supporter = models.ForeignKey(
        "campaign.Supporter", on_delete=models.CASCADE, related_name="links"
    )
    purpose = models.CharField(max_length=12, choices=Purpose)
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # None: every action of the supporter; a list: only these action ids.
    action_ids = models.JSONField(null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["supporter", "revoked_at"])]

    def __str__(self):
        return f"{self.get_purpose_display()} link #{self.pk}"


class PendingSignup(models.Model):
    """A public sign-up that named an email already on the list. Nothing about
    that person changes until someone who reads that mailbox confirms it."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="pending_signups"
    )
    supporter = models.ForeignKey(
        "campaign.Supporter", on_delete=models.CASCADE, related_name="pending_signups"
    )
    # The cleaned form data, exactly as submitted.
    payload = models.JSONField()
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Sign-up waiting for confirmation #{self.pk}"


class SignupSubmission(models.Model):
    """A public sign-up as received: written (one INSERT, the same for a known
    and a new email) before the response goes out, and applied right after it
    has (or by the beat's sweep if that process died in between), then
    deleted. So the answer's timing says nothing about whether the address
    was on the list, and a sign-up is never lost. A row still here is waiting
    or failed (`attempts`, `last_error`)."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="signup_submissions"
    )
    # The cleaned form data (SignupRequest.payload).
    payload = models.JSONField()
    received_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self):
        return f"Sign-up received #{self.pk}"
