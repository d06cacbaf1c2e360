"""GET requests never write: every page and API endpoint of the permission matrix that
answers a GET, asked by every persona, inserts, updates and deletes nothing.

The statements are captured from the request (signed in beforehand: signing in writes the
session and the last sign-in time) and include the work the request leaves for after the
commit (a task, an email). Two kinds of write are not the application's data and are left
out on purpose:
- django_session: the session middleware saves a session the page changed (a flash
  message read and cleared; the place kept for someone who came by a conversation's link);
- an API key's `last_used_at`: a key notes its use at most once a minute, by design, so
  every key is marked as used a moment ago before the request (a key in steady use). If
  that stopped being once a minute, this test would catch it.
"""

import pytest

from tests.matrix_objects import PERSONAS, built_once
from tests.test_permission_matrix import GETS, send

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def things(django_db_setup, django_db_blocker):
    """One object of each kind in Millbrook, built once for this module."""
    yield from built_once(django_db_blocker)


@pytest.mark.parametrize(
    ("case", "persona"),
    [
        pytest.param(case, persona, id=f"{case.id} as {persona}")
        for case in GETS
        for persona in PERSONAS
    ],
)
def test_a_get_writes_nothing(things, client, case, persona):
    response, _body, wrote = send(client, case, things, persona)
    assert not wrote, (
        f"GET {case.url(things)} ({case.id}) as {persona} answered {response.status_code} "
        f"and wrote {len(wrote)} time(s), first: {wrote[0]}"
    )
