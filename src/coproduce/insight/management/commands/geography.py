from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "`coproduce geography import` loads each small area's and postcode district's "
        "deprivation decile and population from the ONS postcode directory and the English "
        "Indices of Deprivation (docs/insight.md says which files and columns)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import"])

    def handle(self, *args, action, **options):
        raise NotImplementedError("to come")
