"""People pickers: a search that finds at most ten people a form may take, for those who
may use that form; the field refuses anyone else by name; without JavaScript, "Find"
shows the form again with the matches and keeps what was typed."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coproduce.hubs.models import Membership, Person
from coproduce.hubs.pickers import LIMIT
from coproduce.timebank.models import Exchange

MATCH = re.compile(r'<label for="[\w-]+_m(\d+)">([^<]+?)(?: \([^)]*\))?</label>')


def found(response) -> dict[int, str]:
    assert response.status_code == 200, response.status_code
    return {int(pk): name for pk, name in MATCH.findall(response.text)}


def search(client, hub="millbrook", **params):
    return client.get(reverse("people-search", args=[hub]), params)


def crowd(hub, count: int, name: str = "Pat") -> list[Person]:
    people = Person.objects.bulk_create(
        Person(display_name=f"{name} {i:05d}", email=f"{name.lower()}{i}@crowd.example")
        for i in range(count)
    )
    Membership.objects.bulk_create(Membership(hub=hub, person=p) for p in people)
    return people


def test_search_finds_at_most_ten_and_says_to_type_more(world, client_for):
    crowd(world.hub, 25)
    client = client_for(world.coordinator)
    response = search(client, **{"for": "audit", "q": "pat"})
    assert len(found(response)) == LIMIT
    assert "type more of the name" in response.text
    narrow = found(search(client, **{"for": "audit", "q": "Pat 0002"}))
    assert sorted(narrow.values()) == [f"Pat {i:05d}" for i in (2, 20, 21, 22, 23, 24)]
    assert "type more" not in search(client, **{"for": "audit", "q": "Pat 0002"}).text


def test_search_costs_the_same_queries_on_a_larger_hub(world, client_for):
    client = client_for(world.coordinator)
    params = {"for": "referral-person", "q": "a"}
    search(client, **params)  # sessions and the like, once
    with CaptureQueriesContext(connection) as small:
        search(client, **params)
    crowd(world.hub, 300, name="Alex")
    with CaptureQueriesContext(connection) as large:
        assert len(found(search(client, **params))) == LIMIT
    assert len(large) == len(small)
    assert all("LIMIT" in q["sql"] for q in large if "display_name" in q["sql"])


def test_search_is_scoped_to_the_hub_and_the_purpose(world, client_for):
    client = client_for(world.coordinator)
    # Jean is in Northfield: never found from Millbrook.
    assert found(search(client, **{"for": "audit", "q": "Jean"})) == {}
    # Staff-only: Sam is a member, Dr Amir is staff.
    assert found(search(client, **{"for": "failsafe", "q": "Sam"})) == {}
    assert set(found(search(client, **{"for": "failsafe", "q": "Amir"}))) == {world.staff.pk}
    # Recording an exchange: the other side is never oneself.
    member = client_for(world.member)
    assert found(search(member, **{"for": "exchange-other", "q": "Sam"})) == {}
    assert set(found(search(member, **{"for": "exchange-other", "q": "Grace"}))) == {
        world.coordinator.pk
    }


@pytest.mark.parametrize(
    ("persona", "purpose", "status"),
    [
        ("member", "audit", 403),
        ("member", "referral-person", 403),
        ("member", "group-members", 403),
        ("staff", "chest-grant", 403),
        ("staff", "failsafe", 403),
        ("outsider", "exchange-other", 403),
        ("other_coordinator", "audit", 403),
        ("coordinator", "no-such-form", 404),
    ],
)
def test_only_those_who_may_use_the_form_may_search(world, client_for, persona, purpose, status):
    client = client_for(getattr(world, persona))
    response = search(client, **{"for": purpose, "q": "a"})
    assert response.status_code == status
    assert "Sam Member" not in response.text


def test_a_project_search_needs_the_projects_lead_and_its_hub(world, client_for):
    from coproduce.referrals import services as referrals

    project = referrals.project_create(
        actor=world.coordinator,
        hub=world.hub,
        name="Friendly calls",
        kind="phone_friend",
        lead=world.coordinator,
        roles=["caller"],
    )
    params = {"for": "project-rota", "project": project.pk, "q": "Sam"}
    assert set(found(search(client_for(world.coordinator), **params))) == {world.member.pk}
    assert search(client_for(world.member), **params).status_code == 403
    other = client_for(world.other_coordinator)
    assert search(other, "northfield", **params).status_code == 404
    assert search(client_for(world.coordinator), **{**params, "project": "x"}).status_code == 404


def test_email_finds_a_person_for_staff_only(world, client_for):
    params = {"for": "exchange-other", "q": "sam@example.org"}
    assert set(found(search(client_for(world.staff), **params))) == {world.member.pk}
    assert found(search(client_for(world.coordinator), **params)) == {world.member.pk: "Sam Member"}
    # A member finds people by name only.
    members = client_for(world.member)
    assert found(search(members, **{"for": "exchange-other", "q": "grace@example.org"})) == {}


def test_a_person_the_form_cannot_take_is_refused_naming_the_field(world, client_for):
    client = client_for(world.coordinator)
    url = reverse("referral-settings", args=[world.hub.slug])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    response = client.post(url, {**data, "failsafe": world.member.pk})
    assert response.status_code == 400
    assert (
        "Staff member who takes escalations with no referrer: Choose someone this form can take"
        in response.text
    )
    # A person of another hub, and something that is not an id, the same.
    other = client.post(url, {**data, "failsafe": world.outsider.pk})
    assert other.status_code == 400 and "cannot be chosen here" in other.text
    assert client.post(url, {**data, "failsafe": "1 OR 1=1"}).status_code == 400


def test_without_javascript_find_shows_the_matches_and_keeps_what_was_typed(
    world, bank, client_for
):
    client = client_for(world.coordinator)
    url = reverse("group-record", args=[world.hub.slug])
    form = {
        "title": "Repair café",
        "organisation": bank.health_centre.pk,
        "hours": "2",
        "minutes": "0",
        "members__q": "Ron",
    }
    shown = client.post(url, {**form, "_find": "members"})
    assert shown.status_code == 200 and "There is a problem" not in shown.text
    assert 'value="Repair café"' in shown.text
    assert found(shown) == {world.assisted.pk: "Ron Assisted"}
    assert Exchange.objects.count() == 0
    # Ron ticked, then Sam found and ticked: both stay chosen.
    again = client.post(
        url, {**form, "members": [world.assisted.pk], "members__q": "Sam", "_find": "members"}
    )
    assert f'value="{world.assisted.pk}" id="id_members_c{world.assisted.pk}" checked' in again.text
    assert found(again) == {world.member.pk: "Sam Member"}
    # Searching for the one already chosen finds nobody else, and says so.
    same = client.post(
        url, {**form, "members": [world.assisted.pk], "members__q": "Ron", "_find": "members"}
    )
    assert "Nobody else who can be chosen here matches “Ron”." in same.text
    done = client.post(url, {**form, "members": [world.assisted.pk, world.member.pk]})
    assert done.status_code == 302
    exchange = Exchange.objects.get()
    assert exchange.title == "Repair café"
    bank.member.refresh_from_db()
    bank.assisted.refresh_from_db()
    assert (bank.member.balance_minutes, bank.assisted.balance_minutes) == (120, 120)


def test_the_form_shows_no_list_of_members(world, bank, client_for):
    crowd(world.hub, 50)
    client = client_for(world.coordinator)
    for name in ("group-record", "exchange-record", "referral-new", "project-new", "audit-log"):
        page = client.get(reverse(name, args=[world.hub.slug]))
        assert page.status_code == 200, name
        assert "Pat 00001" not in page.text, name
        assert 'type="search"' in page.text, name


def test_a_picker_sent_back_unchanged_has_not_changed(world):
    from coproduce.referrals.forms import PolicyForm

    form = PolicyForm(
        {"failsafe": str(world.staff.pk)}, hub=world.hub, initial={"failsafe": world.staff}
    )
    assert "failsafe" not in form.changed_data
    moved = PolicyForm(
        {"failsafe": str(world.coordinator.pk)}, hub=world.hub, initial={"failsafe": world.staff}
    )
    assert "failsafe" in moved.changed_data


def test_the_audit_pages_keep_the_filters_not_the_words_typed(world, client_for):
    """Without JavaScript, "Find" on the audit log's filter shows the people who match and
    the changes the other filters choose; the links to other pages keep the filters (the
    person chosen, the dates), not the search words nor the Find."""
    from coproduce.hubs.models import AuditEvent

    AuditEvent.objects.bulk_create(
        AuditEvent(
            hub=world.hub,
            actor=world.member,
            event="profile.updated",
            subject_type="person",
            subject_id=world.member.pk,
        )
        for _ in range(60)
    )
    client = client_for(world.coordinator)
    url = reverse("audit-log", args=[world.hub.slug])
    params = {
        "person": world.member.pk,
        "person__q": "Ron",
        "_find": "person",
        "date_from": "2020-01-01",
    }
    page = client.get(url, params)
    assert page.status_code == 200
    assert found(page) == {world.assisted.pk: "Ron Assisted"}  # the words' matches
    assert "Page 1 of 2" in page.text  # Sam's 60 changes, filtered by Sam still
    older = re.search(r'href="\?([^"]*)">Older</a>', page.text).group(1).replace("&amp;", "&")
    assert older == f"person={world.member.pk}&date_from=2020-01-01&page=2"
    second = client.get(f"{url}?{older}")
    assert "Page 2 of 2" in second.text and found(second) == {}
    newer = re.search(r'href="\?([^"]*)">Newer</a>', second.text).group(1).replace("&amp;", "&")
    assert newer == f"person={world.member.pk}&date_from=2020-01-01&page=1"
    # A filter that is not valid shows every change, and its pages say so too.
    bad = client.get(url, {"date_from": "not a date", "person__q": "Ron"})
    assert "Showing every change" in bad.text
    assert 'href="?page=2"' in bad.text


@pytest.mark.parametrize("typed", ["ødegård", "ØDEGÅRD", "Ødegård", "åse", "ÅSE", "zoë", "ZOË"])
def test_search_ignores_case_in_every_alphabet(world, client_for, typed):
    crowd(world.hub, 1, name="Åse Ødegård")
    crowd(world.hub, 1, name="Zoë")
    names = found(search(client_for(world.coordinator), **{"for": "audit", "q": typed}))
    wanted = "Zoë" if typed.lower().startswith("zo") else "Åse Ødegård"
    assert [name.rsplit(" ", 1)[0] for name in names.values()] == [wanted]


def test_someone_not_in_the_directory_is_found_only_after_a_first_exchange(world, bank, client_for):
    """Ron was added by a coordinator and is not listed: a member cannot find him by
    typing letters until they have exchanged with him; a coordinator always can."""
    from coproduce.timebank import services as timebank

    params = {"for": "exchange-other", "q": "Ron"}
    member = client_for(world.member)
    assert found(search(member, **params)) == {}
    assert found(search(client_for(world.coordinator), **params)) == {
        world.assisted.pk: "Ron Assisted"
    }
    # The form says how to reach him the first time.
    member = client_for(world.member)
    form = member.get(reverse("exchange-record", args=[world.hub.slug]))
    assert "ask a coordinator to record it" in form.text
    timebank.exchange_record(
        actor=world.coordinator,
        hub=world.hub,
        giver=bank.member,
        receiver=bank.assisted,
        title="A lift to the surgery",
        minutes=60,
    )
    assert found(search(client_for(world.member), **params)) == {world.assisted.pk: "Ron Assisted"}
    # Someone else who has not exchanged with him still cannot.
    assert found(search(client_for(world.staff), **params)) == {}


def test_find_marks_no_field_invalid_even_when_the_page_reads_the_errors(world):
    """After "Find" without JavaScript nothing was sent, so nothing is wrong: no error,
    and no control announced as invalid with no message to go with it."""
    from coproduce.hubs.access import membership_of
    from coproduce.timebank.forms import RecordExchangeForm

    membership = membership_of(world.member, world.hub)
    form = RecordExchangeForm(
        {"_find": "other", "other__q": "Grace"}, membership=membership, organisations=()
    )
    assert form.errors == {}
    assert not form.is_valid()
    assert "aria-invalid" not in str(form)
    assert "Grace Coordinator" in str(form)


def test_a_rota_search_that_finds_nobody_says_why_the_person_cannot_be_chosen(world, client_for):
    """Sam is a member, but the project needs its training first: the search says so
    rather than that nobody matches."""
    from coproduce.referrals import services as referrals

    project = referrals.project_create(
        actor=world.coordinator,
        hub=world.hub,
        name="Home visits",
        kind="befriending",
        lead=world.coordinator,
        roles=["visitor"],
        training="Home visit induction",
    )
    params = {"for": "project-rota", "project": project.pk, "q": "Sam"}
    response = search(client_for(world.coordinator), **params)
    assert found(response) == {}
    assert "Sam Member needs the project&#x27;s training first: Home visit induction." in (
        response.text
    )
    # A name nobody has: nothing to explain.
    none = search(client_for(world.coordinator), **{**params, "q": "Zebedee"})
    assert "needs the project" not in none.text
