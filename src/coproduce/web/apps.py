from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coproduce.web"
    verbose_name = "Web pages"

    def ready(self):
        from coproduce import checks  # noqa: F401  (registers the deployment checks)
