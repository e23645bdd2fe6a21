"""GET /healthz/ for an uptime monitor (design rule 15): no session, no patient data. 200 while every
part of the machinery beats in time; 503 naming the silent parts, or the database, otherwise."""

from django.db import DatabaseError
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import heartbeat


@require_GET
@never_cache
def healthz(request):
    try:
        silent = heartbeat.silent()
    except DatabaseError as error:
        return JsonResponse({"status": "failing", "database": type(error).__name__}, status=503)
    if silent:
        parts = [{"part": s.part, "last": s.last.isoformat() if s.last else None, "why": str(s)} for s in silent]
        return JsonResponse({"status": "failing", "silent": parts}, status=503)
    return JsonResponse({"status": "ok"})
