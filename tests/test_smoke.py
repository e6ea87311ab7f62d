import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_factories_make_valid_rows(pine_county):
    action = factories.ActionFactory(campaign=pine_county["campaign"])
    action.full_clean()
    assert action.supporter.email.endswith("@example.org")
