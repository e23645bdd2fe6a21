"""GET /healthz/ for an uptime monitor (design rules 15 and 16): no session, no patient data. 200
while every part of the machinery beats in time (naming any part that failed lately but whose
fall-back kept mothers going, such as the cache); 503 naming the silent parts, or the database."""

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import heartbeat


@require_GET
@never_cache
def healthz(request):
    try:
        silent, degraded = heartbeat.status()
        degraded = [name for name, _when in degraded]
    except DatabaseError as error:
        return JsonResponse({"status": "failing", "database": type(error).__name__}, status=503)
    if silent:
        parts = [{"part": s.part, "last": s.last.isoformat() if s.last else None, "why": str(s)} for s in silent]
        return JsonResponse({"status": "failing", "silent": parts, "degraded": degraded}, status=503)
    return JsonResponse({"status": "ok", "degraded": degraded} if degraded else {"status": "ok"})
