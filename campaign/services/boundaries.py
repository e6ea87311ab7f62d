"""Where districts are: Open Civic Data division ids and boundaries.

- OCD ids (`ocd-division/country:us/state:mn/county:pine/council_district:3`)
  come from the OCD division CSV (github.com/opencivicdata/ocd-division-ids,
  `identifiers/country-us.csv`: columns `id`, `name`, ...): the body's division
  is the row named like its jurisdiction (or given), a district's is a child of
  it whose last part is the district's number or name.
- Boundaries come from a GeoJSON FeatureCollection, one (Multi)Polygon per
  district, matched by an OCD id, number or name property. They place a
  supporter with coordinates when their ZIP is shared by several districts
  (`district_containing`, used by the intake core's PlaceMap).
"""

import dataclasses
from collections.abc import Iterable, Mapping

from shapely.geometry import Point, shape
from shapely.prepared import prep

from campaign.models import DecisionBody, District

DIVISION_PREFIX = "ocd-division/"
# Feature properties that name a district, tried in this order.
OCD_PROPERTIES = ("ocd_id", "ocdid", "ocd_division_id", "division_id")
NUMBER_PROPERTIES = ("district", "number", "district_number", "DISTRICT", "DIST_NUM")
NAME_PROPERTIES = ("name", "NAME", "district_name")


class BoundaryError(Exception):
    """A division or boundary file that cannot be used."""


@dataclasses.dataclass
class GeoReport:
    updated: list[str] = dataclasses.field(default_factory=list)
    unchanged: list[str] = dataclasses.field(default_factory=list)
    # What was left out, and why.
    problems: list[str] = dataclasses.field(default_factory=list)


def _last_part(division_id: str) -> tuple[str, str]:
    """`.../council_district:3` -> ("council_district", "3")."""
    kind, _, value = division_id.rsplit("/", 1)[-1].partition(":")
    return kind, value


def ocd_ids_import(
    *, body: DecisionBody, rows: Iterable[Mapping[str, str]], division_id: str = ""
) -> GeoReport:
    """Set `body.ocd_division_id` and its districts' `ocd_id` from OCD division
    CSV rows. Raises BoundaryError when the body's division cannot be told.
    Side effects: UPDATE of the body and of districts whose id changes."""
    rows = [row for row in rows if (row.get("id") or "").startswith(DIVISION_PREFIX)]
    report = GeoReport()
    if not division_id:
        named = [
            row["id"]
            for row in rows
            if (row.get("name") or "").strip().casefold() == body.jurisdiction.strip().casefold()
        ]
        if len(named) != 1:
            raise BoundaryError(
                f"{len(named)} divisions named {body.jurisdiction!r}: give the body's division id"
            )
        division_id = named[0]
    if body.ocd_division_id == division_id:
        report.unchanged.append(f"body {body}: {division_id}")
    else:
        body.ocd_division_id = division_id
        body.save(update_fields=["ocd_division_id", "updated_at"])
        report.updated.append(f"body {body}: {division_id}")
    children = {}
    for row in rows:
        parent, _, last = row["id"].rpartition("/")
        kind, value = _last_part(row["id"])
        if parent == division_id and kind.endswith("district"):
            children[value.casefold()] = row["id"]
            children.setdefault((row.get("name") or "").strip().casefold(), row["id"])
    for district in body.districts.all():
        found = children.get(str(district.number)) if district.number is not None else None
        found = found or children.get(district.name.casefold())
        if found is None:
            report.problems.append(f"district {district}: no division under {division_id}")
        elif district.ocd_id == found:
            report.unchanged.append(f"district {district}: {found}")
        else:
            district.ocd_id = found
            district.save(update_fields=["ocd_id", "updated_at"])
            report.updated.append(f"district {district}: {found}")
    return report


def _feature_district(properties: Mapping, districts: list[District]) -> District | None:
    for key in OCD_PROPERTIES:
        if properties.get(key):
            return next((d for d in districts if d.ocd_id and d.ocd_id == properties[key]), None)
    for key in NUMBER_PROPERTIES:
        if properties.get(key) not in (None, ""):
            number = str(properties[key]).strip().lstrip("0")
            return next((d for d in districts if str(d.number) == number), None)
    for key in NAME_PROPERTIES:
        if properties.get(key):
            name = str(properties[key]).strip().casefold()
            return next((d for d in districts if d.name.casefold() == name), None)
    return None


def boundaries_import(*, body: DecisionBody, geojson: Mapping) -> GeoReport:
    """Store each feature's (Multi)Polygon on the body's district it names.
    Raises BoundaryError when the file is not a FeatureCollection.
    Side effects: UPDATE of districts whose boundary changes."""
    if geojson.get("type") != "FeatureCollection":
        raise BoundaryError("not a GeoJSON FeatureCollection")
    districts = list(body.districts.all())
    report = GeoReport()
    for index, feature in enumerate(geojson.get("features") or [], start=1):
        properties = feature.get("properties") or {}
        geometry = feature.get("geometry") or {}
        label = f"feature {index} ({', '.join(f'{k}={v}' for k, v in properties.items())})"
        district = _feature_district(properties, districts)
        if district is None:
            report.problems.append(f"{label}: no district of {body} matches")
            continue
        if geometry.get("type") not in ("Polygon", "MultiPolygon"):
            report.problems.append(f"{label}: a {geometry.get('type')}, not a (Multi)Polygon")
            continue
        try:
            valid = shape(geometry).is_valid
        except (ValueError, TypeError, AttributeError):
            valid = False
        if not valid:
            report.problems.append(f"{label}: not a valid polygon")
            continue
        if district.boundary == geometry:
            report.unchanged.append(f"district {district}")
            continue
        district.boundary = dict(geometry)
        district.save(update_fields=["boundary", "updated_at"])
        report.updated.append(f"district {district}")
    return report


def district_containing(
    *, boundaries: Mapping[int, Mapping | None], latitude: float, longitude: float
):
    """The one district (id) whose boundary holds the point, else None (none
    or several do). GeoJSON puts longitude first."""
    point = Point(longitude, latitude)
    inside = [
        district_id
        for district_id, boundary in boundaries.items()
        if boundary and prep(shape(boundary)).covers(point)
    ]
    return inside[0] if len(inside) == 1 else None
