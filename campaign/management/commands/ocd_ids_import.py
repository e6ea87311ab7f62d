"""Set a decision body's and its districts' Open Civic Data division ids from
the OCD division CSV (campaign.services.boundaries). Safe to run again."""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaign.models import DecisionBody
from campaign.services.boundaries import BoundaryError, ocd_ids_import


class Command(BaseCommand):
    help = (
        "Set OCD division ids on a decision body and its districts from the OCD division "
        "CSV (github.com/opencivicdata/ocd-division-ids, identifiers/country-us.csv)."
    )

    def add_arguments(self, parser):
        parser.add_argument("body", type=int, help="The DecisionBody id.")
        parser.add_argument(
            "path", metavar="csv", help="The OCD division CSV (columns id, name, ...)."
        )
        parser.add_argument(
            "--division", default="", help="The body's division id, if its name is not unique."
        )

    def handle(self, *args, body, path, division="", **options):
        try:
            decision_body = DecisionBody.objects.get(pk=body)
        except DecisionBody.DoesNotExist as error:
            raise CommandError(f"No decision body {body}.") from error
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle, transaction.atomic():
                report = ocd_ids_import(
                    body=decision_body, rows=csv.DictReader(handle), division_id=division
                )
        except (OSError, BoundaryError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{len(report.updated)} updated, {len(report.unchanged)} unchanged")
        for line in report.updated:
            self.stdout.write(f"  updated {line}")
        for line in report.problems:
            self.stdout.write(self.style.WARNING(f"Not set: {line}"))
