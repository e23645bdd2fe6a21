from django.urls import path

from . import care_views, provider_views, report_views, setup_views, views

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("alerts/<uuid:code>/", views.alert_detail, name="alert_detail"),
    path("alerts/<uuid:code>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("screenings/<uuid:code>/refer/", views.refer, name="refer"),
    path("screenings/<uuid:code>/decide/", views.decide, name="decide"),
    path("referrals/<uuid:code>/", views.referral_detail, name="referral_detail"),
    path("referrals/<uuid:code>/transition/", views.referral_transition, name="referral_transition"),
    path("providers/", setup_views.provider_list, name="provider_list"),
    path("providers/new/", setup_views.provider_edit, name="provider_create"),
    path("providers/<uuid:code>/", setup_views.provider_edit, name="provider_edit"),
    path("clinic/referral-settings/", setup_views.referral_settings, name="referral_settings"),
    path("reports/", report_views.report_page, name="reports"),
    path("reports/<slug:slug>.csv", report_views.report_csv, name="report_csv"),
    path("reports/measures/<slug:slug>/<slug:part>/", report_views.measure_mothers, name="measure_mothers"),
    path("mothers/<uuid:code>/concern/", care_views.concern_mark, name="concern_mark"),
    path("mothers/<uuid:code>/concern/decide/", care_views.concern_decide, name="concern_decide"),
    path("mothers/<uuid:code>/concern/close/", care_views.concern_close, name="concern_close"),
    path("follow-ups/", care_views.follow_up_list, name="follow_up_list"),
    path("follow-ups/<uuid:code>/reschedule/", care_views.follow_up_reschedule, name="follow_up_reschedule"),
    path("follow-ups/<uuid:code>/cancel/", care_views.follow_up_cancel, name="follow_up_cancel"),
    path("referrals/<uuid:code>/provider-link/", views.provider_link_make, name="provider_link_make"),
    path("referrals/<uuid:code>/provider-link/revoke/", views.provider_link_revoke, name="provider_link_revoke"),
    path("referrals/<uuid:code>/letter/", views.referral_letter, name="referral_letter"),
    path("p/<str:token>/", provider_views.referral_page, name="provider_referral"),
    path("p/<str:token>/<slug:step>/", provider_views.referral_step, name="provider_step"),
]
