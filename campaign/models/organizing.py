"""Organizing: the asks written for each member's stance, the phone bank's
claims on who to call."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStampedModel


class StanceGroup(models.TextChoices):
    """What a supporter asks of a member, by the member's latest stance."""

    THANK = "thank", _("Champion or yes: thank them")
    PERSUADE = "persuade", _("Undecided or leaning: persuade them")
    MEET = "meet", _("Opposed: ask for a meeting")


class Relation(models.TextChoices):
    CONSTITUENT = "constituent", _("Constituent of the member")
    RESIDENT = "resident", _("Resident, not a constituent")


class AskScript(TimeStampedModel):
    """A campaign's own text for one kind of ask, stance group and relation.
    Where a campaign wrote none, the built-in text of
    campaign.services.asks applies."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call script")
        LETTER = "letter", _("Letter")

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="ask_scripts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    stance_group = models.CharField(_("member's stance"), max_length=10, choices=StanceGroup)
    relation = models.CharField(_("supporter is"), max_length=12, choices=Relation)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    subject_es = models.CharField(_("subject (Spanish)"), max_length=200, blank=True)
    text = models.TextField(_("text"))
    text_es = models.TextField(_("text (Spanish)"), blank=True)

    class Meta:
        ordering = ["campaign", "kind", "stance_group", "relation"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "stance_group", "relation"], name="one_ask_script"
            ),
        ]

    def __str__(self):
        stance, relation = self.get_stance_group_display(), self.get_relation_display()
        return f"{self.get_kind_display()}: {stance}, {relation}"

    def clean(self):
        # A placeholder the pages cannot fill would vanish from the text a
        # volunteer reads; the coordinator fixes it here instead.
        from campaign.services.asks import PLACEHOLDERS, placeholders_unknown

        errors = {}
        for name in ("subject", "subject_es", "text", "text_es"):
            unknown = placeholders_unknown(getattr(self, name))
            if unknown:
                errors[name] = _("Unknown placeholder: %(unknown)s. You can use: %(known)s.") % {
                    "unknown": ", ".join(f"{{{n}}}" for n in unknown),
                    "known": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS),
                }
        if errors:
            raise ValidationError(errors)


class CallClaim(models.Model):
    """A caller's hold on one supporter of a campaign's call list, until
    `expires_at`: two callers never get the same person while it holds."""

    campaign = models.ForeignKey(
        "campaign.Campaign", on_delete=models.CASCADE, related_name="call_claims"
    )
    supporter = models.ForeignKey(
        "campaign.Supporter", on_delete=models.CASCADE, related_name="call_claims"
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_claims"
    )
    claimed_at = models.DateTimeField(_("claimed at"))
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["claimed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "supporter"], name="one_claim_per_person"),
        ]
        indexes = [models.Index(fields=["campaign", "caller", "expires_at"])]

    def __str__(self):
        return f"{self.supporter_id} claimed by {self.caller_id}"
