from django.urls import path

from . import views, web

urlpatterns = [
    path("fhir/<str:kind>", views.search, name="fhir_search"),
    path("fhir/<str:kind>/<str:pk>", views.read, name="fhir_read"),
    path("clinic/api-clients/", web.clients, name="api_clients"),
    path("clinic/api-clients/<uuid:code>/revoke/", web.revoke, name="api_client_revoke"),
]
