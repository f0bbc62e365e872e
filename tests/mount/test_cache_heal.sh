#!/usr/bin/env bash
# test_cache_heal.sh — damaged rendered views heal (issue 14, item 5).
#   - a proof whose cached bytes no longer authenticate: the read that meets
#     the damage fails (EIO), the view is dropped from the cache and made
#     again from the original, and the next reads give the very bytes of
#     before; the damage is logged once, not once per read;
#   - albumctl verify names a damaged cached view, `cache trim` drops it,
#     and verify passes again;
#   - a view that cannot be stored because the disk is full answers ENOSPC
#     (the disk is full), not EIO (damage); albumctl import says which
#     command could not render which photo, and why.
source "$(dirname "$0")/lib.sh"

standard_library
LIB=$ALBUMFS_LIBRARY
# damage ID: flip a byte in the second 64 KiB chunk of cached view ID
damage() {
    local f=$LIB/cache/${1:0:2}/$1 at=$((72 + 65552 + 1000)) byte
    byte=$(od -An -tu1 -j "$at" -N1 "$f" | tr -d ' ')
    printf "\\x$(printf %02x $((byte ^ 0x5a)))" | dd of="$f" bs=1 seek="$at" conv=notrunc status=none
}
# views_of NAME: the ids of the cached views of photo NAME
views_of() {
    sqlite3 "$LIB/catalog.db" "SELECT r.id FROM renditions r JOIN versions v ON v.id = r.version_id
        JOIN photos p ON p.id = v.photo_id WHERE p.name = '$1' AND r.cached = 1"
}
HEAL="rendered view [0-9a-f]+ does not authenticate; dropped from the cache"

M=$S/guest
ALLOW_STDERR=$HEAL mount_fs "$M" --link "$TOKEN"
f=$M/$W/Ceremony/IMG_0001.jpg
cat "$f" >"$S/proof.before"
(($(stat -c %s "$S/proof.before") > 3 * 65536)) || fail "the proof is too small for the test"
umount_fs "$M"
ids=$(views_of IMG_0001.jpg)
[ -n "$ids" ] || fail "no cached view of IMG_0001.jpg"
for id in $ids; do damage "$id"; done

ALLOW_STDERR=$HEAL mount_fs "$M" --link "$TOKEN"
for i in 1 2 3; do ! cat "$f" >/dev/null 2>&1 || true; done # the first meets the damage
for ((i = 0; i < 300; i++)); do
    cat "$f" >"$S/proof.after" 2>/dev/null && break
    sleep 0.1
done
cmp -s "$S/proof.before" "$S/proof.after" || fail "the view made again differs from the one before"
[ "$(grep -cE "$HEAL" "$M.err")" -ge 1 ] || fail "the damage was not logged: $(cat "$M.err")"
[ "$(grep -cE "$HEAL" "$M.err")" -le "$(echo "$ids" | wc -w)" ] ||
    fail "the damage was logged more than once per view: $(cat "$M.err")"
umount_fs "$M"
ok "a damaged cached proof: dropped, made again from the original, the same bytes; logged once"

# --- albumctl verify sees a damaged cached view; cache trim drops it
ids=$(views_of IMG_0001.jpg)
[ -n "$ids" ] || fail "no cached view of IMG_0001.jpg after it was made again"
id=$(echo "$ids" | head -1)
damage "$id"
rc=0
ctl verify >"$S/verify.out" 2>"$S/verify.err" || rc=$?
[ "$rc" = 1 ] || fail "verify of a damaged cache exited $rc"
grep -q "rendered view ${id:0:16}… in cache/ does not authenticate" "$S/verify.err" ||
    fail "verify did not name the damaged view: $(cat "$S/verify.err")"
ctl cache trim >"$S/trim.out" || fail "cache trim failed"
grep -q "dropped damaged view ${id:0:16}" "$S/trim.out" || fail "cache trim: $(cat "$S/trim.out")"
ctl verify >/dev/null 2>"$S/verify.err" || fail "verify after cache trim: $(cat "$S/verify.err")"
ok "verify names a damaged cached view; cache trim drops it; verify passes"

# --- a full disk: the cache on a 256 KiB file system, the views gone
ctl cache --max-size 16M >/dev/null
sqlite3 "$LIB/catalog.db" "UPDATE renditions SET cached = 0"
rm -rf "${LIB:?}/cache"/*
mount -t tmpfs -o size=256k,mode=0700 albumfs-test-full "$LIB/cache" || fail "cannot mount a small tmpfs"
# albumctl says which command could not render which photo, and why
vips copy "$SAMPLES/IMG_0001.jpg" "$S/NEW.jpg[Q=70]" # bytes of its own
rc=0
"$ALBUMCTL" import "$W/Ceremony" "$S/NEW.jpg" >"$S/import.out" 2>"$S/import.err" || rc=$?
[ "$rc" = 0 ] || fail "import exited $rc: $(cat "$S/import.err")"
grep -q "^albumctl: import: cannot render a view of NEW.jpg: cannot store the rendition: No space left on device$" \
    "$S/import.err" || fail "import's render failure said: $(cat "$S/import.err")"
M=$S/buyer
ctl grant "$W" --user client2@example.com --role client --highres original $NP >/dev/null
ALLOW_STDERR="cannot render a view of [0-9a-f]+: cannot store the rendition: No space left on device" \
    mount_fs "$M" --user client2@example.com
expect_err ENOSPC stat "$M/$W/High-res/Ceremony/IMG_0001.jpg"
umount_fs "$M"
umount "$LIB/cache"
ok "a view that cannot be stored on a full disk: ENOSPC"

finish
