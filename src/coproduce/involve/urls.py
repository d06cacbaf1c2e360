from django.urls import include, path

from . import people_views, views

base = "hubs/<slug:slug>/involvement/"

urlpatterns = [
    # Your Space: rounds sharing a resource (space/urls.py)
    path("", include("coproduce.involve.space.urls")),
    # Opportunities, places and meetings (views.py)
    path(base, views.opportunity_list, name="involve-list"),
    path(base + "new/", views.opportunity_new, name="involve-new"),
    path(base + "<int:pk>/", views.opportunity_detail, name="involve-opportunity"),
    path(base + "<int:pk>/ask/", views.opportunity_ask, name="involve-ask"),
    path(base + "<int:pk>/invite/", views.opportunity_invite, name="involve-invite"),
    path(base + "<int:pk>/shortlist/", views.opportunity_shortlist, name="involve-shortlist"),
    path(base + "<int:pk>/meetings/", views.meeting_add, name="involve-meeting-add"),
    path(
        base + "<int:pk>/meetings/<int:session_id>/attendance/",
        views.attendance_record,
        name="involve-attendance-record",
    ),
    path(base + "<int:pk>/change/", views.opportunity_change, name="involve-change"),
    path(base + "<int:pk>/cancel/", views.opportunity_cancel, name="involve-cancel"),
    path(base + "<int:pk>/hired/", views.opportunity_hired, name="involve-hired"),
    path(base + "places/<int:pk>/", views.signup_detail, name="involve-signup"),
    path(base + "thanks/<int:pk>/", views.attendance_detail, name="involve-attendance"),
    path(base + "expenses/<int:pk>/", views.expense_decide, name="involve-expense-decide"),
    # People: choices, packs, records, figures, payments, settings (people_views.py)
    path(base + "choices/", people_views.choices, name="involve-choices"),
    path(base + "packs/print/", people_views.packs_print, name="involve-packs-print"),
    path(base + "packs/<int:pk>/", people_views.pack_detail, name="involve-pack"),
    path(base + "record/", people_views.record, name="involve-record"),
    path(base + "record/<int:person_id>/", people_views.record, name="involve-record-person"),
    path(
        base + "record/<int:person_id>/record.csv",
        people_views.record_csv,
        name="involve-record-csv",
    ),
    path(
        base + "record/<int:person_id>/certificate/",
        people_views.certificate,
        name="involve-certificate",
    ),
    path(base + "figures/", people_views.figures, name="involve-figures"),
    path(base + "payments/", people_views.payments, name="involve-payments"),
    path(base + "payments/payments.csv", people_views.payments_csv, name="involve-payments-csv"),
    path(base + "settings/", people_views.settings, name="involve-settings"),
    path(base + "training/", people_views.training, name="involve-training"),
]
