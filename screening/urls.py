from django.urls import path, re_path

from . import clinic_admin_views, invitation_views, online, screening_views, views

TOKEN = r"q/(?P<token>[A-Za-z0-9_-]{1,64})"

urlpatterns = [
    path("", views.home, name="home"),
    path("clinic/choose/", views.choose_clinic, name="choose_clinic"),
    path("mothers/", views.mother_list, name="mother_list"),
    path("mothers/new/", views.mother_create, name="mother_create"),
    path("mothers/<uuid:code>/", views.mother_detail, name="mother_detail"),
    path("mothers/<uuid:code>/edit/", views.mother_edit, name="mother_edit"),
    path("mothers/<uuid:code>/history/", views.mother_history, name="mother_history"),
    path("mothers/<uuid:code>/screenings/new/", screening_views.screening_start, name="screening_start"),
    path(
        "mothers/<uuid:code>/screenings/new/<str:instrument>/",
        screening_views.screening_create,
        name="screening_create",
    ),
    path("screenings/<uuid:code>/", screening_views.screening_detail, name="screening_detail"),
    path("clinic/settings/", clinic_admin_views.clinic_settings, name="clinic_settings"),
    path("clinic/staff/", clinic_admin_views.staff_list, name="staff_list"),
    path("clinic/staff/new/", clinic_admin_views.staff_add, name="staff_add"),
    path("clinic/staff/<int:pk>/", clinic_admin_views.staff_role, name="staff_role"),
    path("clinic/staff/<int:pk>/unlock/", clinic_admin_views.staff_unlock, name="staff_unlock"),
    path("clinic/staff/<int:pk>/deactivate/", clinic_admin_views.staff_deactivate, name="staff_deactivate"),
    path("clinic/staff/<int:pk>/reactivate/", clinic_admin_views.staff_reactivate, name="staff_reactivate"),
    path("clinic/staff/<int:pk>/reset/", clinic_admin_views.staff_reset, name="staff_reset"),
    path("messages/<int:pk>/dealt-with/", invitation_views.message_dealt_with, name="message_dealt_with"),
    path("clinic/audit/", clinic_admin_views.audit_log, name="audit_log"),
    path("mothers/<uuid:code>/invite/", invitation_views.invite, name="invite"),
    path("mothers/<uuid:code>/left-care/", views.mother_left_care, name="mother_left_care"),
    path("mothers/<uuid:code>/tablet/", invitation_views.tablet_start, name="tablet_start"),
    path("invitations/<uuid:code>/", invitation_views.invitation_detail, name="invitation_detail"),
    path("invitations/<uuid:code>/cancel/", invitation_views.invitation_cancel, name="invitation_cancel"),
    path("invitations/<uuid:code>/hand-over/", invitation_views.invitation_hand_over, name="invitation_hand_over"),
    path("mothers/<uuid:code>/crisis-card/", screening_views.crisis_card, name="crisis_card"),
    path("help/<uuid:clinic_code>/", online.help_page, name="crisis_help"),
    # The mother's side: no account, only her link.
    path("q/done/", online.done, name="online_done"),
    re_path(rf"^{TOKEN}/$", online.start, name="online_start"),
    re_path(rf"^{TOKEN}/(?P<number>[0-9]{{1,2}})/$", online.item, name="online_item"),
    re_path(rf"^{TOKEN}/review/$", online.review, name="online_review"),
    re_path(rf"^{TOKEN}/submit/$", online.submit, name="online_submit"),
    re_path(rf"^{TOKEN}/language/$", online.choose_language, name="online_language"),
]
