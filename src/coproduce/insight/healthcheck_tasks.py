"""healthcheck_tasks (to come)."""


def remind_due() -> str:
    return ""
