"""Geocode supporters in shared ZIPs and place them by district boundaries
(campaign.services.geocoding). Does nothing unless GEOCODER_BACKEND is set."""

from django.conf import settings
from django.core.management.base import BaseCommand

from campaign.services.geocoding import supporters_geocode


class Command(BaseCommand):
    help = (
        "Geocode supporters with a street address whose ZIP spans several districts, and "
        "place them by the district boundaries (needs GEOCODER_BACKEND)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--body", type=int, help="Only ZIPs shared within this body.")
        parser.add_argument("--limit", type=int, default=500, help="At most this many lookups.")

    def handle(self, *args, body=None, limit=500, **options):
        if not settings.GEOCODER_BACKEND:
            self.stdout.write("GEOCODER_BACKEND is not set: no address was sent anywhere.")
            return
        report = supporters_geocode(body_id=body, limit=limit)
        self.stdout.write(
            f"Placed: {report.placed}; geocoded but outside every boundary: "
            f"{report.unplaced}; not found: {report.not_found}"
        )
