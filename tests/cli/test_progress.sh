#!/usr/bin/env bash
# test_progress.sh — progress on a terminal (a real pty, util-linux's
# script(1), 40 columns): every redraw of the import progress line and of
# the backup meter fits the width (a wider line would wrap, and \r would
# redraw only its last part), the bar never goes back, and the line is
# erased at the end; off a terminal nothing of it is written.
source "$(dirname "$0")/lib.sh"

command -v script >/dev/null || { echo "SKIP: no script(1)"; exit 77; }
expect 0 init
expect 0 album create A
expect 0 set create A S --visibility public
mkdir -p "$S/in"
long=$(printf 'a-very-long-file-name-from-a-camera-card-%.0s' 1 2)
for i in 1 2 3 4 5 6; do img "$S/in/${long}${i}.jpg" 64 48; done

# on_tty CMD...: run albumctl CMD in a 40-column pty; its terminal output in $S/tty
on_tty() {
    script -q -e -c "stty cols 40 rows 24; $(printf '%q ' "$ALBUMCTL" "$@")" /dev/null >"$S/tty" 2>&1
}
# redraws: each piece of the terminal output between \r and \n, escapes removed
redraws() { tr '\r' '\n' <"$S/tty" | sed 's/\x1b\[K//g'; }

on_tty import A/S "$S"/in/*.jpg --no-prepare || fail "import on a tty: $(cat "$S/tty")"
redraws | grep -q '^\[#*\.*\] [0-9]*/6 ' || fail "no progress line was drawn: $(cat -v "$S/tty")"
too_wide=$(redraws | awk 'length($0) > 39' | grep '^\[' || true)
[ -z "$too_wide" ] || fail "progress lines wider than the terminal: $too_wide"
ok "import: each progress line fits 40 columns"

mkdir "$S/repo"
on_tty backup "$S/repo" || fail "backup on a tty: $(cat "$S/tty")"
redraws | grep '^\[[#.]*\] ' >"$S/meter" || fail "no meter was drawn: $(cat -v "$S/tty")"
too_wide=$(awk 'length($0) > 39' "$S/meter")
[ -z "$too_wide" ] || fail "meter lines wider than the terminal: $too_wide"
prev=-1
while read -r l; do
    bar=${l%%]*}
    n=$(tr -cd '#' <<<"$bar" | wc -c)
    [ "$n" -ge "$prev" ] || fail "the meter went back: $(cat "$S/meter")"
    prev=$n
done <"$S/meter"
ok "backup: the meter fits 40 columns and never goes back"

expect 0 import A/S "$S"/in/*.jpg --no-prepare
[ -z "$(grep -F '[#' "$ERR" || true)" ] || fail "progress written off a terminal: $(cat "$ERR")"
ok "off a terminal: no progress written"
