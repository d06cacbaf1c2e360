"""A postal address for people who get letters: entered where the phone number is, as
private as it (the person and their hub's coordinators, nobody else, nothing across
hubs), never copied into the audit log, printed at the top of a statement to post,
cleared on erasure and in the person's own data."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coproduce.audit import describe
from coproduce.errors import ApplicationError
from coproduce.hubs import services
from coproduce.hubs.models import AuditEvent, AuditKind, Person, tidy_postal_address
from coproduce.insight import exports
from coproduce.insight.models import Erasure
from coproduce.insight.services.erasure import person_erase
from tests.conftest import account

pytestmark = pytest.mark.django_db

ADDRESS = "14 Larkspur Row\nMillbrook\nMB2 4QT"
# Markup, a right-to-left override, a zero-width joiner, an accent built of two code
# points and a line separator (U+2028) that some copy-and-paste brings in.
ODD = "<b>Flat 2</b> & \"Co\"\u202e\nRue de l'Église\u200d\u2028Zoë's Yard\n<script>x</script>"


def _set_address(world, person, text=ADDRESS):
    return services.profile_update(
        actor=world.coordinator, person=person, hub=world.hub, changes={"postal_address": text}
    )


def _detail(world, person):
    return reverse("member-detail", args=[world.hub.slug, person.pk])


def _edit(world, person):
    return reverse("member-edit", args=[world.hub.slug, person.pk])


# --- entered where the phone is --------------------------------------------------------------


def test_a_coordinator_adds_someone_not_online_with_their_address(world, client_for):
    client = client_for(world.coordinator)
    form = client.get(reverse("assisted-create", args=[world.hub.slug])).content.decode()
    assert "Postal address, for letters" in form and 'name="postal_address"' in form
    response = client.post(
        reverse("assisted-create", args=[world.hub.slug]),
        {
            "display_name": "Edna Price",
            "postal_address": "  2 Weaver's Lane \r\n\r\n Millbrook\r\nMB3 7JD  ",
            "contact_preference": "post",
            "consent_purpose": "To be a member and get letters",
            "consent_method": "paper",
        },
    )
    assert response.status_code == 302, response.content.decode()
    edna = Person.objects.get(display_name="Edna Price")
    # Lines trimmed, blank ones and Windows line endings gone.
    assert edna.postal_address == "2 Weaver's Lane\nMillbrook\nMB3 7JD"
    assert edna.contact_preference == "post"


def test_the_person_changes_their_own_address(world, client_for):
    client = client_for(world.member)
    form = client.get(reverse("my-profile-edit")).content.decode()
    assert "Postal address, for letters" in form and "Only you" in form
    data = {"display_name": "Sam Member", "contact_preference": "email", "postal_address": ADDRESS}
    assert client.post(reverse("my-profile-edit"), data).status_code == 302
    world.member.refresh_from_db()
    assert world.member.postal_address == ADDRESS
    page = client.get(reverse("my-profile")).content.decode()
    assert "14 Larkspur Row<br>Millbrook<br>MB2 4QT" in page


def test_the_coordinator_changes_a_members_address(world, client_for):
    client = client_for(world.coordinator)
    form = client.get(_edit(world, world.assisted)).content.decode()
    assert "Only they and this hub&#x27;s coordinators see it" in form
    data = {"display_name": "Ron Assisted", "contact_preference": "post", "postal_address": ADDRESS}
    assert client.post(_edit(world, world.assisted), data).status_code == 302
    world.assisted.refresh_from_db()
    assert world.assisted.postal_address == ADDRESS


@pytest.mark.parametrize("persona", ["member", "staff", "other_coordinator", "outsider"])
def test_nobody_else_changes_it(world, client_for, persona):
    _set_address(world, world.assisted)
    data = {"display_name": "Ron Assisted", "contact_preference": "post", "postal_address": "X"}
    response = client_for(world.persona(persona)).post(_edit(world, world.assisted), data)
    assert response.status_code in (403, 404)
    world.assisted.refresh_from_db()
    assert world.assisted.postal_address == ADDRESS
    with pytest.raises(PermissionDenied):
        services.profile_update(
            actor=world.persona(persona),
            person=world.assisted,
            hub=world.hub if persona != "other_coordinator" else world.other_hub,
            changes={"postal_address": "X"},
        )


def test_too_long_is_a_field_error_and_nothing_is_saved(world, client_for):
    _set_address(world, world.assisted)
    client = client_for(world.coordinator)
    data = {
        "display_name": "Ron Assisted",
        "contact_preference": "post",
        "postal_address": "A very long street name\n" * 20,
    }
    response = client.post(_edit(world, world.assisted), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "Use 300 characters or fewer: this has 479." in body
    control = body.split("<textarea")[1].split(">")[0]
    assert 'name="postal_address"' in control and 'aria-invalid="true"' in control
    world.assisted.refresh_from_db()
    assert world.assisted.postal_address == ADDRESS
    # The service refuses it too, naming the field, whoever calls it.
    with pytest.raises(ApplicationError) as refused:
        _set_address(world, world.assisted, "x" * 301)
    assert getattr(refused.value, "field", None) == "postal_address"


# --- who sees it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona, subject, sees",
    [
        ("coordinator", "member", True),
        ("admin", "member", True),
        ("member", "member", True),  # themselves
        ("staff", "member", False),
        ("member", "assisted", False),
        ("staff", "assisted", False),
    ],
)
def test_only_the_person_and_the_hubs_coordinators_see_it(
    world, client_for, persona, subject, sees
):
    subject = world.persona(subject)
    _set_address(world, subject)
    page = client_for(world.persona(persona)).get(_detail(world, subject))
    assert page.status_code == 200
    assert ("14 Larkspur Row" in page.content.decode()) is sees


def test_another_hubs_coordinator_sees_nothing(world, client_for):
    _set_address(world, world.assisted)
    client = client_for(world.other_coordinator)
    assert client.get(_detail(world, world.assisted)).status_code == 403
    for slug_page in ("coordinate", "involve-packs-print"):
        body = client.get(reverse(slug_page, args=[world.other_hub.slug])).content.decode()
        assert "Larkspur" not in body


def test_html_and_odd_unicode_are_shown_escaped_with_line_breaks(world, client_for):
    _set_address(world, world.assisted, ODD)
    world.assisted.refresh_from_db()
    assert world.assisted.postal_address.count("\n") == 3  # U+2028 became a line
    body = client_for(world.coordinator).get(_detail(world, world.assisted)).content.decode()
    assert "<script>x</script>" not in body and "<b>Flat 2</b>" not in body
    assert "&lt;b&gt;Flat 2&lt;/b&gt; &amp; &quot;Co&quot;" in body
    assert "Rue de l&#x27;Église" in body and "<br>Zoë&#x27;s Yard<br>&lt;script&gt;" in body


def test_letters_asked_for_with_no_address_are_pointed_out(world, client_for):
    services.profile_update(
        actor=world.coordinator,
        person=world.assisted,
        hub=world.hub,
        changes={"contact_preference": "post"},
    )
    client = client_for(world.coordinator)
    body = client.get(reverse("coordinate", args=[world.hub.slug])).content.decode()
    assert "no postal address" in body and _edit(world, world.assisted) in body
    detail = client.get(_detail(world, world.assisted)).content.decode()
    assert "there is no address to send them to" in detail
    _set_address(world, world.assisted)
    body = client.get(reverse("coordinate", args=[world.hub.slug])).content.decode()
    assert "no postal address" not in body


# --- the audit log ---------------------------------------------------------------------------


def test_the_audit_log_says_it_changed_but_never_what_it_is(world, client_for):
    _set_address(world, world.assisted)
    _set_address(world, world.assisted, "5 Tansy Close\nNorthfield")
    _set_address(world, world.assisted, "")
    events = AuditEvent.objects.filter(
        event=AuditKind.PROFILE_UPDATED, subject_id=world.assisted.pk
    ).order_by("pk")
    assert events.count() == 3
    for event in events:
        text = str(event.old) + str(event.new)
        assert "Larkspur" not in text and "Tansy" not in text
    assert events.last().new == {"postal_address": ""}  # removed
    sentences = [row.sentence for row in describe(events)]
    assert all("Ron Assisted's postal address changed" in s for s in sentences), sentences
    created = services.person_create_assisted(
        actor=world.coordinator,
        hub=world.hub,
        display_name="Edna Price",
        postal_address=ADDRESS,
        consent_purpose="To be a member",
        consent_method="paper",
    )
    made = AuditEvent.objects.get(event=AuditKind.PERSON_CREATED, subject_id=created.pk)
    assert "Larkspur" not in str(made.new) and made.new["postal_address"]


def test_tidying_keeps_lines_and_drops_gaps():
    assert tidy_postal_address(" a \r\n\r\nb\rc\u2028d \n\n") == "a\nb\nc\nd"
    assert tidy_postal_address("") == ""


# --- a statement to post ---------------------------------------------------------------------


def test_a_printed_statement_to_post_starts_with_name_and_address(world, client_for):
    _set_address(world, world.assisted)
    ron = account(world, world.assisted)
    url = reverse("statement", args=[world.hub.slug])
    client = client_for(world.coordinator)
    printed = client.get(url, {"account": ron.pk, "print": "1"}).content.decode()
    block = printed.split('class="letter-address"')[1].split("</p>")[0]
    assert ">Ron Assisted<br>14 Larkspur Row<br>Millbrook<br>MB2 4QT" in block
    assert printed.index("letter-address") < printed.index("<h1>")
    # Not on the screen version, and nobody else's statement is theirs to print.
    assert "Larkspur" not in client.get(url, {"account": ron.pk}).content.decode()
    assert client_for(world.member).get(url, {"account": ron.pk, "print": "1"}).status_code == 404
    # Without an address, the coordinator is told, with where to add one.
    _set_address(world, world.assisted, "")
    client = client_for(world.coordinator)
    printed = client.get(url, {"account": ron.pk, "print": "1"}).content.decode()
    assert "No postal address" in printed and _edit(world, world.assisted) in printed


def test_the_person_prints_their_own_statement_with_their_address(world, client_for):
    services.profile_update(
        actor=world.member, person=world.member, changes={"postal_address": ADDRESS}
    )
    url = reverse("statement", args=[world.hub.slug])
    printed = client_for(world.member).get(url, {"print": "1"}).content.decode()
    assert "Sam Member<br>14 Larkspur Row" in printed


# --- erasure and the person's own data -------------------------------------------------------


def test_erasure_clears_it(world):
    _set_address(world, world.assisted)
    person_erase(
        actor=world.coordinator,
        person=world.assisted,
        route=Erasure.Route.COORDINATOR,
        how_asked="phone",
    )
    world.assisted.refresh_from_db()
    assert world.assisted.postal_address == "" and world.assisted.phone == ""


def test_the_persons_own_data_includes_it(world):
    services.profile_update(
        actor=world.member, person=world.member, changes={"postal_address": ADDRESS}
    )
    data = exports.collect(world.member)
    assert data["profile"][0]["postal_address"] == ADDRESS
