#!/bin/sh
# progress.sh - with -v on a terminal, a large message shows its progress
# (bytes sent, total, rate); without a terminal, or for a small message,
# nothing is printed.  The terminal is a pseudo-terminal from script(1).
. "$(dirname "$0")/lib.sh"

[ -x "$OUTBOX" ] || skip_all "no binary at $OUTBOX"
command -v script >/dev/null 2>&1 || skip_all "script(1) not installed (bsdutils)"
mk_tmpdir prog

# msg FILE MIB: a message of about MIB mebibytes
msg() {
	{
		printf 'Subject: progress\n\n'
		python3 -c 'import sys; sys.stdout.write(("x" * 75 + "\n") * (int(sys.argv[1]) * 1024 * 1024 // 76))' "$2"
	} >"$1"
}
msg "$T/big" 3
msg "$T/small" 0
session='S 220 peer.outbox.test ESMTP
C ^EHLO
S 250 peer.outbox.test
C ^MAIL FROM:
S 250 2.1.0 ok
C ^RCPT TO:
S 250 2.1.5 ok
C ^DATA$
S 354 go ahead
C ^\.$
S 250 2.0.0 queued as P1
C ^QUIT
S 221 bye'

# on_tty NAME MSG: run outbox -v on a pseudo-terminal against a fresh peer
on_tty() {
	peer_start "$1" "$session"
	plain_config "$T/$1.cfg" "$PEER_PORT"
	script -qec "'$OUTBOX' -v -C '$T/$1.cfg' rcpt@outbox.test <'$2'" /dev/null \
	    >"$T/$1.tty" 2>&1
	RC=$?
	peer_wait
}

on_tty big "$T/big"
is_exit 0 "a 3 MiB message on a terminal"
like "$T/big.tty" 'sent 3\.0 of 3\.0 MiB \(100%\), [0-9.]+ MiB/s' \
    "the progress line ends at 100% with a rate"

on_tty small "$T/small"
is_exit 0 "a small message on a terminal"
unlike "$T/small.tty" 'MiB/s' "no progress line for a small message"

peer_start notty "$session"
plain_config "$T/notty.cfg" "$PEER_PORT"
run_outbox "$T/big" -v -C "$T/notty.cfg" rcpt@outbox.test
peer_wait
is_exit 0 "the same message without a terminal"
unlike "$T/err" 'MiB/s' "no progress line when stderr is not a terminal"

tap_done
