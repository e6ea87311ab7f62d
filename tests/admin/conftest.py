"""Fixtures for the admin tests: logged-in clients for each persona."""

import pytest


@pytest.fixture
def admin_client_(client, admin):
    client.force_login(admin)
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client
