from django.db.models import Count, Window

from . import heartbeat
from .models import Alert

SHOWN = 5


def open_alerts(request):
    """Every page shows a clinician the clinic's unacknowledged self-harm alerts. Panels render
    with the same request, so the figures are read once per request."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.sees_scores:
        return {}
    if not hasattr(request, "_open_alerts"):
        alerts = Alert.objects.visible_to(membership).unacknowledged().annotate(of=Window(Count("pk")))
        newest = list(alerts.select_related("mother", "screening", "invitation").order_by("-created_at")[:SHOWN])
        count = newest[0].of if newest else 0  # how many in all, read with the newest
        request._open_alerts = {"open_alerts": newest, "open_alert_count": count}
    return request._open_alerts


def silent_parts(request):
    """Every clinician and admin page says when a part of the machinery has fallen silent
    (design rule 15): follow-ups are then not being sent, nor alerts escalated."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.sees_scores:
        return {}
    if not hasattr(request, "_silent_parts"):  # read once, however many panels render
        silent, degraded = heartbeat.status()
        request._silent_parts = {"silent_parts": silent, "degraded_parts": degraded}
    return request._silent_parts
