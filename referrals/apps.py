from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        from screening.signals import (
            limiter_fell_back,
            mother_changed,
            mother_transferred,
            screening_completed,
            self_harm_disclosed,
        )

        from . import heartbeat, panels, services

        screening_completed.connect(services.on_screening_completed, dispatch_uid="referrals-alerts")
        mother_changed.connect(services.on_mother_changed, dispatch_uid="referrals-follow-ups")
        self_harm_disclosed.connect(services.on_self_harm_disclosed, dispatch_uid="referrals-draft-alerts")
        mother_transferred.connect(services.on_mother_transferred, dispatch_uid="referrals-transfer")
        limiter_fell_back.connect(heartbeat.cache_fell_back, dispatch_uid="referrals-cache-fault")
        panels.register()
