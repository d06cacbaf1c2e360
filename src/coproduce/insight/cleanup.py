"""cleanup (to come)."""


def warn_and_clear() -> str:
    return ""
