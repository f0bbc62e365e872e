#!/usr/bin/env bash
# test_upload_full.sh — a full disk while an editor uploads (SPEC §4, §7;
# issue 8 item 5). The library lives on a small tmpfs; an editor's mount
# (daemon in the background) takes copies until the disk is full. Then:
#   - the copy that did not fit fails with ENOSPC ("No space left on
#     device"), at a write or at close, and leaves no file behind;
#   - the daemon runs on; every photo acknowledged before reads back whole;
#   - once space is freed, the next copy succeeds;
#   - after unmounting, `albumctl verify` passes and uploads/ is empty.
source "$(dirname "$0")/lib.sh"

samples 6
SMALL=$S/small
mkdir -p "$SMALL"
mount -t tmpfs -o size=20m,mode=0700 tmpfs "$SMALL" || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
export ALBUMFS_LIBRARY=$SMALL/lib
ctl init >/dev/null
ctl album create "$W" >/dev/null
ctl set create "$W" Ceremony --visibility public >/dev/null
ctl user add editor@example.com >/dev/null
ctl grant "$W" --user editor@example.com --role editor $NP >/dev/null
head -c 3M /dev/zero >"$SMALL/filler" # given back later

ME=$S/editor
ALLOW_STDERR='did not become a photo: a write to it failed \(No space left on device\)|did not become a photo: .*No space left|cannot render a view|cannot (store|record) the rendition' \
    mount_fs "$ME" --user editor@example.com
e=$ME/$W
: >"$S/acked"
full=""
for ((i = 0; i < 40; i++)); do
    src=$SAMPLES/IMG_000$((i % 6 + 1)).jpg
    f=$(printf 'f-%02d.jpg' "$i")
    # each copy distinct: a comment segment of its own after the JPEG's SOI
    "$PYTHON" -c '
import struct, sys
d = open(sys.argv[1], "rb").read(); t = sys.argv[3].encode()
open(sys.argv[2], "wb").write(d[:2] + b"\xff\xfe" + struct.pack(">H", len(t) + 2) + t + d[2:])' \
        "$src" "$S/$f" "$f"
    if LC_ALL=C cp "$S/$f" "$e/Ceremony/$f" 2>"$S/cp.err"; then
        echo "$f" >>"$S/acked"
    else
        full=$f
        break
    fi
done
[ -n "$full" ] || fail "40 copies fitted on a 20 MiB disk"
grep -q "No space left on device" "$S/cp.err" || fail "the copy that did not fit said: $(cat "$S/cp.err")"
wait_for 10 gone "$e/Ceremony/$full" || fail "$full stayed after ENOSPC"
daemon_alive "$ME" || fail "the daemon died on a full disk"
while read -r f; do
    cmp -s "$e/Ceremony/$f" "$S/$f" || fail "$f, acknowledged, reads otherwise on a full disk"
done <"$S/acked"
ok "$(wc -l <"$S/acked") copies fitted; the next: $(sed 's/^cp: //' "$S/cp.err")"

rm "$SMALL/filler"
cp "$S/$full" "$e/Ceremony/$full" || fail "a copy failed once space was freed"
cmp -s "$e/Ceremony/$full" "$S/$full" || fail "$full reads otherwise"
ok "space freed: the next copy succeeds"
finish
[ -z "$(ls -A "$ALBUMFS_LIBRARY/uploads")" ] || fail "uploads/ keeps $(ls -A "$ALBUMFS_LIBRARY/uploads")"
ctl verify >"$S/verify" 2>&1 || fail "albumctl verify after a full disk: $(cat "$S/verify")"
ok "albumctl verify passes"
