"""A published pledge with categories, for the report tests, the permission matrix and
the browser story. Built with the ORM: publishing (sign-off by staff and a service-user
representative) is the pledges part's service and is tested there; here only the result
matters, a published pledge."""

from coproduce.hubs.models import Hub, Neighbourhood, Person
from coproduce.pledges.models import (
    Pledge,
    PledgeCategory,
    PledgeStatus,
    ServicePoint,
    TargetUnit,
    WorkingCalendar,
)

BLOCK_QUESTION = {
    "code": "block",
    "datatype": "singlevaluelist",
    "required": True,
    "variable": True,
    "description": "Which block?",
    "order": 1,
    "values": [{"key": "a", "name": "Block A"}, {"key": "c", "name": "Block C"}],
}


def published_pledge(
    hub: Hub, *, staff: list[Person], slug="repairs", public_reports=False, status="published"
) -> Pledge:
    WorkingCalendar.objects.get_or_create(hub=hub, defaults={"working_days": [1, 2, 3, 4, 5]})
    pledge = Pledge.objects.create(
        hub=hub,
        slug=slug,
        title="Repairs and the estate",
        summary="What the housing service and tenants promise each other.",
        status=status,
        public_reports=public_reports,
    )
    lights = PledgeCategory.objects.create(
        pledge=pledge,
        code=f"{hub.slug}-{slug}-lights",
        name="Broken light",
        commitment="Communal lights mended",
        target_amount=3,
        target_unit=TargetUnit.WORKING_DAYS,
        attributes=[BLOCK_QUESTION],
    )
    lights.staff.set(staff)
    emergency = PledgeCategory.objects.create(
        pledge=pledge,
        code=f"{hub.slug}-{slug}-emergency",
        name="Emergency repair",
        commitment="Emergency repairs made safe",
        target_amount=24,
        target_unit=TargetUnit.WORKING_HOURS,
    )
    emergency.staff.set(staff)
    ServicePoint.objects.get_or_create(hub=hub, name="Estate office", defaults={"address": ""})
    Neighbourhood.objects.get_or_create(hub=hub, name="Riverside")
    return pledge


def published(pledge: Pledge) -> Pledge:
    pledge.status = PledgeStatus.PUBLISHED
    pledge.save(update_fields=["status"])
    return pledge
