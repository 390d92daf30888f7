"""The receipt's QR code: large on a phone, and a real QR decoder reads the booking code back
from what Chromium draws."""

from datetime import timedelta

import pytest
import zxingcpp

from app.bookings.services import manage_token
from app.core.db import utcnow
from app.days import services as days
from app.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("app", ["sqlite"], indirect=True)]

#: draws the page's QR SVG on a canvas, as an image the browser rasterises, and hands back
#: its grey levels (one byte a pixel)
RASTERISE = """async (size) => {
  const svg = document.querySelector('.qr svg');
  const xml = new XMLSerializer().serializeToString(svg);
  const img = new Image(size, size);
  img.src = 'data:image/svg+xml;base64,' + btoa(xml);
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, size, size);
  ctx.drawImage(img, 0, 0, size, size);
  const rgba = ctx.getImageData(0, 0, size, size).data;
  const grey = [];
  for (let i = 0; i < rgba.length; i += 4) grey.push(rgba[i]);
  return grey;
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 360, "height": 780}}


def test_the_qr_is_large_and_decodes_to_the_code(live_server, page, make_booking):
    day = days.new_day(days.today_local(utcnow()) + timedelta(days=5))
    db.session.add(day)
    db.session.commit()
    booking = make_booking(day.slots[0], now=utcnow())
    page.goto(f"{live_server}/bookings/{booking.code}?token={manage_token(booking.code)}")

    box = page.locator(".qr svg").bounding_box()
    assert box["width"] >= 250 and box["width"] == box["height"]  # scalable, not 114 px
    assert "viewBox" in page.locator(".qr svg").evaluate("e => e.outerHTML")
    code_size = page.locator("#booking-code").evaluate("e => getComputedStyle(e).fontSize")
    assert float(code_size.removesuffix("px")) >= 32

    for size in (120, 300):  # small and large renderings both read back
        grey = bytes(page.evaluate(RASTERISE, size))
        image = memoryview(grey).cast("B", (size, size))
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert [barcode.text for barcode in found] == [booking.code]
