"""Which channels a person is told on — the one place that decides, for every kind of
message (bookings, Day changes, proposals, the waiting list): one outbox row per channel the
person can be reached on and agreed to, all written in one statement."""

from dataclasses import dataclass

import phonenumbers
from flask import current_app
from flask_babel import lazy_gettext as _l
from phonenumbers import PhoneNumberType

from . import outbox
from .outbox import Channel

#: what each kind of message is, for the office's and the desk's lists
KIND_TITLES = {
    "booking_confirmed": _l("booking confirmation"),
    "booking_moved": _l("booking moved"),
    "booking_cancelled": _l("booking cancelled"),
    "booking_reminder": _l("reminder the day before"),
    "day_changed": _l("the Day moved or cancelled"),
    "proposal_update": _l("proposal update"),
    "quota_reminder": _l("quota reminder"),
}
CHANNEL_TITLES = {Channel.email: _l("e-mail"), Channel.sms: _l("SMS")}


def kind_title(kind):
    return KIND_TITLES.get(kind, kind)


@dataclass(frozen=True)
class Contact:
    """How a person can be reached."""

    email: str | None = None
    #: E.164
    phone: str | None = None
    #: agreed to be texted (the booking's consent covers SMS) and has not opted out
    sms_allowed: bool = False


MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def textable(phone):
    """A mobile number we may text: Kazakhstan's (+7 7xx, not a landline such as
    +7 7212 …), or any country's when SMS_ALLOW_FOREIGN is set."""
    if not phone:
        return False
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        return False
    if phonenumbers.number_type(number) not in MOBILE:
        return False
    in_kazakhstan = phonenumbers.region_code_for_number(number) == "KZ"
    return in_kazakhstan or bool(current_app.config.get("SMS_ALLOW_FOREIGN"))


def routes(kind, contact, *, thread=None, dedupe_key=None, sequence=None):
    """(channel, recipient, dedupe key) for each channel this person is told on.

    An SMS always has a dedupe key — the caller's, else the change's (kind, thread and
    SEQUENCE) — so a change queued twice is texted once."""
    found = []
    if contact.email:
        found.append((Channel.email, contact.email, dedupe_key))
    if (
        current_app.config.get("SMS_ENABLED", True)
        and contact.sms_allowed
        and textable(contact.phone)
        and kind in outbox.SMS_RENDERERS
    ):
        if dedupe_key:
            key = f"sms:{dedupe_key}"
        elif thread and sequence is not None:
            key = f"sms:{kind}:{thread}:{sequence}"
        else:
            key = None
        found.append((Channel.sms, contact.phone, key))
    return found


def tell(kind, contact, *, language="ru", thread=None, dedupe_key=None, **facts):
    """Queue ``kind`` with its facts (the snapshot) on every channel of ``contact``; returns
    how many channels. Nothing is sent here: the outbox worker sends."""
    found = routes(kind, contact, thread=thread, dedupe_key=dedupe_key,
                   sequence=facts.get("sequence"))  # fmt: skip
    outbox.enqueue_each(kind, found, language=language, thread=thread, **facts)
    return len(found)
