"""A volunteer reading in Spanish sees "Distrito 3", not "District 3"."""

import pytest
from django.utils import translation

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "expected"), [("en", "District 3"), ("es", "Distrito 3")])
def test_a_plainly_numbered_district_reads_in_the_volunteers_language(language, expected):
    district = factories.DistrictFactory(number=3, name="District 3")
    with translation.override(language):
        assert district.display_name == expected


def test_a_district_named_by_the_coalition_is_shown_as_entered():
    district = factories.DistrictFactory(number=4, name="North Ward")
    with translation.override("es"):
        assert district.display_name == "North Ward"
