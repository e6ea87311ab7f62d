"""Supporters, their consents and tags."""

import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .base import Language, TimeStampedModel
from .officials import District

# \d also matches full-width and Arabic-Indic digits: every path runs
# normalize_zip (which turns them into ASCII) before anything is stored.
zip_validator = RegexValidator(r"^\d{5}$", _("Enter a 5-digit ZIP code."))


def normalize_email(value: str | None) -> str | None:
    """Emails are compared case-insensitively; store them lower-cased."""
    value = (value or "").strip()
    return value.lower() or None


def normalize_phone(value: str | None, region: str | None = None) -> str | None:
    """E.164 (+15551234567), or None when empty. Raises ValidationError when the
    number cannot be a real phone number."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, region or settings.PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("Enter a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_zip(value: str | None) -> str:
    """Keep the 5-digit ZIP of a ZIP+4, in ASCII digits (a phone keyboard may
    type "５５０３０" or "٥٥٠٣٠": the same ZIP, stored as "55030")."""
    value = (value or "").strip()
    if not value.isascii():
        # Only ASCII digits are ASCII and decimal: the per-character pass is
        # for other scripts (an import calls this several times per row).
        value = "".join(
            str(unicodedata.decimal(char)) if char.isdecimal() else char for char in value
        )
    if len(value) == 10 and value[5] == "-":
        value = value[:5]
    return value


def fold_text(value: str | None) -> str:
    """Lower-case, accents dropped, white space collapsed: "  Lucía  RAMÍREZ" ->
    "lucia ramirez". Names are searched in this form on every database."""
    if (value or "").isascii():
        # NFKD changes no ASCII character and none is combining.
        return " ".join((value or "").lower().split())
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.casefold().split())


class Sector(models.TextChoices):
    """The twelve sectors Drug-Free Communities coalitions report on."""

    YOUTH = "youth", _("Youth")
    PARENTS = "parents", _("Parents")
    BUSINESS = "business", _("Business")
    MEDIA = "media", _("Media")
    SCHOOLS = "schools", _("Schools")
    YOUTH_SERVING = "youth_serving", _("Youth-serving organization")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    RELIGIOUS = "religious", _("Religious or fraternal organization")
    CIVIC = "civic", _("Civic or volunteer group")
    HEALTHCARE = "healthcare", _("Healthcare professional")
    GOVERNMENT = "government", _("State, local or tribal government")
    OTHER = "other", _("Other organization reducing substance use")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@dataclass(frozen=True)
class ReachCondition:
    """One condition a supporter must meet to be sent anything on a channel:
    `field` set (`present`) or empty (not `present`). A text field holding ""
    counts as empty, in Python and in SQL alike."""

    field: str
    present: bool
    reason: str  # what the sender records on a message it holds back for this

    def q(self) -> models.Q:
        empty = models.Q(**{f"{self.field}__isnull": True})
        if Supporter._meta.get_field(self.field).empty_strings_allowed:
            empty |= models.Q(**{self.field: ""})
        return ~empty if self.present else empty

    def holds(self, supporter: "Supporter") -> bool:
        return bool(getattr(supporter, self.field)) == self.present


# Who may be sent a message on each channel: every condition, checked in this
# order (the sender records the first that fails). The one definition of
# "reachable": rendered as a Q by SupporterQuerySet.reachable_by_email/sms and
# checked in Python by Supporter.can_receive_email/sms and by the sender's
# re-check just before a send (Supporter.unreachable_reason).
REACHABLE: dict[str, tuple[ReachCondition, ...]] = {
    Channel.EMAIL: (
        ReachCondition("unsubscribed_at", present=False, reason="unsubscribed"),
        ReachCondition("email", present=True, reason="no email address"),
        ReachCondition("email_bounced_at", present=False, reason="email address hard-bounced"),
        ReachCondition("email_consent_at", present=True, reason="no email consent"),
    ),
    Channel.SMS: (
        ReachCondition("unsubscribed_at", present=False, reason="unsubscribed"),
        ReachCondition("phone", present=True, reason="no phone number"),
        ReachCondition("sms_consent_at", present=True, reason="no SMS consent"),
    ),
}


CONSENT_FIELDS = ("email_consent_at", "sms_consent_at")


def reachable_q(channel: str) -> models.Q:
    """REACHABLE[channel] as a filter on supporters."""
    condition = models.Q()
    for part in REACHABLE[channel]:
        condition &= part.q()
    return condition


class SupporterQuerySet(models.QuerySet):
    def reachable_by_email(self):
        return self.filter(reachable_q(Channel.EMAIL))

    def reachable_by_sms(self):
        return self.filter(reachable_q(Channel.SMS))


class Supporter(TimeStampedModel):
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    # Stored lower-cased (a check constraint holds it), so the plain unique
    # index is case-insensitive uniqueness and serves exact lookups too.
    email = models.EmailField(_("email"), max_length=254, null=True, blank=True, unique=True)
    phone = models.CharField(
        _("mobile phone"),
        max_length=20,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Stored in E.164 form, e.g. +16125550123."),
    )
    zip_code = models.CharField(_("ZIP code"), max_length=5, blank=True, validators=[zip_validator])
    street_address = models.CharField(_("street address"), max_length=255, blank=True)
    # From a geocoder (off by default) or an import: matched against district
    # boundaries when the ZIP alone cannot tell the district.
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supporters",
        help_text=_("Derived from the ZIP code when only one district covers it."),
    )
    language = models.CharField(
        _("preferred language"), max_length=2, choices=Language, default=Language.ENGLISH
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector, blank=True)
    is_youth = models.BooleanField(_("youth"), default=False)

    email_consent_at = models.DateTimeField(_("email consent given"), null=True, blank=True)
    email_consent_source = models.CharField(_("email consent source"), max_length=100, blank=True)
    sms_consent_at = models.DateTimeField(_("SMS consent given"), null=True, blank=True)
    sms_consent_source = models.CharField(_("SMS consent source"), max_length=100, blank=True)
    unsubscribed_at = models.DateTimeField(
        _("unsubscribed"),
        null=True,
        blank=True,
        help_text=_("Set when the supporter unsubscribes: no message on any channel after it."),
    )
    email_bounced_at = models.DateTimeField(_("email hard-bounced"), null=True, blank=True)
    # Set by erasure (campaign.services.privacy): every identifying value is
    # gone; the row remains so the person's actions still count, anonymously.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    tags = models.ManyToManyField(Tag, blank=True, related_name="supporters")
    notes = models.TextField(_("notes"), blank=True)
    # fold_text(first + last name), kept by save() and by every bulk path
    # (Supporter.fill_search_name): accent- and case-insensitive search that
    # works the same on SQLite and PostgreSQL.
    search_name = models.CharField(max_length=201, blank=True, editable=False, db_index=True)

    objects = SupporterQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            # An erased person keeps their row (their actions stay counted)
            # with neither.
            models.CheckConstraint(
                condition=models.Q(email__isnull=False)
                | models.Q(phone__isnull=False)
                | models.Q(erased_at__isnull=False),
                name="supporter_has_email_or_phone",
            ),
            models.CheckConstraint(
                condition=models.Q(email__isnull=True) | models.Q(email=Lower("email")),
                name="supporter_email_lowercase",
            ),
            models.CheckConstraint(
                condition=models.Q(phone__isnull=True) | models.Q(phone__startswith="+"),
                name="supporter_phone_e164",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"]),
            models.Index(fields=["last_name", "first_name"]),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def fill_search_name(self) -> None:
        """Call before bulk_create / bulk_update, which bypass save()."""
        self.search_name = fold_text(f"{self.first_name} {self.last_name}")[:201]

    def save(self, *args, **kwargs):
        self.fill_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        # Normalise before field validation, so " Ana@Example.org " and
        # "55063-1234" are accepted, and uniqueness is checked on stored forms.
        self.email = normalize_email(self.email)
        self.zip_code = normalize_zip(self.zip_code)
        errors = {}
        try:
            self.phone = normalize_phone(self.phone)
        except ValidationError as error:
            errors["phone"] = error.messages
        try:
            super().clean_fields(exclude=(exclude or set()) | set(errors))
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self):
        # The district is placed by the intake core's one place rule
        # (campaign.services.intake.PlaceMap), never here.
        if not self.email and not self.phone:
            raise ValidationError({"email": _("Give an email address or a mobile phone number.")})

    def unreachable_reason(self, channel: str, *, consent: bool = True) -> str | None:
        """Why nothing may be sent to this supporter on `channel` (the first
        condition of REACHABLE that fails), or None when something may.
        `consent=False` skips the consent condition: for the answer to what
        was asked on the public form (scheduling.REQUESTED_MESSAGES)."""
        for condition in REACHABLE[channel]:
            if not consent and condition.field in CONSENT_FIELDS:
                continue
            if not condition.holds(self):
                return condition.reason
        return None

    @property
    def can_receive_email(self) -> bool:
        return self.unreachable_reason(Channel.EMAIL) is None

    @property
    def can_receive_sms(self) -> bool:
        return self.unreachable_reason(Channel.SMS) is None


class ConsentEvent(models.Model):
    """The consent ledger: every grant and withdrawal, when, where and for which
    campaign. The supporter's consent fields hold the current state."""

    class Kind(models.TextChoices):
        GRANTED = "granted", _("Granted")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    supporter = models.ForeignKey(
        Supporter, on_delete=models.CASCADE, related_name="consent_events"
    )
    channel = models.CharField(_("channel"), max_length=5, choices=Channel)
    kind = models.CharField(_("event"), max_length=10, choices=Kind)
    source = models.CharField(_("source"), max_length=100)
    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    wording = models.TextField(_("wording shown"), blank=True)
    occurred_at = models.DateTimeField(_("when"))

    class Meta:
        ordering = ["-occurred_at", "-id"]

    def __str__(self):
        return f"{self.get_channel_display()} {self.get_kind_display()} ({self.source})"

    def get_additional_data(self) -> dict:
        """Stored with each audit entry: finds the entry by person (campaign.audit)."""
        return {"supporter": self.supporter_id, "campaign": self.campaign_id}


class Suppression(models.Model):
    """An address nobody may message again: the one-way hash of an erased
    person's email or phone. Imports, broadcasts and the API consult it; only
    the person signing up anew themselves lifts it."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    kind = models.CharField(_("kind"), max_length=5, choices=Kind)
    # SHA-256 of the normalised value (lower-cased email, E.164 phone).
    digest = models.CharField(max_length=64)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "digest"], name="one_suppression"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.digest[:12]}…"
