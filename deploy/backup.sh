#!/usr/bin/env bash
# Back up the database: a pg_dump in PostgreSQL's custom format, rotated.
#
#   DATABASE_URL=postgresql://civic:SECRET@db.example/civic deploy/backup.sh
#
# Settings (environment; civic-day-backup.service reads /etc/civic-day/civic-day.env):
#   DATABASE_URL  the app's database (postgresql://, postgresql+psycopg:// or postgres://)
#   BACKUP_DIR    where dumps go (default /var/lib/civic-day/backups)
#   BACKUP_KEEP   how many of the newest dumps to keep (default 14: two weeks of nightly runs)
# Each run writes BACKUP_DIR/civic-day-YYYYMMDDTHHMMSSZ.dump (UTC; written under a
# .partial name, checked with pg_restore --list, then renamed, so a failed run leaves no
# dump that looks complete), then deletes all but the newest BACKUP_KEEP. The password never
# appears on a command line (it is passed to pg_dump as PGPASSWORD). Needs the PostgreSQL
# client of the server's major version or newer (apt-get install postgresql-client).
#
# Restore, always into a NEW database (the live one stays as it was until you switch):
#   createdb -h DBHOST -U postgres -O civic civic_restored
#   pg_restore --no-owner --exit-on-error \
#       --dbname=postgresql://civic:SECRET@DBHOST/civic_restored \
#       /var/lib/civic-day/backups/civic-day-20261128T023000Z.dump
# Check it (e.g. `DATABASE_URL=…/civic_restored flask --app wsgi days list`), then stop the
# app servers and the outbox worker, point DATABASE_URL at civic_restored (or rename the
# databases: ALTER DATABASE civic RENAME TO civic_old; ALTER DATABASE civic_restored RENAME
# TO civic), and start them again. deploy/test/e2e.sh does exactly this and serves a booking
# from the restored copy.
set -euo pipefail

if [ -z "${DATABASE_URL:-}" ]; then
  echo "backup.sh: DATABASE_URL is not set" >&2
  exit 2
fi
dir=${BACKUP_DIR:-/var/lib/civic-day/backups}
keep=${BACKUP_KEEP:-14}
if ! [[ $keep =~ ^[1-9][0-9]*$ ]]; then
  echo "backup.sh: BACKUP_KEEP must be a whole number of at least 1, not '$keep'" >&2
  exit 2
fi

# libpq's form of the app's URL, with the password moved out of it.
url=$DATABASE_URL
case $url in
  postgresql+psycopg://*) url="postgresql://${url#postgresql+psycopg://}" ;;
  postgres://*) url="postgresql://${url#postgres://}" ;;
  postgresql://*) ;;
  *)
    echo "backup.sh: DATABASE_URL is not a PostgreSQL URL" >&2
    exit 2
    ;;
esac
if [[ $url =~ ^postgresql://([^:@/]*):([^@/]*)@(.*)$ ]]; then
  password=${BASH_REMATCH[2]}
  # Percent-decoding, as libpq would do it.
  PGPASSWORD=$(printf '%b' "${password//%/\\x}")
  export PGPASSWORD
  url="postgresql://${BASH_REMATCH[1]}@${BASH_REMATCH[3]}"
fi

umask 077
mkdir -p "$dir"
file="$dir/civic-day-$(date -u +%Y%m%dT%H%M%SZ).dump"
if [ -e "$file" ]; then
  echo "backup.sh: $file already exists (two runs in one second?)" >&2
  exit 1
fi
partial="$file.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --file="$partial" "$url"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$file"

# Rotation: the names sort by time.
mapfile -t dumps < <(find "$dir" -maxdepth 1 -name 'civic-day-*.dump' -type f | sort)
removed=0
for ((i = 0; i < ${#dumps[@]} - keep; i++)); do
  rm -f "${dumps[$i]}"
  removed=$((removed + 1))
done
echo "backup.sh: wrote $file ($(du -h "$file" | cut -f1)); kept the newest $keep, removed $removed"
