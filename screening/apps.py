from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "screening"
    verbose_name = "Screening"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        import config.checks  # noqa: F401 - registers the production checks
        from common.sessions import renewed_at_login

        from . import access_state, episodes
        from .online import hand_back
        from .signals import mother_changed

        # screening's own receiver is connected first, so her episodes are right before the
        # referrals app reads them
        mother_changed.connect(episodes.on_mother_changed, dispatch_uid="screening-episodes")

        user_logged_in.connect(renewed_at_login, dispatch_uid="session-renewed-at-login")
        user_logged_in.connect(hand_back, dispatch_uid="tablet-hand-back")
        user_logged_in.connect(access_state.read_at_login, dispatch_uid="access-read-at-login")
