"""Recount the dashboard rollups from the raw rows, report every difference
and repair it (the beat runs this nightly; see campaign.services.rollups)."""

from django.core.management.base import BaseCommand, CommandError

from campaign.models import Campaign
from campaign.services.rollups import reconcile

SHOWN = 20


class Command(BaseCommand):
    help = "Recount the dashboard rollups from actions and memberships; repair any difference."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="only this campaign (its slug)")
        parser.add_argument(
            "--check",
            action="store_true",
            help="report only, repair nothing; exit with status 1 when anything differs",
        )

    def handle(self, *args, campaign=None, check=False, **options):
        campaign_id = None
        if campaign:
            try:
                campaign_id = Campaign.objects.get(slug=campaign).pk
            except Campaign.DoesNotExist as error:
                raise CommandError(f"no campaign with the slug {campaign!r}") from error
        result = reconcile(campaign_id=campaign_id, repair=not check)
        self.stdout.write(
            f"rollup rows recounted: {result.rows_checked}; differences: "
            f"{len(result.differences)}; membership counters wrong: {result.counters_wrong}"
        )
        for key, (stored, recounted) in sorted(result.differences.items())[:SHOWN]:
            campaign_key, metric, dimension, day, kind, status, value = key
            self.stdout.write(
                f"  campaign {campaign_key} {metric}/{dimension}={value!r} {day}"
                f" {kind or '-'} {status or '-'}: stored {stored}, recounted {recounted}"
            )
        if len(result.differences) > SHOWN:
            self.stdout.write(f"  ... and {len(result.differences) - SHOWN} more")
        if result.repaired:
            self.stdout.write("repaired: the rollups now equal the recount")
        if check and not result.clean:
            raise CommandError("the rollups differ from the recount", returncode=1)
