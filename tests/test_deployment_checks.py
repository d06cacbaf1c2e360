"""With DEBUG off, unsafe settings stop the site from starting."""

import pytest

from coproduce.checks import deployment_advice_check, production_settings_check

SAFE = {
    "DEBUG": False,
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": ["coproduce.example.org"],
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "MAILERS": {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}},
}


def errors_with(settings, **changes) -> set[str]:
    for name, value in {**SAFE, **changes}.items():
        setattr(settings, name, value)
    return {error.id for error in production_settings_check(None)}


def test_a_safe_configuration_passes(settings):
    assert errors_with(settings) == set()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"SECRET_KEY": "short"}, "coproduce.E001"),
        ({"SECRET_KEY": "insecure-development-key-set-SECRET_KEY-in-production"}, "coproduce.E001"),
        ({"ALLOWED_HOSTS": []}, "coproduce.E002"),
        ({"ALLOWED_HOSTS": ["*"]}, "coproduce.E002"),
        ({"SESSION_COOKIE_SECURE": False}, "coproduce.E003"),
        (
            {"MAILERS": {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}},
            "coproduce.E004",
        ),
    ],
)
def test_each_unsafe_setting_is_refused(settings, changes, error):
    assert errors_with(settings, **changes) == {error}


def test_a_developer_machine_with_debug_on_is_not_refused(settings):
    assert errors_with(settings, DEBUG=True, SECRET_KEY="short", ALLOWED_HOSTS=[]) == set()


def test_check_deploy_advises_setting_site_url_and_a_shared_cache(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    settings.SITE_URL = ""
    assert {w.id for w in deployment_advice_check(None)} == {"coproduce.W001", "coproduce.W002"}
    settings.SITE_URL = "https://coproduce.example.org"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert deployment_advice_check(None) == []
