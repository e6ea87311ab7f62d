"""Admin registrations, one module per area."""

from . import (
    api,  # noqa: F401
    audit,  # noqa: F401
    broadcasts,  # noqa: F401
    core,  # noqa: F401
    outbox,  # noqa: F401
)
