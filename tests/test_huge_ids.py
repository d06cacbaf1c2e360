"""Every page and API URL of the permission matrix with each id in its address replaced
by one no database column can hold: a 404 (or a refusal), never a 500."""

import pytest
from django.urls import reverse

from tests.matrix_objects import built_once
from tests.test_permission_matrix import CASES

pytestmark = pytest.mark.django_db

HUGE = 2**70


@pytest.fixture(scope="module")
def things(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker)


def test_ids_beyond_the_database_are_never_a_server_error(things, client):
    client.raise_request_exception = False
    failures = []
    for case in CASES:
        kwargs = case.kwargs(things)
        ids = [name for name, value in kwargs.items() if isinstance(value, int)]
        if not ids:
            continue
        url = reverse(case.name, kwargs={**kwargs, **dict.fromkeys(ids, HUGE)})
        headers = {}
        if case.is_api:
            headers["Authorization"] = f"Bearer {things.api_keys['coordinator']}"
        else:
            client.force_login(things.person("coordinator"))
        if case.method == "get":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, {}, headers=headers)
        if response.status_code >= 500:
            failures.append(f"{case.method.upper()} {url}")
    assert failures == [], "\n".join(failures)
