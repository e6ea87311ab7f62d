"""Store district boundaries from a GeoJSON FeatureCollection
(campaign.services.boundaries). Safe to run again."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from campaign.models import DecisionBody
from campaign.services.boundaries import BoundaryError, boundaries_import


class Command(BaseCommand):
    help = (
        "Store a decision body's district boundaries from a GeoJSON FeatureCollection: one "
        "(Multi)Polygon per district, named by an ocd_id, district number or name property."
    )

    def add_arguments(self, parser):
        parser.add_argument("body", type=int, help="The DecisionBody id.")
        parser.add_argument("geojson", help="The GeoJSON file (WGS 84 longitude, latitude).")

    def handle(self, *args, body, geojson, **options):
        try:
            decision_body = DecisionBody.objects.get(pk=body)
        except DecisionBody.DoesNotExist as error:
            raise CommandError(f"No decision body {body}.") from error
        try:
            with open(geojson, encoding="utf-8-sig") as handle:
                data = json.load(handle)
            with transaction.atomic():
                report = boundaries_import(body=decision_body, geojson=data)
        except (OSError, ValueError, BoundaryError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{len(report.updated)} updated, {len(report.unchanged)} unchanged")
        for line in report.updated:
            self.stdout.write(f"  updated {line}")
        for line in report.problems:
            self.stdout.write(self.style.WARNING(f"Not stored: {line}"))
