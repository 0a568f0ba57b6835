#!/bin/sh
# resolve.sh - what name resolution means for the exit status, with a
# private resolver (tests/e2e/resolve-helper.sh): no query leaves the
# machine.  A name that does not exist is 68, a temporary failure 75, and
# every address of a name is tried in turn.
. "$(dirname "$0")/lib.sh"
RESOLVE_HELPER=$top_srcdir/tests/e2e/resolve-helper.sh
. "$RESOLVE_HELPER"

[ -x "$OUTBOX" ] || skip_all "no binary at $OUTBOX"
resolve_check || skip_all "$resolve_skip_reason"
mk_tmpdir res
printf 'Subject: resolve\n\nbody\n' >"$T/msg"

# cfg NAME HOST: an account at HOST:2525 without TLS (explicitly: the
# host is not a loopback name)
cfg() {
	write_config "$T/$1" <<EOC
account default
host $2
port 2525
tls off
from sender@outbox.test
timeout 5
dead_letter $T/dead.letter
EOC
}

# in_ns CMD...: run in the namespace, stdin the message; sets RC
in_ns() {
	resolve_run "$@" <"$T/msg" >"$T/out" 2>"$T/err"
	RC=$?
}

cfg nx nx.outbox.test
in_ns "$OUTBOX" -C "$T/nx" rcpt@outbox.test
is_exit 68 "a host name that does not exist"
like "$T/err" 'nx\.outbox\.test' "the error names the host"

cfg tf tf.outbox.test
in_ns "$OUTBOX" -C "$T/tf" rcpt@outbox.test
is_exit 75 "a temporary resolver failure (REFUSED)"

cfg slow slow.outbox.test
in_ns "$OUTBOX" -C "$T/slow" rcpt@outbox.test
is_exit 75 "a resolver that does not answer"
like "$T/dead.letter" '^Subject: resolve' "the message is kept"

# mx.outbox.test is ::1 first, then 127.0.0.1: a server listening on
# 127.0.0.1 only is reached after ::1 refuses
cat >"$T/inner.sh" <<EOS
python3 "$PEER" --timeout 20 --port-file "$T/port" --log "$T/peer.log" -e '
S 220 mx.outbox.test ESMTP
C ^EHLO
S 250 mx.outbox.test
C ^MAIL FROM:<sender@outbox.test>
S 250 ok
C ^RCPT TO:<rcpt@outbox.test>
S 250 ok
C ^DATA
S 354 go
C ^\.\$
S 250 queued as 1
C ^QUIT
S 221 bye' >/dev/null 2>&1 &
i=0
while [ ! -s "$T/port" ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i + 1)); done
sed -i "s/^port .*/port \$(cat "$T/port")/" "$T/mx"
"$OUTBOX" -v -C "$T/mx" rcpt@outbox.test
EOS
cfg mx mx.outbox.test
in_ns sh "$T/inner.sh"
is_exit 0 "every address is tried: ::1 refused, 127.0.0.1 delivers"
like "$T/err" 'connected to 127\.0\.0\.1' "the trace shows the address that answered"
like "$T/peer.log" '^C: \.$' "the peer received the whole message"

tap_done
