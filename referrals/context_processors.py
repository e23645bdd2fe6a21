from .models import Alert


def open_alerts(request):
    """Every page shows a clinician the clinic's unacknowledged self-harm alerts."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.sees_scores:
        return {}
    alerts = list(
        Alert.objects.visible_to(membership)
        .unacknowledged()
        .select_related("screening__mother")
        .order_by("-created_at")[:5]
    )
    return {"open_alerts": alerts}
