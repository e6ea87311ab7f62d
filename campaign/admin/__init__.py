"""Admin registrations, one module per area."""

from . import (
    core,  # noqa: F401
    outbox,  # noqa: F401
)
