# The app image: gunicorn (gthread) on port 8000, as a non-root user. compose.yaml runs it as
# app1, app2, the outbox worker and the one-shot migrate service.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system civic-day \
 && useradd --system --gid civic-day --home-dir /srv/civic-day --no-create-home \
        --shell /usr/sbin/nologin civic-day

WORKDIR /srv/civic-day
# psycopg[binary] brings its own libpq: no build tools or system libraries needed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY wsgi.py babel.cfg ./
COPY app ./app
COPY templates ./templates
COPY migrations ./migrations
COPY deploy ./deploy
# The Russian and Kazakh catalogs, compiled once at build (the .mo files are not in git).
RUN pybabel -q compile -d app/translations

# Everything above belongs to root and stays read-only for the app.
USER civic-day
EXPOSE 8000
# As deploy/systemd/civic-day@.service: gthread workers, so a slow client or a 20 s export
# holds a thread, not a worker; --timeout 120 covers the largest export (about 20 s).
# WEB_WORKERS / WEB_THREADS as in the environment file.
ENV WEB_WORKERS=3 WEB_THREADS=8
CMD ["sh", "-c", "exec gunicorn --worker-class gthread --workers \"$WEB_WORKERS\" --threads \"$WEB_THREADS\" --timeout 120 --graceful-timeout 30 --bind 0.0.0.0:8000 --no-control-socket --access-logfile - wsgi:app"]
