"""How fast each page paints its largest content on a slow phone: Chromium at 360 × 780 with
its CPU throttled ×4 (Playwright + the DevTools protocol), on seeded data.

    .venv/bin/python bench/paint.py            # temporary SQLite file, --runs 3
    .venv/bin/python bench/paint.py --database postgresql://postgres@127.0.0.1:5432/postgres

Seeds a fresh database as `make db` does (districts, the next 12 Days), adds a busy Day
(30 bookings, 10 arrived, walk-ins, delegates, registry entries) and one user per role,
serves the app on 127.0.0.1 (gunicorn, 2 workers × 4 threads), then opens every page as
the role that uses it and reads the Largest Contentful Paint (median of --runs loads, the
cache warm after the first, as for a returning visitor) and the server's share (time to the
first byte). Prints a table and exits 1 when a page is over --budget (1000 ms). Stops by
itself.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
from datetime import timedelta

from booking import free_port, start_gunicorn, stop
from common import fresh_database, make_app, migrate

PASSWORD = "bench password 12345"  # noqa: S105 (throw-away database)
#: the LCP as the page reports it: the last candidate before the page went quiet
LCP = """() => new Promise(resolve => {
  let last = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) last = entry.startTime;
  }).observe({type: 'largest-contentful-paint', buffered: true});
  setTimeout(() => resolve(last), 300);
})"""


#: the moment the first byte of the page arrived (the server's share of the LCP)
TTFB = "() => performance.getEntriesByType('navigation')[0].responseStart"


def seed(app):
    """A busy open Day and what the staff pages show; returns the URLs per role."""
    from app.auth import services as auth
    from app.bookings import services as bookings
    from app.bookings.models import Category, DelegateRole, Topic
    from app.core.db import utcnow
    from app.days import services as days
    from app.districts import services as districts
    from app.extensions import db
    from app.places import services as places
    from app.reception import services as desk
    from app.registry import services as registry
    from app.registry.models import Initiator, Kind, Origin, Scale, Subprogram

    with app.app_context():
        now = utcnow()
        days.generate_days(days.today_local(now).replace(day=1), 12)
        day = days.new_day(days.today_local(now) + timedelta(days=3))
        db.session.add(day)
        db.session.commit()
        nura = places.district_by_code("nura")
        users = {
            role: auth.create_user(f"{role}@bench.kz", role, PASSWORD,
                                   district=nura if role == "district" else None)
            for role in ("admin", "reception", "district")
        }  # fmt: skip
        booked = []
        for n in range(30):
            visitor = bookings.Visitor(
                full_name=f"Посетитель Номер {n}", category=Category.citizen,
                phone=f"+7701555{n:04d}", topic=Topic.proposal, email=f"v{n}@bench.kz",
                consent=True, district_id=nura.id if n % 3 == 0 else None,
            )  # fmt: skip
            booked.append(bookings.book_slot(day.slots[n % 18], visitor, now=now))
        for booking in booked[:10]:
            desk.check_in(booking, day=day, by=users["reception"], now=now)
        for n in range(3):
            desk.register_walk_in(day, desk.WalkIn(full_name=f"Без Записи {n}",
                                  category=Category.citizen, topic=Topic.problem, consent=True),
                                  by=users["reception"], now=now)  # fmt: skip
        for n in range(2):
            person = districts.DelegatePerson(full_name=f"Делегат {n}", phone=f"+7701666{n:04d}",
                                              role=DelegateRole.npo)  # fmt: skip
            districts.register_delegate(day, nura, person, now=now, by=users["district"])
        proposal = None
        for n in range(20):
            draft = registry.Draft(
                kind=Kind.event, title=f"Фестиваль {n}", subprogram=Subprogram.atameken,
                district_id=nura.id, scale=Scale.district, initiator_type=Initiator.citizen,
                initiator_name="Жанна Ахметова",
                event_date=days.today_local(now) + timedelta(days=60),
            )  # fmt: skip
            proposal = registry.create_proposal(draft, origin=Origin.office, now=now,
                                                by=users["admin"])  # fmt: skip
        db.session.commit()
        on, code = day.date.isoformat(), booked[-1].code
        token = bookings.manage_token(code)
        later = days.today_local(now) + timedelta(days=200)
        far = next(d for d, _t, _f in days.days_with_seats(later, limit=1))
        return {
            None: ["/", f"/days/{on}", f"/days/{far.date.isoformat()}",
                   f"/bookings/{code}?token={token}", f"/bookings/{code}/cancel?token={token}",
                   "/privacy", "/login"],
            "reception": [f"/reception/{on}", f"/reception/{on}/walk-in", f"/reception/{on}/print",
                          f"/office/quotas?date={on}"],
            "district": ["/districts/nura/", f"/districts/nura/days/{on}", "/registry/",
                         "/office/report"],
            "admin": ["/office/users", "/office/audit", "/office/days",
                      "/office/quotas/settings", "/registry/new", f"/registry/{proposal.number}"],
        }  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a postgresql:// URL (default: a SQLite file)")
    parser.add_argument("--runs", type=int, default=3, help="loads per page (median)")
    parser.add_argument("--throttle", type=float, default=4, help="CPU slowdown factor")
    parser.add_argument("--budget", type=float, default=1000, help="ms per page")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with fresh_database(args.database) as url:
        migrate(url)
        app = make_app(url)
        pages = seed(app)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
        port = free_port()
        log = tempfile.NamedTemporaryFile("w+", prefix="civic-bench-paint-", suffix=".log")  # noqa: SIM115
        # gunicorn as in production, in processes of its own: the browser's process and the
        # server's do not share an interpreter
        server = start_gunicorn(url, port, 2, 4, log)
        base = f"http://127.0.0.1:{port}"
        rows, over = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for role, urls in pages.items():
                context = browser.new_context(viewport={"width": 360, "height": 780},
                                              device_scale_factor=2, is_mobile=True)  # fmt: skip
                page = context.new_page()
                if role:
                    page.goto(base + "/login")
                    page.fill("#email", f"{role}@bench.kz")
                    page.fill("#password", PASSWORD)
                    page.locator("main form button[type=submit]").click()
                    page.wait_for_url(lambda u: "/login" not in u)
                cdp = context.new_cdp_session(page)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
                for path in urls:
                    times, served = [], []
                    for _ in range(args.runs):
                        page.goto(base + path, wait_until="load")
                        times.append(page.evaluate(LCP))
                        served.append(page.evaluate(TTFB))
                    lcp = statistics.median(times)
                    rows.append(
                        (role or "visitor", path, lcp, max(times), statistics.median(served))
                    )
                    if lcp > args.budget:
                        over.append(path)
                context.close()
            browser.close()
        stop(server)
        log.close()
    print(f"LCP at 360×780, CPU ×{args.throttle:g}, median of {args.runs} (ms):")
    print("  role        LCP  worst  server  page")
    for role, path, lcp, worst, ttfb in rows:
        print(f"  {role:<9} {lcp:5.0f}  {worst:5.0f}  {ttfb:6.0f}  {path.split('?')[0]}")
    print(f"slowest: {max(r[2] for r in rows):.0f} ms; over {args.budget:g} ms: {len(over)}")
    sys.exit(1 if over else 0)


if __name__ == "__main__":
    main()
