#!/bin/sh
# Checks synbench's build (and, with --test, test) dependencies and installs
# only the missing Debian packages when it can (root + apt-get), printing the
# apt-get command before it runs it; otherwise (or with SYNBENCH_NO_INSTALL=1)
# prints the exact command to run and exits 2.
#   --test    also what the tests need
#   --matrix  also what scripts/kernel-matrix needs (QEMU, a static busybox
#             for the initramfs, kmod for depmod/modprobe on the kernel tree)
set -u
want_test=0 want_matrix=0
for a in "$@"; do
	case $a in
	--test) want_test=1 ;;
	--matrix) want_matrix=1 ;;
	*) echo "synbench: deps.sh: unknown option $a (want --test, --matrix)" >&2; exit 2 ;;
	esac
done

missing=""
need() { # need PACKAGE CHECK...
	pkg=$1
	shift
	if ! "$@" >/dev/null 2>&1; then
		case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
	fi
}
has() { command -v "$1"; }
pc() { pkg-config --exists "$1"; }
hdr() { [ -f "/usr/include/$1" ]; }

need cmake has cmake
need pkg-config has pkg-config
need gcc has cc
need make has make
need clang has clang
need llvm has llvm-strip
need bpftool sh -c 'has() { command -v "$1"; }; has bpftool || [ -x /usr/sbin/bpftool ]'
need libbpf-dev pc libbpf
need libelf-dev pc libelf
need zlib1g-dev hdr zlib.h
need liburing-dev pc liburing
need libjansson-dev pc jansson
need libssl-dev pc libssl
need libmicrohttpd-dev pc libmicrohttpd
need gnuplot-nox has gnuplot
need iproute2 has ss
need jq has jq
if [ "$want_test" = 1 ]; then
	need nginx-light sh -c "command -v nginx || [ -x /usr/sbin/nginx ]"
fi
if [ "$want_test" = 1 ]; then
	need chromium has chromium
	# the tests across machines: ssh into a namespace (test_hosts_ssh)
	need openssh-client has ssh
	need openssh-server sh -c '[ -x /usr/sbin/sshd ]'
	# the TLS tests make their certificates with the openssl command
	need openssl has openssl
	# the man page test (e2e/test_man): man -l renders build/synbench.8
	need man-db has man
	need groff-base has nroff
	need bsdextrautils has col
	# bench watch --serve scraped by a real Prometheus (e2e/test_watch_serve)
	need prometheus has promtool
	need curl has curl
fi

if [ "$want_matrix" = 1 ]; then
	need qemu-system-x86 has qemu-system-x86_64
	need busybox-static sh -c '[ "$(dpkg-query -W -f="\${Status}" busybox-static 2>/dev/null)" = "install ok installed" ]'
	need kmod sh -c 'command -v depmod && command -v modprobe'
	need xz-utils has xz
fi

[ -z "$missing" ] && exit 0
missing=${missing# }
cmd="apt-get install -y --no-install-recommends $missing"
if [ -n "${SYNBENCH_NO_INSTALL:-}" ]; then
	echo "synbench: missing packages: $missing; install them with: $cmd (SYNBENCH_NO_INSTALL is set, so synbench does not)" >&2
	exit 2
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	# say what is about to run, then run exactly that; its output goes to a
	# log of our own (mktemp: no fixed name in /tmp), removed on success
	echo "synbench: installing missing packages: $cmd" >&2
	log=$(mktemp "${TMPDIR:-/tmp}/synbench-apt.XXXXXX") || exit 2
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! apt-get install -y -q --no-install-recommends $missing >"$log" 2>&1; then
		echo "synbench: the package lists may be stale: apt-get update" >&2
		apt-get update -q >>"$log" 2>&1
		# shellcheck disable=SC2086
		if ! apt-get install -y -q --no-install-recommends $missing >>"$log" 2>&1; then
			echo "synbench: apt-get install failed (log: $log); run: apt-get update && $cmd" >&2
			exit 2
		fi
	fi
	rm -f "$log"
	echo "synbench: installed $missing" >&2
	exit 0
fi
echo "synbench: missing packages: $missing; install them with: sudo $cmd" >&2
exit 2
