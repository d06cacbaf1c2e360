"""A published pledge with three services (one asking a required "which block?" choice),
a draft one, and a place, built with the ORM (publishing is the pledge pages' service, and
these tests need only what a published pledge holds)."""

from dataclasses import dataclass

from django.utils import timezone

from coproduce.hubs.models import Hub
from coproduce.pledges.content import live_content
from coproduce.pledges.models import (
    Pledge,
    PledgeCategory,
    PledgeStatus,
    PledgeVersion,
    ServicePoint,
    TargetUnit,
)

BLOCKS = [{"key": "ash", "name": "Ash House"}, {"key": "beech", "name": "Beech House"}]
FLOORS = [{"key": str(n), "name": f"Floor {n}"} for n in range(1, 4)]


@dataclass
class Pledged:
    pledge: Pledge
    lights: PledgeCategory  # asks which block (required), which floors, how many lights
    bins: PledgeCategory  # asks nothing
    draft: PledgeCategory  # under a pledge not yet published
    office: ServicePoint


def pledged(hub: Hub, prefix: str = "") -> Pledged:
    prefix = prefix or hub.slug
    pledge = Pledge.objects.create(
        hub=hub,
        slug="repairs-and-estate",
        title="Repairs and the estate",
        summary="What the housing service and tenants promise each other.",
        status=PledgeStatus.PUBLISHED,
        public_reports=True,
    )
    lights = PledgeCategory.objects.create(
        pledge=pledge,
        code=f"{prefix}-stair-lights",
        name="Stair lights",
        description="A light out on a stair or landing.",
        commitment="Stair lights mended within 5 working days.",
        target_amount=5,
        target_unit=TargetUnit.WORKING_DAYS,
        keywords="light, stairwell, landing",
        group="Repairs",
        attributes=[
            {
                "code": "block",
                "datatype": "singlevaluelist",
                "required": True,
                "description": "Which block?",
                "order": 1,
                "values": BLOCKS,
            },
            {
                "code": "floors",
                "datatype": "multivaluelist",
                "required": False,
                "description": "Which floors?",
                "order": 2,
                "values": FLOORS,
            },
            {
                "code": "bulbs",
                "datatype": "number",
                "required": False,
                "description": "How many lights are out?",
                "datatype_description": "A whole number",
                "order": 3,
            },
        ],
    )
    bins = PledgeCategory.objects.create(
        pledge=pledge,
        code=f"{prefix}-bins",
        name="Bins not collected",
        commitment="Bins collected on the published day.",
        target_amount=1,
        target_unit=TargetUnit.WORKING_DAYS,
    )
    PledgeVersion.objects.create(
        pledge=pledge, number=1, content=live_content(pledge), published_at=timezone.now()
    )
    draft_pledge = Pledge.objects.create(hub=hub, slug="gp-call-backs", title="GP call-backs")
    draft = PledgeCategory.objects.create(
        pledge=draft_pledge,
        code=f"{prefix}-call-back",
        name="A call-back",
        commitment="A call-back the same working day.",
        target_unit=TargetUnit.SAME_WORKING_DAY,
    )
    # The matrix's Millbrook may have made this place already (for the report pages).
    office, _ = ServicePoint.objects.update_or_create(
        hub=hub,
        name="Estate office",
        defaults={"address": "1 Ash Walk", "lat": "51.500100", "long": "-0.120200"},
    )
    return Pledged(pledge=pledge, lights=lights, bins=bins, draft=draft, office=office)
