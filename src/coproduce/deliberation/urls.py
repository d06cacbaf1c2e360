from django.urls import path

from . import views

base = "hubs/<slug:slug>/conversations/"
one = base + "<int:conversation_id>/"

urlpatterns = [
    path(base, views.conversation_list, name="conversations"),
    path(base + "new/", views.conversation_new, name="conversation-new"),
    path(base + "moderation/", views.moderation, name="moderation"),
    path(base + "moderators/", views.moderators, name="moderators"),
    path(one, views.conversation_detail, name="conversation"),
    path(one + "vote/", views.vote, name="conversation-vote"),
    path(one + "statements/", views.statement_list, name="conversation-statements"),
    path(
        one + "statements/<int:statement_id>/flag/",
        views.statement_flag,
        name="statement-flag",
    ),
    path(
        one + "statements/<int:statement_id>/priority/",
        views.priority,
        name="statement-priority",
    ),
    path(one + "record/", views.record_response, name="conversation-record"),
    path(one + "report/", views.report, name="conversation-report"),
    path(one + "report/print/", views.report, {"printable": True}, name="conversation-print"),
    path(one + "report.csv", views.report_csv, name="conversation-csv"),
    path(one + "report.json", views.report_json, name="conversation-json"),
    path("join/<str:token>/", views.join_by_link, name="conversation-link"),
]
