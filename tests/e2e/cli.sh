#!/bin/sh
# cli.sh - the command line, the configuration and the dead letter, with
# no server: every run here stops before connecting (--dry-run, -P, or an
# error that must come first), or connects to a port nothing listens on.
. "$(dirname "$0")/lib.sh"

[ -x "$OUTBOX" ] || skip_all "no binary at $OUTBOX"
mk_tmpdir cli
HOME=$T/home
export HOME
mkdir -p "$HOME"
unset XDG_CONFIG_HOME

# kept DEAD MSG DESCRIPTION: DEAD holds exactly MSG as its one mbox
# message; DEAD is removed afterwards so that the next check starts empty.
kept() {
	if mbox_one "$1" "$T/kept"; then
		same_bytes "$T/kept" "$2" "$3"
	else
		not_ok "$3"
	fi
	rm -f "$1" "$T/kept"
}
clean() { rm -f "$T/dead.letter" "$HOME/dead.letter"; }

printf 'Subject: hi\nTo: to@outbox.test\nBcc: hidden@outbox.test\n\nbody\n' >"$T/msg"
CFG_TIMEOUT=5 plain_config "$T/cfg" 9
cfg=$T/cfg

# ---------------------------------------------------------------- modes
run_outbox /dev/null --version
is_exit 0 "--version"
like "$T/out" '^outbox [0-9]+\.[0-9]+' "--version prints the version"
run_outbox /dev/null --help
is_exit 0 "--help"
like "$T/out" '^ *-t ' "--help lists -t"
run_outbox /dev/null -bp
is_exit 0 "-bp"
like "$T/out" 'queue is empty' "-bp says the queue is empty"
run_outbox /dev/null -q
is_exit 0 "-q"
run_outbox /dev/null -bi
is_exit 0 "-bi does nothing"
ln -s "$OUTBOX" "$T/mailq"
ln -s "$OUTBOX" "$T/newaliases"
"$T/mailq" >"$T/out" 2>&1
RC=$?
is_exit 0 "called as mailq"
like "$T/out" 'queue is empty' "mailq lists the (empty) queue"
"$T/newaliases" </dev/null >"$T/out" 2>&1
RC=$?
is_exit 0 "called as newaliases"

# ---------------------------------------------------------------- usage
for bad in -Z --no-such-option -bd -bh -bl -bH "-b" "--configure=a@b"; do
	run_outbox "$T/msg" -C "$cfg" "$bad" to@outbox.test
	is_exit 64 "$bad is a usage error"
done
like "$T/err" '^outbox: ' "a usage error is one line naming outbox"
run_outbox "$T/msg" -C "$cfg" "$(printf 'a@outbox.test\rRCPT TO:<x@y>')"
is_exit 64 "CR in a recipient argument"
run_outbox "$T/msg" -C "$cfg" -f "$(printf 'a@outbox.test\nx')" to@outbox.test
is_exit 64 "LF in the -f value"
run_outbox "$T/msg" -C "$cfg" --password=x to@outbox.test
is_exit 64 "there is no --password option"

# ---------------------------------------------------------------- dry run
run_outbox "$T/msg" -C "$cfg" --dry-run -t
is_exit 0 "--dry-run -t"
like "$T/out" '^MAIL FROM:<sender@outbox\.test>$' "dry run: envelope sender from the account"
like "$T/out" '^RCPT TO:<to@outbox\.test>$' "dry run: To recipient"
like "$T/out" '^RCPT TO:<hidden@outbox\.test>$' "dry run: Bcc recipient"
unlike "$T/out" '^Bcc:' "dry run: the Bcc header is removed"
like "$T/out" '^Date: ' "dry run: a Date header is added"
like "$T/out" '^Message-ID: <[^@ ]+@outbox\.test>$' "dry run: a Message-ID is added"
like "$T/out" '^From: <sender@outbox\.test>$' "dry run: a From header is added"

# cron's argument list (Debian's cron and cronie)
run_outbox "$T/msg" -C "$cfg" --dry-run -FCronDaemon -i -B8BITMIME -oem -oi -t
is_exit 0 "cron's arguments are accepted"
like "$T/out" '^From: "CronDaemon" <sender@outbox\.test>$' "-F names the added From"
run_outbox "$T/msg" -C "$cfg" --dry-run -odi -oem -oi -oA/x -L tag -h 5 -n -m -G -U -I -XV rcpt@outbox.test
is_exit 0 "ignored sendmail options are accepted"
run_outbox "$T/msg" --dry-run rcpt@outbox.test -C "$cfg" -f other@outbox.test
is_exit 0 "options after a recipient"
like "$T/out" '^MAIL FROM:<other@outbox\.test>$' "-f sets the envelope sender"
run_outbox "$T/msg" -C "$cfg" --dry-run -- -dash@outbox.test
is_exit 0 "a recipient starting with - after --"
like "$T/out" '^RCPT TO:<-dash@outbox\.test>$' "... is a recipient"
run_outbox "$T/msg" -C "$cfg" --dry-run "A <a@outbox.test>, b@outbox.test" b@outbox.test
like "$T/out" '^RCPT TO:<a@outbox\.test>$' "an address list argument: first"
is "$(grep -c '^RCPT TO:<b@outbox.test>$' "$T/out")" 1 "duplicates are sent once"

# ---------------------------------------------------------------- lost nothing
clean
run_outbox "$T/msg" -C "$cfg"
is_exit 64 "no recipients"
like "$T/err" "saved in $T/dead.letter" "stderr names the dead letter"
kept "$T/dead.letter" "$T/msg" "no recipients: the message is in the dead letter"

printf 'Subject: nul\n\na\000b\n' >"$T/nul"
run_outbox "$T/nul" -C "$cfg" to@outbox.test
is_exit 65 "a NUL byte in the message"
kept "$T/dead.letter" "$T/nul" "the NUL message is kept byte for byte"

printf 'To: "unterminated <a@b>\n\nx\n' >"$T/badto"
run_outbox "$T/badto" -C "$cfg" -t
is_exit 65 "an unparseable To with -t"
like "$T/err" 'To' "the error names the header"
kept "$T/dead.letter" "$T/badto" "the message with a bad To is kept"

# ---------------------------------------------------------------- configuration
printf 'account default\nhost 127.0.0.1\nhots x\n' | write_config "$T/typo"
run_outbox "$T/msg" -C "$T/typo" to@outbox.test
is_exit 78 "an unknown keyword"
like "$T/err" "typo:3: .*hots" "the error names file:line and the keyword"
kept "$HOME/dead.letter" "$T/msg" "a broken config: the message is in \$HOME/dead.letter"

printf 'account default\nhost 127.0.0.1\nuser u\npassword secret\n' >"$T/open"
chmod 644 "$T/open"
run_outbox "$T/msg" -C "$T/open" to@outbox.test
is_exit 78 "a password in a file others can read"
unlike "$T/err" 'secret' "the password is not shown"
clean

plain_config "$T/auth" 9 'auth on
user u
password secret'
run_outbox "$T/msg" -C "$T/auth" to@outbox.test
is_exit 78 "auth with tls off, before connecting"
like "$T/err" 'tls' "the error names the keyword to set"
clean

run_outbox "$T/msg" -C "$T/nonexistent" to@outbox.test
is_exit 78 "a missing -C file"
run_outbox "$T/msg" -C "$cfg" -a nosuch to@outbox.test
is_exit 78 "an unknown account"
like "$T/err" 'nosuch' "the error names the account"
clean

CFG_DEAD=none plain_config "$T/nodead" 9
run_outbox "$T/msg" -C "$T/nodead"
is_exit 64 "dead_letter none"
like "$T/err" 'not saved' "stderr says the message was not saved"

# -P: the effective account, secrets masked
printf 'account default\nhost smtp.outbox.test\nuser u\npassword s3cr3t\ntls_starttls off\n' | write_config "$T/pretend"
run_outbox /dev/null -C "$T/pretend" -P --port=2465
is_exit 0 "-P"
like "$T/out" 'smtp\.outbox\.test' "-P shows the host"
like "$T/out" '2465' "-P shows a command-line override"
unlike "$T/out" 's3cr3t' "-P masks the password"

# a closed port: connection refused is temporary
run_outbox "$T/msg" -C "$cfg" to@outbox.test
is_exit 75 "connection refused"
like "$T/err" 'refused' "the error says the connection was refused"
kept "$T/dead.letter" "$T/msg" "connection refused: the message is kept"

tap_done
