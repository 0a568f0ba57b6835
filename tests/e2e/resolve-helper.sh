# resolve-helper.sh - a private resolver, so that tests of name resolution
# (no such host -> 68, temporary failure -> 75) never send DNS traffic off
# the machine.  POSIX sh; needs root, unshare(1) (util-linux), ip(8) and
# dnsmasq (Debian: dnsmasq-base).
#
# As a library:
#	RESOLVE_HELPER=$top_srcdir/tests/e2e/resolve-helper.sh	# optional
#	. "$top_srcdir/tests/e2e/resolve-helper.sh"
#	resolve_check || skip "$resolve_skip_reason"
#	resolve_run CMD [ARG...]	# CMD's exit status
# As a command:
#	sh resolve-helper.sh check	# exit 0, or print the reason, exit 77
#	sh resolve-helper.sh run CMD [ARG...]
#
# resolve_run runs CMD in new network, mount and PID namespaces:
#   - network: only lo, up (127.0.0.0/8 and ::1); no other interface and
#     no route, so nothing can leave.  Listeners a test needs (a fake
#     smarthost) must be started inside the same resolve_run call.
#   - mount (private): bind-mounted over the real files, inside only,
#       /etc/resolv.conf   nameserver 127.0.0.153, options timeout:1 attempts:1
#       /etc/hosts         localhost as 127.0.0.1 and ::1, nothing else
#       /etc/nsswitch.conf hosts: files dns  (passwd/group: files)
#     and an empty directory over /run/nscd and /var/run/nscd when present
#     (an nscd outside would resolve with the real resolver).
#   - PID: CMD's shell is PID 1, so dnsmasq dies with it whatever happens.
#   - dnsmasq on 127.0.0.153 port 53 (no upstream, no /etc/hosts) answers:
#       mx.outbox.test       A 127.0.0.1 and AAAA ::1 (getaddrinfo: ::1 first)
#       nx.outbox.test, any other *.outbox.test, *.invalid
#                            NXDOMAIN          -> getaddrinfo EAI_NONAME
#       tf.outbox.test       REFUSED at once   -> EAI_AGAIN (temporary)
#       slow.outbox.test     no answer (dead upstream 127.0.0.154#54)
#                            -> EAI_AGAIN after about 1 s
#       anything else        REFUSED           -> EAI_AGAIN
#     RESOLVE_DNSMASQ_ARGS adds options (e.g. --address=/x.test/127.0.0.2).
# The temporary directory holding these files is removed afterwards; the
# dnsmasq log is printed to stderr when CMD fails.

resolve_skip_reason=
: "${RESOLVE_HELPER:=${top_srcdir:-.}/tests/e2e/resolve-helper.sh}"

resolve__dnsmasq() {
	for d in $(printf '%s' "$PATH" | tr ':' ' ') /usr/sbin /sbin; do
		if [ -x "$d/dnsmasq" ]; then
			printf '%s\n' "$d/dnsmasq"
			return 0
		fi
	done
	return 1
}

# Succeed if resolve_run can work here; else set resolve_skip_reason.
resolve_check() {
	if [ "$(id -u)" != 0 ]; then
		resolve_skip_reason="needs root for unshare and mounts"
	elif ! command -v unshare >/dev/null 2>&1; then
		resolve_skip_reason="unshare (util-linux) not installed"
	elif ! command -v ip >/dev/null 2>&1 &&
	    ! [ -x /sbin/ip ] && ! [ -x /usr/sbin/ip ]; then
		resolve_skip_reason="ip (iproute2) not installed"
	elif ! resolve__dnsmasq >/dev/null; then
		resolve_skip_reason="dnsmasq not installed (Debian: dnsmasq-base)"
	elif ! [ -r "$RESOLVE_HELPER" ]; then
		resolve_skip_reason="cannot find $RESOLVE_HELPER (set RESOLVE_HELPER)"
	elif ! unshare --net --mount --pid --fork true 2>/dev/null; then
		resolve_skip_reason="unshare --net --mount --pid not permitted here"
	else
		return 0
	fi
	return 1
}

# Run "$@" inside the private resolver's namespaces; its exit status.
resolve_run() {
	unshare --net --mount --pid --fork --kill-child \
	    sh "$RESOLVE_HELPER" __inside "$@"
}

# Inside the namespaces (PID 1): set up, run the command, tear down.
resolve__inside() {
	PATH=$PATH:/usr/sbin:/sbin
	dir=$(mktemp -d "${TMPDIR:-/tmp}/outbox-resolve.XXXXXX") || return 70
	rc=70
	if resolve__setup "$dir"; then
		"$@"
		rc=$?
		[ "$rc" = 0 ] || sed 's/^/# dnsmasq: /' "$dir/log" >&2
	fi
	[ -s "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null
	rm -rf "$dir"
	return "$rc"
}

resolve__setup() {
	dir=$1
	ip link set lo up || return 1
	printf 'nameserver 127.0.0.153\noptions timeout:1 attempts:1\n' \
	    >"$dir/resolv.conf"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$dir/hosts"
	printf 'passwd: files\ngroup: files\nhosts: files dns\n' \
	    >"$dir/nsswitch.conf"
	mkdir "$dir/empty"
	for f in resolv.conf hosts nsswitch.conf; do
		mount --bind "$dir/$f" "/etc/$f" || return 1
	done
	for d in /run/nscd /var/run/nscd; do
		if [ -d "$d" ]; then
			mount --bind "$dir/empty" "$d" || return 1
		fi
	done
	# dnsmasq forks into the background only once it is listening, so
	# the resolver is ready when this returns.
	# shellcheck disable=SC2086
	"$(resolve__dnsmasq)" --conf-file=/dev/null --no-resolv --no-hosts \
	    --listen-address=127.0.0.153 --bind-interfaces --port=53 \
	    --user=root --pid-file="$dir/pid" \
	    --log-facility="$dir/log" --log-queries \
	    --local=/outbox.test/ --local=/invalid/ \
	    --address=/mx.outbox.test/127.0.0.1 \
	    --address=/mx.outbox.test/::1 \
	    --server=/tf.outbox.test/# \
	    --server=/slow.outbox.test/127.0.0.154#54 \
	    ${RESOLVE_DNSMASQ_ARGS:-}
}

# Run as a command rather than sourced.
case ${0##*/} in
resolve-helper.sh)
	case ${1:-} in
	check)
		RESOLVE_HELPER=$0
		resolve_check && exit 0
		printf '%s\n' "$resolve_skip_reason"
		exit 77
		;;
	run)
		shift
		RESOLVE_HELPER=$0
		resolve_run "$@"
		exit $?
		;;
	__inside)
		shift
		resolve__inside "$@"
		exit $?
		;;
	*)
		echo "usage: sh resolve-helper.sh check | run CMD [ARG...]" >&2
		exit 64
		;;
	esac
	;;
esac
