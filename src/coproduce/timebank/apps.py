from django.apps import AppConfig


class TimebankConfig(AppConfig):
    name = "coproduce.timebank"
    verbose_name = "Time bank"
