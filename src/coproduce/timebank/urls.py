from django.urls import path

from . import export_views, views

urlpatterns = [
    path("hubs/<slug:slug>/timebank/", views.timebank_home, name="timebank"),
    path("hubs/<slug:slug>/timebank/listings/new/", views.listing_new, name="listing-new"),
    path(
        "hubs/<slug:slug>/timebank/listings/<int:listing_id>/",
        views.listing_detail,
        name="listing-detail",
    ),
    path(
        "hubs/<slug:slug>/timebank/exchanges/record/", views.exchange_record, name="exchange-record"
    ),
    path(
        "hubs/<slug:slug>/timebank/exchanges/<int:exchange_id>/",
        views.exchange_detail,
        name="exchange-detail",
    ),
    path(
        "hubs/<slug:slug>/timebank/exchanges/<int:exchange_id>/reverse/",
        views.exchange_reverse,
        name="exchange-reverse",
    ),
    path(
        "hubs/<slug:slug>/timebank/exchanges/<int:exchange_id>/<str:action>/",
        views.exchange_action,
        name="exchange-action",
    ),
    path("hubs/<slug:slug>/timebank/exchanges/group/", views.group_record, name="group-record"),
    path("hubs/<slug:slug>/timebank/chest/", views.chest, name="chest"),
    path(
        "hubs/<slug:slug>/timebank/approvals/<int:approval_id>/",
        views.approval_detail,
        name="approval-detail",
    ),
    path("hubs/<slug:slug>/timebank/settings/", views.timebank_settings, name="timebank-settings"),
    path("hubs/<slug:slug>/timebank/import/", views.sheet_import, name="sheet-import"),
    path("hubs/<slug:slug>/timebank/statement/", views.statement, name="statement"),
    path("hubs/<slug:slug>/timebank/ledger/", views.hub_ledger, name="hub-ledger"),
    path("hubs/<slug:slug>/timebank/balances/", views.balances, name="balances"),
    path("hubs/<slug:slug>/timebank/exports/", export_views.export_list, name="exports"),
    path(
        "hubs/<slug:slug>/timebank/exports/<str:token>/",
        export_views.export_download,
        name="export-download",
    ),
]
