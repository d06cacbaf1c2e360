from django.apps import AppConfig


class HubsConfig(AppConfig):
    name = "coproduce.hubs"
    verbose_name = "Hubs and people"
