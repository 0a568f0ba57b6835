#!/bin/sh
# callers.sh - the real programs that run /usr/sbin/sendmail, from Debian's
# packages, driving outbox; each message is read back from a real Postfix
# (its plain port) and checked: the stored bytes, the envelope, and that
# Bcc recipients got the message without a Bcc header.  mutt in batch mode
# with an attachment (envelope from, -B8BITMIME, DSN), git send-email with
# Cc and Bcc, the argument lists of Debian's cron and of cronie (no cron
# daemon: the arguments are what matters), PHP's mail() through
# sendmail_path, bsd-mailx, a Laravel-style -bs session driven by swaks
# --pipe, and mailq/newaliases called by those names.
# Base port: $OUTBOX_E2E_CALLERS_BASE (default 22600; ports BASE+25...+591).

. "$(dirname "$0")/lib.sh"
. "$HARNESS_DIR/servers.sh"

harness_can_postfix || skip_all "$HARNESS_WHY"
[ -x "$OUTBOX" ] || skip_all "binary under test not built: $OUTBOX"

mk_tmpdir cl
start_postfix "${OUTBOX_E2E_CALLERS_BASE:-22600}"
CONF=$T/outboxrc
plain_config "$CONF" "$PF_PLAIN_PORT"

# A home of our own: no caller reads the user's dotfiles.
HOME=$T/home
export HOME
unset XDG_CONFIG_HOME
mkdir -p "$HOME" "$T/bin"
for n in sendmail mailq newaliases; do
	ln -s "$OUTBOX" "$T/bin/$n"
done
# logargs LOG COMMAND...: record the arguments a caller passed (LOG, one
# per line) and the message it wrote (LOG.in), then run COMMAND with it.
cat >"$T/bin/logargs" <<'EOF'
#!/bin/sh
log=$1
shift
printf '%s\n' "$@" >"$log"
tee "$log.in" | "$@"
EOF
chmod 755 "$T/bin/logargs"

# ---------------------------------------------------------------- helpers

# have PROGRAM...: all installed?  Otherwise say which is missing.
have() {
	for _h in "$@"; do
		command -v "$_h" >/dev/null 2>&1 || { MISSING=$_h; return 1; }
	done
	return 0
}

# skip N REASON: N "ok # SKIP" lines (a caller that is not installed)
skip() {
	_sk=0
	while [ $_sk -lt "$1" ]; do
		ok "# SKIP $2"
		_sk=$((_sk + 1))
	done
}

# stored NAME SENDER_ERE: wait (20 s) for the message whose envelope
# sender matches; EML is its path.  $T/NAME.got: the message without
# Postfix's Received: and without the fields outbox adds when missing
# (Date, Message-ID), whose counts go to $T/NAME.added ("Date=1 ...");
# $T/NAME.env: the sender and the sorted recipients.
stored() {
	: >"$T/$1.got"
	: >"$T/$1.env"
	: >"$T/$1.added"
	EML= _st_i=0
	while [ $_st_i -lt 200 ]; do
		_st=$(grep -lxE "sender=$2" "$S"/mail/[0-9]*.env 2>/dev/null | head -n 1)
		if [ -n "$_st" ] && [ -f "${_st%.env}.eml" ]; then
			EML=${_st%.env}.eml
			break
		fi
		sleep 0.1
		_st_i=$((_st_i + 1))
	done
	[ -n "$EML" ] || return 0
	drop_fields "$EML" "$T/$1.got" Received Date Message-ID |
	    sed 1d | tr '\n' ' ' | sed 's/ $//' >"$T/$1.added"
	{
		grep '^sender=' "${EML%.eml}.env"
		grep '^rcpt=' "${EML%.eml}.env" | sort
	} >"$T/$1.env"
}

# envelope_is NAME SENDER RCPT... DESC: $T/NAME.env holds exactly these
envelope_is() {
	_ei_name=$1
	shift
	_ei_want="sender=$1"
	shift
	while [ $# -gt 1 ]; do
		_ei_want="$_ei_want
rcpt=$1"
		shift
	done
	printf '%s\n' "$_ei_want" >"$T/$_ei_name.env.want"
	same_bytes "$T/$_ei_name.env" "$T/$_ei_name.env.want" "$1"
}

# no_bcc NAME DESC: the stored message has no Bcc field and no trace of
# the Bcc recipient hidden@outbox.test
no_bcc() {
	if [ -n "$EML" ]; then
		unlike "$EML" '^Bcc:|hidden@' "$2"
	else
		not_ok "$2"
		diag "no message stored"
	fi
}

# ---------------------------------------------------------------- 1. mutt
# Batch mode with an attachment; mutt passes -B8BITMIME (8-bit body),
# -f (use_envelope_from), -N and -R (DSN), then "--" and the recipients,
# after $sendmail's own words (mutt's default is "sendmail -oem -oi").
if have mutt; then
	head -c 3000 /dev/urandom >"$T/attach.bin"
	printf 'Hello from mutt.\nGrüße aus dem Test\n.\nlast line\n' >"$T/mutt.body"
	cat >"$T/muttrc" <<EOF
set sendmail="$T/bin/logargs $T/mutt.argv $OUTBOX -C $CONF -oem -oi"
set use_envelope_from=yes
set envelope_from_address="mutt-env@outbox.test"
set from="Mutt User <mutt@outbox.test>"
set use_8bitmime=yes
set dsn_notify="failure,delay"
set dsn_return=hdrs
set record=""
set folder="$T/muttmail"
set spoolfile="$T/muttmail/inbox"
set charset="utf-8"
set send_charset="utf-8"
set hostname="outbox.test"
EOF
	mutt -n -F "$T/muttrc" -s "Mutt subject" -c cc@outbox.test \
	    -b hidden@outbox.test -a "$T/attach.bin" -- to@outbox.test \
	    <"$T/mutt.body" >"$T/mutt.out" 2>&1
	RC=$?
	cp "$T/mutt.out" "$T/err"
	is_exit 0 "mutt: sent"
	tr '\n' ' ' <"$T/mutt.argv" >"$T/mutt.args"
	like "$T/mutt.args" '-C [^ ]+ -oem -oi -B8BITMIME -f mutt-env@outbox\.test -N failure,delay -R hdrs -- to@outbox\.test cc@outbox\.test hidden@outbox\.test $' \
	    "mutt: passed -B8BITMIME, -f, -N, -R, -- and the recipients"
	stored mutt 'mutt-env@outbox\.test'
	envelope_is mutt mutt-env@outbox.test cc@outbox.test hidden@outbox.test \
	    to@outbox.test "mutt: envelope from -f, To, Cc and Bcc recipients"
	drop_fields "$T/mutt.argv.in" "$T/mutt.want" Date Message-ID >/dev/null
	same_bytes "$T/mutt.got" "$T/mutt.want" "mutt: stored exactly as mutt wrote it"
	is "$(cat "$T/mutt.added")" "Date=1 Message-ID=1" "mutt: its Date and Message-ID kept, none added"
	no_bcc mutt "mutt: no Bcc header"
	if [ -n "$EML" ]; then
		python3 - "$EML" "$T/attach.bin" "$T/mutt.body" >"$T/mutt.parts" <<'EOF'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
parts = [p for p in m.walk() if not p.is_multipart()]
print("parts=%d" % len(parts))
print("text=%s" % (parts[0].get_payload(decode=True) == open(sys.argv[3], "rb").read()))
print("attachment=%s" % (parts[1].get_payload(decode=True) == open(sys.argv[2], "rb").read()))
print("filename=%s" % parts[1].get_filename())
EOF
	fi
	like "$T/mutt.parts" '^attachment=True$' "mutt: the attachment decodes to the file's bytes"
	like "$T/mutt.parts" '^text=True$' "mutt: the 8-bit text part (with a lone dot line) intact"
else
	skip 9 "mutt not installed"
fi

# ---------------------------------------------------------------- 2. git
# git send-email with --smtp-server naming outbox: "-f FROM -i RCPT..."
if have git && git send-email -h 2>&1 | grep -q 'git send-email'; then
	(
		GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Git User"
		GIT_AUTHOR_EMAIL=git@outbox.test GIT_COMMITTER_NAME="Git User"
		GIT_COMMITTER_EMAIL=git@outbox.test
		GIT_AUTHOR_DATE="2026-03-02 10:00:00 +0000"
		GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
		export GIT_CONFIG_NOSYSTEM GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
		    GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE \
		    GIT_COMMITTER_DATE
		mkdir "$T/repo" && cd "$T/repo" && git init -q . &&
		printf 'one\n' >f.txt && git add f.txt && git commit -q -m init &&
		printf 'one\n.two\nGrüße\n' >f.txt &&
		git commit -q -am "Change f.txt" &&
		git format-patch -q -1 -o "$T/patches" &&
		git send-email --smtp-server="$T/bin/logargs" \
		    --smtp-server-option="$T/git.argv" \
		    --smtp-server-option="$OUTBOX" \
		    --smtp-server-option=-C --smtp-server-option="$CONF" \
		    --from="Git User <git@outbox.test>" --to=to@outbox.test \
		    --cc=cc@outbox.test --bcc=hidden@outbox.test \
		    --confirm=never --suppress-cc=all --envelope-sender=auto \
		    --8bit-encoding=UTF-8 "$T"/patches/*.patch
	) </dev/null >"$T/git.out" 2>&1
	RC=$?
	cp "$T/git.out" "$T/err"
	is_exit 0 "git send-email: sent"
	tr '\n' ' ' <"$T/git.argv" >"$T/git.args"
	like "$T/git.args" '-C [^ ]+ -f git@outbox\.test -i to@outbox\.test cc@outbox\.test hidden@outbox\.test $' \
	    "git send-email: passed -f, -i and the recipients"
	stored git 'git@outbox\.test'
	envelope_is git git@outbox.test cc@outbox.test hidden@outbox.test \
	    to@outbox.test "git send-email: envelope with To, Cc and Bcc"
	drop_fields "$T/git.argv.in" "$T/git.want" Date Message-ID >/dev/null
	same_bytes "$T/git.got" "$T/git.want" "git send-email: stored exactly as git wrote it (patch intact)"
	is "$(cat "$T/git.added")" "Date=1 Message-ID=1" "git send-email: its Date and Message-Id kept, none added"
	no_bcc git "git send-email: no Bcc header"
else
	skip 6 "git send-email not installed"
fi

# ---------------------------------------------------------------- 3. cron
# Debian's cron runs "sendmail -FCronDaemon -i -B8BITMIME -oem -oi -t";
# cronie "sendmail -FCronDaemon -i -odi -oem -oi -t -f USER".  They find
# the configuration the usual way: here the user's ~/.outboxrc.
CFG_DEAD=$T/cron.dead
plain_config "$HOME/.outboxrc" "$PF_PLAIN_PORT" "from cron@outbox.test"
unset CFG_DEAD
# called as /usr/sbin/sendmail would be
SAVED_OUTBOX=$OUTBOX
OUTBOX=$T/bin/sendmail
cat >"$T/cron.in" <<EOF
From: root (Cron Daemon)
To: cronuser@outbox.test
Subject: Cron <root@host> /usr/local/bin/nightly
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>
X-Cron-Env: <PATH=/usr/bin:/bin>
X-Cron-Env: <LOGNAME=root>

nightly: 3 files rotated
.
Grüße from the job
EOF
run_outbox "$T/cron.in" -FCronDaemon -i -B8BITMIME -oem -oi -t
is_exit 0 "Debian cron's arguments (via ~/.outboxrc)"
is_empty "$T/err" "Debian cron: nothing on stderr"
stored cron 'cron@outbox\.test'
envelope_is cron cron@outbox.test cronuser@outbox.test "Debian cron: envelope from the account, To from the header"
same_bytes "$T/cron.got" "$T/cron.in" "Debian cron: stored as written (the lone dot kept: -i), From untouched"
is "$(cat "$T/cron.added")" "Date=1 Message-ID=1" "Debian cron: Date and Message-ID added"

cat >"$T/cronie.in" <<EOF
From: "(Cron Daemon)" <root>
To: cronie@outbox.test
Bcc: hidden@outbox.test
Subject: Cron <root@host> backup
Content-Type: text/plain; charset=UTF-8
Auto-Submitted: auto-generated
Precedence: bulk
X-Cron-Env: <XDG_SESSION_ID=1>
X-Cron-Env: <LANG=C.UTF-8>

backup done
EOF
run_outbox "$T/cronie.in" -FCronDaemon -i -odi -oem -oi -t -f root
OUTBOX=$SAVED_OUTBOX
is_exit 0 "cronie's arguments (-f root)"
stored cronie 'root(@mx\.outbox\.test)?'
like "$T/cronie.env" '^sender=root(@mx\.outbox\.test)?$' "cronie: envelope sender from -f root"
like "$T/cronie.env" '^rcpt=hidden@outbox\.test$' "cronie: the Bcc recipient got it"
no_bcc cronie "cronie: no Bcc header"
drop_fields "$T/cronie.in" "$T/cronie.want" Bcc >/dev/null
same_bytes "$T/cronie.got" "$T/cronie.want" "cronie: stored as written, minus Bcc"

# ---------------------------------------------------------------- 4. PHP
# mail() writes To and Subject, the additional headers (CRLF), then the
# body, to sendmail_path; its fifth argument is appended to the command.
if have php; then
	php -n -d sendmail_path="$T/bin/logargs $T/php.argv $OUTBOX -C $CONF -t -i" -r '
	    $ok = mail("to@outbox.test", "PHP subject", "Hello from PHP.\n.\nGrüße\n",
		"From: PHP App <php@outbox.test>\r\nBcc: hidden@outbox.test\r\nCc: cc@outbox.test",
		"-fphp-env@outbox.test");
	    exit($ok ? 0 : 1);' >"$T/php.out" 2>&1
	RC=$?
	cp "$T/php.out" "$T/err"
	is_exit 0 "PHP mail(): returned true"
	stored php 'php-env@outbox\.test'
	envelope_is php php-env@outbox.test cc@outbox.test hidden@outbox.test \
	    to@outbox.test "PHP mail(): envelope from -f, To, Cc and Bcc"
	drop_fields "$T/php.argv.in" "$T/php.want" Bcc >/dev/null
	same_bytes "$T/php.got" "$T/php.want" "PHP mail(): stored as written (mixed CRLF/LF), minus Bcc"
	is "$(cat "$T/php.added")" "Date=1 Message-ID=1" "PHP mail(): Date and Message-ID added"
	no_bcc php "PHP mail(): no Bcc header"
else
	skip 6 "php not installed"
fi

# ---------------------------------------------------------------- 5. mailx
# bsd-mailx runs its "sendmail" variable with -i -t -f FROM, Bcc in the header
if have bsd-mailx; then
	cat >"$T/bin/mailx-sendmail" <<EOF
#!/bin/sh
exec "$T/bin/logargs" "$T/mailx.argv" "$OUTBOX" -C "$CONF" "\$@"
EOF
	chmod 755 "$T/bin/mailx-sendmail"
	printf 'set sendmail=%s\nset sendwait\n' "$T/bin/mailx-sendmail" >"$T/mailrc"
	printf 'Hello from mailx.\n' | MAILRC=$T/mailrc bsd-mailx -s "mailx subject" \
	    -c cc@outbox.test -b hidden@outbox.test -r mailx@outbox.test \
	    to@outbox.test >"$T/mailx.out" 2>&1
	RC=$?
	cp "$T/mailx.out" "$T/err"
	is_exit 0 "bsd-mailx: sent"
	stored mailx 'mailx@outbox\.test'
	envelope_is mailx mailx@outbox.test cc@outbox.test hidden@outbox.test \
	    to@outbox.test "bsd-mailx: envelope from -r, To, Cc and Bcc"
	no_bcc mailx "bsd-mailx: no Bcc header"
	drop_fields "$T/mailx.argv.in" "$T/mailx.want" Bcc >/dev/null
	same_bytes "$T/mailx.got" "$T/mailx.want" "bsd-mailx: stored as written, minus Bcc"
else
	skip 5 "bsd-mailx not installed"
fi

# ---------------------------------------------------------------- 6. -bs
# Laravel and Symfony run "sendmail -bs" and speak SMTP to it; swaks
# --pipe does the same.  The Bcc header (Symfony strips its own) is
# removed by outbox.
if have swaks; then
	swaks --pipe "$OUTBOX -C $CONF -bs" --ehlo app.outbox.test \
	    --from laravel@outbox.test \
	    --to to@outbox.test,hidden@outbox.test \
	    --header "To: App User <to@outbox.test>" \
	    --header "Bcc: hidden@outbox.test" \
	    --header "Subject: Laravel over -bs" \
	    --body "Hello from the queue worker.
.
Grüße" >"$T/swaks.out" 2>&1
	RC=$?
	cp "$T/swaks.out" "$T/err"
	is_exit 0 "swaks --pipe -bs: session ended well"
	like "$T/swaks.out" '<- *250 2\.0\.0 Ok: relayed: 250 .*queued as' \
	    "swaks --pipe -bs: 250 with the smarthost's queue id"
	like "$T/swaks.out" '<- *221 ' "swaks --pipe -bs: QUIT answered"
	stored swaks 'laravel@outbox\.test'
	envelope_is swaks laravel@outbox.test hidden@outbox.test to@outbox.test \
	    "-bs: envelope from MAIL FROM and RCPT TO"
	no_bcc swaks "-bs: no Bcc header"
	like "$T/swaks.got" '^Subject: Laravel over -bs$' "-bs: the header as sent"
	grep -A3 '^$' "$T/swaks.got" >"$T/swaks.body"
	like "$T/swaks.body" '^\.$' "-bs: the body's lone dot line arrived (stuffed and unstuffed)"
else
	skip 8 "swaks not installed"
fi

# ---------------------------------------------------------------- 7. names
"$T/bin/mailq" >"$T/out" 2>"$T/err"
RC=$?
is_exit 0 "mailq by its name"
like "$T/out" 'queue is empty' "mailq: the queue is empty"
"$T/bin/newaliases" >"$T/out" 2>"$T/err"
RC=$?
is_exit 0 "newaliases by its name"
is_empty "$T/out" "newaliases: says nothing"
"$T/bin/sendmail" -bp >"$T/out" 2>"$T/err"
RC=$?
is_exit 0 "sendmail -bp by the name sendmail"

tap_done
