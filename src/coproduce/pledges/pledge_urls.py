"""The pledge pages' addresses, under each hub."""

from django.urls import path

from . import calendar_views, template_views
from . import pledge_views as views

base = "hubs/<slug:slug>/pledges/"
one = base + "<slug:pledge_slug>/"

urlpatterns = [
    path(base, views.pledge_list, name="pledges"),
    path(base + "new/", views.pledge_new, name="pledge-new"),
    path(base + "templates/", template_views.template_list, name="pledge-templates"),
    path(base + "adopt/<int:template_id>/", template_views.template_adopt, name="pledge-adopt"),
    path(base + "calendar/", calendar_views.calendar, name="pledge-calendar"),
    path(base + "calendar/holidays/", calendar_views.holiday_add, name="pledge-holiday-add"),
    path(
        base + "calendar/holidays/<int:holiday_id>/remove/",
        calendar_views.holiday_remove,
        name="pledge-holiday-remove",
    ),
    path(base + "places/", calendar_views.places, name="pledge-places"),
    path(base + "places/<int:place_id>/", calendar_views.places, name="pledge-place"),
    path(one, views.pledge_detail, name="pledge"),
    path(one + "draft/", views.pledge_draft, name="pledge-draft"),
    path(one + "edit/", views.pledge_edit, name="pledge-edit"),
    path(one + "targets/new/", views.category_new, name="pledge-category-new"),
    path(one + "targets/<slug:code>/", views.category_edit, name="pledge-category"),
    path(
        one + "targets/<slug:code>/remove/",
        views.category_remove,
        name="pledge-category-remove",
    ),
    path(one + "sign/", views.pledge_sign, name="pledge-sign"),
    path(one + "publish/", views.pledge_publish, name="pledge-publish"),
    path(one + "retire/", views.pledge_retire, name="pledge-retire"),
    path(one + "template/", template_views.pledge_template, name="pledge-template"),
]
