"""A refresh of the analysis after the response, when tasks run in the web process.

With TASKS_BACKEND=immediate a task runs as soon as it is enqueued, in the request that
enqueued it: a vote would wait for the whole analysis. Instead, a refresh asked for
during a request is kept until the response has been sent (Django's `request_finished`,
sent when the server closes the response), then run in the same process, so the voter
has their next statement before the engine starts. If the conversation was analysed
less than ANALYSIS_MIN_INTERVAL_SECONDS ago, the refresh waits in a timer thread until
it is due. Outside a request (commands, the demo) a refresh runs straight away. A
refresh lost with its process is asked for again by a later change (see
services/analysis.py).
"""

import contextvars
import logging
import threading

from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

_pending: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "refreshes_after_response", default=None
)


def request_started(**kwargs) -> None:
    _pending.set([])


def request_finished(**kwargs) -> None:
    pending = _pending.get()
    _pending.set(None)
    for conversation_id, run_after in pending or ():
        _run_or_wait(conversation_id, run_after)
    if pending:
        close_old_connections()


def after_response(conversation_id: int, run_after) -> None:
    pending = _pending.get()
    if pending is None:
        # Outside a request (commands, the demo) nothing is waiting on it, and a timer
        # could outlive the process: run it now.
        _run(conversation_id)
    elif (conversation_id, run_after) not in pending:
        pending.append((conversation_id, run_after))


def _run_or_wait(conversation_id: int, run_after) -> None:
    delay = (run_after - timezone.now()).total_seconds()
    if delay <= 0:
        _run(conversation_id)
        return
    timer = threading.Timer(delay, _run_in_thread, args=(conversation_id,))
    timer.daemon = True
    timer.start()


def _run(conversation_id: int) -> None:
    from .tasks import refresh_analysis

    try:
        refresh_analysis.enqueue(conversation_id)
    except Exception:  # the change is saved; a later one asks for the refresh again
        logger.exception("Refreshing the analysis of conversation %s failed", conversation_id)


def _run_in_thread(conversation_id: int) -> None:
    try:
        _run(conversation_id)
    finally:
        connections.close_all()
