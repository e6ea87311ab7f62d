"""OCD division ids from the OCD CSV, boundaries from GeoJSON, and the intake
core placing a supporter in a shared ZIP by their coordinates."""

import json

import pytest
from django.core.management import CommandError, call_command

from campaign.models import District, DistrictZip
from campaign.services.boundaries import boundaries_import
from campaign.services.intake import PersonInput, Trust, supporter_intake

from .conftest import FIXTURES

pytestmark = pytest.mark.django_db
PINE = "ocd-division/country:us/state:mn/county:pine"


def district(board, number):
    return District.objects.get(body=board, number=number)


def test_ocd_ids_are_set_on_the_body_and_its_districts(board, capsys):
    call_command("ocd_ids_import", str(board.pk), str(FIXTURES / "country-us-ocd.csv"))
    board.refresh_from_db()
    assert board.ocd_division_id == PINE
    ids = dict(District.objects.filter(body=board).values_list("number", "ocd_id"))
    assert ids == {
        **{n: f"{PINE}/council_district:{n}" for n in range(1, 7)},
        7: "",
    }
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "7 updated, 0 unchanged"
    assert out[-1] == f"Not set: district District 7: no division under {PINE}"


def test_a_second_ocd_run_changes_nothing(board, capsys):
    call_command("ocd_ids_import", str(board.pk), str(FIXTURES / "country-us-ocd.csv"))
    capsys.readouterr()
    call_command("ocd_ids_import", str(board.pk), str(FIXTURES / "country-us-ocd.csv"))
    assert capsys.readouterr().out.splitlines()[0] == "0 updated, 7 unchanged"


def test_a_body_named_like_no_division_needs_its_id_given(board):
    board.jurisdiction = "Pine"
    board.save()
    with pytest.raises(CommandError, match="0 divisions named 'Pine': give the body's division id"):
        call_command("ocd_ids_import", str(board.pk), str(FIXTURES / "country-us-ocd.csv"))


def test_boundaries_are_stored_on_the_districts_each_feature_names(board, capsys):
    call_command("boundaries_import", str(board.pk), str(FIXTURES / "pine_districts.geojson"))
    assert district(board, 2).boundary["type"] == "Polygon"
    assert district(board, 3).boundary["type"] == "MultiPolygon"
    assert district(board, 4).boundary is None
    assert capsys.readouterr().out.splitlines() == [
        "2 updated, 0 unchanged",
        "  updated district District 2",
        "  updated district District 3",
        "Not stored: feature 3 (DISTRICT=09, NAME=Commissioner District 9): "
        "no district of Pine County Board of Commissioners matches",
        "Not stored: feature 4 (DISTRICT=04, NAME=Commissioner District 4): not a valid polygon",
    ]


def test_a_second_boundaries_run_changes_nothing(board):
    geojson = json.loads((FIXTURES / "pine_districts.geojson").read_text())
    boundaries_import(body=board, geojson=geojson)
    report = boundaries_import(body=board, geojson=geojson)
    assert (report.updated, report.unchanged) == (
        [],
        ["district District 2", "district District 3"],
    )


@pytest.fixture
def shared_zip(board):
    """ZIP 55063 spans Districts 2 and 3, whose boundaries are drawn."""
    geojson = json.loads((FIXTURES / "pine_districts.geojson").read_text())
    boundaries_import(body=board, geojson=geojson)
    for number in (2, 3):
        DistrictZip.objects.create(district=district(board, number), zip_code="55063")
    return board


def intake(campaign, **place):
    person = PersonInput(
        first_name="Rosa",
        last_name="Lindqvist",
        email="rosa@example.org",
        zip_code="55063",
        street_address="1250 Hillside Ave SW",
        **place,
    )
    return supporter_intake(person=person, trust=Trust.STAFF, campaign=campaign).supporter


def test_a_supporter_in_a_shared_zip_is_placed_by_the_boundary_holding_them(shared_zip, campaign):
    supporter = intake(campaign, latitude=45.87, longitude=-92.95)
    assert supporter.district == district(shared_zip, 3)


def test_a_point_in_the_second_part_of_a_multipolygon_counts(shared_zip, campaign):
    supporter = intake(campaign, latitude=45.86, longitude=-92.77)
    assert supporter.district == district(shared_zip, 3)


def test_without_coordinates_a_shared_zip_leaves_the_district_unknown(shared_zip, campaign):
    assert intake(campaign).district is None


def test_coordinates_outside_every_boundary_leave_the_district_unknown(shared_zip, campaign):
    assert intake(campaign, latitude=46.5, longitude=-92.95).district is None


def test_new_coordinates_for_a_known_supporter_place_them_again(shared_zip, campaign):
    intake(campaign, latitude=45.87, longitude=-92.95)
    supporter = intake(campaign, latitude=45.82, longitude=-92.95)
    assert (supporter.district, supporter.latitude) == (district(shared_zip, 2), 45.82)
