from django.urls import path

from . import views

urlpatterns = [
    path("whats-new/", views.whats_new, name="whats-new"),
    path("whats-new/read/", views.mark_read, name="whats-new-read"),
    path("me/notifications/", views.my_choices, name="notification-choices"),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/notifications/",
        views.member_choices,
        name="member-notification-choices",
    ),
]
