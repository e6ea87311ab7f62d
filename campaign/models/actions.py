"""What supporters pledged and did."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class ActionKind(models.TextChoices):
    CALL = "call", _("Call")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    TESTIMONY_IN_PERSON = "testify", _("Testimony in person")
    WRITTEN_TESTIMONY = "written_testimony", _("Written testimony")
    MEETING = "meeting", _("Meeting")
    PETITION = "petition", _("Petition signature")
    ATTEND_HEARING = "attend", _("Attend hearing")
    PHONE_BANK = "phone_bank", _("Phone-bank shift")
    OTHER = "other", _("Other")


# What the public sign-up form offers by default, in this order.
PUBLIC_ASKS = (
    ActionKind.CALL,
    ActionKind.LETTER,
    ActionKind.TESTIMONY_IN_PERSON,
    ActionKind.WRITTEN_TESTIMONY,
    ActionKind.ATTEND_HEARING,
    ActionKind.PHONE_BANK,
)
# Kinds aimed at a decision-maker: they count as contacts on the whip count.
CONTACT_KINDS = (
    ActionKind.CALL,
    ActionKind.LETTER,
    ActionKind.EMAIL,
    ActionKind.TESTIMONY_IN_PERSON,
    ActionKind.WRITTEN_TESTIMONY,
    ActionKind.MEETING,
)
TESTIMONY_KINDS = (ActionKind.TESTIMONY_IN_PERSON, ActionKind.WRITTEN_TESTIMONY)
HEARING_KINDS = (*TESTIMONY_KINDS, ActionKind.ATTEND_HEARING)


class ActionStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class ActionSource(models.TextChoices):
    PUBLIC_FORM = "public_form", _("Public form")
    SELF_REPORT = "self_report", _("Self-report")
    PHONE_BANK = "phone_bank", _("Phone bank")
    IMPORT = "import", _("Import")
    ADMIN = "admin", _("Admin")


class ActionQuerySet(models.QuerySet):
    def pledged(self):
        return self.filter(status=ActionStatus.PLEDGED)

    def completed(self):
        return self.filter(status=ActionStatus.COMPLETED)


class Action(TimeStampedModel):
    # PROTECT: a logged action is never lost by deleting its supporter or campaign.
    supporter = models.ForeignKey(
        "campaign.Supporter", on_delete=models.PROTECT, related_name="actions"
    )
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActionKind)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus, default=ActionStatus.PLEDGED
    )
    target = models.ForeignKey(
        "campaign.CouncilMember",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("target member"),
    )
    hearing = models.ForeignKey(
        "campaign.Hearing", on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    source = models.CharField(
        _("source"), max_length=15, choices=ActionSource, default=ActionSource.ADMIN
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="logged_actions",
        help_text=_("Empty when the supporter reported it themselves."),
    )
    # The place in a hearing's queue of speakers (testimony in person).
    speaking_order = models.PositiveIntegerField(_("speaking order"), null=True, blank=True)
    # Makes re-submitting the same bulk-log line or import row harmless.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status=ActionStatus.COMPLETED, completed_at__isnull=False)
                    | (
                        ~models.Q(status=ActionStatus.COMPLETED)
                        & models.Q(completed_at__isnull=True)
                    )
                ),
                name="action_completed_iff_completed_at",
            ),
            # One open pledge per supporter, campaign and kind: signing up twice
            # (or double-clicking) cannot duplicate it, even in a race.
            models.UniqueConstraint(
                fields=["supporter", "campaign", "kind"],
                condition=models.Q(status=ActionStatus.PLEDGED),
                name="one_open_pledge_per_kind",
            ),
        ]
        indexes = [
            # Dashboard: counts by kind and status within a campaign.
            models.Index(fields=["campaign", "status", "kind"]),
            # Dashboard: weekly series and the date-range filter.
            models.Index(fields=["campaign", "completed_at"]),
            models.Index(fields=["campaign", "created_at"]),
            # Whip count: contacts per target member.
            models.Index(fields=["target", "status"]),
            # Overdue pledges and follow-up reminders.
            models.Index(fields=["status", "due_date"]),
            # Dashboard base and call list: a campaign's supporter ids, read
            # from the index alone (IN / EXISTS over the campaign's actions).
            models.Index(fields=["campaign", "supporter"], name="action_campaign_supporter"),
            # Admin changelist: the default ordering, so the first page is
            # read from the index instead of sorting every action.
            models.Index(fields=["-created_at", "-id"], name="action_newest_first"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.supporter} ({self.get_status_display()})"

    def get_additional_data(self) -> dict:
        """Stored with each audit entry: finds the entry by person (campaign.audit)."""
        return {"supporter": self.supporter_id, "campaign": self.campaign_id}

    def clean(self):
        if self.status == ActionStatus.COMPLETED and not self.completed_at:
            raise ValidationError(
                {"completed_at": _("A completed action needs its completion time.")}
            )
        if self.status != ActionStatus.COMPLETED and self.completed_at:
            raise ValidationError(
                {"completed_at": _("Only a completed action has a completion time.")}
            )
        if (
            self.target_id
            and self.campaign_id
            and self.target.body_id != self.campaign.decision_body_id
        ):
            raise ValidationError({"target": _("The target does not sit on the campaign's body.")})
        if self.hearing_id and self.campaign_id and self.hearing.campaign_id != self.campaign_id:
            raise ValidationError({"hearing": _("The hearing belongs to another campaign.")})
