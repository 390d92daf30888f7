#!/bin/sh
# Print an nginx config with literal replacements: render.sh FILE OLD=NEW [OLD=NEW ...]
#
# Used by compose.yaml (the upstream names inside the compose network) and by
# deploy/test/e2e.sh (test ports and paths), so both run the kit's own file. Each OLD is
# plain text (no pattern), must occur in FILE (else nothing is printed and the exit status
# is 1), and is replaced everywhere, in the order given; NEW may contain "=". POSIX sh and
# awk only: it runs in the nginx:alpine image too.
set -eu
if [ "$#" -lt 1 ]; then
  echo "usage: render.sh FILE [OLD=NEW ...]" >&2
  exit 2
fi
file=$1
shift
for pair in "$@"; do
  case $pair in
    *=*) ;;
    *) echo "render.sh: '$pair' is not OLD=NEW" >&2; exit 2 ;;
  esac
  if ! grep -qF -- "${pair%%=*}" "$file"; then
    echo "render.sh: '${pair%%=*}' does not occur in $file" >&2
    exit 1
  fi
done
awk '
BEGIN {
  pairs = 0
  for (i = 2; i < ARGC; i++) {
    n = index(ARGV[i], "=")
    pairs++
    old[pairs] = substr(ARGV[i], 1, n - 1)
    new[pairs] = substr(ARGV[i], n + 1)
    ARGV[i] = ""
  }
}
{
  line = $0
  for (p = 1; p <= pairs; p++) {
    out = ""
    while ((k = index(line, old[p])) > 0) {
      out = out substr(line, 1, k - 1) new[p]
      line = substr(line, k + length(old[p]))
    }
    line = out line
  }
  print line
}
' "$file" "$@"
