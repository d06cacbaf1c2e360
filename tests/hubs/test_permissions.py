"""What people see of each other on a hub's pages.

Who may open each page (and who is sent to sign in, refused or told it does not exist) is
in the permission matrix, tests/test_permission_matrix.py.
"""

from django.urls import reverse


def test_members_see_what_others_can_give_but_not_their_needs_or_contact(world, client_for):
    page = (
        client_for(world.staff)
        .get(reverse("member-detail", args=[world.hub.slug, world.member.pk]))
        .content.decode()
    )
    assert "gardening" in page
    assert "lifts to appointments" not in page
    assert "01632 960 999" not in page
    assert "Safeguarding checks" not in page


def test_coordinators_see_needs_contact_checks_and_consent(world, client_for):
    page = (
        client_for(world.coordinator)
        .get(reverse("member-detail", args=[world.hub.slug, world.member.pk]))
        .content.decode()
    )
    assert "lifts to appointments" in page
    assert "01632 960 999" in page
    assert "Safeguarding checks" in page


def test_my_own_profile_shows_my_needs(world, client_for):
    page = client_for(world.member).get(reverse("my-profile")).content.decode()
    assert "lifts to appointments" in page


def test_the_directory_lists_only_this_hubs_members(world, client_for):
    page = client_for(world.member).get(reverse("directory", args=[world.hub.slug]))
    names = {m.person.display_name for m in page.context["page"]}
    assert "Sam Member" in names
    assert "Ron Assisted" not in names  # added by a coordinator: unlisted until he chooses
    assert "Jean Outsider" not in names
