import pytest
from django.conf import settings

# The PostgreSQL path (COPY + set-based merge) runs only on PostgreSQL; the
# portable path runs everywhere. CI runs the suite on PostgreSQL, so both run.
METHODS = ["portable"]
if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    METHODS.append("postgresql")


@pytest.fixture(params=METHODS)
def method(request):
    return request.param


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_lines(*rows: str, header: str = "first_name,last_name,email,phone,zip_code,language"):
    return [line + "\n" for line in (header, *rows)]
