"""The registry in the registry form (XLSX, streamed; CSV) and the twice-monthly report."""

import csv
import io

from openpyxl import Workbook

from app.core.i18n import to_local
from app.reception.exports import safe_cell

from .models import Status, Subprogram

#: the registry form's columns, in Russian as the office hands it upward
COLUMNS = [
    ("number", "№ в реестре"),
    ("registry", "Реестр"),
    ("district", "Район / город"),
    ("kind", "Вид (проект / мероприятие)"),
    ("title", "Наименование"),
    ("description", "Описание"),
    ("subprogram", "Подпрограмма"),
    ("special_project", "Спецпроект"),
    ("scale", "Значение (район / область)"),
    ("initiator_type", "Инициатор"),
    ("initiator_name", "Наименование / ФИО инициатора"),
    ("contact", "Контакты"),
    ("expected_result", "Ожидаемый результат"),
    ("period", "Сроки реализации"),
    ("event_date", "Дата мероприятия"),
    ("people_involved", "Охват населения, чел."),
    ("funding_amount", "Требуемое финансирование, тенге"),
    ("funding_source", "Источник финансирования"),
    ("funding_justification", "Обоснование"),
    ("is_charity", "Благотворительность / меценатство"),
    ("funding_late", "Поступило после 30 сентября"),
    ("status", "Статус"),
    ("reason", "Причина отклонения / объединено с"),
    ("responsible", "Ответственный"),
    ("origin", "Источник"),
    ("created_at", "Дата поступления"),
]

RU = {
    "project": "проект", "event": "мероприятие", "district": "районный",
    "regional": "областной", "region": "область",
    "submitted": "подано", "under_review": "на рассмотрении", "accepted": "принято",
    "rejected": "отклонено", "merged": "объединено", "in_progress": "в работе",
    "done": "реализовано",
    "akimat": "акимат", "citizen": "гражданин", "npo": "НПО", "business": "бизнес",
    "party": "политическая партия",
    "booking": "День гражданских инициатив", "office": "Проектный офис",
    "tarbie": "Тәрбие және білім", "atameken": "Атамекен", "rukhani_kazyna": "Рухани қазына",
    "akparat": "Ақпарат толқыны",
    "tugan_zher": "Туған жер", "sacred_geography": "Сакральная география Казахстана",
    "modern_culture": "Современная казахстанская культура в глобальном мире",
    "textbooks_100": "100 новых учебников", "new_faces_100": "100 новых лиц Казахстана",
    "latin_alphabet": "Переход казахского языка на латинскую графику",
}  # fmt: skip


def _ru(value):
    return RU.get(value.value, value.value) if hasattr(value, "value") else value


def row_of(p):
    period = ""
    if p.starts_on and p.ends_on:
        period = f"{p.starts_on:%d.%m.%Y} – {p.ends_on:%d.%m.%Y}"
    comment = p.reason or (p.merged_into.number if p.merged_into else "")
    scale = "район (город)" if p.scale.value == "district" else "область"
    return [
        p.number, _ru(p.in_registry), p.district.name_ru, _ru(p.kind), p.title, p.description,
        _ru(p.subprogram), _ru(p.special_project) if p.special_project else "", scale,
        _ru(p.initiator_type), p.initiator_name,
        ", ".join(x for x in (p.phone, p.email) if x), p.expected_result or "", period,
        f"{p.event_date:%d.%m.%Y}" if p.event_date else "", p.people_involved,
        float(p.funding_amount) if p.funding_amount is not None else None,
        p.funding_source or "", p.funding_justification or "", "да" if p.is_charity else "",
        "да" if p.funding_late else "", _ru(p.status), comment, p.responsible or "",
        _ru(p.origin), f"{to_local(p.created_at):%d.%m.%Y}",
    ]  # fmt: skip


def registry_xlsx(proposals):
    """Stream rows into a write-only workbook: memory stays flat at 50 000 entries."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Реестр")
    sheet.append([title for _key, title in COLUMNS])
    for proposal in proposals:
        sheet.append([safe_cell(v) for v in row_of(proposal)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def registry_csv(proposals, batch=500):
    """The registry as CSV, yielded in chunks: memory stays flat however many rows."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([title for _key, title in COLUMNS])
    for count, proposal in enumerate(proposals, start=1):
        writer.writerow([safe_cell(v) for v in row_of(proposal)])
        if count % batch == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def report_xlsx(rows, since, on):
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Информация")
    sheet.append([f"Информация о реализации проектов и мероприятий на {on:%d.%m.%Y}",
                  f"новые с {since:%d.%m.%Y}"])  # fmt: skip
    sheet.append([
        "Район / город", "Проектов", "Мероприятий", "Новых",
        *[RU[s.value] for s in Status], *[RU[s.value] for s in Subprogram],
        "Охват населения, чел.", "Требуемое финансирование, тенге",
    ])  # fmt: skip
    for row in rows:
        sheet.append([
            row.district.name_ru, row.projects, row.events, row.new,
            *[row.by_status[s] for s in Status], *[row.by_subprogram[s] for s in Subprogram],
            row.people, float(row.funding),
        ])  # fmt: skip
    sheet.append([
        "Итого", sum(r.projects for r in rows), sum(r.events for r in rows),
        sum(r.new for r in rows), *[sum(r.by_status[s] for r in rows) for s in Status],
        *[sum(r.by_subprogram[s] for r in rows) for s in Subprogram],
        sum(r.people for r in rows), float(sum(r.funding for r in rows)),
    ])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
