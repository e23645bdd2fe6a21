from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from screening.signals import screening_completed

        from . import panels, services

        screening_completed.connect(services.on_screening_completed, dispatch_uid="referrals-alerts")
        panels.register()
