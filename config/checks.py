"""System checks for a production deployment."""

from urllib.parse import urlparse

from django.conf import settings
from django.core.checks import Error, register

LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}


@register()
def site_url_is_set_in_production(app_configs, **kwargs):
    """Invitation, reminder and alert links are built from SITE_URL; left at its development default
    they would send mothers and clinicians to 127.0.0.1."""
    if settings.DEBUG:
        return []
    url = urlparse(settings.SITE_URL)
    if url.scheme != "https" or url.hostname in LOOPBACK:
        return [
            Error(
                f"SITE_URL is {settings.SITE_URL!r}: with DJANGO_DEBUG=false it must be the public https address "
                "the app is served at (links in invitations, reminders and alerts are built from it).",
                id="ppd.E001",
            )
        ]
    return []
