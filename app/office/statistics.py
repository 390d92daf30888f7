"""The statistics page's tables: each described once (columns with their types, rows, a
totals line, the chart's bars), then shown as an HTML table beside its SVG chart and written
as a sheet of the XLSX export. The figures come from ``app.registry.stats``."""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.bookings.models import Category, Topic
from app.core.i18n import localized
from app.core.spreadsheet import Column, Table, Type
from app.days import services as days
from app.days.models import Day
from app.districts import services as quotas
from app.extensions import db
from app.places.models import District
from app.queue import services as queue
from app.registry import stats

FROM_AFTER_TO = _l("The start of the period is after its end.")
PERIOD_TOO_LONG = _l("A period of at most %(years)d years.")


@dataclass
class Section:
    """One table of the page (and one sheet of its export)."""

    name: str
    title: str
    columns: list
    rows: list
    totals: list | None = None
    #: [(label, value)] drawn beside the table, or None
    chart: list | None = None


@dataclass
class StatsView:
    #: "day" or "period"
    mode: str
    day: object = None
    since: object = None
    until: object = None
    error: str | None = None
    figures: list = field(default_factory=list)
    totals: object = None
    sections: list = field(default_factory=list)


def choose(args, now):
    """The page's question from its query string: one Day (``date``), a period (``from``,
    ``to``), or by default the latest Day up to today (the next one if none)."""
    since, until = args.get("from"), args.get("to")
    if since or until:
        until = until or days.today_local(now)
        since = since or stats.years_after(until, -1)
        view = StatsView("period", since=since, until=until)
        if since > until:
            view.error = str(FROM_AFTER_TO)
        elif stats.period_too_long(since, until):
            view.error = PERIOD_TOO_LONG % {"years": stats.MAX_YEARS}
        return view
    day = args.get("day")
    if day is None:
        today = days.today_local(now)
        day = db.session.scalar(
            select(Day).where(Day.date <= today).order_by(Day.date.desc()).limit(1)
        ) or days.next_day(now)
    return StatsView("day", day=day)


def build(view, now):
    """Fill the view's figures and tables (nothing when it has an error)."""
    if view.error:
        return view
    if view.mode == "day":
        if view.day is None:
            return view
        day_list = [view.day]
    else:
        day_list = stats.days_between(view.since, view.until)
    view.figures = stats.day_figures(day_list)
    view.totals = stats.totals_of(view.figures)
    names = {d.code: localized(d) for d in db.session.scalars(select(District))}
    view.sections = [
        _summary(view),
        _breakdown("category", _("Visitors by category"), _("Category"),
                   [(c.title, view.totals.by_category[c.value]) for c in Category]),
        _breakdown("topic", _("Visitors by topic"), _("Topic"),
                   [(t.title, view.totals.by_topic[t.value]) for t in Topic]),
        _breakdown("district", _("Visitors by district"), _("District or city"),
                   _district_rows(view.totals.by_district, names)),
        _quotas(view, day_list, now),
        _queue_times(view, day_list),
        *_proposals(view),
    ]  # fmt: skip
    return view


def _count(label):
    return Column(label, Type.integer)


def _rate(value):
    return f"{value:.0%}"


def _summary(view):
    columns = [Column(_("Day"), Type.date), _count(_("Booked")), _count(_("Arrived")),
               _count(_("No-shows")), Column(_("No-show rate")), _count(_("Walk-ins")),
               _count(_("Cancelled")), _count(_("Proposals"))]  # fmt: skip

    def line(first, one):
        return [first, one.booked, one.arrived, one.no_show, _rate(one.no_show_rate),
                one.walk_ins, one.cancelled, one.proposals]  # fmt: skip

    rows = [line(one.day.date, one) for one in view.figures]
    total = view.totals
    if view.mode == "day":
        chart = [(_("Booked"), total.booked), (_("Arrived"), total.arrived),
                 (_("No-shows"), total.no_show), (_("Walk-ins"), total.walk_ins),
                 (_("Cancelled"), total.cancelled), (_("Proposals"), total.proposals)]  # fmt: skip
        return Section("summary", _("The Day in figures"), columns, rows, chart=chart)
    chart = [(one.day.date.strftime("%d.%m.%Y"), one.arrived) for one in view.figures]
    return Section(
        "summary", _("Arrivals per Day"), columns, rows,
        totals=line(_("Total"), total), chart=chart,
    )  # fmt: skip


def _breakdown(name, title, what, pairs):
    rows = [[str(label), value] for label, value in pairs]
    total = sum(value for _label, value in pairs)
    return Section(
        name, title, [Column(what), _count(_("Visitors"))], rows,
        totals=[_("Total"), total], chart=[(label, value) for label, value in rows],
    )  # fmt: skip


def _district_rows(by_district, names):
    pairs = sorted(
        ((names.get(code, code), count) for code, count in by_district.items()
         if code != stats.NO_DISTRICT),
        key=lambda pair: (-pair[1], pair[0]),
    )  # fmt: skip
    if by_district.get(stats.NO_DISTRICT):
        pairs.append((_("no district given"), by_district[stats.NO_DISTRICT]))
    return pairs


def _quotas(view, day_list, now):
    title = _("Delegates of the districts against the quota")
    if view.mode == "day":
        standing = quotas.day_quotas(view.day, now=now)
        columns = [Column(_("District or city")), _count(_("Registered")), _count(_("Arrived")),
                   _count(_("Minimum")), _count(_("Target")), Column(_("Status"))]  # fmt: skip
        rows = [[localized(q.district), q.registered, q.attended, q.delegate_min,
                 q.delegate_target, str(q.status.title) if q.status else _("cancelled")]
                for q in standing]  # fmt: skip
        met = sum(1 for q in standing if q.status == quotas.QuotaStatus.met)
        totals = [_("Total"), sum(q.registered for q in standing),
                  sum(q.attended for q in standing), None, None,
                  f"{_('quota met')}: {met} / {len(standing)}"]  # fmt: skip
        chart = [(localized(q.district), q.attended) for q in standing]
        return Section("quotas", title, columns, rows, totals, chart)
    figures = stats.quota_figures(day_list, now=now)
    columns = [Column(_("District or city")), _count(_("Days held")), _count(_("Days met")),
               _count(_("Registered")), _count(_("Arrived"))]  # fmt: skip
    rows = [[localized(f.district), f.days, f.met, f.registered, f.attended] for f in figures]
    totals = [_("Total"), None, sum(f.met for f in figures),
              sum(f.registered for f in figures), sum(f.attended for f in figures)]  # fmt: skip
    chart = [(localized(f.district), f.met) for f in figures]
    return Section("quotas", title, columns, rows, totals, chart)


def _queue_times(view, day_list):
    """Waiting (check-in → first call) and service (call → done) in minutes, median and 90th
    percentile: by desk for a Day, by Day for a period. One query (queue.times_by_day)."""
    columns = [Column(_("Waiting, median"), Type.minutes),
               Column(_("Waiting, 90%"), Type.minutes),
               Column(_("Service, median"), Type.minutes),
               Column(_("Service, 90%"), Type.minutes), _count(_("Called"))]  # fmt: skip

    def line(first, summary):
        waiting, service = summary["waiting"], summary["service"]
        return [first, waiting["median"], waiting["p90"], service["median"], service["p90"],
                waiting["count"]]  # fmt: skip

    times = queue.times_by_day(day_list)
    if view.mode == "day":
        day = times[view.day.id]
        rows = [line(_("Desk %(number)d", number=n), s) for n, s in day["desks"].items()]
        first, totals = Column(_("Desk")), line(_("The Day"), day["day"])
    else:
        rows = [line(d.date, times[d.id]["day"]) for d in day_list if times[d.id]["visitors"]]
        first, totals = Column(_("Day"), Type.date), None
    return Section("queue_times", _("Waiting and service times, minutes"), [first, *columns],
                   rows, totals)  # fmt: skip


def _proposals(view):
    if view.mode == "day":
        found = stats.proposal_figures(day=view.day)
        lead = _("Proposals raised at the Day")
    else:
        found = stats.proposal_figures(since=view.since, until=view.until)
        lead = _("Proposals registered in the period")
    sections = []
    for name, what, header, counts, chart in (
        ("proposals_kind", _("by kind"), _("Kind"), found.by_kind, False),
        ("proposals_subprogram", _("by subprogram"), _("Subprogram"), found.by_subprogram, True),
        ("proposals_registry", _("by registry"), _("Registry"), found.by_registry, False),
        ("proposals_status", _("where they stand now"), _("Status"), found.by_status, True),
    ):
        rows = [[str(key.title), value] for key, value in counts.items()]
        sections.append(Section(
            name, f"{lead}: {what}", [Column(header), _count(_("Proposals"))], rows,
            totals=[_("Total"), found.total], chart=rows if chart else None,
        ))  # fmt: skip
    return sections


def as_tables(view, only=None):
    """The view's sections as spreadsheet tables (one sheet each), or only the one named."""
    heading = (
        [_("Statistics"), view.day.date]
        if view.mode == "day"
        else [_("Statistics"), view.since, view.until]
    )
    return [
        # Sheet names are cut at 31 characters: numbered, so that no two are the same.
        Table(f"{number}. {section.columns[0].label}", section.columns, section.rows,
              heading=[*heading, section.title], totals=section.totals)
        for number, section in enumerate(view.sections, start=1)
        if only is None or section.name == only
    ]  # fmt: skip
