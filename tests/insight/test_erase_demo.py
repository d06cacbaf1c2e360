"""The demo's former member: his hours still add up and his name is nowhere."""

import pytest

from coproduce.demo import insight_erased
from coproduce.hubs.models import Hub, Membership
from coproduce.insight.models import Erasure, FormerMember
from coproduce.timebank import ledger
from coproduce.timebank.models import Entry, ExchangeMessage

from .erase_fixtures import demo_world, dump_database, found_in  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_world")]


def test_the_former_member_s_hours_add_up_and_his_name_is_nowhere():
    millbrook = Hub.objects.get(slug="millbrook")
    former = FormerMember.objects.get(hub=millbrook)
    assert former.pseudonym.startswith("Former member ")
    assert Erasure.objects.get(person=former.person).route == "self"
    assert ledger.verify().problems == []
    account = Membership.objects.get(hub=millbrook, person=former.person).account
    entries = Entry.objects.filter(account=account, transfer__kind="exchange")
    signed = sum(e.amount_minutes * e.direction for e in entries)
    gave = sum(m for _d, gives, _w, _t, m in insight_erased.EXCHANGES if gives)
    received = sum(m for _d, gives, _w, _t, m in insight_erased.EXCHANGES if not gives)
    assert entries.count() == len(insight_erased.EXCHANGES)
    assert abs(signed) == abs(received - gave)
    assert former.pseudonym in str(account)
    thanks = ExchangeMessage.objects.get(text__startswith="Thank you Former member")
    assert former.pseudonym in thanks.text
    assert found_in(dump_database(), insight_erased.NAME, insight_erased.EMAIL, "960 777") == []


def test_loading_again_erases_nobody_else():
    from coproduce.demo import data

    before = FormerMember.objects.count()
    data.load()
    assert FormerMember.objects.count() == before == 1
