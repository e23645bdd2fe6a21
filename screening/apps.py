from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from config.sessions import renewed_at_login

        from .online import hand_back

        user_logged_in.connect(renewed_at_login, dispatch_uid="session-renewed-at-login")
        user_logged_in.connect(hand_back, dispatch_uid="tablet-hand-back")
