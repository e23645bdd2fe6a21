"""Every response under /fhir/ is FHIR: `application/fhir+json`, never stored by a cache, and an
error is an OperationOutcome whatever raised it (an unknown route, a refused method, a server
error). A client that asks for XML gets 406: only JSON is served."""

import json

from .auth import outcome

PREFIX = "/fhir/"
JSON = {"json", "application/json", "application/fhir+json"}
XML = ("xml",)
ISSUE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    410: "deleted",
    429: "throttled",
}


def _wants_xml(request):
    asked = request.GET.get("_format", "").strip().lower()
    if asked:
        return asked not in JSON
    accept = request.headers.get("Accept", "").lower()
    return any(x in accept for x in XML) and "json" not in accept and "*/*" not in accept


class FhirMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX) and request.path != PREFIX.rstrip("/"):
            return self.get_response(request)
        if _wants_xml(request):
            response = outcome(406, "not-supported", "Only JSON is served here (application/fhir+json).")
        else:
            response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/fhir+json"):
            response = outcome(response.status_code, ISSUE.get(response.status_code, "exception"), _what(response))
        response["Cache-Control"] = "no-store"
        return response


def _what(response):
    if response.status_code == 404:
        return "No such FHIR endpoint here: see /fhir/metadata."
    if response.status_code == 405:
        return "This API is read-only."
    if response.status_code == 403:
        return "Refused."
    try:
        return json.loads(response.content).get("detail", "The server could not answer.")
    except (ValueError, AttributeError):
        return "The server could not answer."
