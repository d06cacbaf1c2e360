import os

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the site on http://127.0.0.1:$PORT (default 8000) for local use and demos."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))

    def handle(self, *args, host, port, **options):
        self.stdout.write(f"Coproduce is running at http://{host}:{port}/ (Ctrl+C to stop)")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
