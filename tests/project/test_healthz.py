import json
from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_it_reports_database_and_broker_ok(client):
    with mock.patch("core.views._broker_ok", return_value=True):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "ok"}


def test_it_stays_200_with_the_broker_down_and_says_so(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 0.5}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "broker": "error"}


def test_it_answers_503_when_the_database_does_not(client):
    with (
        mock.patch("core.views._database_ok", return_value=False),
        mock.patch("core.views._broker_ok", return_value=True),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "error"


def test_the_filesystem_broker_counts_as_up(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
    }
    response = client.get("/healthz")
    assert json.loads(response.content)["broker"] == "ok"
