"""What her thank-you page shows, carried in a signed cookie on her device rather than a session row:
sending her form writes nothing but the form (issue 32). It holds what the page shows (her total
only where her clinic shows scores, whether crisis lines are due) and her link's digest, never the
link itself; it lasts as long as an idle session would, and goes when staff sign in on the device
(the tablet hand-back)."""

from django.conf import settings
from django.core import signing

from common import link_tokens

COOKIE = "ppd_thank_you"
SALT = "screening.thank_you"


def for_link(token, invitation, result, language):
    return {
        "link": link_tokens.digest(token),
        "clinic": invitation.clinic_id,
        "mother": invitation.mother_id,
        "self_harm": result.self_harm,
        "total": result.total if invitation.clinic.show_scores_to_mother else None,
        "max": invitation.instrument.max_total,
        "tablet": invitation.tablet,
        "language": language,
        "clinic_name": invitation.clinic.name,
    }


def remember(response, info):
    response.set_cookie(
        COOKIE,
        signing.dumps(info, salt=SALT, compress=True),
        max_age=settings.SESSION_COOKIE_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def read(request):
    try:
        return signing.loads(request.COOKIES.get(COOKIE, ""), salt=SALT, max_age=settings.SESSION_COOKIE_AGE)
    except signing.BadSignature:  # none, tampered or expired alike
        return None


def is_for(info, token):
    return bool(info) and info.get("link") == link_tokens.digest(token)


class ForgetWhenStaffSignIn:
    """Staff signed in on the device she used: her thank-you page goes (after hand_back read it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if COOKIE in request.COOKIES and user is not None and user.is_authenticated:
            response.delete_cookie(COOKIE, samesite="Lax")
        return response
