from django.urls import path

from . import picker_views, views

urlpatterns = [
    path("me/", views.my_profile, name="my-profile"),
    path("me/edit/", views.my_profile_edit, name="my-profile-edit"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("hubs/<slug:slug>/", views.hub_home, name="hub-home"),
    path("hubs/<slug:slug>/join/", views.hub_join, name="hub-join"),
    path("hubs/<slug:slug>/my-area/", views.hub_area, name="hub-area"),
    path("hubs/<slug:slug>/leave/", views.hub_leave, name="hub-leave"),
    path("hubs/<slug:slug>/members/", views.directory, name="directory"),
    path("hubs/<slug:slug>/members/<int:person_id>/", views.member_detail, name="member-detail"),
    path("hubs/<slug:slug>/members/<int:person_id>/edit/", views.member_edit, name="member-edit"),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/invite-to-sign-in/",
        views.member_password_invite,
        name="member-password-invite",
    ),
    path("hubs/<slug:slug>/members/<int:person_id>/role/", views.member_role, name="member-role"),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/remove/",
        views.member_remove,
        name="member-remove",
    ),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/consent/",
        views.member_consent,
        name="member-consent",
    ),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/checks/new/",
        views.member_check_add,
        name="member-check-add",
    ),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/checks/<int:check_id>/remove/",
        views.member_check_remove,
        name="member-check-remove",
    ),
    path("hubs/<slug:slug>/coordinate/", views.coordinate, name="coordinate"),
    path("hubs/<slug:slug>/coordinate/invite/", views.invite, name="invite"),
    path("hubs/<slug:slug>/coordinate/people/new/", views.assisted_create, name="assisted-create"),
    path(
        "hubs/<slug:slug>/coordinate/organisations/new/",
        views.organisation_add,
        name="organisation-add",
    ),
    path(
        "hubs/<slug:slug>/coordinate/areas/new/", views.neighbourhood_add, name="neighbourhood-add"
    ),
    path(
        "hubs/<slug:slug>/coordinate/requests/<int:request_id>/<str:decision>/",
        views.join_request_decide,
        name="join-request-decide",
    ),
    path("hubs/<slug:slug>/audit/", views.audit_log, name="audit-log"),
    path("hubs/<slug:slug>/people/search/", picker_views.people_search, name="people-search"),
]
