"""The OpenAPI schema's view of every operation: its own answer plus the
errors any operation may give (a bad input, no key, a key's scope, an
unknown id, the rate limit)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

ERRORS = {
    "400": "Invalid input, with messages by field",
    "401": "No key, or an unknown or revoked key",
    "403": "The key's scope does not allow it",
    "404": "Not found (or a page beyond the last)",
    "429": "Too many requests for this key",
}


class OsdiAutoSchema(AutoSchema):
    # The hook below the operation's own responses, so that @extend_schema's
    # responses get the errors too.
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            error = OpenApiResponse(response=OpenApiTypes.OBJECT, description=description)
            responses.setdefault(
                code, self._get_response_for_code(error, code, direction=direction)
            )
        return responses
