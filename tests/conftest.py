"""Shared personas, built through the real services.

Two hubs: Millbrook (where most tests happen) and Northfield (where the outsider lives).
In Millbrook: an admin, a coordinator, a staff member at the health centre, a member,
and Ron, who is not online (assisted digital).
"""

from dataclasses import dataclass

import pytest

from coproduce.hubs import services
from coproduce.hubs.models import ConsentMethod, Hub, Membership, OrganisationKind, Person, Role
from coproduce.timebank import services as timebank
from coproduce.timebank.ledger import policy_for
from coproduce.timebank.models import Account

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is deliberately slow; tests sign in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def analysis_after_every_change(settings):
    # Conversations are analysed at most every few seconds in use; tests check each change.
    settings.ANALYSIS_MIN_INTERVAL_SECONDS = 0


@pytest.fixture(autouse=True)
def fresh_cache():
    # Sign-in throttling and email limits count in the cache; each test starts afresh.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def static_files_from_apps(settings):
    # Tests run without collectstatic: serve files straight from the app folders.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True


@pytest.fixture(autouse=True)
def exports_in_a_temporary_folder(settings, tmp_path_factory):
    # Large exports are written to EXPORT_ROOT: never into the working tree.
    settings.EXPORT_ROOT = tmp_path_factory.mktemp("exports")


@dataclass
class World:
    operator: Person
    hub: Hub
    other_hub: Hub
    admin: Person
    coordinator: Person
    staff: Person
    member: Person
    assisted: Person
    outsider: Person
    other_coordinator: Person

    def persona(self, name: str) -> Person | None:
        return None if name == "anonymous" else getattr(self, name)


def make_person(email: str, name: str) -> Person:
    return services.person_register(email=email, display_name=name, password=PASSWORD)


@pytest.fixture
def world(db) -> World:
    operator = Person.objects.create_superuser(
        "operator@example.org", PASSWORD, display_name="Operator"
    )
    admin = make_person("helen@example.org", "Helen Admin")
    hub = services.hub_create(
        actor=operator,
        slug="millbrook",
        name="Millbrook Time Bank",
        purpose="Neighbours and the health centre swap help.",
        admin=admin,
    )
    health_centre = services.organisation_create(
        actor=admin,
        hub=hub,
        name="Millbrook Health Centre",
        kind=OrganisationKind.GP_PRACTICE,
        is_host=True,
    )
    coordinator = make_person("grace@example.org", "Grace Coordinator")
    staff = make_person("amir@example.org", "Dr Amir Staff")
    member = make_person("sam@example.org", "Sam Member")
    services.membership_add(actor=admin, hub=hub, person=coordinator, role=Role.COORDINATOR)
    services.membership_add(
        actor=admin, hub=hub, person=staff, role=Role.STAFF, organisation=health_centre
    )
    services.membership_add(actor=admin, hub=hub, person=member)
    services.profile_update(
        actor=member,
        person=member,
        changes={
            "assets": ["gardening", "phone calls"],
            "needs": ["lifts to appointments"],
            "phone": "01632 960 999",
            "postcode_district": "MB1",
        },
    )
    assisted = services.person_create_assisted(
        actor=coordinator,
        hub=hub,
        display_name="Ron Assisted",
        phone="01632 960 101",
        consent_purpose="To be a member",
        consent_method=ConsentMethod.PHONE,
    )

    other_admin = make_person("marcus@example.org", "Marcus Other Admin")
    other_hub = services.hub_create(
        actor=operator,
        slug="northfield",
        name="Northfield Estate",
        purpose="Tenants and housing staff.",
        admin=other_admin,
    )
    other_coordinator = make_person("tunde@example.org", "Tunde Other Coordinator")
    services.membership_add(
        actor=other_admin, hub=other_hub, person=other_coordinator, role=Role.COORDINATOR
    )
    outsider = make_person("jean@example.org", "Jean Outsider")
    services.membership_add(actor=other_admin, hub=other_hub, person=outsider)
    return World(
        operator=operator,
        hub=hub,
        other_hub=other_hub,
        admin=admin,
        coordinator=coordinator,
        staff=staff,
        member=member,
        assisted=assisted,
        outsider=outsider,
        other_coordinator=other_coordinator,
    )


@pytest.fixture
def client_for(client):
    """A test client signed in as the given person (or anonymous for None)."""

    def sign_in(person: Person | None):
        client.logout()
        if person is not None:
            client.force_login(person)
        return client

    return sign_in


# --- time bank ----------------------------------------------------------------------


@dataclass
class Bank:
    member: Account
    staff: Account
    coordinator: Account
    assisted: Account
    health_centre: Account
    chest: Account
    other_hub_member: Account


def account(world, person, hub=None):
    return timebank.account_for_membership(
        Membership.objects.get(hub=hub or world.hub, person=person)
    )


@pytest.fixture
def bank(world) -> Bank:
    policy = policy_for(world.hub)
    policy.floor_minutes, policy.ceiling_minutes = -600, 6000
    policy.save()
    return Bank(
        member=account(world, world.member),
        staff=account(world, world.staff),
        coordinator=account(world, world.coordinator),
        assisted=account(world, world.assisted),
        health_centre=timebank.account_for_organisation(world.hub.host),
        chest=timebank.chest_of(world.hub),
        other_hub_member=account(world, world.outsider, world.other_hub),
    )
