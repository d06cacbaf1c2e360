"""A mail server that is down, or a title with a line break, never turns a committed
change into an error page: email is sent by a task after commit, and a failed send is
logged (and, with a backend that can defer, retried later)."""

import logging
import socket

import pytest
from django.core import mail
from django.urls import reverse

from coproduce.mail import one_line, tasks
from coproduce.timebank.models import Exchange


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": closed_port(), "timeout": 2},
        }
    }


def record(client, hub, other, title):
    return client.post(
        reverse("exchange-record", args=[hub.slug]),
        {
            "direction": "gave",
            "other": other.membership.person_id,
            "title": title,
            "hours": "1",
            "minutes": "0",
            "key": title[:20],
        },
    )


@pytest.mark.django_db(transaction=True)
def test_a_down_mail_server_still_shows_the_recorded_exchange(
    world, bank, client_for, mail_server_down, caplog
):
    client = client_for(world.member)
    with caplog.at_level(logging.WARNING, logger="coproduce.mail"):
        response = record(client, world.hub, bank.staff, "Lift to the clinic")
    exchange = Exchange.objects.get(hub=world.hub)
    assert response.status_code == 302
    assert response["Location"] == reverse("exchange-detail", args=[world.hub.slug, exchange.pk])
    assert Exchange.objects.filter(hub=world.hub).count() == 1
    assert "giving up" in caplog.text  # the immediate backend cannot retry later
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_title_with_a_line_break_is_recorded_and_mailed_on_one_line(world, bank, client_for):
    response = record(client_for(world.member), world.hub, bank.staff, "Lift\nBcc: x@evil.test")
    assert response.status_code == 302
    assert Exchange.objects.filter(hub=world.hub).count() == 1
    (message,) = mail.outbox
    assert message.subject == "Please confirm 1 h: Lift Bcc: x@evil.test"
    assert message.bcc == [] and message.message()["Bcc"] is None


def test_one_line_collapses_every_kind_of_whitespace():
    assert one_line("  a\r\nb\t c\u2028d\x0be ") == "a b c d e"


class DeferringBackend:
    supports_defer = True


def test_a_failed_send_is_queued_again_later_until_the_last_attempt(
    settings, mail_server_down, monkeypatch, caplog
):
    settings.EMAIL_ATTEMPTS = 3
    queued = []

    class Later:
        def __init__(self, run_after):
            self.run_after = run_after

        def enqueue(self, **kwargs):
            queued.append((self.run_after, kwargs))

    monkeypatch.setattr(type(tasks.send_email), "get_backend", lambda self: DeferringBackend())
    monkeypatch.setattr(
        type(tasks.send_email), "using", lambda self, run_after=None: Later(run_after)
    )
    sent = {"subject": "Hello", "body": "Hi", "recipients": ["a@example.org"]}
    assert tasks.send_email.call(**sent) is False
    assert [kwargs["attempt"] for _, kwargs in queued] == [2]
    assert tasks.send_email.call(**sent, attempt=2) is False
    assert [kwargs["attempt"] for _, kwargs in queued] == [2, 3]
    assert queued[1][0] - queued[0][0] > tasks.retry_delay(1)
    assert tasks.send_email.call(**sent, attempt=3) is False  # the last: logged, not queued
    assert len(queued) == 2
    assert "giving up" in caplog.text


def test_with_the_database_backend_the_email_waits_for_a_worker(
    world, bank, settings, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from coproduce.timebank import services

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        services.exchange_record(
            actor=world.member,
            hub=world.hub,
            giver=bank.member,
            receiver=bank.staff,
            title="Shopping",
            minutes=30,
        )
    assert mail.outbox == []
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "coproduce.mail.tasks.send_email"
    assert queued.args_kwargs["kwargs"]["recipients"] == ["amir@example.org"]
