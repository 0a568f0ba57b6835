#!/bin/sh
# demo.sh - the main job, end to end: start a private Postfix on 127.0.0.1,
# submit a real message through it with the freshly built outbox (-v shows
# the SMTP transcript), print the message as Postfix received it, and stop
# the server.  Run as root from the top of the source tree after `make`.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
top_srcdir=$top
. "$top/tests/harness/servers.sh"
harness_can_postfix || { echo "demo: $HARNESS_WHY" >&2; exit 1; }
dir=$(mktemp -d /tmp/obdemo.XXXXXX)
chmod 755 "$dir"
trap 'postfix_down "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
postfix_up "$dir" 22800 >/dev/null
cat >"$dir/outboxrc" <<EOT
account default
host 127.0.0.1
port $PF_PLAIN_PORT
from demo@outbox.test
dead_letter $dir/dead.letter
EOT
chmod 600 "$dir/outboxrc"
echo "== outbox -v -C outboxrc -t (the SMTP session)"
printf 'To: Alice <alice@outbox.test>\nSubject: hello from outbox\n\nIt works.\n' |
	"$top/src/outbox" -v -C "$dir/outboxrc" -t
echo "== exit status $?"
echo "== the message as Postfix received it"
cat "$(mail_wait "$dir" 1 | tail -1)"
