"""What a mail or a calendar file says about a booking, as it was at one change.

The outbox keeps these facts (a snapshot taken when the change happened), so a mail sent
minutes or hours later still tells that change — not whatever the booking has become since.
The per-booking .ics download builds the same facts from the booking as it is now.
"""

from dataclasses import dataclass
from datetime import date, datetime

from .models import Topic


@dataclass(frozen=True)
class Moment:
    """A Day's date and a time window on it (UTC)."""

    date: date
    starts_at: datetime
    ends_at: datetime

    def as_json(self):
        return {
            "date": self.date.isoformat(),
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            date=date.fromisoformat(data["date"]),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
        )


@dataclass(frozen=True)
class BookingFacts:
    code: str
    full_name: str
    email: str | None
    topic: Topic
    #: the booked time (the whole Day for a booking without a slot)
    when: Moment
    #: whether ``when`` is a slot (False: a delegate or walk-in without a time)
    timed: bool
    #: iCalendar SEQUENCE of this change
    sequence: int
    cancelled: bool
    #: SHA-256 of the manage token, to tell whether a link derived now still opens it
    token_hash: str
    #: the Day's note for visitors (why it moved or was cancelled)
    note: str | None = None
    #: the time before a move
    previous: Moment | None = None
    #: generation of the SMS short link at this change (a revoked link is not sent)
    link_version: int = 0

    @classmethod
    def of(cls, booking, *, slot, day, previous=None):
        """Facts of a booking, given its slot and Day (passed in: no lazy load)."""
        window = slot or day
        return cls(
            code=booking.code,
            full_name=booking.full_name,
            email=booking.email,
            topic=Topic(booking.topic),
            when=Moment(day.date, window.starts_at, window.ends_at),
            timed=slot is not None,
            sequence=booking.sequence,
            cancelled=not booking.is_active,
            token_hash=booking.token_hash,
            note=day.note,
            previous=previous,
            link_version=booking.sms_link_version or 0,
        )

    def as_json(self):
        return {
            "code": self.code,
            "full_name": self.full_name,
            "email": self.email,
            "topic": self.topic.value,
            "when": self.when.as_json(),
            "timed": self.timed,
            "sequence": self.sequence,
            "cancelled": self.cancelled,
            "token_hash": self.token_hash,
            "note": self.note,
            "previous": self.previous.as_json() if self.previous else None,
            "link_version": self.link_version,
        }

    @classmethod
    def from_json(cls, data):
        return cls(
            **{
                **data,
                "topic": Topic(data["topic"]),
                "when": Moment.from_json(data["when"]),
                "previous": Moment.from_json(data["previous"]) if data.get("previous") else None,
            }
        )
