"""A web worker loads the heavy libraries only when a request needs them.

NumPy and SciPy (the conversation analysis and matching engines) and Pillow (photos of
reports) are large: a worker that imports them while loading the URL configuration is
tens of megabytes bigger before it serves anything, and every worker of a server pays it.
Here, in a fresh interpreter with the project's settings, Django is set up, the URL
configuration loaded and a few addresses resolved; none of them may be in sys.modules.
"""

import os
import subprocess
import sys

import pytest

PROGRAM = """
import json, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduce.settings")
import django
django.setup()
import coproduce.urls
from django.urls import resolve
for path in ("/", "/accounts/sign-in/", "/me/", "/hubs/millbrook/", "/api/v1/me"):
    resolve(path)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _loaded_after_setting_up() -> set[str]:
    import json

    src = os.path.join(os.path.dirname(os.path.dirname(__file__)), "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run(  # noqa: S603 (our own interpreter, a fixed program)
        [sys.executable, "-c", PROGRAM],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def loaded():
    return _loaded_after_setting_up()


def test_the_check_sees_what_a_worker_loads(loaded):
    assert {"django", "coproduce", "ninja"} <= loaded


def test_pillow_is_loaded_only_for_a_photo(loaded):
    assert "PIL" not in loaded


def test_numpy_is_loaded_only_when_a_request_needs_an_engine(loaded):
    assert "numpy" not in loaded


def test_scipy_is_loaded_only_when_a_request_needs_the_analysis(loaded):
    assert "scipy" not in loaded
