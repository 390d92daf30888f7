"""A citizen with only a keyboard books, meets the error summary, fixes the form, confirms
and cancels: every stop of the Tab key shows a visible focus ring, and after each page
focus lands where the person must read or act next."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.bookings.models import Booking, BookingStatus
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]

#: the focused element, and whether its focus ring shows (an outline of 2 px or more)
FOCUS = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  return {id: e.id, tag: e.tagName, text: (e.textContent || '').trim().slice(0, 60),
          ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 390, "height": 844}}


def tab_to(page, matches, limit=80):
    """Press Tab until the focused element matches; each stop on the way must show focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS)
        assert focus["ring"], f"no visible focus on {focus}"
        if matches(focus):
            return focus
    raise AssertionError("never reached by the Tab key")


def focused(page):
    return page.evaluate(FOCUS)


def test_book_fix_confirm_and_cancel_by_keyboard(live_server, page):
    on = days.today_local(utcnow()) + timedelta(days=6)
    day = days.new_day(on)
    db.session.add(day)
    db.session.commit()
    page.goto(f"{live_server}/days/{on.isoformat()}?lang=ru")

    # The skip link comes first and takes the person past the header.
    tab_to(page, lambda f: f["text"] == "Перейти к содержанию")
    page.keyboard.press("Enter")
    # Straight to the button, and an empty submit.
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Записаться")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_be_focused()
    assert db.session.scalar(select(Booking.id)) is None

    # The summary's first link leads to the time picker.
    tab_to(page, lambda f: f["tag"] == "A" and f["text"].startswith("Время"))
    page.keyboard.press("Enter")
    assert focused(page)["id"] == f"slot-{day.slots[0].id}"
    page.keyboard.press("ArrowRight")  # radios: arrows move and choose
    assert focused(page)["id"] == f"slot-{day.slots[1].id}"
    expect(page.locator(f"#slot-{day.slots[1].id}")).to_be_checked()

    tab_to(page, lambda f: f["id"] == "full_name")
    page.keyboard.type("Асқар Нұрланұлы")
    tab_to(page, lambda f: f["id"] == "category")
    page.keyboard.press("ArrowDown")  # a closed select takes the next option
    assert page.locator("#category").input_value() == "citizen"
    tab_to(page, lambda f: f["id"] == "phone")
    page.keyboard.type("8 701 123 45 67")
    tab_to(page, lambda f: f["id"] == "topic-0")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["id"] == "consent")
    page.keyboard.press("Space")
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Записаться")
    page.keyboard.press("Enter")

    expect(page.locator(".flash")).to_have_text("Ваша запись подтверждена")
    expect(page.locator("#booking-time")).to_have_text("10:20–10:40")
    booking = db.session.scalars(select(Booking)).one()

    # Cancel: the link asks first, the button cancels, focus lands on the new state.
    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "Отменить запись")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Отменить запись?")).to_be_visible()
    tab_to(page, lambda f: f["tag"] == "BUTTON" and f["text"] == "Да, отменить запись")
    page.keyboard.press("Enter")
    expect(page.locator("#cancelled")).to_be_focused()
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.cancelled
    tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "Записаться на другое время")
