import time

from django.conf import settings

RENEW_AFTER_SECONDS = 60
RENEWED_AT = "_renewed_at"


class IdleSessionMiddleware:
    """Sessions end after SESSION_COOKIE_AGE without a request. Renewing the expiry is a database
    write, so a request renews it only when the last renewal is a minute old: an idle session
    ends between SESSION_COOKIE_AGE minus a minute and SESSION_COOKIE_AGE."""

    def __init__(self, get_response):
        assert not settings.SESSION_SAVE_EVERY_REQUEST, "this middleware replaces SESSION_SAVE_EVERY_REQUEST"
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        now = int(time.time())
        if session.session_key and not session.is_empty() and now - session.get(RENEWED_AT, 0) >= RENEW_AFTER_SECONDS:
            session[RENEWED_AT] = now
        return self.get_response(request)


def renewed_at_login(sender, request, user, **kwargs):
    request.session[RENEWED_AT] = int(time.time())
