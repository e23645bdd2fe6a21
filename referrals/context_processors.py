from .models import Alert

SHOWN = 5


def open_alerts(request):
    """Every page shows a clinician the clinic's unacknowledged self-harm alerts."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.sees_scores:
        return {}
    alerts = Alert.objects.visible_to(membership).unacknowledged()
    newest = list(alerts.select_related("screening__mother").order_by("-created_at")[:SHOWN])
    count = len(newest) if len(newest) < SHOWN else alerts.count()
    return {"open_alerts": newest, "open_alert_count": count}
