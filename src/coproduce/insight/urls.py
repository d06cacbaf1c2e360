from django.urls import path

from . import area_views, erase_views, export_views, health_views, views

insight = "hubs/<slug:slug>/insight/"
check = "hubs/<slug:slug>/health-check/"

urlpatterns = [
    # The dashboard, the public summary, the board report, CSVs and settings.
    path(insight, views.dashboard, name="insight-dashboard"),
    path(insight + "public/", views.public_summary, name="insight-public"),
    path(insight + "board/", views.board_report, name="insight-board"),
    path(insight + "settings/", views.settings_page, name="insight-settings"),
    path(insight + "<slug:table>.csv", views.table_csv, name="insight-csv"),
    # Each area's deprivation decile and population, by hand or from a CSV.
    path(insight + "areas/", area_views.areas, name="insight-areas"),
    path(insight + "areas/upload/", area_views.areas_upload, name="insight-areas-upload"),
    path(insight + "areas/<int:pk>/", area_views.area_edit, name="insight-area-edit"),
    # The co-production health check, and voluntary equality monitoring.
    path(check, health_views.check_list, name="health-checks"),
    path(check + "new/", health_views.check_new, name="health-check-new"),
    path(check + "<int:pk>/", health_views.check_detail, name="health-check"),
    path(check + "<int:pk>/answer/", health_views.check_answer, name="health-check-answer"),
    path(
        check + "<int:pk>/answer-for/",
        health_views.check_answer_for,
        name="health-check-answer-for",
    ),
    path("me/equality/", health_views.equality, name="equality"),
    path("me/equality/delete/", health_views.equality_delete, name="equality-delete"),
    # People's data: download it, or be erased.
    path("me/data/", export_views.my_data, name="my-data"),
    path("me/data/export/", export_views.export_request, name="my-data-export"),
    path("me/data/export/<str:token>/", export_views.export_download, name="my-data-download"),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/data/",
        export_views.member_data,
        name="member-data",
    ),
    path("me/delete/", erase_views.delete_account, name="my-account-delete"),
    path(
        "hubs/<slug:slug>/members/<int:person_id>/erase/",
        erase_views.member_erase,
        name="member-erase",
    ),
]
