"""The scorecard of a pledge: the page, its print view for a board, a CSV, and the staff's
count of the users' side."""

from django.urls import path

from . import scorecard_views as views

one = "hubs/<slug:slug>/pledges/<slug:pledge_slug>/"

urlpatterns = [
    path(one + "scorecard/", views.scorecard_page, name="pledge-scorecard"),
    path(
        one + "scorecard/print/",
        views.scorecard_page,
        {"printable": True},
        name="pledge-scorecard-print",
    ),
    path(one + "scorecard.csv", views.scorecard_csv, name="pledge-scorecard-csv"),
    path(one + "scorecard/users-side/", views.users_side, name="pledge-users-side"),
]
