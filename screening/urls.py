from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("clinic/choose/", views.choose_clinic, name="choose_clinic"),
    path("mothers/", views.mother_list, name="mother_list"),
    path("mothers/new/", views.mother_create, name="mother_create"),
    path("mothers/<uuid:code>/", views.mother_detail, name="mother_detail"),
    path("mothers/<uuid:code>/edit/", views.mother_edit, name="mother_edit"),
    path("mothers/<uuid:code>/history/", views.mother_history, name="mother_history"),
    path("mothers/<uuid:code>/screenings/new/", views.screening_start, name="screening_start"),
    path("mothers/<uuid:code>/screenings/new/<str:instrument>/", views.screening_create, name="screening_create"),
    path("screenings/<uuid:code>/", views.screening_detail, name="screening_detail"),
    path("clinic/settings/", views.clinic_settings, name="clinic_settings"),
    path("clinic/staff/", views.staff_list, name="staff_list"),
    path("clinic/staff/new/", views.staff_add, name="staff_add"),
    path("clinic/staff/<int:pk>/", views.staff_role, name="staff_role"),
    path("clinic/audit/", views.audit_log, name="audit_log"),
]
