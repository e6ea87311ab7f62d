"""The error every sender raises: campaign.messaging (email) and campaign.sms
(texts) both use it, and the outbox records it on the row."""


class MessageError(Exception):
    """A send failed. Permanent errors are never retried; others are, with a
    backoff. `bounce` marks a hard bounce of the recipient's address."""

    def __init__(self, message: str, permanent: bool = False, bounce: bool = False):
        super().__init__(message)
        self.permanent = permanent
        self.bounce = bounce
