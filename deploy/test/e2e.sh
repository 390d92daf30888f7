#!/usr/bin/env bash
# End-to-end test of the deployment kit on one machine, run by CI after `make test`:
#
#   bash deploy/test/e2e.sh                 # VENV=/path/to/venv to use another virtualenv
#
# A fresh PostgreSQL database migrated, seeded and laid out by civic-day-migrate.service;
# two app servers started from civic-day@.service (production settings, Redis limiter), two
# outbox workers from civic-day-outbox.service against an SMTP sink (aiosmtpd saving every
# message to a Maildir), Debian's nginx running deploy/nginx/civic-day.conf with a
# self-signed certificate. Through nginx (deploy/test/client.py): the per-address booking
# limit from two client addresses, a check-in with a staff token, a cancellation, an app
# server SIGKILLed in a booking burst (no booking lost, none twice, no slot over capacity),
# its restart, every mail delivered exactly once; then the timers' jobs, backup.sh with
# rotation, a restore into a new database served by a third app server, systemd-analyze
# verify of the units and `docker compose config` (or a structural check without Docker).
#
# Needs root for apt-get only when nginx, openssl or the PostgreSQL client are missing;
# PostgreSQL (E2E_PG, default postgresql://postgres@127.0.0.1:5432, a role that may create
# databases) and Redis (E2E_REDIS_URL, default redis://127.0.0.1:6379/9) must be running.
# Everything it starts, creates or writes is removed on exit (E2E_KEEP=1 keeps the files).
# The office books on the next Day whose booking window is open; in the few days a month
# when none is, it moves the next Day nearer through its page (E2E_MOVE_DAY=1 forces that).
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
VENV=${VENV:-$REPO/.venv}
PY=$VENV/bin/python
PG=${E2E_PG:-postgresql://postgres@127.0.0.1:5432}
REDIS_URL=${E2E_REDIS_URL:-redis://127.0.0.1:6379/9}
RUN="e2e_$$_$(date +%s)"
DB=$RUN
RESTORED_DB=${RUN}_restored

# --- timing and logging -----------------------------------------------------------------------

START=$(date +%s.%N)
PHASE=""
PHASE_START=$START
TIMINGS=()
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
phase() {
  if [ -n "$PHASE" ]; then TIMINGS+=("$(printf '%-60s %5s s' "$PHASE" "$(elapsed "$PHASE_START")")"); fi
  PHASE=$1
  PHASE_START=$(date +%s.%N)
  [ -n "$PHASE" ] && printf '\n-- %s\n' "$PHASE"
  return 0
}
fail() {
  echo "E2E FAILED: $*" >&2
  exit 1
}

# --- cleanup: everything this script started or created ----------------------------------------

TMP=$(mktemp -d /tmp/civic-e2e.XXXXXX)
PIDS=()       # nginx, the SMTP sink
GROUPS_=()    # pidfiles of the units (own process groups: master and workers)
DATABASES=()
cleanup() {
  local status=$?
  set +e
  trap - EXIT INT TERM
  for pidfile in "${GROUPS_[@]}"; do
    [ -s "$pidfile" ] && kill -TERM -- "-$(cat "$pidfile")" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0
    for pidfile in "${GROUPS_[@]}"; do
      [ -s "$pidfile" ] && kill -0 -- "-$(cat "$pidfile")" 2>/dev/null && alive=1
    done
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pidfile in "${GROUPS_[@]}"; do
    [ -s "$pidfile" ] && kill -KILL -- "-$(cat "$pidfile")" 2>/dev/null
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  for db in "${DATABASES[@]}"; do
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1
  done
  "$PY" - "$REDIS_URL" "e2e-$RUN" <<'EOF' 2>/dev/null
import sys, redis
client = redis.Redis.from_url(sys.argv[1])
keys = list(client.scan_iter(match=f"*{sys.argv[2]}*"))
if keys:
    client.delete(*keys)
EOF
  if [ "$status" -ne 0 ]; then
    echo "== logs of the failed run ($TMP)" >&2
    for log in "$TMP"/*.log "$TMP"/nginx/*.log; do
      [ -s "$log" ] || continue
      echo "---- $log (last 40 lines)" >&2
      tail -n 40 "$log" >&2
    done
  fi
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- what it needs ----------------------------------------------------------------------------

phase "tools"
apt_install() {
  [ "$(id -u)" = 0 ] || fail "$* missing and not root: apt-get install -y $*"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
if ! command -v nginx >/dev/null 2>&1; then
  echo "installing Debian's nginx"
  # The package would start a system nginx on port 80; policy-rc.d (Debian's switch, as in
  # Docker images) stops that. Only this test's own nginx runs, and /etc/nginx is untouched.
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt_install nginx || { [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d; exit 1; }
  [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
command -v openssl >/dev/null 2>&1 || apt_install openssl
command -v pg_dump >/dev/null 2>&1 || apt_install postgresql-client
if [ ! -x "$PY" ]; then
  [ "$VENV" = "$REPO/.venv" ] || fail "no Python at $PY"
  make -s install-dev
fi
"$PY" -c 'import aiosmtpd, psycopg, redis, yaml' 2>/dev/null || "$VENV/bin/pip" install -q -r requirements-dev.txt
"$VENV/bin/pybabel" -q compile -d app/translations
echo "$(nginx -v 2>&1), $(openssl version | cut -d' ' -f1-2), $(pg_dump --version), $("$PY" --version)"

# Free ports for nginx (HTTP, HTTPS), three app servers and the SMTP sink.
read -r P_HTTP P_HTTPS P_APP1 P_APP2 P_APP3 P_SMTP < <("$PY" -c '
import socket
socks = [socket.socket() for _ in range(6)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

# --- database, environment, users ---------------------------------------------------------------

phase "database: create, migrate, seed, lay out"
psql -q "$PG/postgres" -c "CREATE DATABASE \"$DB\"" >/dev/null
DATABASES+=("$DB")
SECRET=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
mkdir -p "$TMP/nginx/tmp" "$TMP/tls" "$TMP/backups"  # the Maildir: made by the sink
# The environment file is the kit's example with this machine's values.
"$PY" deploy/test/units.py envfile deploy/civic-day.env.example "$TMP/civic-day.env" \
  "SECRET_KEY=$SECRET" "PUBLIC_BASE_URL=https://127.0.0.1:$P_HTTPS" \
  "DATABASE_URL=$PG/$DB" "RATELIMIT_STORAGE_URI=$REDIS_URL" "RATELIMIT_KEY_PREFIX=e2e-$RUN" \
  "MAIL_SERVER=127.0.0.1" "MAIL_PORT=$P_SMTP" "MAIL_USE_TLS=false" "MAIL_TIMEOUT=10" \
  "WEB_WORKERS=2" "WEB_THREADS=4" "BACKUP_DIR=$TMP/backups" "BACKUP_KEEP=2"
# The units' installation paths mapped onto this checkout.
MAP=(--replace "/srv/civic-day/.venv=$VENV" --replace "/srv/civic-day=$REPO"
     --replace "/etc/civic-day/civic-day.env=$TMP/civic-day.env")
unit() { "$PY" deploy/test/units.py "$1" "deploy/systemd/$2" "${MAP[@]}" "${@:3}"; }
with_env() { "$PY" deploy/test/units.py env-run "$TMP/civic-day.env" -- "$VENV/bin/flask" --app wsgi "$@"; }
unit run civic-day-migrate.service 2>&1 | sed 's/^/  /'

ADMIN_EMAIL="admin.$RUN@e2e.example.kz"
ADMIN_PASSWORD="e2e-$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')"
echo "$ADMIN_PASSWORD" | with_env users create "$ADMIN_EMAIL" --role admin --password-stdin | sed 's/^/  /'
echo "$ADMIN_PASSWORD" | with_env users create "desk.$RUN@e2e.example.kz" --role reception \
  --password-stdin | sed 's/^/  /'
STAFF_TOKEN=$(with_env users token "desk.$RUN@e2e.example.kz" --name "e2e scanner" | grep -o 'cid_[A-Za-z0-9_-]*')
[ -n "$STAFF_TOKEN" ] || fail "no staff token"

# --- processes --------------------------------------------------------------------------------

phase "start: SMTP sink, 2 app servers, 2 outbox workers, nginx"
wait_http() { # URL [seconds]
  "$PY" - "$1" "${2:-30}" <<'EOF' || fail "$1 did not answer"
import sys, time, urllib.request
deadline = time.monotonic() + float(sys.argv[2])
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2).read()
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.2)
EOF
}
wait_port() { # PORT
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  fail "nothing listens on port $1"
}

"$PY" -m aiosmtpd -n -l "127.0.0.1:$P_SMTP" -c aiosmtpd.handlers.Mailbox "$TMP/maildir" \
  >"$TMP/smtp.log" 2>&1 &
PIDS+=($!)
wait_port "$P_SMTP"

start_app() { # N PORT [units.py options]
  local n=$1 port=$2
  shift 2
  GROUPS_+=("$TMP/app$n.pid")
  unit exec civic-day@.service --instance "$port" --pidfile "$TMP/app$n.pid" "$@" \
    >>"$TMP/app$n.log" 2>&1 &
  wait_http "http://127.0.0.1:$port/api/days"
}
start_app 1 "$P_APP1"
start_app 2 "$P_APP2"
echo "  app servers on :$P_APP1 and :$P_APP2: $(head -n1 "$TMP/app1.log" | cut -c1-150)"
# --interval 1 (the unit's default is 10 s): only to keep the test short.
for n in 1 2; do
  GROUPS_+=("$TMP/outbox$n.pid")
  unit exec civic-day-outbox.service --pidfile "$TMP/outbox$n.pid" -- --interval 1 \
    >"$TMP/outbox$n.log" 2>&1 &
done

# A self-signed certificate for 127.0.0.1 in place of the site's.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$TMP/tls/privkey.pem" -out "$TMP/tls/fullchain.pem" 2>/dev/null
# The kit's site config, with only ports and paths replaced (render.sh: literal, each must
# match); the diff below is everything that differs from deploy/nginx/civic-day.conf.
sh deploy/nginx/render.sh deploy/nginx/civic-day.conf \
  "listen 80;=listen 127.0.0.1:$P_HTTP;" "listen 443 ssl=listen 127.0.0.1:$P_HTTPS ssl" \
  "127.0.0.1:8001=127.0.0.1:$P_APP1" "127.0.0.1:8002=127.0.0.1:$P_APP2" \
  "/etc/ssl/civic-day/=$TMP/tls/" "/srv/civic-day/app/static/=$REPO/app/static/" \
  "/var/log/nginx/=$TMP/nginx/" >"$TMP/nginx/civic-day.conf"
diff deploy/nginx/civic-day.conf "$TMP/nginx/civic-day.conf" | grep '^>' | sed 's/^/  /' || true
# The main context (Debian's /etc/nginx/nginx.conf is not used): own pid, logs, temp dirs.
# Workers run as this user: the checkout may sit in a directory only it can read.
cat >"$TMP/nginx/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/main.error.log;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    include $TMP/nginx/civic-day.conf;
}
EOF
NGINX=(nginx -p "$TMP/nginx/" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/main.error.log")
"${NGINX[@]}" -t -q || fail "nginx -t refused the config"
"${NGINX[@]}" -g 'daemon off;' &
PIDS+=($!)
wait_port "$P_HTTPS"

export E2E_BASE="https://127.0.0.1:$P_HTTPS" E2E_HTTP="http://127.0.0.1:$P_HTTP" \
  E2E_CA="$TMP/tls/fullchain.pem" E2E_DB="$PG/$DB" E2E_STATE="$TMP/state.json" \
  E2E_MAILDIR="$TMP/maildir" E2E_STATIC="$REPO/app/static" E2E_RUN="$RUN" \
  E2E_ADMIN_EMAIL="$ADMIN_EMAIL" E2E_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
  E2E_STAFF_TOKEN="$STAFF_TOKEN" E2E_KILL_PIDFILE="$TMP/app1.pid" \
  E2E_NGINX_ERRORS="$TMP/nginx/civic-day.error.log" \
  E2E_APPS="http://127.0.0.1:$P_APP1 http://127.0.0.1:$P_APP2"
client() { "$PY" deploy/test/client.py "$1"; }

# --- through nginx -------------------------------------------------------------------------

phase "nginx: redirect, static, body size; office edits the Day"
client prepare
phase "limits per client address, check-in, cancel"
client limits
phase "hall screen: Server-Sent Events through nginx"
client display
phase "booking burst, app server 1 SIGKILLed"
before=$(grep -c '"POST /api/bookings' "$TMP/app1.log" || true)
client burst
served=$(($(grep -c '"POST /api/bookings' "$TMP/app1.log" || true) - before))
refused=$(grep -c 'Connection refused) while connecting to upstream' "$TMP/nginx/civic-day.error.log" || true)
cut_off=$(grep -cE 'prematurely closed|reset by peer' "$TMP/nginx/civic-day.error.log" || true)
echo "  nginx log: app server 1 answered $served burst bookings, then $cut_off request(s) were" \
  "cut off in flight (502); later $refused POST(s) found it refusing connections and went to server 2"
[ "$served" -gt 0 ] || fail "app server 1 served no booking before it was killed"
[ "$refused" -gt 0 ] || fail "no POST was passed on from the dead server to the other one"

phase "restart app server 1; database invariants"
start_app 1 "$P_APP1"
client verify

phase "timers' jobs (reminders, quotas, days, purge)"
for name in reminders quotas days purge; do
  unit run "civic-day-$name.service" 2>&1 | sed 's/^/  /'
done

phase "mail delivered exactly once"
client mail
echo "  outbox worker 1 sent $(awk '/^outbox: [0-9]+ sent/ { n += $2 } END { print n + 0 }' "$TMP/outbox1.log"),"\
  "worker 2 sent $(awk '/^outbox: [0-9]+ sent/ { n += $2 } END { print n + 0 }' "$TMP/outbox2.log")"

phase "backup.sh (rotation), restore into a new database"
for _ in 1 2 3; do
  unit run civic-day-backup.service 2>&1 | sed 's/^/  /'
  sleep 1
done
mapfile -t dumps < <(find "$TMP/backups" -name 'civic-day-*.dump' | sort)
[ "${#dumps[@]}" = 2 ] || fail "BACKUP_KEEP=2 left ${#dumps[@]} dumps: ${dumps[*]}"
[ -z "$(find "$TMP/backups" -name '*.partial')" ] || fail "a .partial dump was left behind"
# The restore documented in deploy/backup.sh: a new database, pg_restore --no-owner.
psql -q "$PG/postgres" -c "CREATE DATABASE \"$RESTORED_DB\"" >/dev/null
DATABASES+=("$RESTORED_DB")
pg_restore --no-owner --exit-on-error --dbname="$PG/$RESTORED_DB" "${dumps[1]}"
echo "  restored $(basename "${dumps[1]}") into $RESTORED_DB"
# A third app server on the restored copy (same SECRET_KEY, so the manage links hold).
start_app 3 "$P_APP3" --set "DATABASE_URL=$PG/$RESTORED_DB"
E2E_RESTORED="http://127.0.0.1:$P_APP3" E2E_RESTORED_DB="$PG/$RESTORED_DB" client restored

phase "units: systemd-analyze verify; compose.yaml"
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$TMP/units"
  for file in deploy/systemd/*; do
    "$PY" - "$file" "$TMP/units/$(basename "$file")" "$VENV" "$REPO" "$TMP/civic-day.env" <<'EOF'
import sys
source, target, venv, repo, env = sys.argv[1:]
text = open(source).read().replace("/srv/civic-day/.venv", venv).replace("/srv/civic-day", repo)
open(target, "w").write(text.replace("/etc/civic-day/civic-day.env", env))
EOF
  done
  # It reports an unknown key or a bad value but still exits 0: any output is a failure.
  verify=$(cd "$TMP/units" && systemd-analyze verify --man=no ./civic-day@8001.service \
    ./civic-day-*.service ./civic-day-*.timer 2>&1) || fail "systemd-analyze verify: $verify"
  [ -z "$verify" ] || fail "systemd-analyze verify: $verify"
  echo "  systemd-analyze verify: $(find deploy/systemd -type f | wc -l) units, no complaint"
else
  echo "  systemd-analyze not installed: units not verified"
fi
if docker compose version >/dev/null 2>&1; then
  CIVIC_ENV_FILE=deploy/civic-day.env.example POSTGRES_PASSWORD=e2e \
    docker compose -f compose.yaml config -q || fail "docker compose config"
  echo "  docker compose config: valid"
else
  echo "  'docker compose' is not available here: skipping 'docker compose config';" \
    "structural check instead"
  "$PY" deploy/test/compose_check.py compose.yaml 2>&1 | sed 's/^/  /' || fail "compose.yaml"
fi

phase ""
echo
echo "== deploy e2e passed in $(elapsed "$START") s"
printf '   %s\n' "${TIMINGS[@]}"
