"""Report pages (see report_views.py)."""

from django.urls import path

from . import report_views as views

hub = "hubs/<slug:slug>/"
report = hub + "reports/<int:report_id>/"

urlpatterns = [
    path("me/reports/", views.my_reports, name="my-reports"),
    path(hub + "pledges/<slug:pledge_slug>/report/", views.report_new, name="report-new"),
    path(hub + "pledges/<slug:pledge_slug>/reports/", views.pledge_reports, name="pledge-reports"),
    path(hub + "reports/", views.report_queue, name="report-queue"),
    path(report, views.report_detail, name="report"),
    path(report + "update/", views.report_update, name="report-update"),
    path(report + "me-too/", views.report_me_too, name="report-me-too"),
    path(report + "answer/", views.report_answer, name="report-answer"),
    path(report + "answer-for/", views.report_answer_for, name="report-answer-for"),
    path(
        report + "was-it-fixed/<str:token>/",
        views.report_answer_link,
        name="report-answer-link",
    ),
    path(report + "moderate/", views.report_moderate, name="report-moderate"),
    path(report + "photo/", views.report_photo, name="report-photo"),
]
