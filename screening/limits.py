"""Rate limits on the mother's and the provider's links that fail safe (design rule 16).

The counters live in the shared cache (Redis in production), so that every process counts together.
When the cache is refused or silent her link must still work: the request is counted in this
process instead, at the same rate; the shared counter is left alone for PAUSE seconds, so a silent
cache costs one short timeout, not one per request; and the fall-back is logged and signalled (the
referrals app records it, and admins see it in a banner for a while)."""

import logging
import threading
import time

from django_ratelimit.core import is_ratelimited

from config.proxies import client_ip

from .signals import limiter_fell_back

PAUSE = 30.0
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
log = logging.getLogger(__name__)
_state = {"paused_until": 0.0}
_counts = {}
_lock = threading.Lock()


def limited(request, group, rate, count=True):
    """Whether this client address has passed `rate` ("20/m") for `group`. Wrong tokens are limited
    strictly (guessing); all requests loosely, since several mothers may share a clinic's or a
    hospital's address."""
    if time.monotonic() >= _state["paused_until"]:
        try:
            return is_ratelimited(request, group=group, key="ip", rate=rate, increment=count)
        except Exception as error:  # noqa: BLE001 - any cache failure: refused, silent, full
            _state["paused_until"] = time.monotonic() + PAUSE
            log.warning(
                "rate-limit cache failed (%s: %s): limiting per process for %ss", type(error).__name__, error, PAUSE
            )
            _signal(error)
    return limited_here(client_ip(request), group, rate, count)


def limited_here(address, group, rate, count=True):
    """The same limit, counted in this process alone (a fixed window)."""
    number, unit = rate.split("/")
    seconds = UNITS[unit[-1]] * int(unit[:-1] or 1)
    window = int(time.time() // seconds)
    with _lock:
        for key in [k for k in _counts if k[2] != window]:
            del _counts[key]
        key = (group, address, window)
        if count:
            _counts[key] = _counts.get(key, 0) + 1
        return _counts.get(key, 0) > int(number)


def resume():
    """Ask the shared cache again at once (tests, and after an operator fixed it)."""
    _state["paused_until"] = 0.0
    _counts.clear()


def _signal(error):
    try:
        limiter_fell_back.send(sender=limited, error=error)
    except Exception:  # noqa: BLE001 - recording the fall-back must not stop her either
        log.exception("could not record the rate-limit fall-back")
