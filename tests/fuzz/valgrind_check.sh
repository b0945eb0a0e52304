#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tshark with the sipadvisor plugin under valgrind memcheck, over captures.
#
#   tests/fuzz/valgrind_check.sh [--plugin PATH] [--out DIR] [--jobs N] [CAPTURE ...]
#
# Defaults: the plugin in build/plugin/sipadvisor.so (or $SIPADVISOR_PLUGIN;
# a plain build, not SIPADVISOR_SANITIZE), every pcaps/*.pcapng, reports in
# build/valgrind/, 2 runs in parallel. Each capture is read with `tshark -2
# -V` (both passes, every tree item) by a staged copy of the plugin, as
# nobody when root (like tests/integration/harness.py).
#
# Valgrind's XML report is filtered for sipadvisor: an error (invalid read or
# write, use of uninitialised memory, bad free ...) or a definitely,
# indirectly or possibly lost block counts when any frame of its stack lies
# in sipadvisor.so. Wireshark's and GLib's own errors and their still-
# reachable memory are not ours and are only counted. Blocks lost that were
# allocated while Wireshark registered the plugin (proto_register_*: the
# expert entry names, a fixed ~4 KB per process) are reported apart and do
# not fail. Exit 1 when any capture has another sipadvisor error or leak.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
plugin=${SIPADVISOR_PLUGIN:-$top/build/plugin/sipadvisor.so}
out=$top/build/valgrind
jobs=2
captures=()
while [ $# -gt 0 ]; do
  case $1 in
    --plugin) plugin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '3,22p' "$0"; exit 0 ;;
    *) captures+=("$1"); shift ;;
  esac
done
[ ${#captures[@]} -gt 0 ] || captures=("$top"/pcaps/*.pcapng)
command -v valgrind >/dev/null || { echo "valgrind_check: valgrind not installed (apt-get install valgrind)" >&2; exit 2; }
[ -f "$plugin" ] || { echo "valgrind_check: no plugin at $plugin (--plugin)" >&2; exit 2; }
if readelf -d "$plugin" | grep -q 'libasan'; then
  echo "valgrind_check: $plugin is built with ASan; valgrind needs a plain build" >&2; exit 2
fi
abi=$(tshark --version 2>/dev/null | sed -n 's/^TShark (Wireshark) \([0-9]*\)\.\([0-9]*\).*/\1.\2/p' | head -1)

stage=$(mktemp -d /tmp/sipadvisor-valgrind-XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/plugins/$abi/epan" "$stage/home" "$stage/captures" "$stage/reports" "$stage/extcap"
cp "$plugin" "$stage/plugins/$abi/epan/sipadvisor.so"
for capture in "${captures[@]}"; do cp "$capture" "$stage/captures/"; done
chmod -R a+rX "$stage"
prefix=()
if [ "$(id -u)" -eq 0 ]; then
  chown nobody "$stage/home" "$stage/reports"
  prefix=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
fi
mkdir -p "$out"

run_one() {
  local name=$1
  "${prefix[@]}" env -i PATH=/usr/bin:/bin HOME="$stage/home" LANG=C.UTF-8 \
    WIRESHARK_PLUGIN_DIR="$stage/plugins" WIRESHARK_EXTCAP_DIR="$stage/extcap" G_SLICE=always-malloc G_DEBUG=gc-friendly \
    valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible \
      --num-callers=50 --child-silent-after-fork=yes --trace-children=no \
      --xml=yes --xml-file="$stage/reports/$name.xml" \
      tshark -r "$stage/captures/$name" -2 -V >/dev/null 2>"$stage/reports/$name.stderr" || true
}
started=$(date +%s)
# The plugin must be loaded, or the run proves nothing.
"${prefix[@]}" env -i PATH=/usr/bin:/bin HOME="$stage/home" WIRESHARK_PLUGIN_DIR="$stage/plugins" \
  tshark -G plugins | grep -q "$stage/plugins/$abi/epan/sipadvisor.so" ||
  { echo "valgrind_check: tshark does not load the staged plugin" >&2; exit 2; }

pids=()
for capture in "${captures[@]}"; do
  name=$(basename "$capture")
  run_one "$name" &
  pids+=($!)
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
done
wait
cp "$stage"/reports/* "$out"/

status=0
python3 - "$out" "${captures[@]}" <<'EOF' || status=$?
import os
import sys
import xml.etree.ElementTree as ET

out, captures = sys.argv[1], sys.argv[2:]
OURS = "sipadvisor.so"
REGISTRATION = ("proto_register_", "proto_reg_handoff_", "plugin_register")
failed = False
totals = {"ours_errors": 0, "ours_leaks": 0, "ours_leaked_bytes": 0, "other_errors": 0, "other_leaks": 0}
for capture in captures:
    name = os.path.basename(capture)
    path = os.path.join(out, name + ".xml")
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, FileNotFoundError) as error:
        print("%-32s no valgrind report (%s)" % (name, error))
        failed = True
        continue
    ours, others, leaked, registration = [], 0, 0, []
    for error in root.iter("error"):
        kind = error.findtext("kind")
        objects = [frame.findtext("obj") or "" for stack in error.findall("stack") for frame in stack.findall("frame")]
        is_leak = kind.startswith("Leak_")
        functions = [frame.findtext("fn") or "" for stack in error.findall("stack") for frame in stack.findall("frame")]
        if is_leak and any(obj.endswith(OURS) for obj in objects) and \
                any(fn.startswith(REGISTRATION) for fn in functions):
            # Allocated once while Wireshark registers the plugin (expert
            # entry names handed to Wireshark for the life of the process):
            # bounded, not per packet. Reported, not failed.
            registration.append((int(error.findtext("xwhat/leakedbytes") or 0),
                                 next(fn for fn in functions if fn.startswith(REGISTRATION))))
            continue
        if any(obj.endswith(OURS) for obj in objects):
            text = error.findtext("what") or error.findtext("xwhat/text") or kind
            frames = [(frame.findtext("fn") or "?") + " (" + (frame.findtext("file") or os.path.basename(frame.findtext("obj") or "?"))
                      + ":" + (frame.findtext("line") or "") + ")"
                      for frame in error.find("stack").findall("frame")][:8]
            ours.append((kind, text, frames))
            if is_leak:
                leaked += int(error.findtext("xwhat/leakedbytes") or 0)
                totals["ours_leaks"] += 1
            else:
                totals["ours_errors"] += 1
        else:
            others += 1
            totals["other_leaks" if is_leak else "other_errors"] += 1
    totals["ours_leaked_bytes"] += leaked
    status = root.findtext("status/state")
    print("%-32s sipadvisor: %d errors/leaks (%d bytes lost); one-off at registration: %d bytes in %d records; "
          "not ours: %d" % (name, len(ours), leaked, sum(b for b, _ in registration), len(registration), others))
    totals["registration_bytes"] = max(totals.get("registration_bytes", 0), sum(b for b, _ in registration))
    for kind, text, frames in ours:
        failed = True
        print("    %s: %s" % (kind, text))
        for frame in frames:
            print("        " + frame)
print("valgrind_check: %d captures; sipadvisor errors %d, sipadvisor leaks %d (%d bytes); one-off "
      "registration allocations %d bytes per run (not failed); Wireshark/GLib (ignored): errors %d, leak "
      "records %d; reports in %s"
      % (len(captures), totals["ours_errors"], totals["ours_leaks"], totals["ours_leaked_bytes"],
         totals.get("registration_bytes", 0), totals["other_errors"], totals["other_leaks"], out))
sys.exit(1 if failed else 0)
EOF
echo "valgrind_check: $(( $(date +%s) - started )) s"
exit $status
