"""The geocoder is off by default; a backend (here a stand-in, never the US
Census service) gives coordinates that place supporters in shared ZIPs."""

import json

import pytest
from django.core.management import call_command

from campaign.models import District, DistrictZip
from campaign.services.boundaries import boundaries_import
from campaign.services.geocoding import supporters_geocode
from tests import factories

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
ADDRESSES = {
    "1250 Hillside Ave SW": (45.87, -92.95),  # District 3
    "40 Lakeview Rd": (46.5, -92.95),  # outside every boundary
}
asked = []


def fake_geocode(street_address, zip_code):
    asked.append((street_address, zip_code))
    return ADDRESSES.get(street_address)


@pytest.fixture
def supporters(board):
    asked.clear()
    boundaries_import(
        body=board, geojson=json.loads((FIXTURES / "pine_districts.geojson").read_text())
    )
    for number in (2, 3):
        DistrictZip.objects.create(
            district=District.objects.get(body=board, number=number), zip_code="55063"
        )
    DistrictZip.objects.create(
        district=District.objects.get(body=board, number=5), zip_code="55072"
    )
    return [
        factories.SupporterFactory(zip_code="55063", street_address="1250 Hillside Ave SW"),
        factories.SupporterFactory(zip_code="55063", street_address="40 Lakeview Rd"),
        factories.SupporterFactory(zip_code="55063", street_address="9 Nowhere Ln"),
        # One district for the ZIP: no need to send the address.
        factories.SupporterFactory(zip_code="55072", street_address="2 Elm St"),
        factories.SupporterFactory(zip_code="55063", street_address=""),
    ]


def test_off_by_default_no_address_is_sent(supporters, settings, capsys):
    assert settings.GEOCODER_BACKEND == ""
    call_command("supporters_geocode")
    assert asked == []
    assert capsys.readouterr().out == (
        "GEOCODER_BACKEND is not set: no address was sent anywhere.\n"
    )


def test_a_backend_places_supporters_in_shared_zips(supporters, settings, board):
    settings.GEOCODER_BACKEND = "tests.legistar.test_geocoding.fake_geocode"
    report = supporters_geocode(body_id=board.pk)
    assert sorted(asked) == [
        ("1250 Hillside Ave SW", "55063"),
        ("40 Lakeview Rd", "55063"),
        ("9 Nowhere Ln", "55063"),
    ]
    assert (report.placed, report.unplaced, report.not_found) == (1, 1, 1)
    supporters[0].refresh_from_db()
    assert (supporters[0].district.name, supporters[0].latitude) == ("District 3", 45.87)
