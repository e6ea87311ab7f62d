from tests.dashboard.conftest import other_user, seeded  # noqa: F401
