from pathlib import Path

import pytest

from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rosa(db):
    """Someone already on the list, in every fixture file (no consent on record)."""
    return factories.SupporterFactory(
        first_name="Rosa", last_name="Díaz", email="rosa@example.org", zip_code="55030"
    )


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()
