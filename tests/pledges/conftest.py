"""A pledge drafted in Millbrook through the real services: two targets (one asking a
required "which building?" question), what users commit to, and the statements it grew
from."""

import pytest

from coproduce.deliberation import services as deliberation
from coproduce.pledges import services


def category(code="gp-callback", **changes) -> dict:
    given = {
        "code": code,
        "name": "A call back from the GP",
        "commitment": "A GP rings you back",
        "target_amount": 1,
        "target_unit": "same_working_day",
        "questions": [],
        "staff": [],
    }
    return {**given, **changes}


@pytest.fixture
def statements(world):
    conversation = deliberation.conversation_create(
        actor=world.coordinator,
        hub=world.hub,
        question="What would make the health centre better?",
        seeds=["Call backs on the same day.", "Repeat prescriptions within two days."],
    )
    return list(conversation.statements.order_by("pk"))


@pytest.fixture
def drafted(world, statements):
    """A draft with two targets, signed by nobody yet."""
    pledge = services.pledge_create(actor=world.staff, hub=world.hub, title="Patient experience")
    services.pledge_update(
        actor=world.staff,
        pledge=pledge,
        title="Patient experience",
        summary="What the health centre and its patients promise each other.",
        co_designed_by="The patient group and the practice team",
        user_commitments=[
            {"text": "Cancel appointments you cannot keep", "measure": "Missed appointments"}
        ],
        grown_from=statements[:1],
    )
    services.category_save(actor=world.staff, pledge=pledge, **category(staff=[world.staff]))
    services.category_save(
        actor=world.staff,
        pledge=pledge,
        **category(
            "prescriptions",
            name="Repeat prescriptions",
            commitment="Your prescription is ready",
            target_amount=2,
            target_unit="working_days",
            questions=[
                {
                    "description": "Which surgery?",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "values": ["Millbrook Road", "Station Street"],
                }
            ],
        ),
    )
    pledge.refresh_from_db()
    return pledge


def sign_both(world, pledge):
    services.pledge_sign(actor=world.staff, pledge=pledge)
    services.pledge_sign(actor=world.member, pledge=pledge)


@pytest.fixture
def published(world, drafted):
    sign_both(world, drafted)
    services.pledge_publish(actor=world.coordinator, pledge=drafted, change_note="Agreed")
    drafted.refresh_from_db()
    return drafted
