"""Several clicks on "Make my download" at the same moment, each on its own database
connection: one download is made, one request is audited."""

import threading

import pytest
from django.db import connections

from coproduce.hubs.models import AuditEvent
from coproduce.insight.models import PersonalExport
from coproduce.insight.services.exports import export_request

AT_ONCE = 4


@pytest.mark.django_db(transaction=True)
def test_asking_at_the_same_moment_makes_one_download(world, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    start = threading.Barrier(AT_ONCE)
    errors, answers = [], []

    def worker():
        try:
            start.wait()
            answers.append(export_request(actor=world.member))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert PersonalExport.objects.filter(person=world.member).count() == 1
    assert sorted(new for _export, new in answers) == [False] * (AT_ONCE - 1) + [True]
    assert len({export.pk for export, _new in answers}) == 1
    assert AuditEvent.objects.filter(event="data_export.requested").count() == 1
