#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shows sipadvisor in the real Wireshark Qt GUI, headless, and proves it with
# screenshots (see /work/shared/notes/gui-under-xvfb.md for the facts used):
#
#   1. checks (tshark -G plugins, same HOME and environment) that the plugin
#      loads from the private personal plugin folder;
#   2. starts Xvfb and Wireshark as an unprivileged user (nobody when run as
#      root: root ignores personal plugin folders) with a private HOME whose
#      profile fixes the window layout;
#   3. opens the capture with frame N selected, expands the SIP Advisor subtree
#      in the packet details and saves the main window (main-window.png);
#   4. opens Analyze > Expert Information, unticks "Group by summary", expands
#      the first groups and saves the dialog (expert-info.png);
#   5. checks that sipadvisor did not skip the analysis (its info-level log)
#      and both PNGs: right size, many colours, and Wireshark's expert
#      colours (the 412 rows, the Expert Information entries) present.
#
# Only the processes it starts (Xvfb, Wireshark; recorded PIDs) are stopped.
#
# Usage: tests/gui/screenshot.sh [--plugin FILE] [--abi X.Y] [--out DIR]
#            [--capture FILE] [--frame N] [--no-install] [--keep]
#   --plugin   built plugin (default: $SIPADVISOR_PLUGIN or build/plugin/sipadvisor.so)
#   --abi      Wireshark major.minor (default: $SIPADVISOR_WS_ABI or from wireshark --version)
#   --out      where the PNGs go (default: build/gui-screenshots)
#   --no-install  do not install missing GUI packages; exit 77 (skip) instead
#   --keep     keep the temporary HOME/logs (printed) for debugging
# Exit status: 0 screenshots taken and checked, 1 failure, 77 skipped.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
plugin=${SIPADVISOR_PLUGIN:-$top/build/plugin/sipadvisor.so}
abi=${SIPADVISOR_WS_ABI:-}
out=$top/build/gui-screenshots
capture=$top/pcaps/publish-etag-states.pcapng
frame=12
install=1
keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --plugin) plugin=$2; shift 2 ;;
    --abi) abi=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --capture) capture=$2; shift 2 ;;
    --frame) frame=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "screenshot.sh: unknown argument $1 (see --help)" >&2; exit 1 ;;
  esac
done

say() { echo "screenshot.sh: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

# --- GUI packages -------------------------------------------------------------
gui_packages=(wireshark-qt xvfb xdotool imagemagick fonts-dejavu)
missing=()
for package in "${gui_packages[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true) == "install ok installed" ]] || missing+=("$package")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  if [[ $install -eq 0 ]]; then
    say "SKIP: GUI packages missing: ${missing[*]} (install: scripts/install-deps ${gui_packages[*]})"
    exit 77
  fi
  "$top/scripts/install-deps" "${gui_packages[@]}"
fi
for tool in wireshark tshark Xvfb xdotool import convert identify setpriv; do
  command -v "$tool" >/dev/null || fail "$tool not found"
done
[[ -f "$plugin" ]] || fail "plugin $plugin not found (build first)"
[[ -f "$capture" ]] || fail "capture $capture not found"
if [[ -z "$abi" ]]; then
  abi=$(wireshark --version 2>/dev/null | sed -n '1s/^Wireshark \([0-9]*\.[0-9]*\).*/\1/p')
fi
[[ "$abi" =~ ^[0-9]+\.[0-9]+$ ]] || fail "cannot tell the Wireshark major.minor (pass --abi)"

# --- A private, world-readable stage; the GUI runs unprivileged --------------
if [[ $(id -u) -eq 0 ]]; then
  user=nobody; group=nogroup
  as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
else
  user=$(id -un); group=$(id -gn)
  as_user=()
fi
stage=$(mktemp -d /tmp/sipadvisor-gui.XXXXXX)
chmod 755 "$stage"
home=$stage/home
personal=$home/.local/lib/wireshark/plugins/$abi/epan
profile=$home/.config/wireshark
mkdir -p "$personal" "$profile" "$stage/run" "$stage/shots" "$stage/no-global-plugins" "$stage/no-extcap"
cp "$plugin" "$personal/sipadvisor.so"
cp "$capture" "$stage/"
capture_name=$(basename "$capture")
chmod -R a+rX "$stage"

# Fixed layout: window at 0,0, 1280x1100, small packet list, no bytes pane.
cat > "$profile/recent_common" <<'EOF'
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: 1280
gui.geometry_main_height: 1100
gui.geometry_main_maximized: FALSE
gui.geom.ExpertInfoDialog.x: 20
gui.geom.ExpertInfoDialog.y: 20
gui.geom.ExpertInfoDialog.width: 1240
gui.geom.ExpertInfoDialog.height: 560
gui.geom.ExpertInfoDialog.maximized: FALSE
EOF
cat > "$profile/recent" <<'EOF'
gui.byte_view_show: FALSE
gui.geometry_main_upper_pane: 190
gui.geometry_main_lower_pane: 800
EOF
chown -R "$user:$group" "$home" "$stage/run" "$stage/shots"
chmod 700 "$stage/run"

# WIRESHARK_PLUGIN_DIR replaces the global plugin folder with an empty one, so a
# sipadvisor.so installed system-wide cannot clash with the personal copy
# ("found in multiple directories" stops Wireshark with a dialog); an empty
# extcap folder keeps Wireshark from starting extcap helpers.
user_env=(env -i PATH=/usr/bin:/bin HOME="$home" LANG=C.UTF-8 XDG_RUNTIME_DIR="$stage/run"
          WIRESHARK_PLUGIN_DIR="$stage/no-global-plugins" WIRESHARK_EXTCAP_DIR="$stage/no-extcap"
          NO_AT_BRIDGE=1)
run_as_user() { "${as_user[@]}" "${user_env[@]}" "$@"; }

xvfb_pid=
wireshark_pid=
cleanup() {
  local status=$?
  if [[ -n "$wireshark_pid" ]] && kill -0 "$wireshark_pid" 2>/dev/null; then
    kill "$wireshark_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$wireshark_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$wireshark_pid" 2>/dev/null || true
  fi
  if [[ -n "$xvfb_pid" ]] && kill -0 "$xvfb_pid" 2>/dev/null; then
    kill "$xvfb_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$xvfb_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  wait 2>/dev/null || true
  if [[ $keep -eq 1 ]]; then
    say "stage kept for inspection: $stage"
  else
    rm -rf "$stage"
  fi
  exit $status
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- 1. the plugin loads from the personal folder -------------------------------
loaded=$(run_as_user tshark -G plugins 2>/dev/null | awk -F'\t' '$1 ~ /^sipadvisor/ {gsub(/^[ \t]+|[ \t]+$/, "", $NF); print $NF}')
[[ "$loaded" == "$personal/sipadvisor.so" ]] ||
  fail "tshark with the GUI's HOME does not load $personal/sipadvisor.so (got: '${loaded:-nothing}')"
say "plugin loaded from the personal folder: $loaded"

# --- 2. Xvfb and Wireshark --------------------------------------------------------
if [[ $(id -u) -eq 0 && ! -d /tmp/.X11-unix ]]; then
  mkdir -m 1777 /tmp/.X11-unix
fi
"${as_user[@]}" Xvfb -displayfd 3 -screen 0 1300x1120x24 -nolisten tcp 3>"$stage/display" 2>"$stage/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [[ -s "$stage/display" ]] && break; sleep 0.1; done
[[ -s "$stage/display" ]] || fail "Xvfb did not start: $(cat "$stage/xvfb.log")"
display=:$(head -n1 "$stage/display")
user_env+=(DISPLAY="$display")
x() { run_as_user xdotool "$@"; }
shot() { run_as_user import -window "$1" "$stage/shots/$2"; }

# --log-level info: sipadvisor logs there when it skips the analysis of a
# pass nothing can show (tshark -r); the GUI must never do so (checked below).
"${as_user[@]}" "${user_env[@]}" wireshark --log-level info -r "$stage/$capture_name" -g "$frame" >"$stage/wireshark.log" 2>&1 &
wireshark_pid=$!
# The main window is titled with the file name ("Wireshark" alone is a hidden window).
main=$(timeout 30 "${as_user[@]}" "${user_env[@]}" xdotool search --sync --name "${capture_name%.*}" | head -n1) ||
  fail "Wireshark's main window did not appear: $(tail -n3 "$stage/wireshark.log")"
sleep 1.5

# --- 3. expand the SIP Advisor subtree of frame N ----------------------------------
# Without a window manager keys go to the display filter until one click lands in
# the packet details pane; End then selects its last row, SIP Advisor (the first
# key only picks a current row), Shift+Right expands it with all its subtrees.
x mousemove --window "$main" 640 780 click 1
sleep 0.3
for key in End End shift+Right; do x key "$key"; sleep 0.2; done
sleep 0.7
shot "$main" main-window.png

# --- 4. Analyze > Expert Information -------------------------------------------------
# Alt+A opens the Analyze menu, a popup window of its own; Expert Information is
# its last entry (QMenu has no End key: click the entry near the popup's bottom).
x key alt+a
sleep 0.5
menu=
for window in $(x search --onlyvisible --class wireshark 2>/dev/null); do
  [[ "$window" == "$main" ]] || menu=$window
done
if [[ -n "$menu" ]]; then
  eval "$(x getwindowgeometry --shell "$menu" | grep -E '^(WIDTH|HEIGHT)=[0-9]+$')"
  x mousemove --window "$menu" 40 $((HEIGHT - 12)) click 1
fi
dialog=$(timeout 10 "${as_user[@]}" "${user_env[@]}" xdotool search --sync --name 'Expert Information' | head -n1) || dialog=
if [[ -z "$dialog" ]]; then
  say "Analyze menu did not open Expert Information; clicking the status bar's expert indicator instead"
  x key Escape
  x mousemove --window "$main" 16 1089 click 1
  dialog=$(timeout 10 "${as_user[@]}" "${user_env[@]}" xdotool search --sync --name 'Expert Information' | head -n1) ||
    fail "the Expert Information dialog did not open"
fi
sleep 2   # it re-dissects the capture to collect the entries
# Untick "Group by summary" (bottom left) to list the expert messages, then open
# the first group (Error) and the third (with this capture: the Sequence warnings).
x mousemove --window "$dialog" 208 505 click 1
sleep 0.5
x mousemove --window "$dialog" 600 300 click 1
sleep 0.2
for key in Home Home Right Down Down Down Right; do x key "$key"; sleep 0.15; done
sleep 0.5
shot "$dialog" expert-info.png

# Quit Wireshark the normal way; cleanup() stops whatever is left.
x key --window "$main" ctrl+q || true
for _ in $(seq 50); do kill -0 "$wireshark_pid" 2>/dev/null || break; sleep 0.1; done
mkdir -p "$out"
rm -f "$out/main-window.png" "$out/expert-info.png"
cp "$stage/shots/main-window.png" "$stage/shots/expert-info.png" "$out/"

# --- 5. check the screenshots --------------------------------------------------------
# Wireshark's default expert colours (error, warning, note, chat).
expert_colours='FF5C5C F7F253 A0FFFF 80B7F7'
check_png() {
  local file=$1 min_width=$2 min_height=$3 what=$4
  [[ -s "$file" ]] || fail "$file is missing or empty"
  read -r width height colours < <(identify -format '%w %h %k\n' "$file")
  (( width >= min_width && height >= min_height )) || fail "$file is ${width}x${height}, expected at least ${min_width}x${min_height}"
  (( colours >= 64 )) || fail "$file has only $colours colours: blank?"
  local histogram expert_pixels=0 colour count
  histogram=$(convert "$file" -format %c histogram:info:-)
  for colour in $expert_colours; do
    count=$(awk -v c="#$colour" '$3 == c {sub(":", "", $1); n += $1} END {print n + 0}' <<<"$histogram")
    expert_pixels=$((expert_pixels + count))
  done
  (( expert_pixels >= 2000 )) || fail "$file shows no expert-coloured rows ($expert_pixels pixels): $what"
  say "$file: ${width}x${height}, $colours colours, $expert_pixels expert-coloured pixels"
}
if grep -q "analysis skipped" "$stage/wireshark.log"; then
  fail "sipadvisor skipped the analysis in the GUI: $(grep -m1 "analysis skipped" "$stage/wireshark.log")"
fi
check_png "$out/main-window.png" 1000 900 "the SIP Advisor subtree is not expanded"
check_png "$out/expert-info.png" 800 400 "Expert Information lists no sipadvisor entry"
say "screenshots in $out: main-window.png expert-info.png"
