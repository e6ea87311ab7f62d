"""The OSDI API's keys, the foreign ids people arrive with, and outbound
webhooks with one delivery row per event and hook."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A key for the `OSDI-API-Token` header. Only its SHA-256 is stored; the
    key is shown once, when created."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    name = models.CharField(_("name"), max_length=100)
    # The key's first characters, to tell keys apart in lists and logs.
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope, default=Scope.READ)
    # Like a viewer: aggregates and public information only, no personal data.
    viewer_only = models.BooleanField(_("no personal data"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class SupporterIdentifier(models.Model):
    """An id a person carries from another tool, kept as sent
    (`action_network:<uuid>`), so a second sync finds the same person."""

    supporter = models.ForeignKey(
        "campaign.Supporter", on_delete=models.CASCADE, related_name="identifiers"
    )
    scheme = models.CharField(_("system"), max_length=50)
    value = models.CharField(_("id"), max_length=200)

    class Meta:
        ordering = ["scheme", "value"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "value"], name="one_person_per_foreign_id"),
        ]

    def __str__(self):
        return f"{self.scheme}:{self.value}"


class Webhook(models.Model):
    """A URL a coordinator registered: new people, outreaches and attendances
    are posted to it in OSDI shape, signed with its secret (HMAC)."""

    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=100)
    # Event names ("person", "outreach", "attendance"); empty: all of them.
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one hook: written in the transaction of the change, sent
    and retried with backoff by the worker, never twice (unique dedupe key)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=20)
    payload = models.JSONField(_("payload"))
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name_plural = _("webhook deliveries")

    def __str__(self):
        return f"{self.event} to {self.webhook_id} ({self.status})"
