#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Regenerate pcaps/kamailio-{udp,tcp}.pcapng and pcaps/kamailio-expected.tsv
# from a real Kamailio (Debian 12 package) and a scripted Python client, all on
# 127.0.0.1.  See README.md in this folder.
#
#   generate.sh           regenerate and overwrite the committed files
#   generate.sh --check   regenerate into a temporary directory and compare the
#                         fresh expectations with the committed TSV
#   generate.sh --keep    keep the temporary directory (logs, event logs, cfg)
#
# Environment: KAMAILIO_PORT (default 5070), UA2_PORT (default 5071),
#              PYTHON (default python3), NO_INSTALL=1 to skip the apt step.
#
# Only processes this script started are stopped, by their recorded PIDs.

set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
PCAPS="$REPO/pcaps"
PORT=${KAMAILIO_PORT:-5070}
UA2_PORT=${UA2_PORT:-5071}
PYTHON=${PYTHON:-python3}
CHECK=0
KEEP=0
TRANSPORTS="udp tcp"

for arg in "$@"; do
	case "$arg" in
		--check) CHECK=1 ;;
		--keep) KEEP=1 ;;
		-h|--help) sed -n '4,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) echo "generate.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done

log() { printf '[generate.sh] %s\n' "$*" >&2; }

# --------------------------------------------------------------------------
# processes we started: stopped on every exit path, by PID only

KAM_PID=""
DUMPCAP_PID=""
WORK=""
CUR=""
FAILED=0

stop_pid() { # stop_pid PID NAME
	local pid=$1 name=$2
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "$name (pid $pid) ignored SIGTERM for 10 s, sending SIGKILL to pid $pid"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
}

stop_all() {
	stop_pid "$DUMPCAP_PID" dumpcap
	DUMPCAP_PID=""
	stop_pid "$KAM_PID" kamailio
	KAM_PID=""
}

on_exit() {
	local rc=$?
	stop_all
	if [ -n "$WORK" ] && [ -d "$WORK" ]; then
		if [ "$KEEP" = 1 ] || [ "$FAILED" = 1 ] || [ "$rc" != 0 ]; then
			log "work directory kept: $WORK"
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
	FAILED=1
	log "FAILED: $*"
	if [ -n "$CUR" ] && [ -f "$CUR/kamailio.log" ]; then
		log "---- last lines of Kamailio's log ($CUR/kamailio.log) ----"
		tail -n 80 "$CUR/kamailio.log" >&2 || true
		log "---- end of Kamailio's log ----"
	fi
	if [ -n "$CUR" ] && [ -s "$CUR/dumpcap.log" ]; then
		log "---- dumpcap: ----"
		cat "$CUR/dumpcap.log" >&2 || true
	fi
	exit 1
}

# --------------------------------------------------------------------------
# Debian packages (idempotent)

ensure_packages() {
	local pkgs="kamailio kamailio-presence-modules kamailio-sqlite-modules tshark wireshark-common python3"
	local missing="" p
	for p in $pkgs; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0
	[ "${NO_INSTALL:-0}" = 1 ] && fail "missing Debian packages:$missing (NO_INSTALL=1)"
	[ "$(id -u)" = 0 ] || fail "missing Debian packages:$missing; run as root or install them"
	log "installing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086
	if ! apt-get install -y --no-install-recommends $missing >&2; then
		apt-get update >&2
		# shellcheck disable=SC2086
		apt-get install -y --no-install-recommends $missing >&2 || fail "apt-get install$missing"
	fi
}

port_busy() { # port_busy PORT -> 0 if something listens on udp or tcp PORT
	ss -H -lnu "sport = :$1" 2>/dev/null | grep -q . && return 0
	ss -H -lnt "sport = :$1" 2>/dev/null | grep -q . && return 0
	return 1
}

mpath() {
	local so
	so=$(dpkg -L kamailio 2>/dev/null | grep '/modules/tm\.so$' | head -n 1)
	[ -n "$so" ] || fail "cannot find Kamailio's module directory"
	dirname "$so"
}

# --------------------------------------------------------------------------
# one capture: fresh database, fresh Kamailio, dumpcap, client

run_capture() { # run_capture udp|tcp
	local tp=$1
	CUR="$WORK/$tp"
	mkdir -p "$CUR"
	port_busy "$PORT" && fail "port $PORT is already in use (not by this script); set KAMAILIO_PORT"
	port_busy "$UA2_PORT" && fail "port $UA2_PORT is already in use; set UA2_PORT"

	"$PYTHON" "$HERE/client.py" initdb --db "$CUR/kamailio.sqlite" || fail "initdb"
	sed -e "s#@PORT@#$PORT#g" -e "s#@UA2_PORT@#$UA2_PORT#g" -e "s#@MPATH@#$MPATH#g" \
	    -e "s#@DBURL@#sqlite://$CUR/kamailio.sqlite#g" \
	    "$HERE/kamailio.cfg.in" > "$CUR/kamailio.cfg"
	kamailio -c -f "$CUR/kamailio.cfg" > "$CUR/kamailio.log" 2>&1 \
		|| fail "kamailio -c rejected the configuration"

	log "$tp: starting kamailio on 127.0.0.1:$PORT"
	kamailio -f "$CUR/kamailio.cfg" -P "$CUR/kamailio.pid" -Y "$CUR" -DD -E \
		>> "$CUR/kamailio.log" 2>&1 &
	KAM_PID=$!
	"$PYTHON" "$HERE/client.py" probe --transport udp --port "$PORT" >&2 \
		|| fail "kamailio (pid $KAM_PID) does not answer over UDP"
	"$PYTHON" "$HERE/client.py" probe --transport tcp --port "$PORT" >&2 \
		|| fail "kamailio (pid $KAM_PID) does not answer over TCP"
	[ "$(cat "$CUR/kamailio.pid" 2>/dev/null)" = "$KAM_PID" ] \
		|| fail "pid file says $(cat "$CUR/kamailio.pid" 2>/dev/null), started $KAM_PID"
	sleep 0.5   # let the probe's TCP connection close before capturing

	log "$tp: starting dumpcap on lo"
	dumpcap -i lo -f "port $PORT or port $UA2_PORT" -w "$CUR/capture.pcapng" -q \
		--capture-comment "sipadvisor test capture: Kamailio $KAM_VERSION (Debian 12) on 127.0.0.1:$PORT, SIP over ${tp^^}; generated by pcaps/generate/kamailio/generate.sh" \
		> "$CUR/dumpcap.log" 2>&1 &
	DUMPCAP_PID=$!
	for _ in $(seq 1 50); do
		grep -q "Capturing on" "$CUR/dumpcap.log" 2>/dev/null && break
		kill -0 "$DUMPCAP_PID" 2>/dev/null || fail "dumpcap exited"
		sleep 0.2
	done
	grep -q "Capturing on" "$CUR/dumpcap.log" || fail "dumpcap did not start capturing"
	sleep 0.5

	log "$tp: running the client"
	"$PYTHON" "$HERE/client.py" run --transport "$tp" --port "$PORT" --ua2-port "$UA2_PORT" \
		--log "$CUR/events.json" >&2 || fail "$tp scenario failed (event log: $CUR/events.json)"
	sleep 1   # last packets (TCP FINs) reach dumpcap

	stop_pid "$DUMPCAP_PID" dumpcap
	DUMPCAP_PID=""
	stop_pid "$KAM_PID" kamailio
	KAM_PID=""

	mkdir -p "$WORK/out"
	cp "$CUR/capture.pcapng" "$WORK/out/kamailio-$tp.pcapng"
	"$PYTHON" "$HERE/expected.py" build --pcap "$WORK/out/kamailio-$tp.pcapng" \
		--events "$CUR/events.json" --name "kamailio-$tp.pcapng" \
		--out "$CUR/expected.tsv" >&2 || fail "$tp: capture and client log disagree"
	CUR=""
}

# --------------------------------------------------------------------------

ensure_packages
for tool in kamailio dumpcap tshark ss "$PYTHON"; do
	command -v "$tool" > /dev/null || fail "$tool not found"
done
MPATH=$(mpath)
KAM_VERSION=$(dpkg-query -W -f='${Version}' kamailio)
WORK=$(mktemp -d /tmp/sipadvisor-kamailio.XXXXXX)
log "work directory $WORK (kamailio $KAM_VERSION, modules in $MPATH)"

for tp in $TRANSPORTS; do
	run_capture "$tp"
done

"$PYTHON" "$HERE/expected.py" merge --out "$WORK/out/kamailio-expected.tsv" \
	"$WORK"/udp/expected.tsv "$WORK"/tcp/expected.tsv || fail "merge"

if [ "$CHECK" = 1 ]; then
	"$PYTHON" "$HERE/expected.py" compare \
		--committed "$PCAPS/kamailio-expected.tsv" --committed-dir "$PCAPS" \
		--fresh "$WORK/out/kamailio-expected.tsv" --fresh-dir "$WORK/out" \
		|| fail "fresh run differs from the committed expectations"
	log "check passed"
else
	for tp in $TRANSPORTS; do
		cp "$WORK/out/kamailio-$tp.pcapng" "$PCAPS/kamailio-$tp.pcapng"
		chmod 644 "$PCAPS/kamailio-$tp.pcapng"   # dumpcap creates 0600 files
	done
	cp "$WORK/out/kamailio-expected.tsv" "$PCAPS/kamailio-expected.tsv"
	log "wrote $PCAPS/kamailio-{$(echo "$TRANSPORTS" | tr ' ' ',')}.pcapng and kamailio-expected.tsv"
fi
