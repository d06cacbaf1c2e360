"""Equality monitoring: the summary hides small groups; a person's answers are theirs to
change and delete, and never in the audit log."""

import pytest
from django.urls import reverse

from coproduce.audit import AuditKind
from coproduce.errors import ApplicationError
from coproduce.hubs.models import AuditEvent, Person
from coproduce.insight import monitoring
from coproduce.insight.models import EqualityAnswers
from coproduce.insight.services import equality


def rows(**counts):
    """{answer: how many} for age bands, as rows."""
    return [{"age_band": answer} for answer, n in counts.items() for _ in range(n)]


def test_census_ethnicity_has_nineteen_categories_in_five_groups():
    categories = [key for _, group in monitoring.ETHNIC_GROUPS for key, _ in group]
    assert len(categories) == 19 and len(set(categories)) == 19
    assert len(monitoring.ETHNIC_GROUPS) == 5


def test_fewer_than_five_people_show_nothing():
    assert monitoring.summarise(rows(**{"25-34": 4})) == {"answered": None, "questions": {}}


def test_small_answers_are_put_together_and_hidden_when_still_small():
    result = monitoring.summarise(rows(**{"25-34": 7, "35-44": 3, "75+": 3}))
    assert result["answered"] == 13
    assert result["questions"]["age_band"] == [
        {"answer": "25 to 34", "people": 7},
        {"answer": monitoring.OTHERS, "people": 6},
    ]
    result = monitoring.summarise(rows(**{"25-34": 7, "35-44": 3}))
    assert result["questions"]["age_band"] == [{"answer": "25 to 34", "people": 7}]
    # Nobody answered about disability: nothing shown, no group of zero.
    assert result["questions"]["disability"] == []


def test_ethnicity_is_summarised_by_its_five_groups():
    data = [{"ethnicity": "asian_indian"}] * 3 + [{"ethnicity": "asian_pakistani"}] * 3
    data += [{"ethnicity": "white_british"}] * 2
    result = monitoring.summarise(data)
    assert result["questions"]["ethnicity"] == [
        {"answer": "Asian, Asian British or Asian Welsh", "people": 6}
    ]


def _people(n):
    return [
        Person.objects.create_user(f"p{i}@example.org", "pw", display_name=f"P {i}")
        for i in range(n)
    ]


def test_summary_reads_the_answers_of_the_people_given(world):
    people = _people(6)
    for person in people:
        equality.answers_save(person=person, answers={"carer": "yes"}, consent=True)
    found = monitoring.summary([p.pk for p in people])
    assert found["answered"] == 6
    assert found["questions"]["carer"] == [{"answer": "Yes", "people": 6}]
    assert monitoring.summary([p.pk for p in people[:4]])["answered"] is None


def test_saving_needs_consent_and_good_answers(world):
    with pytest.raises(ApplicationError) as refused:
        equality.answers_save(person=world.member, answers={"carer": "yes"}, consent=False)
    assert refused.value.field == "consent"
    with pytest.raises(ApplicationError) as refused:
        equality.answers_save(person=world.member, answers={"age_band": "ancient"}, consent=True)
    assert refused.value.field == "age_band"
    assert not EqualityAnswers.objects.exists()


def test_saving_twice_saves_once_and_the_log_holds_no_answers(world):
    for _ in range(2):
        equality.answers_save(
            person=world.member,
            answers={"age_band": "25-34", "ethnicity": "black_african"},
            consent=True,
        )
    events = AuditEvent.objects.filter(event=AuditKind.EQUALITY_ANSWERS_SAVED)
    assert events.count() == 1
    event = events.get()
    assert "25-34" not in str(event.new) + str(event.old)
    assert "black_african" not in str(event.new) + str(event.old)


def test_delete_really_deletes(world):
    equality.answers_save(person=world.member, answers={"carer": "no"}, consent=True)
    assert equality.answers_delete(person=world.member)
    assert not EqualityAnswers.objects.filter(person=world.member).exists()
    assert AuditEvent.objects.filter(event=AuditKind.EQUALITY_ANSWERS_DELETED).count() == 1
    assert not equality.answers_delete(person=world.member)


def test_pages_show_only_your_own_answers(world, client_for):
    equality.answers_save(person=world.member, answers={"age_band": "65-74"}, consent=True)
    page = client_for(world.member).get("/me/equality/")
    assert page.status_code == 200 and "<dd>65 to 74</dd>" in page.content.decode()
    # A coordinator of the same hub sees their own (empty) page, never the member's.
    page = client_for(world.coordinator).get("/me/equality/")
    assert "<dd>65 to 74</dd>" not in page.content.decode()
    assert 'value="65-74" selected' not in page.content.decode()


def test_the_form_saves_and_deletes(world, client_for):
    client = client_for(world.member)
    refused = client.post("/me/equality/", {"carer": "yes"})
    assert refused.status_code == 400 and "Tick this box" in refused.content.decode()
    assert client.post("/me/equality/", {"carer": "yes", "consent": "on"}).status_code == 302
    assert EqualityAnswers.objects.get(person=world.member).carer == "yes"
    assert client.get("/me/equality/delete/").status_code == 405
    assert client.post("/me/equality/delete/").status_code == 302
    assert not EqualityAnswers.objects.filter(person=world.member).exists()


def test_who_answered_is_in_no_hubs_log_but_in_their_own_download(world, client_for):
    from coproduce.insight import exports
    from coproduce.insight.export_sections import BY_KEY

    equality.answers_save(person=world.member, answers={"carer": "no"}, consent=True)
    equality.answers_delete(person=world.member)
    events = AuditEvent.objects.filter(event__startswith="equality")
    assert events.count() == 2 and not events.filter(hub__isnull=False).exists()
    log = client_for(world.coordinator).get(reverse("audit-log", args=[world.hub.slug]))
    assert log.status_code == 200 and "the equality questions" not in log.content.decode()
    lines = BY_KEY["activity"].rows(world.member, exports.Who(world.member))
    said = " ".join(line[2] for line in lines)
    assert "saved answers to the equality questions" in said
    assert "deleted your answers to the equality questions" in said
