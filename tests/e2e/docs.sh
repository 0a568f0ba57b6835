#!/bin/sh
# docs.sh - the documentation agrees with the program.  The parser's own
# tables (outbox --list-options, --list-keywords: options that print
# from the very tables options.c and config.c use) are compared with
# man/outbox.1, man/outboxrc.5 and --help:
#   - every keyword is documented in outboxrc.5 and is accepted as
#     --keyword-with-dashes (but --password, refused with 64);
#   - every keyword entry of outboxrc.5 is a keyword (or a documented
#     old name / file-only word);
#   - every option the parser knows is in outbox.1, in the section that
#     matches its status (implemented, "Accepted and ignored", "Refused"),
#     and in --help; every option outbox.1 lists is known to the parser;
#   - every option does what its status says: implemented and ignored
#     ones are accepted, refused ones exit 64.
# No server and no configuration file are needed.
. "$(dirname "$0")/lib.sh"

[ -x "$OUTBOX" ] || skip_all "no binary at $OUTBOX"
MAN1=$top_srcdir/man/outbox.1
MAN5=$top_srcdir/man/outboxrc.5
[ -f "$MAN1" ] && [ -f "$MAN5" ] || skip_all "man pages not found"
mk_tmpdir docs

"$OUTBOX" --list-keywords >"$T/keywords" 2>"$T/err"
RC=$?
is_exit 0 "--list-keywords"
n=$(wc -l <"$T/keywords")
check "--list-keywords lists the keyword table ($n)" [ "$n" -ge 40 ]
"$OUTBOX" --list-options >"$T/options" 2>"$T/err"
RC=$?
is_exit 0 "--list-options"
n=$(wc -l <"$T/options")
check "--list-options lists the option table ($n)" [ "$n" -ge 40 ]
"$OUTBOX" --help >"$T/help" 2>&1
RC=$?
is_exit 0 "--help"

# ---------------------------------------------------------------- keywords
# The keyword entries of outboxrc.5: ".It Ic name ..."
sed -n 's/^\.It Ic \([^ ]*\).*/\1/p' "$MAN5" | sort -u >"$T/man5-keywords"
while read -r kw; do
	if grep -qxF "$kw" "$T/man5-keywords"; then
		ok "keyword $kw is documented in outboxrc.5"
	else
		not_ok "keyword $kw is documented in outboxrc.5"
	fi
	opt=--$(printf '%s' "$kw" | tr _ -)
	"$OUTBOX" "$opt=x" --version >/dev/null 2>"$T/err" </dev/null
	RC=$?
	if [ "$kw" = password ]; then
		is_exit 64 "$opt is refused (a password on the command line)"
	else
		is_exit 0 "keyword $kw is accepted as $opt"
	fi
done <"$T/keywords"
# the entries of outboxrc.5 that are not keywords: sections and the
# old names and refused words the file parser knows
while read -r kw; do
	case $kw in
	defaults | account | add_missing_from_header | add_missing_date_header | eval)
		continue ;;
	esac
	if grep -qxF "$kw" "$T/keywords"; then
		ok "outboxrc.5's $kw is a keyword"
	else
		not_ok "outboxrc.5's $kw is a keyword"
	fi
done <"$T/man5-keywords"
# the file-only words are really known to the configuration parser
for kw in add_missing_from_header add_missing_date_header; do
	printf 'account default\nhost h.example\n%s on\n' "$kw" | write_config "$T/cfg"
	"$OUTBOX" -C "$T/cfg" -P >/dev/null 2>"$T/err" </dev/null
	RC=$?
	is_exit 0 "old keyword $kw is read from a file"
done
printf 'account default\nhost h.example\neval echo x\n' | write_config "$T/cfg"
"$OUTBOX" -C "$T/cfg" -P >/dev/null 2>"$T/err" </dev/null
RC=$?
is_exit 78 "eval is refused as documented"

# ---------------------------------------------------------------- options
# outbox.1's options by section: "SECTION<TAB>-x" for every "Fl x" on an
# ".It" line (the generic "--keyword" entry aside).
awk '
/^\.Ss / { sec = substr($0, 5) }
/^\.Sh / { sec = substr($0, 5) }
/^\.It / {
	for (i = 2; i <= NF; i++)
		if ($i == "Fl" && i < NF && $(i + 1) != "-" && $(i + 1) != "Ns")
			printf "%s\t-%s\n", sec, $(i + 1)
}' "$MAN1" | sort -u >"$T/man1-options"
grep -q . "$T/man1-options" || not_ok "outbox.1 lists options"

# in_section OPTION STATUS: outbox.1 lists OPTION in the section(s) of STATUS
in_section() {
	case $2 in
	implemented) _re='^(Sendmail options|General options)	' ;;
	ignored) _re='^Accepted and ignored	' ;;
	refused) _re='^Refused	' ;;
	*) return 1 ;;
	esac
	grep -E "$_re" "$T/man1-options" | cut -f2 | grep -qxF -- "$1"
}

tab=$(printf '\t')
while IFS=$tab read -r opt status value; do
	if in_section "$opt" "$status"; then
		ok "$opt ($status) is in outbox.1 under its status"
	else
		not_ok "$opt ($status) is in outbox.1 under its status"
		grep -F -- "	$opt" "$T/man1-options" | sed 's/^/# found in: /'
	fi
	# --help names it as a word ("-o" is shown as "-o...")
	if grep -Eq -- "(^|[ ,(])$opt([ ,=.)]|$)" "$T/help"; then
		ok "$opt is in --help"
	else
		not_ok "$opt is in --help"
	fi
	# the parser does what the status says
	if [ "$value" = value ]; then
		"$OUTBOX" "$opt" x --version >"$T/out" 2>"$T/err" </dev/null
	elif [ "$opt" = -o ]; then
		"$OUTBOX" -oem --version >"$T/out" 2>"$T/err" </dev/null
	else
		"$OUTBOX" "$opt" --version >"$T/out" 2>"$T/err" </dev/null
	fi
	RC=$?
	case $status in
	refused) is_exit 64 "$opt is refused" ;;
	*) is_exit 0 "$opt is accepted" ;;
	esac
done <"$T/options"

# every option outbox.1 lists is one the parser knows
cut -f2 "$T/man1-options" | sort -u >"$T/man1-names"
cut -f1 "$T/options" >"$T/known"
while read -r opt; do
	if grep -qxF -- "$opt" "$T/known"; then
		ok "outbox.1's $opt is known to the parser"
	else
		not_ok "outbox.1's $opt is known to the parser"
	fi
done <"$T/man1-names"

# an option nobody knows is a usage error, as the man page says
"$OUTBOX" -Z --version >/dev/null 2>&1 </dev/null
RC=$?
is_exit 64 "an unknown option"
"$OUTBOX" -bz --version >/dev/null 2>&1 </dev/null
RC=$?
is_exit 64 "an unknown -b mode"

tap_done
