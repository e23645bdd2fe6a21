from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("", include("screening.urls")),
    path("", include("referrals.urls")),
    path("", include("fhir_api.urls")),
]

if settings.BENCH_ENDPOINTS:
    from . import bench_views

    urlpatterns += [
        path("bench/trivial/", bench_views.trivial),
        path("bench/insert/", bench_views.insert_one),
    ]
