import pytest
from django.core.management import CommandError, call_command

from coproduce.hubs.models import Hub, Membership, Person, Role


def test_an_operator_creates_a_hub_with_a_new_admin(world, capsys):
    call_command(
        "create_hub",
        "--operator",
        "operator@example.org",
        "--slug",
        "oakfield",
        "--name",
        "Oakfield School",
        "--purpose",
        "Parents and staff",
        "--admin-email",
        "Head@Oakfield.example",
        "--admin-name",
        "Ms Head",
    )
    hub = Hub.objects.get(slug="oakfield")
    head = Person.objects.get(email="head@oakfield.example")
    assert Membership.objects.get(hub=hub, person=head).role == Role.ADMIN
    assert not head.has_usable_password()
    assert "Forgotten your password?" in capsys.readouterr().out


def test_only_operators_create_hubs_and_errors_name_the_option(world):
    with pytest.raises(CommandError, match="operators"):
        call_command(
            "create_hub",
            "--operator",
            "sam@example.org",
            "--slug",
            "x",
            "--name",
            "X",
            "--purpose",
            "X",
            "--admin-email",
            "sam@example.org",
        )
    with pytest.raises(CommandError, match=r"^--slug: "):
        call_command(
            "create_hub",
            "--operator",
            "operator@example.org",
            "--slug",
            "millbrook",
            "--name",
            "X",
            "--purpose",
            "X",
            "--admin-email",
            "sam@example.org",
        )
    with pytest.raises(CommandError, match=r"^--admin-name: "):
        call_command(
            "create_hub",
            "--operator",
            "operator@example.org",
            "--slug",
            "new",
            "--name",
            "X",
            "--purpose",
            "X",
            "--admin-email",
            "nobody@example.org",
        )
    assert not Hub.objects.filter(slug__in=["x", "new"]).exists()
    assert not Person.objects.filter(email="nobody@example.org").exists()
