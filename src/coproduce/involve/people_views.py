"""The people side of involvement: how much each person wants to be asked, their packs
(and the ones a coordinator posts), the record of involvement with its CSV and
certificate, the hub's figures, payments, the hub's rules and training. Members of the
hub only: anyone else gets a 404."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from coproduce.csv_export import csv_response
from coproduce.errors import ApplicationError
from coproduce.hubs import access as hub_access
from coproduce.hubs.models import Hub, Membership
from coproduce.views import say_saved, submit

from . import access, records, selectors, services
from .guard import money
from .models import (
    KIND_MEANS,
    CoKind,
    Expense,
    ExpenseStatus,
    HowOften,
    Pack,
    PackFormat,
    Recompense,
)
from .people_forms import ChoicesForm, MarkPaidForm, PeriodForm, PolicyForm, TrainingForm

PER_PAGE = 50


def _member(request, slug):
    return access.hub_and_membership(request.user, slug)


def _coordinator(request, slug) -> tuple[Hub, Membership]:
    hub, membership = _member(request, slug)
    if not access.can_coordinate_people(membership):
        raise PermissionDenied("Only this hub's coordinators can see this.")
    return hub, membership


# --- how much to be asked -----------------------------------------------------------------


def what_happens(choice, who: str = "") -> str:
    """What the person's choices will do, in a sentence ("You will get a monthly pack of
    ways to be involved, by email"); `who` names someone else."""
    subject = who or "You"
    if choice.how_often == HowOften.NEVER:
        if who:
            return f"{who} will not be sent anything: a coordinator can tell them what is on."
        return "You will not be sent anything: look at the opportunities when you want to."
    kinds = (
        "every kind of involvement"
        if not choice.kinds or len(choice.kinds) == len(CoKind.values)
        else ", ".join(CoKind(k).label.lower() for k in choice.kinds)
    )
    how = {
        PackFormat.EMAIL: "by email",
        PackFormat.LARGE_PRINT: "in large print, by post",
        PackFormat.POST: "as a letter by post",
        PackFormat.PHONE: "as a phone call from a coordinator, who reads it out",
    }[choice.format]
    about = f"about {kinds}" if kinds.startswith("every") else f"about {kinds} (only)"
    if choice.how_often == HowOften.EACH:
        return f"{subject} will hear of each new opportunity {about} as it opens, {how}."
    every = "weekly" if choice.how_often == HowOften.WEEKLY else "monthly"
    return f"{subject} will get a {every} pack of ways to be involved {about}, {how}."


@login_required
def choices(request, slug):
    hub, membership = _member(request, slug)
    person = request.user
    raw = request.GET.get("person", "")
    if raw:
        if not raw.isdigit():
            raise Http404("No such person.")
        person = hub_access.member_in_hub(hub, int(raw)).person
    if not access.can_set_choices_for(membership, person):
        raise Http404("No such person.")
    for_someone = person.pk != request.user.pk
    who = person.display_name if for_someone else ""
    choice = services.choice_for(person, hub)
    initial = {
        # Every kind is shown as none ticked ("None ticked: you hear about every kind"),
        # so someone who wants one kind ticks it, not unticks the other six.
        "kinds": [] if set(choice.kinds) >= set(CoKind.values) else choice.kinds,
        "how_often": choice.how_often,
        "format": choice.format,
        "recompense": choice.recompense,
    }
    form = ChoicesForm(request.POST or None, initial=initial)

    def save(data):
        return services.choices_set(
            actor=request.user,
            person=person,
            hub=hub,
            kinds=data["kinds"],
            how_often=data["how_often"],
            format=data["format"],
            recompense=data["recompense"],
        )

    saved = submit(request, form, save)
    if saved:
        messages.success(request, f"Saved. {what_happens(saved, who)}")
        url = reverse("involve-choices", args=[hub.slug])
        return redirect(f"{url}?person={person.pk}" if for_someone else url)
    title = "How much do you want to be asked?"
    if for_someone:
        title = f"How much {person} wants to be asked"
    return render(
        request,
        "involve/choices.html",
        {
            "hub": hub,
            "form": form,
            "title": title,
            "person": person,
            "for_someone": for_someone,
            "now_happens": what_happens(choice, who),
            "saved": choice.pk is not None,
            # The newest pack, so the one in the email can be found again here.
            "latest_pack": None
            if for_someone
            else Pack.objects.filter(person=person, hub=hub)
            .order_by("-period_start", "-pk")
            .first(),
            "kind_means": [(CoKind(k).label, m) for k, m in KIND_MEANS.items()],
        },
        status=400 if form.errors else 200,
    )


# --- packs ------------------------------------------------------------------------------------


@login_required
def pack_detail(request, slug, pk):
    hub, membership = _member(request, slug)
    pack = access.pack_for(membership, hub, pk)
    choice = services.choice_for(pack.person, hub)
    large = choice.format == PackFormat.LARGE_PRINT or request.GET.get("large") == "1"
    return render(
        request,
        "involve/pack.html",
        {
            "hub": hub,
            "pack": pack,
            "opportunities": records.pack_opportunities(pack),
            "large": large,
            "mine": pack.person_id == request.user.pk,
            "period": _period(pack),
        },
    )


def _period(pack) -> str:
    if pack.how_often == HowOften.WEEKLY:
        return f"the week of {pack.period_start:%-d %B %Y}"
    return f"{pack.period_start:%B %Y}"


@login_required
def packs_print(request, slug):
    hub, _membership = _coordinator(request, slug)
    posted = records.packs_to_post(hub)
    for item in posted:
        item.period = _period(item.pack)
        item.items = list(item.pack.opportunities.all())
    return render(
        request,
        "involve/packs_print.html",
        {
            "hub": hub,
            "posted": posted,
            "to_ring": [p for p in posted if p.rings],
            "no_address": [p for p in posted if p.lacks_address],
            "today": timezone.localdate(),
        },
    )


# --- the record of involvement ----------------------------------------------------------------


def _record_person(request, slug, person_id):
    hub, membership = _member(request, slug)
    person = request.user
    if person_id is not None:
        person = hub_access.member_in_hub(hub, person_id).person
    if not access.can_see_record(membership, person):
        raise Http404("No such record.")
    return hub, membership, person


@login_required
def record(request, slug, person_id=None):
    hub, membership, person = _record_person(request, slug, person_id)
    found = records.record_of(hub, person)
    return render(
        request,
        "involve/record.html",
        {
            "hub": hub,
            "record": found,
            "person": person,
            "mine": person.pk == request.user.pk,
            "trainings": [(t, records.training_state(t, found.today)) for t in found.training],
            "can_set_choices": access.can_set_choices_for(membership, person),
        },
    )


@login_required
def record_csv(request, slug, person_id):
    hub, _membership, person = _record_person(request, slug, person_id)
    found = records.record_of(hub, person)
    name = slugify(person.display_name)[:40] or "person"
    return csv_response(
        f"involvement-{name}-{timezone.localdate():%Y-%m-%d}.csv",
        records.RECORD_HEADER,
        records.record_rows(found),
    )


@login_required
def certificate(request, slug, person_id):
    hub, _membership, person = _record_person(request, slug, person_id)
    found = records.record_of(hub, person)
    return render(
        request,
        "involve/certificate.html",
        {"hub": hub, "record": found, "person": person, "today": timezone.localdate()},
    )


# --- the hub's figures --------------------------------------------------------------------------


@login_required
def figures(request, slug):
    hub, membership = _member(request, slug)
    if not access.can_see_figures(membership):
        raise PermissionDenied("Only this hub's staff and coordinators can see its figures.")
    form = PeriodForm(request.GET or None)
    start, end = form.period() if form.is_bound else PeriodForm().period()
    found = records.figures_for(hub, start, end)
    return render(
        request,
        "involve/figures.html",
        {
            "hub": hub,
            "form": form if form.is_bound else PeriodForm(initial={"start": start, "end": end}),
            "figures": found,
            "small": access.SMALL_GROUP,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


# --- payments ------------------------------------------------------------------------------------


SHOW = {"waiting": True, "paid": False, "all": None}


@login_required
def payments(request, slug):
    hub, membership = _member(request, slug)
    if not access.can_see_payments(membership):
        raise PermissionDenied("Only this hub's coordinators can see payments.")
    mark_form = MarkPaidForm(initial={"up_to": timezone.localdate()})
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "mark_paid":
            mark_form = MarkPaidForm(request.POST)
            done = submit(request, mark_form, lambda d: _mark_paid(request, hub, d["up_to"]))
            if done:
                return redirect("involve-payments", slug=slug)
        elif action in ("approve", "reject"):
            _decide(request, hub, action)
            return redirect("involve-payments", slug=slug)
        else:
            messages.error(request, "Choose what to do.")
            return redirect("involve-payments", slug=slug)
    me = request.user.pk
    showing = request.GET.get("show", "waiting")
    if showing not in SHOW:
        showing = "waiting"
    paid = Paginator(records.payments_of(hub, waiting=SHOW[showing]), PER_PAGE).get_page(
        request.GET.get("page")
    )
    expenses = Paginator(records.expenses_of(hub, waiting=SHOW[showing]), PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "involve/payments.html",
        {
            "hub": hub,
            "payments": paid,
            "expenses": expenses,
            "payment_rows": [
                {
                    "a": a,
                    "amount": money(a.amount_pence),
                    "kind": "Payment" if a.recompense == Recompense.PAYMENT else "Voucher",
                }
                for a in paid
            ],
            "expense_rows": [
                {"e": e, "amount": money(e.amount_pence), "own": e.attendance.person_id == me}
                for e in expenses
            ],
            "showing": showing,
            "shows": [("waiting", "Waiting"), ("paid", "Paid"), ("all", "All")],
            "mark_form": mark_form,
            "claimed": ExpenseStatus.CLAIMED,
            "page": paid if paid.paginator.num_pages >= expenses.paginator.num_pages else expenses,
        },
        status=400 if mark_form.errors else 200,
    )


def _mark_paid(request, hub, day: datetime.date):
    up_to = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    )
    count = services.payments_mark_paid(actor=request.user, hub=hub, up_to=up_to)
    if count:
        things = "1 payment or expense" if count == 1 else f"{count} payments and expenses"
        messages.success(request, f"Marked {things} paid, up to {day:%-d %B %Y}.")
    else:
        messages.success(request, f"Nothing was waiting to be paid up to {day:%-d %B %Y}.")
    return count or True


def _decide(request, hub, action: str) -> None:
    raw = request.POST.get("expense", "")
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        raise Http404("No such claim.")
    expense = get_object_or_404(Expense, attendance__session__opportunity__hub=hub, pk=int(raw))
    try:
        decided = services.expense_decide(
            actor=request.user, expense=expense, approve=action == "approve"
        )
    except ApplicationError as error:
        messages.error(request, error.for_people)
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    else:
        who = decided.attendance.person
        verb = "approved" if action == "approve" else "not approved"
        messages.success(request, f"{who}'s claim of {money(decided.amount_pence)}: {verb}.")


@login_required
def payments_csv(request, slug):
    hub, membership = _member(request, slug)
    if not access.can_see_payments(membership):
        raise PermissionDenied("Only this hub's coordinators can see payments.")
    return csv_response(
        f"involvement-payments-{hub.slug}-{timezone.localdate():%Y-%m-%d}.csv",
        records.PAYMENTS_HEADER,
        records.payment_rows(hub),
    )


# --- the hub's rules --------------------------------------------------------------------------


@login_required
def settings(request, slug):
    hub, _membership = _coordinator(request, slug)
    policy = selectors.policy_for(hub)
    form = PolicyForm(request.POST or None, hub=hub, policy=policy)

    def save(data):
        return services.policy_update(
            actor=request.user,
            hub=hub,
            changes=form.changes(),
            priority_areas=list(data["priority_areas"]),
        )

    if submit(request, form, save):
        say_saved(request, None, "Saved the hub's involvement rules.")
        return redirect("involve-settings", slug=slug)
    return render(
        request,
        "involve/settings.html",
        {"hub": hub, "form": form, "title": "Involvement: the hub's rules"},
        status=400 if form.errors else 200,
    )


# --- training -------------------------------------------------------------------------------------


@login_required
def training(request, slug):
    hub, _membership = _coordinator(request, slug)
    form = TrainingForm(request.POST or None, hub=hub)

    def save(data):
        return services.training_record(
            actor=request.user,
            hub=hub,
            person=data["person"],
            name=data["name"],
            trained_on=data["trained_on"],
            expires_on=data["expires_on"],
        )

    done = submit(request, form, save)
    if done:
        messages.success(request, f"Recorded {done.name} for {done.person}.")
        return redirect("involve-training", slug=slug)
    today = timezone.localdate()
    page = Paginator(records.held_training(hub), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "involve/training.html",
        {
            "hub": hub,
            "form": form,
            "page": page,
            "held": [(t, records.training_state(t, today)) for t in page],
            "today": today,
        },
        status=400 if request.method == "POST" and form.errors else 200,
    )
