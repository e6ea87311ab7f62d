from django.db import models


class Rollup(models.Model):
    """Pre-aggregated counts of one campaign, kept by database triggers in the
    same transaction as every write to actions, memberships, supporters and
    council members (campaign.services.rollups installs them), so the
    dashboard sums a few thousand rows instead of scanning every action.

    One row counts the actions (metric "action") or base memberships (metric
    "member") of a campaign dated `day` (the coalition's local date: an
    action's completion day, else the day it was logged; a membership's join
    day) with one `kind` and `status`, split by one `dimension` whose `value`
    is the key of that split (a member id, a district id, a language...).
    `reconcile_rollups` recounts them from the raw rows."""

    # No foreign key constraint: a trigger may write a row while Django's
    # deletion collector is removing the campaign's memberships.
    campaign = models.ForeignKey(
        "campaign.Campaign",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    metric = models.CharField(max_length=8)
    dimension = models.CharField(max_length=20)
    day = models.DateField()
    kind = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=12, blank=True)
    value = models.CharField(max_length=40, blank=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "metric", "dimension", "day", "kind", "status", "value"],
                name="one_rollup_per_key",
            )
        ]

    def __str__(self):
        key = f"{self.metric}/{self.dimension}={self.value}"
        return f"{key} {self.day} {self.kind} {self.status}: {self.n}"
