"""The client's address, behind a known number of reverse proxies. django-axes (log-in lock-outs)
and django-ratelimit (the mother's links) both use it, so two mothers or two colleagues behind one
proxy are never one client."""

import ipaddress

from django.conf import settings


def client_ip(request):
    """Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    the client is TRUSTED_PROXY_COUNT entries from the right; anything further left is the client's
    own claim and is ignored. With no trusted proxy, or a header that does not fit, REMOTE_ADDR."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if count <= 0 or len(forwarded) < count:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-count]))
    except ValueError:
        return remote
