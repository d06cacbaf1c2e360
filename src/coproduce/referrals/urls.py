from django.urls import path

from . import help_views, views

hub = "hubs/<slug:slug>/"

urlpatterns = [
    path(hub + "referrals/", views.referral_list, name="referrals"),
    path(hub + "referrals/new/", views.referral_new, name="referral-new"),
    path(hub + "referrals/settings/", views.referral_settings, name="referral-settings"),
    path(hub + "referrals/<int:referral_id>/", views.referral_detail, name="referral"),
    path(
        hub + "referrals/<int:referral_id>/triage/", views.referral_triage, name="referral-triage"
    ),
    path(hub + "referrals/<int:referral_id>/offer/", views.referral_offer, name="referral-offer"),
    path(hub + "referrals/<int:referral_id>/start/", views.referral_start, name="referral-start"),
    path(hub + "referrals/<int:referral_id>/close/", views.referral_close, name="referral-close"),
    path(hub + "referrals/<int:referral_id>/plan/", help_views.referral_plan, name="referral-plan"),
    path(hub + "offers/", views.my_offers, name="my-offers"),
    path(hub + "offers/<int:offer_id>/", views.offer_answer, name="offer-answer"),
    path(hub + "offers/<int:offer_id>/withdraw/", views.offer_withdraw, name="offer-withdraw"),
    path(hub + "projects/", views.project_list, name="projects"),
    path(hub + "projects/new/", views.project_new, name="project-new"),
    path(hub + "projects/<int:project_id>/", views.project_detail, name="project"),
    path(hub + "projects/<int:project_id>/slots/new/", views.slots_new, name="slots-new"),
    path(hub + "projects/<int:project_id>/training/", views.training_new, name="training-new"),
    path(hub + "projects/<int:project_id>/end/", views.project_end, name="project-end"),
    path(
        hub + "projects/<int:project_id>/turns/record/", help_views.turn_record, name="turn-record"
    ),
    path(hub + "rota/slots/<int:slot_id>/take/", views.slot_take, name="slot-take"),
    path(hub + "projects/<int:project_id>/take/", views.slots_take, name="slots-take"),
    path(
        hub + "rota/<int:assignment_id>/<slug:action>/",
        views.assignment_action,
        name="assignment-action",
    ),
    path(hub + "escalations/", views.escalation_list, name="escalations"),
    path(hub + "escalations/<int:escalation_id>/", views.escalation_detail, name="escalation"),
]
