from django.shortcuts import redirect


class ContentSecurityPolicyMiddleware:
    """Pages about a mother's mental health load nothing from another origin."""

    POLICY = (
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'; object-src 'none'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        return response


class NoStoreForStaffMiddleware:
    """A signed-in page may show a mother's name beside her clinical status: no browser or proxy
    keeps a copy (the back button on a shared clinic computer shows nothing after sign-out)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
        return response


class FirstPasswordMiddleware:
    """A password a clinic admin chose is known to two people: until she picks her own, every
    page takes her to the password form."""

    ALLOWED = ("/accounts/password/", "/accounts/logout/", "/accounts/two-factor/", "/static/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            if not request.path.startswith(self.ALLOWED):
                return redirect("password_change")
        return self.get_response(request)
