"""Coordinates for supporters whose ZIP alone cannot tell their district.

Off by default (GEOCODER_BACKEND empty): a street address leaves the
coalition only when a coordinator turns a backend on. A backend is a dotted
path to a callable `(street_address, zip_code) -> (latitude, longitude) | None`;
`census_geocode` below asks the US Census Geocoder (free, no key, US addresses:
https://geocoding.geo.census.gov/geocoder/Geocoding_Services_API.html).
"""

import dataclasses
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.db.models import Count
from django.utils.module_loading import import_string

from campaign.models import DistrictZip, Supporter
from campaign.services.intake import PersonInput, Trust, supporter_intake

CENSUS_URL = "https://geocoding.geo.census.gov/geocoder/locations/onelineaddress"


def census_geocode(street_address: str, zip_code: str) -> tuple[float, float] | None:
    """The US Census Geocoder's first match for the address, or None."""
    query = urllib.parse.urlencode(
        {
            "address": f"{street_address}, {zip_code}",
            "benchmark": "Public_AR_Current",
            "format": "json",
        }
    )
    try:
        with urllib.request.urlopen(
            f"{CENSUS_URL}?{query}", timeout=settings.GEOCODER_TIMEOUT
        ) as response:
            matches = json.load(response)["result"]["addressMatches"]
    except (urllib.error.URLError, TimeoutError, ValueError, KeyError):
        return None
    if not matches:
        return None
    coordinates = matches[0]["coordinates"]
    return (coordinates["y"], coordinates["x"])


@dataclasses.dataclass
class GeocodeReport:
    placed: int = 0
    # Geocoded, but no boundary (or several) holds the point.
    unplaced: int = 0
    not_found: int = 0


def supporters_geocode(*, body_id: int | None = None, limit: int = 500) -> GeocodeReport:
    """Geocode supporters with a street address, no coordinates, and a ZIP
    shared by several districts (of `body_id`, or any body), and place them.

    Does nothing when GEOCODER_BACKEND is empty. Side effects: one backend
    call per supporter (at most `limit`); their coordinates and district saved
    through the intake core."""
    report = GeocodeReport()
    if not settings.GEOCODER_BACKEND:
        return report
    geocode = import_string(settings.GEOCODER_BACKEND)
    zips = DistrictZip.objects.all()
    if body_id is not None:
        zips = zips.filter(district__body_id=body_id)
    shared = (
        zips.values("zip_code").annotate(n=Count("district", distinct=True)).filter(n__gt=1)
    ).values_list("zip_code", flat=True)
    supporters = Supporter.objects.filter(zip_code__in=list(shared), latitude__isnull=True).exclude(
        street_address=""
    )
    for supporter in supporters.order_by("pk")[:limit]:
        point = geocode(supporter.street_address, supporter.zip_code)
        if point is None:
            report.not_found += 1
            continue
        supporter = supporter_intake(
            person=PersonInput(latitude=point[0], longitude=point[1]),
            trust=Trust.STAFF,
            supporter=supporter,
        ).supporter
        if supporter.district_id is None:
            report.unplaced += 1
        else:
            report.placed += 1
    return report
