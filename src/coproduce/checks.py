"""System checks that refuse settings unsafe for a public deployment.

They are errors, not warnings, so `coproduce serve`, `migrate` and friends stop with a
clear message instead of running a public site with a known secret key.
"""

from django.conf import settings
from django.core.checks import Error, Warning, register

MIN_SECRET_KEY_LENGTH = 40


@register(deploy=False)
def production_settings_check(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    errors = []
    key = settings.SECRET_KEY
    if key == settings.INSECURE_DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        errors.append(
            Error(
                "SECRET_KEY is missing or too short while DEBUG is off.",
                hint=f"Set SECRET_KEY to a random string of {MIN_SECRET_KEY_LENGTH} or more "
                "characters, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'.",
                id="coproduce.E001",
            )
        )
    if not settings.ALLOWED_HOSTS or "*" in settings.ALLOWED_HOSTS:
        errors.append(
            Error(
                "ALLOWED_HOSTS must list this site's host names while DEBUG is off.",
                hint="Set ALLOWED_HOSTS=coproduce.example.org (comma-separated, no '*').",
                id="coproduce.E002",
            )
        )
    if not (settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE):
        errors.append(
            Error(
                "Session and CSRF cookies must be sent over HTTPS only while DEBUG is off.",
                hint="Leave SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE unset (they default "
                "to on) and serve the site over HTTPS.",
                id="coproduce.E003",
            )
        )
    backend = settings.MAILERS.get("default", {}).get("BACKEND", "")
    if not backend.endswith("smtp.EmailBackend"):
        errors.append(
            Error(
                "Email would not reach anyone: the mail backend is not SMTP.",
                hint="Leave EMAIL_BACKEND unset (SMTP is the default with DEBUG off) and set "
                "EMAIL_HOST.",
                id="coproduce.E004",
            )
        )
    return errors


@register(deploy=True)
def deployment_advice_check(app_configs, **kwargs):
    """Warnings from `coproduce check --deploy`: settings a public site should have."""
    if settings.DEBUG:
        return []
    warnings = []
    if not settings.SITE_URL:
        warnings.append(
            Warning(
                "SITE_URL is not set: emails sent by commands and tasks (escalations, "
                "digests) will link to http://127.0.0.1.",
                hint="Set SITE_URL=https://coproduce.example.org.",
                id="coproduce.W001",
            )
        )
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        warnings.append(
            Warning(
                "Sign-in throttling counts are kept per process (CACHE=locmem).",
                hint="With more than one web process, set CACHE=database and run "
                "`coproduce createcachetable` (docs/operations.md).",
                id="coproduce.W002",
            )
        )
    return warnings
