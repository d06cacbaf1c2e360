from django.urls import path

from . import result_views, views

base = "hubs/<slug:slug>/space/"
round_ = base + "<int:pk>/"
idea = round_ + "ideas/<int:idea_id>/"

urlpatterns = [
    path(base, views.round_list, name="space-rounds"),
    path(base + "new/", views.round_new, name="space-round-new"),
    path(base + "import/", result_views.round_import, name="space-import"),
    path(round_, views.round_detail, name="space-round"),
    path(round_ + "change/", views.round_change, name="space-round-change"),
    path(round_ + "move-on/", views.round_advance, name="space-round-advance"),
    path(round_ + "ideas/new/", views.idea_new, name="space-idea-new"),
    path(idea, views.idea_detail, name="space-idea"),
    path(idea + "check/", views.idea_check, name="space-idea-check"),
    path(idea + "deliver/", result_views.idea_deliver, name="space-idea-deliver"),
    path(idea + "book/", result_views.idea_book, name="space-idea-book"),
    path(idea + "progress/", result_views.idea_progress, name="space-idea-progress"),
    path(round_ + "ballot/", views.ballot, name="space-ballot"),
    path(round_ + "ballot/for/", views.ballot_for, name="space-ballot-for"),
    path(round_ + "result/", result_views.result, name="space-result"),
    path(round_ + "override/", result_views.override, name="space-override"),
    path(round_ + "ballots.pb", result_views.export_pb, name="space-export"),
]
