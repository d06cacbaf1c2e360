from django.apps import AppConfig


class DeliberationConfig(AppConfig):
    name = "coproduce.deliberation"
    verbose_name = "Deliberation"
