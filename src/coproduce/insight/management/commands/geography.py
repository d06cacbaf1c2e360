from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coproduce.insight.geography import GeographyError, read_files
from coproduce.insight.services.geography import area_stats_import


class Command(BaseCommand):
    help = (
        "`coproduce geography import` loads each small area's and postcode district's "
        "deprivation decile and population from the ONS postcode directory and the English "
        "Indices of Deprivation (docs/insight.md says which files and columns)."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["import"])
        parser.add_argument(
            "--postcodes", required=True, type=Path, help="The ONS Postcode Directory CSV."
        )
        parser.add_argument(
            "--deprivation",
            required=True,
            type=Path,
            help="The English Indices of Deprivation File 7 CSV (IoD2019 or IoD2025).",
        )

    def handle(self, *args, action, postcodes, deprivation, **options):
        postcodes, deprivation = Path(postcodes), Path(deprivation)
        try:
            # Both files are read one line at a time; "utf-8-sig" drops a leading BOM.
            with (
                postcodes.open(encoding="utf-8-sig", newline="") as postcode_lines,
                deprivation.open(encoding="utf-8-sig", newline="") as deprivation_lines,
            ):
                figures = read_files(
                    postcode_lines,
                    deprivation_lines,
                    postcodes_file=postcodes.name,
                    deprivation_file=deprivation.name,
                )
        except OSError as error:
            raise CommandError(f"{error.filename}: {error.strerror}.") from None
        except UnicodeDecodeError as error:
            raise CommandError(f"One of the files is not UTF-8 text: {error.reason}.") from None
        except GeographyError as error:
            raise CommandError(str(error)) from None
        area_stats_import(figures=figures, source=f"{postcodes.name} and {deprivation.name}")
        self.stdout.write(f"Imported {figures.summary()}.")
