"""Admin registrations, one module per area."""

from . import (
    broadcasts,  # noqa: F401
    core,  # noqa: F401
    outbox,  # noqa: F401
)
