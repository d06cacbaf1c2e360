from django.core.management.base import BaseCommand

from coproduce.demo import data


class Command(BaseCommand):
    help = "Load the demo hubs and people (safe to run again) and print how to sign in."

    def handle(self, *args, **options):
        counts = data.load()
        summary = ", ".join(f"{value} {key}" for key, value in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        self.stdout.write(f"\nSign in with any of these (password: {data.DEMO_PASSWORD}):\n")
        for email, name, roles, story in data.PERSONAS:
            hubs = ", ".join(f"{role} in {slug}" for slug, (role, _) in roles.items())
            self.stdout.write(f"  {email:<28} {name:<16} {story} ({hubs})")
        self.stdout.write(
            f"  {data.OPERATOR_EMAIL:<28} Site operator (creates hubs: coproduce create_hub)"
        )
        self.stdout.write(
            "\nPeople who are not online (no sign-in) are managed by the coordinators, "
            "e.g. Ron Ellis in millbrook.\n"
            "Other members set a password with 'Forgotten your password?'.\n"
            "Northfield's conversation, 'What would make repairs and the estate better?', "
            "has votes from tenants and housing staff: sign in as priya@ or jean@ and open "
            "Conversations.\n"
            "Emails (invitations, password resets) are "
            "printed in the server's terminal.\n"
        )
