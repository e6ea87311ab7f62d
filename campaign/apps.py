from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "campaign"
    verbose_name = "Campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from campaign import audit
        from campaign.services import rollups

        audit.register()
        post_migrate.connect(
            rollups.install_after_migrate, sender=self, dispatch_uid="campaign-rollup-triggers"
        )
