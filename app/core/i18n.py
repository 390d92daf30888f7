"""Language choice (?lang=, cookie, browser) and formatting at the edges."""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import phonenumbers
from flask import current_app, g, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale

LOCAL_TZ = ZoneInfo("Asia/Almaty")
LANG_COOKIE = "lang"


def select_locale():
    """?lang= first (remembered by the cookie set after the request), then the cookie."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return languages[0]
    wanted = request.args.get("lang")
    if wanted in languages:
        g.lang_chosen = wanted
        return wanted
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in languages:
        return cookie
    return request.accept_languages.best_match(languages) or languages[0]


def remember_language(response):
    chosen = g.get("lang_chosen")
    if chosen and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(
            LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )  # fmt: skip
    return response


def current_language():
    return str(get_locale() or "ru")


def localized(obj, field="name"):
    """obj.name_kk in Kazakh, obj.name_ru otherwise (reference data keeps both)."""
    value = getattr(obj, f"{field}_{current_language()}", None)
    return value or getattr(obj, f"{field}_ru")


def to_local(moment):
    return moment.astimezone(LOCAL_TZ)


def format_phone(e164):
    """+77011234567 → «+7 701 123 45 67»: the country code, then groups of three ending in
    two pairs, as people write it. Spreadsheets read that as text, keeping the plus: the
    last group of two is never a thousands group, so no locale takes it for a number."""
    if not e164:
        return ""
    if len(e164) == 12 and e164.startswith("+7") and e164[1:].isdigit():
        # Kazakhstan (and Russia): nearly every number here; no parser needed (exports
        # format tens of thousands)
        d = e164[2:]
        return f"+7 {d[:3]} {d[3:6]} {d[6:8]} {d[8:]}"
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    national = phonenumbers.national_significant_number(number)
    if len(national) < 5:
        return f"+{number.country_code} {national}"
    head, pairs = national[:-4], [national[-4:-2], national[-2:]]
    groups = [head[i : i + 3] for i in range(0, len(head), 3)]
    if len(groups) > 1 and len(groups[-1]) == 1:  # "301 2" reads better as "30 12"
        groups[-2:] = [groups[-2][:2], groups[-2][2] + groups[-1]]
    return " ".join([f"+{number.country_code}", *groups, *pairs])


def day_date(value, fmt="full"):
    """A Day's date in words, e.g. «пятница, 27 ноября 2026 г.». ``"sentence"``: the date
    inside a sentence that ends with its own full stop («откроется 27 ноября 2026 г.»,
    «2026 ж. 27 қараша»): no weekday, and no second dot after «г.»."""
    if fmt == "sentence":
        return format_date(value, "long").rstrip(".")
    return format_date(value, fmt)


def local_time(moment):
    return format_datetime(moment, "HH:mm")


def tenge(amount):
    """Money in tenge with the language's digit groups, e.g. «1 500 000 ₸»; tiyn only when
    there are any («1 500 000,50 ₸»)."""
    whole = amount == int(amount)
    return format_decimal(amount, "#,##0" if whole else "#,##0.00") + "\u00a0₸"


def minutes(value):
    """A duration in minutes with one decimal, in the language's way («12,5»)."""
    return format_decimal(value, "0.0")


def lang_url(code):
    """This page in another language (the choice is then remembered)."""
    args = request.args.to_dict()
    args["lang"] = code
    return request.path + "?" + urlencode(args)


def init_app(app):
    app.after_request(remember_language)
    app.jinja_env.globals.update(
        current_language=current_language,
        localized=localized,
        lang_url=lang_url,
    )
    app.jinja_env.filters.update(
        day_date=day_date,
        local_time=local_time,
        to_local=to_local,
        tenge=tenge,
        minutes=minutes,
        phone=format_phone,
    )
