"""Background import jobs: large files are imported by a worker, with progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class ImportJob(TimeStampedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("what is imported"), max_length=30, default="supporters")
    # The campaign whose base the imported people join (none: no campaign).
    campaign = models.ForeignKey(
        "campaign.Campaign",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("campaign"),
    )
    # Channels ("email", "sms") the file attests the people agreed to, and
    # where that agreement was given (recorded as the consent's source).
    attested_consents = models.JSONField(_("consents the file attests"), default=list, blank=True)
    consent_note = models.CharField(_("where they agreed"), max_length=200, blank=True)
    file = models.FileField(_("file"), upload_to="imports/")
    # The tool the file came from (a preset of campaign.services.import_presets,
    # detected from the header row or picked), and the column mapping used:
    # {"<column in the file>": "<our field>"}.
    source = models.CharField(_("exported from"), max_length=30, blank=True)
    column_map = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows in file"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created_rows = models.PositiveIntegerField(_("rows created"), default=0)
    updated_rows = models.PositiveIntegerField(_("rows updated"), default=0)
    # [{"row": 12, "field": "email", "error": "Enter a valid email address."}, ...]
    errors = models.JSONField(_("errors per row"), default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Import of {self.kind} #{self.pk} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)
