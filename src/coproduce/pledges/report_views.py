"""Report pages: report a problem under a published pledge, follow it (status, expected
date, updates, "me too", "was it fixed?"), the staff queue, and a pledge's public list.

Views parse, call a service, render; who may do what comes from access.py.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.errors import ApplicationError
from coproduce.hubs import throttle
from coproduce.hubs.models import Hub, Person
from coproduce.referrals.models import Escalation
from coproduce.views import say_saved

from . import access, answer_links, report_selectors, services
from .models import Pledge, PledgeCategory, Report, ReportStatus
from .report_forms import (
    SOMEONE_ELSE,
    AnswerForForm,
    AnswerForm,
    ModerateForm,
    ReportForm,
    UpdateForm,
)
from .services.progress import SPENT

PER_PAGE = 50  # reports a page, in the queue and the lists


def _hub(slug) -> Hub:
    return get_object_or_404(Hub, slug=slug)


def _pledge(request, hub, pledge_slug):
    """The pledge, if this person may see it (a draft: its hub's staff); else 404."""
    pledge = get_object_or_404(Pledge, hub=hub, slug=pledge_slug)
    viewer = access.membership(request.user, hub)
    if not access.pledge_rights(viewer, pledge).see:
        raise Http404("No such pledge.")
    return pledge, viewer


def _report(request, slug, report_id):
    hub = _hub(slug)
    if not 0 < report_id < 2**63:
        raise Http404("No such report.")
    # Who took it on the phone by name, from a subquery: a second join of the people
    # table made PostgreSQL plan this for longer than it takes to read.
    report = get_object_or_404(
        Report.objects.select_related(
            "hub", "category__pledge", "area", "service_point", "reporter"
        ).annotate(
            entered_by_name=Subquery(
                Person.objects.filter(pk=OuterRef("entered_by_id")).values("display_name")[:1]
            )
        ),
        pk=report_id,
        hub=hub,
    )
    viewer = access.membership(request.user, hub)
    return report, viewer, access.report_rights(viewer, report)


# --- reporting ---------------------------------------------------------------------------


def report_new(request, slug, pledge_slug):
    """Step one: choose what kind of problem (GET, no JavaScript needed); step two: the
    form for that kind, with its questions."""
    hub = _hub(slug)
    pledge, viewer = _pledge(request, hub, pledge_slug)
    if not access.may_report(viewer, pledge, public=True):
        if not pledge.is_published:
            return render(
                request,
                "pledges/report_closed.html",
                {"hub": hub, "pledge": pledge},
                status=403,
            )
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(f"Only members of {hub.name} report problems under this pledge.")
    categories = list(pledge.categories.filter(is_active=True))
    code = request.POST.get("category") or request.GET.get("category") or ""
    category = next((c for c in categories if c.code == code), None)
    if category is None:
        # "Next" pressed with nothing chosen sends no category, only the step.
        wrong = bool(code) or request.GET.get("step") == "choose"
        return render(
            request,
            "pledges/report_choose.html",
            {"hub": hub, "pledge": pledge, "categories": categories, "unknown": wrong},
            status=400 if wrong else 200,
        )
    staff = access.reports_for_someone(viewer, hub)
    anonymous = viewer is None
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        hub=hub,
        category=category,
        staff=staff,
        anonymous=anonymous,
    )
    if request.method == "POST" and form.is_valid():
        if anonymous and not throttle.public_report_allowed(request):
            form.add_error(None, "Many reports have come from here in the last hour: please "
                           "try again later, or sign in.")  # fmt: skip
            return _report_form(request, hub, pledge, category, form, staff, status=429)
        try:
            report = _create(request, form, category, viewer, staff)
        except ApplicationError as error:
            if error.field and error.field not in form.fields:
                error.field = None
            error.add_to_form(form)
        else:
            taken = report.entered_by_id is not None and report.entered_by_id == request.user.pk
            whom = report.reporter or report.contact_name or "them"
            say_saved(
                request,
                report,
                f"Recorded: the report for {whom} is in. Tell them when it is due."
                if taken
                else "Thank you: your report is in.",
            )
            return redirect("report", slug, report.pk)
    status = 400 if request.method == "POST" and not form.finding else 200
    return _report_form(request, hub, pledge, category, form, staff, status=status)


def _report_form(request, hub, pledge, category, form, staff, *, status):
    target, expected = services.expected_for(category, timezone.now())
    return render(
        request,
        "pledges/report_new.html",
        {
            "hub": hub,
            "pledge": pledge,
            "category": category,
            "form": form,
            "target": target,
            "expected": expected,
            "staff": staff,
        },
        status=status,
    )


def _create(request, form, category, viewer, staff):
    data = form.cleaned_data
    reporter = request.user if viewer is not None else None
    entered_by = None
    if staff:
        chosen = data.get("for_member") or "me"
        if chosen != "me":
            entered_by = request.user
            if chosen == SOMEONE_ELSE:
                reporter = None
                if not data.get("contact_name"):
                    raise ApplicationError(
                        "Give the name of the person you are reporting for.", field="contact_name"
                    )
            else:
                reporter = chosen  # a person the picker's purpose allows
    return services.report_create(
        category=category,
        description=data["description"],
        reporter=reporter,
        entered_by=entered_by,
        address=data["address"],
        area=data.get("area"),
        service_point=data.get("service_point"),
        lat=data["lat"],
        long=data["long"],
        attributes=form.answers(),
        photo=data.get("photo"),
        contact_name=data.get("contact_name", ""),
        contact_email=data.get("contact_email", ""),
        contact_phone=data.get("contact_phone", ""),
        source="phone" if entered_by else "web",
        key=data["key"] or "",
    )


# --- one report --------------------------------------------------------------------------


def report_detail(request, slug, report_id, *, forms=None, status=200):
    report, viewer, rights = _report(request, slug, report_id)
    forms = forms or {}
    answered = services.answered_since_closing(report)
    escalation = None
    if report.escalated_at and rights.see_private and rights.update:
        escalation = (
            Escalation.objects.filter(hub=report.hub, key=f"report:{report.pk}")
            .select_related("assigned_to")
            .first()
        )
    return render(
        request,
        "pledges/report.html",
        {
            "hub": report.hub,
            "report": report,
            "pledge": report.category.pledge,
            "rights": rights,
            "when": report_selectors.when_words(report),
            "updates": report.updates.all(),
            **_followers(report, viewer),
            "is_reporter": viewer is not None and report.reporter_id == viewer.person_id,
            "answered": answered,
            "feedback": report.feedback.select_related("entered_by") if rights.see_private else [],
            "answers": report_selectors.answers(report, private=rights.see_private),
            "escalation": escalation,
            "update_form": forms.get("update") or (UpdateForm(initial={"status": report.status})),
            "answer_form": forms.get("answer") or AnswerForm(),
            "answer_for_form": forms.get("answer_for") or AnswerForForm(),
            "contact_emailed": bool(services.contact_to_tell(report, None)),
            "moderate_form": forms.get("moderate")
            or ModerateForm(initial={"description": report.description}),
        },
        status=status,
    )


def _followers(report, viewer) -> dict:
    """How many said "me too", and whether this person is one of them: one query."""
    counted = report.subscriptions.aggregate(
        me_too=Count("pk"),
        mine=Count("pk", filter=Q(person_id=viewer.person_id if viewer else None)),
    )
    return {"me_too": counted["me_too"], "following": viewer is not None and counted["mine"] > 0}


def _post(request, slug, report_id, name, form_class, action, success):
    """Run a posted form on the report page; show it again with its error, or go back."""
    report, _viewer, _rights = _report(request, slug, report_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            result = action(report, form.cleaned_data)
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            say_saved(request, result, success(result) if callable(success) else success)
            return redirect("report", slug, report.pk)
    return report_detail(request, slug, report_id, forms={name: form}, status=400)


@login_required
@require_POST
def report_update(request, slug, report_id):
    return _post(
        request,
        slug,
        report_id,
        "update",
        UpdateForm,
        lambda report, data: services.report_update(
            actor=request.user,
            report=report,
            status=data["status"],
            note=data["note"],
            key=data["key"] or None,
        ),
        _updated,
    )


def _updated(report) -> str:
    """What staff are told once they have saved an update: who hears of it, and, when they
    closed a report whose reporter nobody can ask online, to ring and ask."""
    unreachable = report.reporter_id is None and not report.contact_email
    if report.is_open or not access.reporter_offline(report):
        if unreachable:
            return "Updated. The person who reported it left no email, so they are not told."
        return "Updated: the person who reported it, and everyone who said “me too”, are told."
    if not unreachable and report.reporter_id is None:
        return (
            "Updated and closed: the person who reported it is emailed, with a link to say "
            "whether it was fixed, and everyone who said “me too” is told."
        )
    reporter = report.reporter
    who = reporter.display_name if reporter else report.contact_name
    phone = report.contact_phone or (reporter.phone if reporter else "")
    return (
        f"Updated and closed. {who or 'The person who reported it'} cannot be asked online "
        f"whether it was fixed: ring them{f' on {phone}' if phone else ''} and ask, then "
        "record their answer on this page."
    )


@login_required
@require_POST
def report_answer_for(request, slug, report_id):
    return _post(
        request,
        slug,
        report_id,
        "answer_for",
        AnswerForForm,
        lambda report, data: services.report_answer_for(
            actor=request.user,
            report=report,
            fixed=data["fixed"],
            note=data["note"],
            key=data["key"] or None,
        ),
        "Their answer is recorded.",
    )


@login_required
@require_POST
def report_answer(request, slug, report_id):
    return _post(
        request,
        slug,
        report_id,
        "answer",
        AnswerForm,
        lambda report, data: services.report_answer(
            actor=request.user,
            report=report,
            fixed=data["fixed"],
            note=data["note"],
            key=data["key"] or None,
        ),
        "Thank you: your answer is recorded.",
    )


def report_answer_link(request, slug, report_id, token):
    """ "Was it fixed?" for someone who reported without an account, by the link emailed
    when it was closed: anyone holding the link answers (it is the key). GET asks; POST
    records the answer (once, however often it is sent) and goes to the report's page."""
    hub = _hub(slug)
    if not 0 < report_id < 2**63:
        raise Http404("No such report.")
    report = get_object_or_404(
        Report.objects.select_related("hub", "category__pledge"), pk=report_id, hub=hub
    )
    try:
        closing = answer_links.read(token, report)
    except answer_links.Refused as refused:
        return _link_refused(request, report, refused.message, refused.status)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            answered = services.report_answer_by_link(
                report=report,
                closing=closing,
                fixed=form.cleaned_data["fixed"],
                note=form.cleaned_data["note"],
                key=form.cleaned_data["key"] or None,
            )
        except ApplicationError as error:
            if error.status == 410:
                return _link_refused(request, report, error.for_people, error.status)
            error.add_to_form(form)
        else:
            say_saved(
                request,
                answered,
                "Thank you: your answer is recorded."
                + ("" if form.cleaned_data["fixed"] else " The report is open again."),
            )
            return redirect("report", slug, report.pk)
    elif not access.answers_by_link(report, closing):
        return _link_refused(request, report, SPENT, 410)
    answered = services.answered_since_closing(report)
    status = 200
    if request.method == "POST":
        status = 409 if answered else 400
    return render(
        request,
        "pledges/report_answer_link.html",
        {
            "hub": hub,
            "report": report,
            "pledge": report.category.pledge,
            "answered": answered,
            "form": form,
        },
        status=status,
    )


def _link_refused(request, report, message: str, status: int):
    return render(
        request,
        "pledges/report_answer_link.html",
        {
            "hub": report.hub,
            "report": report,
            "pledge": report.category.pledge,
            "refused": message,
        },
        status=status,
    )


@login_required
@require_POST
def report_moderate(request, slug, report_id):
    return _post(
        request,
        slug,
        report_id,
        "moderate",
        ModerateForm,
        lambda report, data: services.report_moderate(
            actor=request.user,
            report=report,
            description=data["description"],
            reason=data["reason"],
        ),
        "The new text is shown; the original is kept.",
    )


@login_required
@require_POST
def report_me_too(request, slug, report_id):
    report, _viewer, _rights = _report(request, slug, report_id)
    try:
        joined = services.report_me_too(actor=request.user, report=report)
    except ApplicationError as error:
        messages.error(request, error.for_people)
    else:
        messages.success(
            request,
            "You will hear of every change to this report."
            if joined
            else "You were already following this report.",
        )
    return redirect("report", slug, report.pk)


def report_photo(request, slug, report_id):
    """The photo, for the service's staff and the reporter only; never cached by others."""
    report, _viewer, rights = _report(request, slug, report_id)
    if not rights.see_private or not report.photo:
        raise Http404("No photo to show.")
    response = FileResponse(report.photo.open("rb"))
    response["Cache-Control"] = "private, max-age=0, no-store"
    response["Content-Disposition"] = "inline"
    return response


# --- lists -------------------------------------------------------------------------------


@login_required
def report_queue(request, slug):
    hub = _hub(slug)
    viewer = access.membership(request.user, hub)
    if viewer is None:
        raise PermissionDenied("Only members of this hub can see this.")
    if not access.sees_queue(viewer, hub):
        raise PermissionDenied("Only the service's staff see the queue of reports.")
    categories = PledgeCategory.objects.filter(pledge__hub=hub).select_related("pledge")
    show = request.GET.get("show", "open")
    show = show if show in report_selectors.QUEUE_SHOWS else "open"
    category = request.GET.get("category", "")
    category = category if any(c.code == category for c in categories) else ""
    status = request.GET.get("status", "")
    status = status if status in ReportStatus.values else ""
    reports = report_selectors.queue(hub, show=show, category=category, status=status)
    page = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    return render(
        request,
        "pledges/report_queue.html",
        {
            "hub": hub,
            "page": page,
            "rows": [(r, report_selectors.when_words(r, now)) for r in page],
            "categories": categories,
            "shows": report_selectors.QUEUE_SHOWS,
            "statuses": ReportStatus.choices,
            "show": show,
            "category": category,
            "status": status,
        },
    )


def pledge_reports(request, slug, pledge_slug):
    """A pledge's reports, for anyone: what was reported, when it was due, what happened;
    no names, contact details, street addresses or photos."""
    hub = _hub(slug)
    pledge, viewer = _pledge(request, hub, pledge_slug)
    page = Paginator(report_selectors.public_reports(pledge), PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    return render(
        request,
        "pledges/pledge_reports.html",
        {
            "hub": hub,
            "pledge": pledge,
            "page": page,
            "rows": [(r, report_selectors.when_words(r, now)) for r in page],
            "offer_report": access.offers_reporting(viewer, pledge),
        },
    )


@login_required
def my_reports(request):
    """The reports this person made or follows ("me too"), in every hub, newest first."""
    page = Paginator(report_selectors.mine(request.user), PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = timezone.now()
    return render(
        request,
        "pledges/my_reports.html",
        {"page": page, "rows": [(r, report_selectors.when_words(r, now)) for r in page]},
    )
