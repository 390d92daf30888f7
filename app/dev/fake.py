"""Years of made-up but realistic data, for benchmarks and the statement-count test:
``flask dev fake-data --years 10`` (refused in production).

A year at density 1 is what a busy office makes: twelve Days, each with 36–50 online
bookings and walk-ins, one or two delegates of every district, visit notes and each arrived
visitor's way through the desks; 3 000 registry
entries with their history; 20 000 audit entries; 10 000 delivered mails. Rows go in by bulk
insert (SQLAlchemy Core), so ten years take seconds on SQLite and under a minute on
PostgreSQL. ``offset_years`` fills an earlier stretch beside what is there (the test fills
one year, counts, then two more). Everything is drawn from a seeded ``random.Random``: the
same call makes the same rows.
"""

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import func, insert, select, text, update

from app.auth.models import User
from app.bookings.models import (
    Booking,
    BookingStatus,
    Category,
    DelegateRole,
    Source,
    Topic,
)
from app.bookings.services import CODE_ALPHABET, PRIVACY_VERSION, hash_token, manage_token
from app.core.audit import AuditEntry
from app.core.i18n import LOCAL_TZ
from app.core.outbox import OutboxMessage, OutboxStatus
from app.days import services as days
from app.days.models import Day, Slot
from app.extensions import db
from app.office.privacy import months_before
from app.places.models import District
from app.queue.models import Visit, VisitStatus
from app.reception.models import VisitNote
from app.registry.models import (
    Initiator,
    Kind,
    Origin,
    Proposal,
    ProposalEvent,
    ProposalNumber,
    Registry,
    RegistryCounter,
    Scale,
    SpecialProject,
    Status,
    Subprogram,
)
from app.registry.services import _search_text, registry_for, status_token

#: rows a year at density 1 (the issue's ten years: 120 Days, 30 000 entries, 200 000 audit
#: entries, 100 000 mails)
PER_YEAR = {"days": 12, "proposals": 3_000, "audit": 20_000, "outbox": 10_000}
ONLINE_PER_DAY = (36, 50)
WALK_INS_PER_DAY = (3, 8)
BATCH = 5_000

# --- words --------------------------------------------------------------------------------

ACTIONS = [
    "Ремонт", "Благоустройство", "Реставрация", "Открытие", "Создание", "Оснащение",
    "Строительство", "Модернизация", "Восстановление", "Издание каталога",
]  # fmt: skip
OBJECTS = [
    "сельского клуба", "краеведческого музея", "детской площадки", "библиотеки",
    "памятника воинам-землякам", "спортивного зала", "школьного музея", "сквера",
    "этнографического центра", "молодёжного центра", "дома культуры", "мемориала",
    "памятника Абаю", "аллеи выпускников", "родника", "летней сцены",
]  # fmt: skip
EVENTS = [
    "Фестиваль", "Конкурс", "Выставка", "Форум", "Семинар", "Экспедиция", "Праздник",
    "Круглый стол", "Акция", "Турнир",
]  # fmt: skip
EVENT_TOPICS = [
    "«Туған жер»", "народных ремёсел", "молодых поэтов", "по айтысу", "«Менің елім»",
    "волонтёров", "краеведов", "«Рухани жаңғыру»", "юных художников", "по тогызкумалаку",
    "у памятника Букетову", "«Ұлы дала»",
]  # fmt: skip
SENTENCES = [
    "Проект направлен на сохранение историко-культурного наследия региона.",
    "Участвуют школьники, студенты и жители села.",
    "Предусмотрено привлечение спонсоров и меценатов.",
    "Работы выполняются силами местного сообщества и волонтёров.",
    "Результаты будут представлены на районном форуме.",
    "Планируется издание буклета и публикации в местных СМИ.",
    "Мероприятие проводится совместно с отделом культуры акимата.",
    "Необходимо решить вопрос с помещением и транспортом.",
    "Инициатива поддержана на сходе граждан.",
    "Часть расходов берёт на себя инициатор.",
]  # fmt: skip
SURNAMES = ["Ахметов", "Иванова", "Жумабекова", "Сериков", "Ким", "Омарова", "Петров",
            "Нургалиев", "Садыкова", "Бекмухамедов", "Смагулова", "Козлов"]  # fmt: skip
NAMES = ["Айгерим", "Ерлан", "Наталья", "Данияр", "Сауле", "Алексей", "Гульнара", "Марат"]
ORGS = ["«Жарқын болашақ»", "«Мирас»", "«Сарыарқа»", "«Достық»", "«Шанырак»", "«Алем»"]
RESULTS = [
    "Отремонтированный объект, открытый для посетителей.",
    "Не менее 300 участников, сборник материалов.",
    "Новая экспозиция из 150 предметов.",
    "Благоустроенная территория площадью 0,5 га.",
]  # fmt: skip
NOTES = [
    "Обсудили ход ремонта клуба; подрядчик задерживает работы.",
    "Предложение по фестивалю, передано в реестр.",
    "Жалоба на сроки рассмотрения заявки.",
    "Консультация по оформлению проекта.",
]  # fmt: skip
AUDIT_ACTIONS = [
    ("booking.check_in", "booking"), ("booking.no_show", "booking"),
    ("booking.note", "booking"), ("walk_in.register", "booking"),
    ("delegate.register", "booking"), ("proposal.status", "proposal"),
    ("proposal.note", "proposal"), ("proposal.edit", "proposal"),
]  # fmt: skip
MAIL_KINDS = [
    ("booking_confirmed", "booking"), ("booking_reminder", "booking"),
    ("proposal_status", "proposal"), ("quota_reminder", None),
]  # fmt: skip


def weighted(rng, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def person(rng):
    return f"{rng.choice(SURNAMES)} {rng.choice(NAMES)}"


@dataclass
class Filled:
    """What a fill made, and the ids later rows point at."""

    days: int = 0
    bookings: int = 0
    notes: int = 0
    proposals: int = 0
    events: int = 0
    audit: int = 0
    outbox: int = 0
    booking_ids: list = field(default_factory=list, repr=False)
    booking_codes: list = field(default_factory=list, repr=False)
    proposal_ids: list = field(default_factory=list, repr=False)


def fill(now, *, years=10, density=1.0, offset_years=0, seed=1):
    """Fill the ``years`` before ``now`` (less ``offset_years``): Days with their bookings,
    the registry, the audit log and the outbox. Commits; returns the counts (Filled)."""
    rng = random.Random(seed * 1000 + offset_years)  # noqa: S311 (made-up data)
    today = now.astimezone(LOCAL_TZ).date()
    end = months_before(today, 12 * offset_years)
    start = months_before(today, 12 * (offset_years + years))
    districts = db.session.scalars(select(District).order_by(District.id)).all()
    staff = db.session.scalars(select(User.id).order_by(User.id)).all() or [None]
    filled = Filled()
    _fill_days(rng, filled, start, end, districts, staff, density)
    _fill_registry(rng, filled, start, end, districts, staff, round(
        PER_YEAR["proposals"] * years * density), now=now)  # fmt: skip
    _fill_audit(rng, filled, start, end, staff, round(PER_YEAR["audit"] * years * density))
    _fill_outbox(rng, filled, start, end, round(PER_YEAR["outbox"] * years * density))
    _sync_sequences()
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return filled


def _between(rng, start, end):
    """A moment between two local dates (UTC)."""
    first = datetime.combine(start, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)
    last = datetime.combine(end, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)
    return first + timedelta(seconds=rng.uniform(0, (last - first).total_seconds()))


def _next_id(model):
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _bulk(model, rows):
    for chunk in range(0, len(rows), BATCH):
        db.session.execute(insert(model.__table__), rows[chunk : chunk + BATCH])


def _sync_sequences():
    """Explicit ids do not move PostgreSQL's sequences: keep later inserts working."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("days", "slots", "bookings", "proposals"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 (fixed names)
            f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
        ))  # fmt: skip


# --- Days and bookings --------------------------------------------------------------------


def _day_dates(start, end):
    """The Day of every month from ``start`` (inclusive) to ``end`` (exclusive)."""
    year, month = start.year, start.month
    while True:
        on = days.day_date_for(year, month)
        if on >= end:
            return
        if on >= start:
            yield on
        year, month = year + month // 12, month % 12 + 1


def _fill_days(rng, filled, start, end, districts, staff, density):
    existing = set(db.session.scalars(select(Day.date).where(Day.date >= start, Day.date < end)))
    made = []
    for on in _day_dates(start, end):
        if on not in existing:
            day = days.new_day(on)
            day.created_at = day.updated_at = _between(rng, on - timedelta(days=360), on)
            db.session.add(day)
            made.append(day)
    db.session.flush()
    codes = set(db.session.scalars(select(Booking.code)))
    next_id = _next_id(Booking)
    bookings, notes = [], []

    def code():
        while True:
            candidate = "".join(rng.choices(CODE_ALPHABET, k=6))
            if candidate not in codes:
                codes.add(candidate)
                return candidate

    for day in made:
        phones = set()

        def phone(phones=phones):
            while True:
                candidate = f"+7701{rng.randint(0, 9_999_999):07d}"
                if candidate not in phones:
                    phones.add(candidate)
                    return candidate

        seats = [slot for slot in day.slots for _ in range(slot.capacity)]
        online = min(max(2, round(rng.randint(*ONLINE_PER_DAY) * density)), len(seats) + 10)
        rng.shuffle(seats)
        rows = []
        for n in range(online):
            # A cancelled booking frees its seat; the Day never holds more than its seats.
            cancelled = n >= len(seats) or rng.random() < 0.1
            slot = seats.pop() if seats and not cancelled else rng.choice(day.slots)
            status = (BookingStatus.cancelled if cancelled else weighted(
                rng, [(BookingStatus.checked_in, 75), (BookingStatus.no_show, 25)]))  # fmt: skip
            category = weighted(rng, [(Category.citizen, 60), (Category.npo, 20),
                                      (Category.business, 12), (Category.party, 8)])  # fmt: skip
            rows.append(_booking(rng, day, slot, Source.online, category, status, code(),
                                 phone(), rng.choice(districts)))  # fmt: skip
        for _ in range(max(1, round(rng.randint(*WALK_INS_PER_DAY) * density))):
            walk_in = (Source.walk_in, Category.citizen, BookingStatus.checked_in)
            rows.append(_booking(rng, day, None, *walk_in, code(), None, rng.choice(districts)))
        for district in districts:
            for _ in range(1 if density < 1 else rng.randint(1, 2)):
                status = weighted(rng, [(BookingStatus.checked_in, 85),
                                        (BookingStatus.no_show, 15)])  # fmt: skip
                row = _booking(rng, day, None, Source.district, Category.delegate, status,
                               code(), phone(), district)  # fmt: skip
                row["delegate_role"] = rng.choice(list(DelegateRole))
                row["position"] = "руководитель проекта"
                rows.append(row)
        for row in rows:
            row["id"] = next_id
            next_id += 1
            if row["status"] == BookingStatus.checked_in:
                row["checked_in_at"] = day.starts_at + timedelta(minutes=rng.randint(0, 350))
                row["checked_in_by_id"] = rng.choice(staff)
                if rng.random() < 0.3:
                    follow_up = "Позвонить" if rng.random() < 0.3 else None
                    notes.append({"booking_id": row["id"], "author_id": row["checked_in_by_id"],
                                  "text": rng.choice(NOTES), "created_at": row["checked_in_at"],
                                  "follow_up": follow_up})  # fmt: skip
        bookings += rows
    _bulk(Booking, bookings)
    _bulk(VisitNote, notes)
    _bulk(Visit, [_visit(rng, row, staff) for row in bookings if row["checked_in_at"]])
    ids = [day.id for day in made]
    for chunk in range(0, len(ids), 500):
        some = ids[chunk : chunk + 500]
        held = (
            select(func.count(Booking.id))
            .where(
                Booking.slot_id == Slot.id,
                Booking.status != BookingStatus.cancelled,
                Booking.source != Source.walk_in,
            )
            .scalar_subquery()
        )
        db.session.execute(
            update(Slot).where(Slot.day_id.in_(some)).values(booked=held)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
    filled.days, filled.bookings, filled.notes = len(made), len(bookings), len(notes)
    filled.booking_ids = [row["id"] for row in bookings]
    filled.booking_codes = [row["code"] for row in bookings]


def _visit(rng, booking, staff):
    """The way through the desks of a visitor who arrived: called, served, done."""
    called = booking["checked_in_at"] + timedelta(minutes=rng.randint(1, 30))
    serving = called + timedelta(minutes=1)
    return {"booking_id": booking["id"], "day_id": booking["day_id"], "desk": rng.randint(1, 2),
            "status": VisitStatus.done, "first_called_at": called, "called_at": called,
            "serving_at": serving, "done_at": serving + timedelta(minutes=rng.randint(4, 25)),
            "skips": 0, "skipped_at": None, "called_by_id": rng.choice(staff)}  # fmt: skip


def _booking(rng, day, slot, source, category, status, code, phone, district):
    created = day.starts_at - timedelta(days=rng.uniform(0.5, 13))
    return {
        "code": code,
        "token_hash": hash_token(manage_token(code)),
        "day_id": day.id,
        "slot_id": slot.id if slot else None,
        "full_name": person(rng),
        "category": category,
        "organization": rng.choice(ORGS) if category.needs_organization else None,
        "position": None,
        "delegate_role": None,
        "district_id": district.id,
        "phone": phone,
        "email": f"v{code.lower()}@example.kz" if rng.random() < 0.5 else None,
        "topic": rng.choice(list(Topic)),
        "message": rng.choice(SENTENCES) if rng.random() < 0.4 else None,
        "language": "kk" if rng.random() < 0.3 else "ru",
        "consent_version": PRIVACY_VERSION,
        "consented_at": created,
        "status": status,
        "source": source,
        "sequence": 1 if status == BookingStatus.cancelled else 0,
        "created_at": created,
        "updated_at": created,
        "cancelled_at": created + timedelta(hours=5) if status == BookingStatus.cancelled else None,
        "reminder_queued_at": None,
        "checked_in_at": None,
        "checked_in_by_id": None,
    }


# --- the registry -------------------------------------------------------------------------


#: an office decides within weeks: older entries are rarely still waiting (so the backlog on
#: the office home is what a working office carries, not every year's undecided share)
DECIDED_AFTER = timedelta(days=60)
STILL_WAITING = 0.005


def proposal_rows(rng, count, districts, start, end, now=None):
    """``count`` registry entries (dicts, ordered by arrival, without id or number).
    Entries older than ``DECIDED_AFTER`` before ``now`` (default: ``end``) are nearly all
    decided; the recent ones may still wait for a decision."""
    weights = [(d, 25 if d.code == "karaganda" else 8 if d.code in ("temirtau", "zhezkazgan")
                else 3) for d in districts]  # fmt: skip
    settled = (now or datetime.combine(end, time(0), tzinfo=LOCAL_TZ)) - DECIDED_AFTER
    rows = []
    for _ in range(count):
        district = weighted(rng, weights)
        created = _between(rng, start, end)
        kind = weighted(rng, [(Kind.project, 55), (Kind.event, 45)])
        special = rng.choice(list(SpecialProject)) if rng.random() < 0.35 else None
        scale = Scale.region if rng.random() < 0.12 else Scale.district
        charity = rng.random() < 0.08
        initiator = weighted(rng, [(Initiator.akimat, 35), (Initiator.citizen, 25),
                                   (Initiator.npo, 25), (Initiator.business, 10),
                                   (Initiator.party, 5)])  # fmt: skip
        if initiator == Initiator.akimat:
            initiator_name = f"Аппарат акима, {district.name_ru}"
        elif initiator == Initiator.citizen:
            initiator_name = person(rng)
        else:
            prefix = {Initiator.npo: "ОФ", Initiator.business: "ТОО", Initiator.party: "Филиал"}
            initiator_name = f"{prefix[initiator]} {rng.choice(ORGS)}"
        if kind == Kind.project:
            title = f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
            starts = (created + timedelta(days=rng.randint(10, 200))).date()
            period = {"starts_on": starts, "ends_on": starts + timedelta(days=rng.randint(30, 300)),
                      "event_date": None, "expected_result": rng.choice(RESULTS)}  # fmt: skip
        else:
            title = f"{rng.choice(EVENTS)} {rng.choice(EVENT_TOPICS)}"
            on = (created + timedelta(days=rng.randint(7, 120))).date()
            period = {"starts_on": None, "ends_on": None, "expected_result": None,
                      "event_date": on}  # fmt: skip
        funded = rng.random() < 0.6
        decided = [(Status.accepted, 15), (Status.in_progress, 15), (Status.done, 30),
                   (Status.rejected, 10), (Status.merged, 5)]  # fmt: skip
        if created < settled and rng.random() >= STILL_WAITING:
            status = weighted(rng, decided)
        else:
            status = weighted(rng, [(Status.submitted, 12), (Status.under_review, 13), *decided])
        rows.append({
            "registry": registry_for(scale, special, charity),
            "district": district,
            "kind": kind,
            "title": f"{title}, {district.name_ru}",
            "description": " ".join(rng.sample(SENTENCES, rng.randint(2, 4))),
            "subprogram": weighted(rng, [(Subprogram.tarbie, 30), (Subprogram.atameken, 30),
                                         (Subprogram.rukhani_kazyna, 25),
                                         (Subprogram.akparat, 15)]),
            "special_project": special,
            "district_id": district.id,
            "scale": scale,
            "initiator_type": initiator,
            "initiator_name": initiator_name,
            "phone": f"+7701{rng.randint(0, 9_999_999):07d}" if rng.random() < 0.7 else None,
            "email": f"init{rng.randint(1, 10**6)}@example.kz" if rng.random() < 0.4 else None,
            "language": "kk" if rng.random() < 0.2 else "ru",
            **period,
            "people_involved": rng.randint(10, 5000),
            "funding_amount": Decimal(rng.randint(1, 500) * 100_000) if funded else None,
            "funding_source": rng.choice(["местный бюджет", "спонсоры", "грант"]) if funded
            else None,
            "funding_justification": "Смета прилагается." if funded else None,
            "is_charity": charity,
            "funding_late": funded and rng.random() < 0.08,
            "origin": weighted(rng, [(Origin.district, 60), (Origin.office, 40)]),
            "status": status,
            "reason": "Не соответствует целям программы." if status == Status.rejected else None,
            "responsible": rng.choice(SURNAMES) if rng.random() < 0.5 else None,
            # about 15 working days; answered when accepted, rejected or merged
            "due_on": (created + timedelta(days=21)).astimezone(LOCAL_TZ).date(),
            "answered_on": (created + timedelta(days=rng.randint(2, 30))).astimezone(
                LOCAL_TZ).date() if status not in (Status.submitted, Status.under_review)
            else None,
            "created_at": created,
            "updated_at": created,
        })  # fmt: skip
    rows.sort(key=lambda row: row["created_at"])
    return rows


def number_rows(rows, counters):
    """Numbers as the registry gives them: PREFIX-YEAR-0001 per registry and year, in order
    of arrival, after the ``counters`` already given (updated in place)."""
    for row in rows:
        prefix = "REG" if row["registry"] == Registry.regional else row["district"].prefix
        key = f"{prefix}-{row['created_at'].astimezone(LOCAL_TZ).year}"
        counters[key] = counters.get(key, 0) + 1
        row["number"] = f"{key}-{counters[key]:04d}"
        row["search_text"] = _search_text(SimpleNamespace(**row))


def insert_proposals(rng, rows, first_id, staff=(None,), end=None):
    """Bulk insert into proposals, proposal_numbers and proposal_events (registered, then
    the present status). Merged entries point at an earlier one, so they go second."""
    for offset, row in enumerate(rows):
        row["id"] = first_id + offset
        row["token_hash"] = hashlib.sha256(status_token(row["id"]).encode()).hexdigest()
    plain = [r for r in rows if r["status"] != Status.merged]
    merged = [r for r in rows if r["status"] == Status.merged]
    for row in merged:
        row["merged_into_id"] = rng.choice(plain)["id"] if plain else None
        if row["merged_into_id"] is None:
            row["status"] = Status.submitted
    columns = {c.key for c in Proposal.__table__.columns}
    end = end or max((r["created_at"] for r in rows), default=None)
    events = 0
    for batch in (plain, merged):
        for start in range(0, len(batch), BATCH):
            chunk = batch[start : start + BATCH]
            db.session.execute(
                insert(Proposal.__table__),
                [{k: v for k, v in r.items() if k in columns} for r in chunk],
            )
            db.session.execute(
                insert(ProposalNumber.__table__),
                [{"number": r["number"], "proposal_id": r["id"]} for r in chunk],
            )
            history = [_event(r["id"], r["created_at"], "created", to_status="submitted")
                       for r in chunk]  # fmt: skip
            for r in chunk:
                later = min(r["created_at"] + timedelta(days=rng.randint(1, 60)), end)
                if r["status"] != Status.submitted:
                    history.append(_event(r["id"], later, "status", from_status="submitted",
                                          to_status=r["status"].value,
                                          actor_id=rng.choice(staff)))  # fmt: skip
                if rng.random() < 0.2:
                    history.append(_event(r["id"], later, "note", comment=rng.choice(NOTES),
                                          actor_id=rng.choice(staff), is_public=False))  # fmt: skip
            db.session.execute(insert(ProposalEvent.__table__), history)
            events += len(history)
    return events


def _event(proposal_id, at, action, **fields):
    """One history row with every column (a bulk insert wants the same keys in each)."""
    row = dict.fromkeys(("actor_id", "from_status", "to_status", "from_registry",
                         "to_registry", "number", "comment"))  # fmt: skip
    return {**row, "proposal_id": proposal_id, "at": at, "action": action, "is_public": True,
            **fields}  # fmt: skip


def _fill_registry(rng, filled, start, end, districts, staff, count, *, now=None):
    rows = proposal_rows(rng, count, districts, start, end, now=now)
    counters = dict(db.session.execute(select(RegistryCounter.key, RegistryCounter.last)).all())
    number_rows(rows, counters)
    filled.events = insert_proposals(
        rng,
        rows,
        _next_id(Proposal),
        staff,
        end=datetime.combine(end, time(0), tzinfo=LOCAL_TZ).astimezone(UTC),
    )
    for key, last in counters.items():
        if db.session.get(RegistryCounter, key) is None:
            db.session.add(RegistryCounter(key=key, last=last))
        else:
            db.session.get(RegistryCounter, key).last = last
    filled.proposals = len(rows)
    filled.proposal_ids = [row["id"] for row in rows]


# --- the audit log and the outbox ---------------------------------------------------------


def _fill_audit(rng, filled, start, end, staff, count):
    targets = {"booking": filled.booking_ids, "proposal": filled.proposal_ids}
    rows = []
    for _ in range(count):
        action, kind = rng.choice(AUDIT_ACTIONS)
        ids = targets[kind] or [None]
        rows.append({"at": _between(rng, start, end), "actor_id": rng.choice(staff),
                     "action": action, "object_type": kind, "object_id": rng.choice(ids),
                     "object_label": None, "before": {"status": "confirmed"},
                     "after": {"status": "checked_in"}})  # fmt: skip
    _bulk(AuditEntry, rows)
    filled.audit = len(rows)


def _fill_outbox(rng, filled, start, end, count):
    rows = []
    for _ in range(count):
        kind, about = rng.choice(MAIL_KINDS)
        if about == "booking" and filled.booking_codes:
            thread = f"booking:{rng.choice(filled.booking_codes)}"
        elif about == "proposal" and filled.proposal_ids:
            thread = f"proposal:{rng.choice(filled.proposal_ids)}"
        else:
            thread = None
        created = _between(rng, start, end)
        rows.append({"kind": kind, "recipient": f"r{rng.randint(1, 10**6)}@example.kz",
                     "payload": {"full_name": person(rng)}, "thread": thread,
                     "language": "kk" if rng.random() < 0.3 else "ru", "dedupe_key": None,
                     "status": OutboxStatus.sent, "attempts": 1, "next_attempt_at": created,
                     "last_error": None, "created_at": created,
                     "sent_at": created + timedelta(seconds=rng.randint(1, 120))})  # fmt: skip
    _bulk(OutboxMessage, rows)
    filled.outbox = len(rows)


def years_ago(now, years):
    """For callers: the first date a fill of ``years`` covers."""
    return months_before(now.astimezone(LOCAL_TZ).date(), 12 * years)


__all__ = ["PER_YEAR", "Filled", "date", "fill", "years_ago"]
