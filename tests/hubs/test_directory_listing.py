"""Who the member directory lists: people who signed up, yes; people a referrer or a
coordinator added, only once they (or a coordinator for them) choose it. Coordinators
see everyone."""

from django.urls import reverse

from coproduce.audit import describe
from coproduce.hubs import services
from coproduce.hubs.models import AuditEvent, ConsentMethod, Membership


def names_seen_by(client, hub):
    page = client.get(reverse("directory", args=[hub.slug]))
    assert page.status_code == 200
    return {m.person.display_name for m in page.context["page"]}


def referred(world):
    return services.person_create_referred(
        actor=world.staff,
        hub=world.hub,
        display_name="Doris Referred",
        consent_purpose="To be referred to the time bank for lifts",
        consent_method=ConsentMethod.PAPER,
    )


def test_a_person_referred_by_staff_is_not_listed_to_members(world, client_for):
    referred(world)
    assert "Doris Referred" not in names_seen_by(client_for(world.member), world.hub)
    assert "Doris Referred" in names_seen_by(client_for(world.coordinator), world.hub)


def test_people_who_signed_up_are_listed_and_assisted_people_are_not(world):
    assert Membership.objects.get(person=world.member, hub=world.hub).listed_in_directory
    assert not Membership.objects.get(person=world.assisted, hub=world.hub).listed_in_directory


def test_a_member_chooses_to_leave_and_rejoin_the_directory(world, client_for):
    client = client_for(world.member)
    url = reverse("hub-area", args=[world.hub.slug])
    assert client.post(url, {"neighbourhood": ""}).status_code == 302  # box unticked
    assert "Sam Member" not in names_seen_by(client_for(world.staff), world.hub)
    client = client_for(world.member)
    assert client.post(url, {"listed_in_directory": "on"}).status_code == 302
    assert "Sam Member" in names_seen_by(client_for(world.staff), world.hub)
    events = AuditEvent.objects.filter(hub=world.hub, event="membership.updated")
    sentences = [line.sentence for line in describe(events.order_by("pk"))]
    assert any("not being listed in the member directory" in s for s in sentences), sentences


def test_a_coordinator_lists_a_referred_person_who_agreed(world, client_for):
    person = referred(world)
    membership = Membership.objects.get(person=person, hub=world.hub)
    services.membership_update(
        actor=world.coordinator, membership=membership, changes={"listed_in_directory": True}
    )
    assert "Doris Referred" in names_seen_by(client_for(world.member), world.hub)


def test_the_coordinators_page_lists_people_not_online_though_they_are_unlisted(world, client_for):
    person = referred(world)
    assert "Doris Referred" not in names_seen_by(client_for(world.member), world.hub)
    page = client_for(world.coordinator).get(reverse("coordinate", args=[world.hub.slug]))
    shown = {m.person.display_name for m in page.context["assisted"]}
    assert {"Doris Referred", world.assisted.display_name} <= shown
    assert person.email is None
