from django.urls import path

from . import export_views, smart, views, web

urlpatterns = [
    path("fhir/$export", export_views.kick_off, name="fhir_export"),
    path("fhir/Patient/$export", export_views.kick_off, {"level": "patient"}, name="fhir_export_patients"),
    path("fhir/Group/<uuid:group>/$export", export_views.kick_off, {"level": "group"}, name="fhir_export_group"),
    path("fhir/$export-status/<uuid:code>", export_views.status, name="fhir_export_status"),
    path("fhir/$export-file/<uuid:code>/<str:kind>.ndjson", export_views.download, name="fhir_export_file"),
    path("fhir/metadata", views.metadata, name="fhir_metadata"),
    path("fhir/.well-known/smart-configuration", smart.discovery, name="smart_configuration"),
    path("auth/token", smart.token, name="smart_token"),
    path("fhir/<str:kind>", views.search, name="fhir_search"),
    path("fhir/<str:kind>/<str:pk>", views.read, name="fhir_read"),
    path("clinic/api-clients/", web.clients, name="api_clients"),
    path("clinic/api-clients/<uuid:code>/revoke/", web.revoke, name="api_client_revoke"),
]
