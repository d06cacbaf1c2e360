"""The health check's services and pages: opening rounds, answering, paper answers."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from coproduce.audit import AuditKind
from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent
from coproduce.insight.models import HealthCheck, HealthCheckResponse
from coproduce.insight.services import healthcheck as services

from .health_fixtures import add_members, all_answers, closed_check, open_check

DAY = datetime.timedelta(days=1)


def _open(world, actor=None, key=None, **dates):
    today = timezone.localdate()
    return services.round_open(
        actor=actor or world.coordinator,
        hub=world.hub,
        title="Spring",
        opens_on=dates.get("opens_on", today),
        closes_on=dates.get("closes_on", today + 28 * DAY),
        key=key,
    )


def test_a_coordinator_opens_a_round_once_for_a_key(world):
    first = _open(world, key="k1")
    again = _open(world, key="k1")
    assert first.pk == again.pk and getattr(again, "already_saved", False)
    assert HealthCheck.objects.count() == 1
    assert AuditEvent.objects.filter(event=AuditKind.HEALTH_CHECK_OPENED).count() == 1


def test_rounds_never_overlap(world):
    _open(world)
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as refused:
        _open(world, opens_on=today + 10 * DAY, closes_on=today + 40 * DAY)
    assert refused.value.field == "opens_on"
    assert HealthCheck.objects.count() == 1
    _open(world, opens_on=today + 29 * DAY, closes_on=today + 50 * DAY)  # after it: fine


@pytest.mark.parametrize(
    ("title", "opens", "closes", "field"),
    [
        ("", 0, 10, "title"),
        ("Spring", 5, 2, "closes_on"),
        ("Spring", -20, -1, "closes_on"),
        ("Spring", 0, 200, "closes_on"),
    ],
)
def test_bad_rounds_are_refused_naming_the_field(world, title, opens, closes, field):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as refused:
        services.round_open(
            actor=world.coordinator,
            hub=world.hub,
            title=title,
            opens_on=today + opens * DAY,
            closes_on=today + closes * DAY,
        )
    assert refused.value.field == field
    assert not HealthCheck.objects.exists()


def test_only_coordinators_open_rounds(world):
    for person in (world.staff, world.member, world.other_coordinator):
        with pytest.raises(PermissionDenied):
            _open(world, actor=person)


def test_the_next_round_is_suggested_three_months_after_the_last(world):
    last = closed_check(world, ended_days_ago=5)
    opens, closes = services.suggestion(world.hub)
    assert opens >= timezone.localdate()
    assert opens >= last.opens_on + 89 * DAY
    assert closes - opens == 28 * DAY


def test_members_answer_on_their_side_and_change_their_answers(world):
    check = open_check(world)
    mine = services.answer(actor=world.member, check=check, answers=all_answers(2))
    staff = services.answer(actor=world.staff, check=check, answers=all_answers(4))
    assert (mine.side, staff.side) == ("users", "staff")
    services.answer(actor=world.member, check=check, answers=all_answers(5))
    saved = HealthCheckResponse.objects.get(health_check=check, person=world.member)
    assert saved.answers == all_answers(5) and saved.side == "users"
    assert HealthCheckResponse.objects.filter(health_check=check).count() == 2
    events = AuditEvent.objects.filter(event=AuditKind.HEALTH_CHECK_ANSWERED)
    assert events.count() == 3
    assert all("answers" not in event.new for event in events)


def test_answering_twice_with_one_key_saves_once(world):
    check = open_check(world)
    for _ in range(2):
        services.answer(actor=world.member, check=check, answers=all_answers(3), key="same")
    assert AuditEvent.objects.filter(event=AuditKind.HEALTH_CHECK_ANSWERED).count() == 1


def test_bad_answers_name_the_statement_and_save_nothing(world):
    check = open_check(world)
    with pytest.raises(ApplicationError) as refused:
        services.answer(actor=world.member, check=check, answers=all_answers(3) | {"say": 9})
    assert refused.value.field == "say"
    assert not HealthCheckResponse.objects.exists()


def test_a_closed_round_takes_no_answers(world):
    check = closed_check(world)
    with pytest.raises(ApplicationError) as refused:
        services.answer(actor=world.member, check=check, answers=all_answers(3))
    assert refused.value.status == 409
    assert not HealthCheckResponse.objects.exists()


def test_another_hub_cannot_answer(world):
    check = open_check(world)
    with pytest.raises(PermissionDenied):
        services.answer(actor=world.other_coordinator, check=check, answers=all_answers(3))


def test_a_coordinator_enters_paper_answers_for_someone_not_online(world):
    check = open_check(world)
    saved = services.answer_for(
        actor=world.coordinator,
        check=check,
        person_id=world.assisted.pk,
        answers=all_answers(1),
    )
    assert saved.person == world.assisted and saved.entered_by == world.coordinator
    event = AuditEvent.objects.get(event=AuditKind.HEALTH_CHECK_ANSWERED)
    assert event.actor == world.coordinator and event.on_behalf_of == world.assisted


def test_paper_answers_only_for_members_not_online(world):
    check = open_check(world)
    for person_id, field in [
        (world.member.pk, "person"),  # online: answers themself
        (world.outsider.pk, "person"),  # another hub's member
        (2**70, "person"),
        ("nobody", "person"),
    ]:
        with pytest.raises(ApplicationError) as refused:
            services.answer_for(
                actor=world.coordinator, check=check, person_id=person_id, answers=all_answers()
            )
        assert refused.value.field == field
    with pytest.raises(PermissionDenied):
        services.answer_for(
            actor=world.staff, check=check, person_id=world.assisted.pk, answers=all_answers()
        )
    assert not HealthCheckResponse.objects.exists()


# --- pages ---------------------------------------------------------------------------------


def test_pages_for_members_and_not_for_other_hubs(world, client_for):
    check = open_check(world)
    base = f"/hubs/{world.hub.slug}/health-check/"
    member = client_for(world.member)
    assert member.get(base).status_code == 200
    assert member.get(f"{base}{check.pk}/").status_code == 200
    assert member.get(f"{base}new/").status_code == 403
    assert member.get(f"{base}{check.pk}/answer-for/").status_code == 403
    outsider = client_for(world.outsider)
    for url in (base, f"{base}{check.pk}/", f"{base}{check.pk}/answer/", f"{base}new/"):
        assert outsider.get(url).status_code == 404, url


def test_answering_through_the_page(world, client_for):
    check = open_check(world)
    url = f"/hubs/{world.hub.slug}/health-check/{check.pk}/answer/"
    client = client_for(world.member)
    form = {k: str(v) for k, v in all_answers(4).items()}
    missing = dict(form)
    del missing["say"]
    refused = client.post(url, missing)
    assert refused.status_code == 400 and "Choose an answer" in refused.content.decode()
    assert client.post(url, form | {"key": "abc"}).status_code == 302
    assert client.post(url, form | {"key": "abc"}).status_code == 302
    assert HealthCheckResponse.objects.get(person=world.member).answers == all_answers(4)


def test_results_show_side_by_side_with_the_gap_in_words(world, client_for):
    check = open_check(world)
    tenants = add_members(world, 5)
    staff = add_members(world, 5, role="staff", prefix="Officer")
    for person in tenants:
        services.answer(
            actor=person, check=check, answers=all_answers(4) | {"say": 1, "listened": 2}
        )
    for person in staff:
        services.answer(actor=person, check=check, answers=all_answers(4))
    page = client_for(world.member).get(f"/hubs/{world.hub.slug}/health-check/{check.pk}/")
    text = page.content.decode()
    assert "Staff think users have more voice than users do." in text
    assert "Who has not answered yet" not in text  # for coordinators only
    page = client_for(world.coordinator).get(f"/hubs/{world.hub.slug}/health-check/{check.pk}/")
    assert "Ron Assisted" in page.content.decode()


def test_a_round_sent_again_after_going_back_is_opened_once(world, client_for):
    today = timezone.localdate()
    form = {
        "title": "Spring",
        "opens_on": today.isoformat(),
        "closes_on": (today + 28 * DAY).isoformat(),
    }
    client = client_for(world.coordinator)
    url = f"/hubs/{world.hub.slug}/health-check/new/"
    for key in ("first", "second"):  # Back gives the form a new key
        response = client.post(url, form | {"key": key}, follow=True)
        assert response.status_code == 200
    assert HealthCheck.objects.count() == 1
    assert "already saved" in response.content.decode().lower()


def test_a_second_round_overlapping_is_refused_on_the_form(world, client_for):
    open_check(world)
    today = timezone.localdate()
    response = client_for(world.coordinator).post(
        f"/hubs/{world.hub.slug}/health-check/new/",
        {"title": "Again", "opens_on": today.isoformat(), "closes_on": today.isoformat()},
    )
    assert response.status_code == 400
    assert "choose dates after it closes" in response.content.decode()
    assert HealthCheck.objects.count() == 1
