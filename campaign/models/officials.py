"""The decision body, its districts and the people who hold its seats."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class DecisionBody(TimeStampedModel):
    """A council or county board: the body whose vote a campaign needs."""

    name = models.CharField(_("name"), max_length=200)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=200)
    seats = models.PositiveSmallIntegerField(_("number of seats"))
    ocd_division_id = models.CharField(_("Open Civic Data division id"), max_length=255, blank=True)
    # Legistar Web API (webapi.legistar.com/v1/<client>/...): which client and
    # body, what Legistar lacks (e.g. {"seats": {"<office name>": "<district>"}}),
    # and when the last incremental import ran.
    legistar_client = models.CharField(_("Legistar client"), max_length=100, blank=True)
    legistar_body_id = models.PositiveIntegerField(_("Legistar body id"), null=True, blank=True)
    legistar_config = models.JSONField(_("Legistar settings"), default=dict, blank=True)
    legistar_synced_at = models.DateTimeField(_("Legistar last import"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("decision body")
        verbose_name_plural = _("decision bodies")
        constraints = [
            models.CheckConstraint(condition=models.Q(seats__gte=1), name="body_has_seats"),
        ]

    def __str__(self):
        return self.name

    @property
    def majority(self) -> int:
        return self.seats // 2 + 1


class District(TimeStampedModel):
    body = models.ForeignKey(DecisionBody, on_delete=models.CASCADE, related_name="districts")
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=120)
    ocd_id = models.CharField(_("Open Civic Data id"), max_length=255, blank=True)
    # A GeoJSON (Multi)Polygon: places a supporter with coordinates when
    # their ZIP is shared by several districts.
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)

    class Meta:
        ordering = ["body", "number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["body", "name"], name="district_name_unique_in_body"),
        ]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the active language: a plain "District 3" (how boards
        and the demo name them) reads "Distrito 3" in Spanish; a name of the
        coalition's own ("North Ward") is shown as entered."""
        if self.number is not None and self.name == f"District {self.number}":
            return gettext("District %(number)s") % {"number": self.number}
        return self.name


class DistrictZip(models.Model):
    """A ZIP code a district covers. A ZIP may span several districts, in which
    case it alone cannot tell a supporter's district."""

    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="zips")
    zip_code = models.CharField(_("ZIP code"), max_length=5, db_index=True)

    class Meta:
        ordering = ["zip_code"]
        verbose_name = _("district ZIP code")
        constraints = [
            models.UniqueConstraint(fields=["district", "zip_code"], name="district_zip_unique"),
        ]

    def __str__(self):
        return self.zip_code


class CouncilMemberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class CouncilMember(TimeStampedModel):
    body = models.ForeignKey(DecisionBody, on_delete=models.CASCADE, related_name="members")
    district = models.ForeignKey(
        District,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        help_text=_("Empty for an at-large seat."),
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("title"), max_length=100, default="Commissioner")
    # Spanish titles are gendered (Comisionada / Comisionado): written per member.
    title_es = models.CharField(_("title (Spanish)"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    office_address = models.TextField(_("office address"), blank=True)
    photo_url = models.URLField(_("photo URL"), blank=True)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # One row per person and term of office: a successor is a new row on the
    # same district (the seat), so the leaver's stances and votes stay theirs.
    legistar_person_id = models.PositiveIntegerField(_("Legistar person id"), null=True, blank=True)
    legistar_office_record_id = models.PositiveIntegerField(
        _("Legistar office record id"), null=True, blank=True, unique=True
    )

    objects = CouncilMemberQuerySet.as_manager()

    class Meta:
        ordering = ["body", "district__number", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_end__isnull=True)
                | models.Q(term_start__isnull=True)
                | models.Q(term_end__gte=models.F("term_start")),
                name="member_term_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.title} {self.name}".strip()

    def localized_title(self, language: str | None = None) -> str:
        if language == "es" and self.title_es:
            return self.title_es
        return self.title
