"""Campaigns, their hearings, the whip count (stances) and the outcome."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel
from .officials import CouncilMember, DecisionBody


class ChangeType(models.TextChoices):
    POLICY = "policy", _("Policy")
    PRACTICE = "practice", _("Practice")
    SYSTEM = "system", _("System")


class Approach(models.TextChoices):
    MOBILIZING = "mobilizing", _("Community mobilizing")
    ORGANIZING = "organizing", _("Community organizing")
    HYBRID = "hybrid", _("Hybrid")


class Strategy(models.TextChoices):
    """The seven strategies for community change (CADCA)."""

    PROVIDING_INFORMATION = "information", _("Providing information")
    ENHANCING_SKILLS = "skills", _("Enhancing skills")
    PROVIDING_SUPPORT = "support", _("Providing support")
    ENHANCING_ACCESS = "access", _("Enhancing access / reducing barriers")
    CHANGING_CONSEQUENCES = "consequences", _("Changing consequences")
    PHYSICAL_DESIGN = "physical_design", _("Changing physical design")
    MODIFYING_POLICIES = "policy", _("Modifying or changing policies")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    CLOSED = "closed", _("Closed")


class VoteResult(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    TABLED = "tabled", _("Tabled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


def default_asks() -> list[str]:
    from .actions import PUBLIC_ASKS

    return list(PUBLIC_ASKS)


class CampaignQuerySet(models.QuerySet):
    def public(self):
        """Campaigns whose public page anyone may open."""
        return self.filter(status=CampaignStatus.ACTIVE, is_public=True)


class Campaign(TimeStampedModel):
    # Texts with a Spanish twin: `<field>_es` falls back to `<field>` when empty.
    TRANSLATED_FIELDS = (
        "name",
        "goal",
        "why_it_matters",
        "ask",
        "call_script",
        "letter_subject",
        "letter_template",
        "testimony_guidance",
        "phonebank_script",
    )

    name = models.CharField(_("name"), max_length=200)
    name_es = models.CharField(_("name (Spanish)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    decision_body = models.ForeignKey(
        DecisionBody, on_delete=models.PROTECT, related_name="campaigns"
    )
    change_type = models.CharField(
        _("change sought"), max_length=20, choices=ChangeType, default=ChangeType.POLICY
    )
    approach = models.CharField(
        _("approach"), max_length=20, choices=Approach, default=Approach.HYBRID
    )
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy, default=Strategy.MODIFYING_POLICIES
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CampaignStatus, default=CampaignStatus.DRAFT
    )
    is_public = models.BooleanField(_("public page on"), default=False)
    votes_needed = models.PositiveSmallIntegerField(
        _("votes needed"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a simple majority of the body's seats."),
    )
    asks = models.JSONField(
        _("asks on the public form"),
        default=default_asks,
        blank=True,
        help_text=_("Action kinds a volunteer can pledge on the public page."),
    )

    goal = models.TextField(_("goal statement"))
    goal_es = models.TextField(_("goal statement (Spanish)"), blank=True)
    why_it_matters = models.TextField(_("why it matters"), blank=True)
    why_it_matters_es = models.TextField(_("why it matters (Spanish)"), blank=True)
    ask = models.TextField(_("the ask"), blank=True)
    ask_es = models.TextField(_("the ask (Spanish)"), blank=True)
    call_script = models.TextField(_("call script"), blank=True)
    call_script_es = models.TextField(_("call script (Spanish)"), blank=True)
    letter_subject = models.CharField(_("letter subject"), max_length=200, blank=True)
    letter_subject_es = models.CharField(_("letter subject (Spanish)"), max_length=200, blank=True)
    letter_template = models.TextField(_("letter template"), blank=True)
    letter_template_es = models.TextField(_("letter template (Spanish)"), blank=True)
    testimony_guidance = models.TextField(_("testimony guidance"), blank=True)
    testimony_guidance_es = models.TextField(_("testimony guidance (Spanish)"), blank=True)
    # Read by a volunteer calling supporters (the call list), not by a
    # supporter calling their member (`call_script`).
    phonebank_script = models.TextField(_("phone-bank script"), blank=True)
    phonebank_script_es = models.TextField(_("phone-bank script (Spanish)"), blank=True)
    public_counts_from = models.PositiveIntegerField(
        _("show counters on the public page from"),
        default=25,
        help_text=_(
            "The public page shows how many have signed up and acted once the base "
            "reaches this many people (0: always)."
        ),
    )

    # Key dates
    starts_on = models.DateField(_("campaign start"), null=True, blank=True)
    vote_expected_on = models.DateField(_("vote expected on"), null=True, blank=True)
    ends_on = models.DateField(_("campaign end"), null=True, blank=True)

    # Outcome: the vote, and the community change adopted (reported to funders)
    vote_held_on = models.DateField(_("vote held on"), null=True, blank=True)
    vote_result = models.CharField(_("vote result"), max_length=10, choices=VoteResult, blank=True)
    change_adopted = models.TextField(_("community change adopted"), blank=True)
    change_adopted_type = models.CharField(
        _("type of change adopted"), max_length=20, choices=ChangeType, blank=True
    )
    change_adopted_on = models.DateField(_("date adopted"), null=True, blank=True)
    ordinance_url = models.URLField(_("link to the ordinance"), blank=True)
    legistar_matter_id = models.PositiveIntegerField(_("Legistar matter id"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(votes_needed__isnull=True) | models.Q(votes_needed__gte=1),
                name="campaign_votes_needed_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        from .actions import ActionKind

        unknown = set(self.asks or []) - set(ActionKind.values)
        if unknown:
            raise ValidationError(
                {"asks": _("Unknown action kinds: %s") % ", ".join(sorted(unknown))}
            )
        if (
            self.votes_needed
            and self.decision_body_id
            and self.votes_needed > self.decision_body.seats
        ):
            raise ValidationError({"votes_needed": _("More votes than the body has seats.")})
        if self.status == CampaignStatus.WON and self.change_adopted_on and not self.change_adopted:
            raise ValidationError({"change_adopted": _("Describe the change that was adopted.")})

    @property
    def votes_to_win(self) -> int:
        return self.votes_needed or self.decision_body.majority

    @property
    def is_open_to_public(self) -> bool:
        return self.status == CampaignStatus.ACTIVE and self.is_public

    def localized(self, field: str, language: str | None = None) -> str:
        """The Spanish text when asked for and written, otherwise the English one."""
        if field not in self.TRANSLATED_FIELDS:
            raise ValueError(f"{field} has no translation")
        if language == "es":
            spanish = getattr(self, f"{field}_es")
            if spanish:
                return spanish
        return getattr(self, field)


class HearingQuerySet(models.QuerySet):
    def scheduled(self):
        return self.filter(cancelled_at__isnull=True)

    def upcoming(self):
        return self.scheduled().filter(starts_at__gte=timezone.now()).order_by("starts_at")


class Hearing(TimeStampedModel):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="hearings")
    title = models.CharField(_("title"), max_length=200)
    title_es = models.CharField(_("title (Spanish)"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location_name = models.CharField(_("location"), max_length=200, blank=True)
    address = models.TextField(_("address"), blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    testimony_deadline = models.DateTimeField(
        _("written testimony deadline"), null=True, blank=True
    )
    testimony_address = models.TextField(
        _("where to send written testimony"), blank=True, help_text=_("Email or postal address.")
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    legistar_event_id = models.PositiveIntegerField(
        _("Legistar event id"), null=True, blank=True, unique=True
    )
    speaker_slots = models.PositiveSmallIntegerField(
        _("speaking slots"),
        null=True,
        blank=True,
        help_text=_("How many may testify in person. Empty: no limit."),
    )

    objects = HearingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["campaign", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gte=models.F("starts_at")),
                name="hearing_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({timezone.localtime(self.starts_at):%Y-%m-%d %H:%M})"

    def localized_title(self, language: str | None = None) -> str:
        return self.title_es if language == "es" and self.title_es else self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class Position(models.TextChoices):
    CHAMPION = "champion", _("Champion")
    YES = "yes", _("Yes")
    LEANING_YES = "leaning_yes", _("Leaning yes")
    UNDECIDED = "undecided", _("Undecided")
    LEANING_NO = "leaning_no", _("Leaning no")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


SECURED_POSITIONS = (Position.CHAMPION, Position.YES)
LEANING_POSITIONS = (Position.LEANING_YES, Position.UNDECIDED, Position.LEANING_NO)


class Stance(models.Model):
    """One entry in a member's stance history on a campaign. Entries are only
    ever added: the current stance is the latest one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stances")
    member = models.ForeignKey(CouncilMember, on_delete=models.CASCADE, related_name="stances")
    position = models.CharField(_("position"), max_length=12, choices=Position)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        # Serves "latest stance per member of a campaign" (whip count).
        indexes = [models.Index(fields=["campaign", "member", "-recorded_at"])]

    def __str__(self):
        return f"{self.member}: {self.get_position_display()}"

    def clean(self):
        if (
            self.campaign_id
            and self.member_id
            and self.member.body_id != self.campaign.decision_body_id
        ):
            raise ValidationError(
                {"member": _("This member does not sit on the body this campaign targets.")}
            )


class MemberVote(models.Model):
    """How each member voted when the body took the campaign's vote."""

    class Choice(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        ABSTAIN = "abstain", _("Abstained")
        ABSENT = "absent", _("Absent")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="member_votes")
    member = models.ForeignKey(CouncilMember, on_delete=models.CASCADE, related_name="votes")
    vote = models.CharField(_("vote"), max_length=10, choices=Choice)

    class Meta:
        ordering = ["member"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="one_vote_per_member"),
        ]

    def __str__(self):
        return f"{self.member}: {self.get_vote_display()}"

    def clean(self):
        if (
            self.campaign_id
            and self.member_id
            and self.member.body_id != self.campaign.decision_body_id
        ):
            raise ValidationError({"member": _("This member does not sit on the campaign's body.")})


class Membership(models.Model):
    """A supporter belongs to a campaign's base: they signed up on its page
    (with or without an ask), were imported into it, or have an action in it.
    The intake core (campaign.services.intake) writes this row for every one
    of those paths; the dashboard, call list, exports and digest read it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="memberships")
    supporter = models.ForeignKey(
        "campaign.Supporter", on_delete=models.CASCADE, related_name="memberships"
    )
    # How they first came in (an ActionSource value, or "seed").
    source = models.CharField(_("joined through"), max_length=20)
    # Who shared the link they signed up through: set once, when the
    # membership is created, never changed by a later sign-up.
    recruited_by = models.ForeignKey(
        "campaign.Supporter",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recruits",
    )
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    # Completed actions of this supporter in this campaign: kept by database
    # triggers (campaign.services.rollups), never written by Django code, for
    # the dashboard's engagement depth.
    completed_actions = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-joined_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "supporter"], name="one_membership"),
        ]
        indexes = [
            # The base by week joined, and the date filter.
            models.Index(fields=["campaign", "joined_at"]),
        ]

    def __str__(self):
        return f"{self.supporter_id} in {self.campaign_id}"

    def get_additional_data(self) -> dict:
        """Stored with each audit entry: finds the entry by person (campaign.audit)."""
        return {"supporter": self.supporter_id, "campaign": self.campaign_id}
