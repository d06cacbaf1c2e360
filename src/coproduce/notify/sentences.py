"""How the audit log words notification events."""

from coproduce.audit import AuditKind, Line, listed, renders

from .models import Delivery, Kind

KIND_WORDS = {kind.value: kind.label.lower() for kind in Kind}
DELIVERY_WORDS = {
    Delivery.NOW: "straight away",
    Delivery.DAILY: "daily",
    Delivery.WEEKLY: "weekly",
    Delivery.NEVER: "never",
}


@renders(AuditKind.NOTIFICATION_PREFERENCES_CHANGED)
def _choices(line: Line) -> str:
    changes = listed(
        f"{KIND_WORDS.get(kind, 'news')} ({DELIVERY_WORDS.get(delivery, 'changed')})"
        for kind, delivery in line.new.items()
    )
    if line.person:
        return f"{line.actor} changed what {line.person} is told: {changes}"
    return f"{line.actor} changed how they are told: {changes}"
