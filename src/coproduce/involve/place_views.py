"""A person's place on an opportunity (answering, "I can't come", apologies), recording
who came to a meeting, and the thanks page for one meeting (the kind of thanks, with
the benefits guard's warning, and expenses)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.errors import ApplicationError
from coproduce.views import say_saved, submit

from . import access, records, selectors, services
from .forms import ApologiesForm, AttendanceForm, ExpenseForm, ThanksForm, WithdrawForm
from .models import (
    Attendance,
    Expense,
    Recompense,
    Session,
    SignUpStatus,
    When,
)

# What a person's place is, said to them.
STATUS_WORDS = {
    SignUpStatus.INVITED: "You are invited, and a place is kept for you. Will you take it?",
    SignUpStatus.REQUESTED: "You have asked for a place. The lead will let you know.",
    SignUpStatus.CONFIRMED: "You have a place.",
    SignUpStatus.WAITLIST: "You are on the waiting list. If a place comes free, it is "
    "offered to the next person who fits, in the fair order.",
    SignUpStatus.OFFERED: "A place has come free for you.",
    SignUpStatus.DECLINED: "You said no to this place.",
    SignUpStatus.WITHDRAWN: "You said you cannot come.",
    SignUpStatus.NOT_CHOSEN: "You were not chosen this time.",
    SignUpStatus.LAPSED: "The place went to the next person, as there was no answer in time.",
    SignUpStatus.RELEASED: "Your place was freed after a missed meeting.",
}
CAN_WITHDRAW = (SignUpStatus.CONFIRMED, SignUpStatus.REQUESTED, SignUpStatus.WAITLIST)


def _member(request, slug):
    return access.hub_and_membership(request.user, slug)


# --- a person's place ------------------------------------------------------------------------


@login_required
def signup_detail(request, slug, pk):
    hub, membership = _member(request, slug)
    signup = access.signup_for(membership, hub, pk)
    opportunity = access.opportunity_for(membership, hub, signup.opportunity_id)
    signup.opportunity = opportunity
    rights = access.signup_rights(membership, signup)
    own = signup.person_id == request.user.pk
    now = timezone.now()
    coming = list(opportunity.sessions.filter(cancelled=False, starts_at__gt=now))
    apologised = set(
        Attendance.objects.filter(signup=signup, session__in=[s.pk for s in coming]).values_list(
            "session_id", flat=True
        )
    )
    can_apologise = (
        rights.answer
        and signup.status == SignUpStatus.CONFIRMED
        and opportunity.when != When.ONE_OFF
    )
    apology_sessions = [s for s in coming if s.pk not in apologised]
    posted = request.POST.get("action") if request.method == "POST" else None
    withdraw_form = WithdrawForm(request.POST if posted == "withdraw" else None)
    apologies_form = ApologiesForm(
        request.POST if posted == "apologies" else None, sessions=apology_sessions
    )
    if request.method == "POST":
        if not rights.answer:
            raise PermissionDenied("Only the person (or a coordinator for them) can answer.")
        done = _answer(request, signup, withdraw_form, apologies_form)
        if done:
            return redirect("involve-signup", hub.slug, signup.pk)
    action = request.POST.get("action") or request.GET.get("action", "")
    words = STATUS_WORDS[signup.status]
    if not own:
        words = f"{signup.person}: {signup.get_status_display().lower()}."
    return render(
        request,
        "involve/signup.html",
        {
            "hub": hub,
            "signup": signup,
            "opportunity": opportunity,
            "rights": rights,
            "own": own,
            "words": words,
            "coming": coming,
            "answering": rights.answer
            and signup.status in (SignUpStatus.INVITED, SignUpStatus.OFFERED),
            "can_withdraw": rights.answer and signup.status in CAN_WITHDRAW,
            "confirming_withdraw": action == "withdraw",
            "withdraw_form": withdraw_form,
            "can_apologise": can_apologise and bool(apology_sessions),
            "apologies_form": apologies_form,
            "apologised": [s for s in coming if s.pk in apologised],
            "attended": signup.attendance.select_related("session").order_by("session__starts_at"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _answer(request, signup, withdraw_form, apologies_form) -> bool:
    """Run the button pressed; True when it went through (or said why not)."""
    action = request.POST.get("action", "")
    if action in ("yes", "no"):
        try:
            services.signup_answer(actor=request.user, signup=signup, yes=action == "yes")
        except ApplicationError as error:
            messages.error(request, error.for_people)
        else:
            messages.success(
                request,
                "Thank you: the place is yours." if action == "yes" else "Thank you for saying.",
            )
        return True
    if action == "withdraw":
        done = submit(
            request,
            withdraw_form,
            lambda data: services.signup_withdraw(
                actor=request.user, signup=signup, reason=data["reason"]
            ),
        )
        if done:
            messages.success(
                request, "Thank you for saying. Any place you had goes to the next person."
            )
        return bool(done)
    if action == "apologies":
        done = submit(
            request,
            apologies_form,
            lambda data: services.apologies_send(
                actor=request.user, signup=signup, session=data["session"]
            ),
        )
        if done:
            messages.success(request, "Your apologies are sent, and you keep your place.")
        return bool(done)
    messages.error(request, "Choose one of the buttons.")
    return True


# --- who came ----------------------------------------------------------------------------------


@login_required
def attendance_record(request, slug, pk, session_id):
    hub, membership = _member(request, slug)
    opportunity = access.opportunity_for(membership, hub, pk)
    if not access.opportunity_rights(membership, opportunity).manage:
        raise PermissionDenied("Only the lead or a coordinator records attendance.")
    if not 0 < session_id < 2**63:
        raise Http404("No such meeting.")
    session = get_object_or_404(Session, opportunity=opportunity, pk=session_id)
    session.opportunity = opportunity
    marked = {a.signup_id: a for a in session.attendance.all()}
    signups = [
        s
        for s in opportunity.signups.select_related("person").order_by("person__display_name")
        if (s.status == SignUpStatus.CONFIRMED or s.pk in marked) and s.person_id != request.user.pk
    ]
    own = opportunity.signups.filter(person=request.user, status=SignUpStatus.CONFIRMED).exists()
    begun = session.starts_at <= timezone.now() and not session.cancelled
    form = AttendanceForm(
        request.POST or None, signups=signups if begun else [], session=session, marked=marked
    )

    def record(_data):
        marks = form.marks()
        if form.errors:
            return None
        return services.attendance_record(actor=request.user, session=session, marks=marks)

    if begun and submit(request, form, record) and not form.errors:
        messages.success(request, "Saved. The people who came are asked how to be thanked.")
        return redirect("involve-opportunity", hub.slug, opportunity.pk)
    return render(
        request,
        "involve/attendance_record.html",
        {
            "hub": hub,
            "opportunity": opportunity,
            "session": session,
            "form": form,
            "begun": begun,
            "own": own,
            "series": opportunity.when != When.ONE_OFF,
        },
        status=400 if request.method == "POST" else 200,
    )


# --- thanks for one meeting ------------------------------------------------------------------


def _amounts(attendance, offered) -> dict[str, int]:
    return {
        choice: services.payment_check(attendance, choice)[0]
        for choice in (Recompense.PAYMENT, Recompense.VOUCHER)
        if choice in offered
    }


@login_required
def attendance_detail(request, slug, pk):
    hub, membership = _member(request, slug)
    attendance = access.attendance_for(membership, hub, pk)
    rights = access.attendance_rights(membership, attendance)
    opportunity = attendance.session.opportunity
    offered = access.thanks_offered(attendance)
    choosing = rights.choose and not attendance.recompense
    amounts = _amounts(attendance, offered) if choosing else {}
    posted = request.POST if request.method == "POST" else None
    action = request.POST.get("action", "")
    warning = ""
    warned = bool(posted and "understood" in posted)
    usual = services.choice_for(attendance.person, hub).recompense if choosing else ""
    thanks_form = ThanksForm(
        posted if action == "thanks" else None,
        offered=offered,
        amounts=amounts,
        warned=warned,
        length=attendance.length,
        initial={"recompense": usual} if usual in offered else None,
    )
    expense_form = ExpenseForm(
        posted if action == "expense" else None,
        mileage_pence=selectors.policy_for(hub).mileage_pence if rights.choose else None,
    )
    status = 200
    if posted is not None:
        if not rights.choose:
            raise PermissionDenied("Only the person who came (or a coordinator for them).")
        if action == "thanks":
            done, warning, thanks_form = _thanks(request, attendance, thanks_form, offered, amounts)
            if done:
                return redirect("involve-attendance", hub.slug, attendance.pk)
        elif action == "expense":
            claimed = submit(
                request,
                expense_form,
                lambda data: services.expense_claim(
                    actor=request.user,
                    attendance=attendance,
                    kind=data["kind"],
                    miles=data["miles"],
                    amount=data["amount"],
                    note=data["note"],
                    key=data["key"] or "",
                ),
            )
            if claimed:
                say_saved(request, claimed, "Your claim is sent to the coordinators.")
                return redirect("involve-attendance", hub.slug, attendance.pk)
        status = 400
    return render(
        request,
        "involve/attendance.html",
        {
            "hub": hub,
            "attendance": attendance,
            "opportunity": opportunity,
            "rights": rights,
            "own": attendance.person_id == request.user.pk,
            "chosen_said": records.THANKS_SAID.get(attendance.recompense, ""),
            "choosing": choosing,
            "thanks_form": thanks_form,
            "warning": warning,
            "expense_form": expense_form,
            "expenses": attendance.expenses.select_related("decided_by"),
            "statement_url": reverse("statement", args=[hub.slug]),
        },
        status=status,
    )


def _thanks(request, attendance, form, offered, amounts):
    """Choose the thanks: (done, the benefits warning to show, the form to show)."""
    if not form.is_valid():
        return False, "", form
    data = form.cleaned_data
    try:
        services.thanks_choose(
            actor=request.user,
            attendance=attendance,
            choice=data["recompense"],
            understood=bool(data.get("understood")),
        )
    except ApplicationError as error:
        if error.field == "understood":
            # The benefits warning: shown, with the box to tick to go on.
            form = ThanksForm(
                request.POST,
                offered=offered,
                amounts=amounts,
                warned=True,
                length=attendance.length,
            )
            form.is_valid()
            return False, error.for_people, form
        error.add_to_form(form)
        return False, "", form
    messages.success(request, "Thank you: your choice is saved.")
    return True, "", form


@login_required
@require_POST
def expense_decide(request, slug, pk):
    hub, membership = _member(request, slug)
    if not 0 < pk < 2**63:
        raise Http404("No such claim.")
    expense = get_object_or_404(
        Expense.objects.select_related(
            "attendance__session__opportunity__hub", "attendance__person"
        ),
        attendance__session__opportunity__hub=hub,
        pk=pk,
    )
    rights = access.attendance_rights(membership, expense.attendance)
    if not rights.see:
        raise Http404("No such claim.")
    if not rights.decide_expenses:
        raise PermissionDenied("Another coordinator decides this claim.")
    approve = request.POST.get("decision") == "approve"
    try:
        services.expense_decide(actor=request.user, expense=expense, approve=approve)
    except ApplicationError as error:
        messages.error(request, error.for_people)
    else:
        messages.success(request, "Approved, to be repaid." if approve else "Not repaid.")
    return redirect("involve-attendance", hub.slug, expense.attendance_id)


__all__ = [
    "attendance_detail",
    "attendance_record",
    "expense_decide",
    "signup_detail",
]
