#!/usr/bin/env bash
# test_restore_live.sh — 'albumctl restore --from DEST ALBUM[/SET[/PHOTO]]'
# into the live library while mounts are open (daemons in the background):
# a photo deleted from the catalog and purged from the vault disappears
# from a client's mount, and after the restore the client's mount shows it
# again with the same bytes, without a remount; then the whole album is
# deleted (the client's mount goes empty) and restored: the client sees
# the same tree, every file byte for byte what it was, and the owner's
# mount every original byte for byte the file imported. A refused restore
# (a name not in the snapshot) changes nothing on the mount.
source "$(dirname "$0")/lib.sh"

standard_library
ctl prepare >/dev/null # the views clients browse, rendered ahead
MC=$S/client MO=$S/owner
mount_fs "$MC" --user client@example.com
mount_fs "$MO"
mkdir -p "$S/repo"
ctl backup "$S/repo" >/dev/null # while mounted

# tree_sums DIR: every path under DIR and, for files, the sha256 of what a read gives
tree_sums() { (cd "$1" && find . | sort | while IFS= read -r f; do
    if [ -f "$f" ]; then printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f"; else printf 'dir %s\n' "$f"; fi
done); }
db() { sqlite3 -cmd '.timeout 10000' "$ALBUMFS_LIBRARY/catalog.db" "$@"; }
# purge_blobs: remove from the vault every blob no version names, and from
# the cache every view the catalog no longer records (as a purge does)
purge_blobs() {
    local b
    for b in $(cd "$ALBUMFS_LIBRARY/cache" && find . -mindepth 2 -type f ! -path './tmp/*' -printf '%f\n'); do
        [ "$(db "SELECT count(*) FROM renditions WHERE id = '$b'")" = 0 ] &&
            rm -f "$ALBUMFS_LIBRARY/cache/${b:0:2}/$b"
    done
    for b in $(cd "$ALBUMFS_LIBRARY/vault" && find . -mindepth 2 -type f ! -path './tmp/*' -printf '%f\n'); do
        [ "$(db "SELECT count(*) FROM versions WHERE blob = '$b'")" = 0 ] &&
            [ "$(db "SELECT count(*) FROM settings WHERE key = 'watermark.logo' AND value = '$b'")" = 0 ] &&
            rm -f "$ALBUMFS_LIBRARY/vault/${b:0:2}/$b"
    done
    return 0
}

F=$W/Ceremony/IMG_0006.jpg
sha_before=$(sha256sum <"$MC/$F" | cut -d' ' -f1)
tree_sums "$MC" >"$S/client.before"
for d in "$MC/$W"/*/; do printf '%s\t%s\n' "$(ls -A "$d" | wc -l)" "$(basename "$d")"; done >"$S/counts"

# --- one photo
db "PRAGMA foreign_keys = ON; DELETE FROM photos WHERE name = 'IMG_0006.jpg'"
purge_blobs
wait_for 10 gone "$MC/$F" || fail "the deleted photo still shows on the client's mount"
wait_for 10 gone "$MO/$F" || fail "the deleted photo still shows on the owner's mount"
ctl restore --from "$S/repo" "$W/Ceremony/IMG_0006.jpg" >"$S/out" || fail "restore: $(cat "$S/out")"
grep -q "1 photo added" "$S/out" || fail "restore said: $(cat "$S/out")"
wait_for 30 there "$MC/$F" || fail "the restored photo does not show on the client's mount"
[ "$(sha256sum <"$MC/$F" | cut -d' ' -f1)" = "$sha_before" ] || fail "the client reads other bytes than before"
wait_for 10 there "$MO/$F" || fail "the restored photo does not show on the owner's mount"
cmp "$MO/$F" "$SAMPLES/IMG_0006.jpg" || fail "the restored original differs from the file imported"
ok "a photo deleted and purged while mounted disappears; restored, the client reads the same bytes again, the owner the original"

# --- a refused restore changes nothing
if ctl restore --from "$S/repo" "$W/Ceremony/IMG_0099.jpg" 2>"$S/err"; then fail "a missing photo restored"; fi
grep -q "the snapshot has no photo of that name" "$S/err" || fail "refusal said: $(cat "$S/err")"
listing_complete "$MC/$W/Ceremony" "$(ls -A "$MC/$W/Ceremony" | wc -l)"

# --- the whole album
db "PRAGMA foreign_keys = ON; DELETE FROM albums WHERE name = '$W'"
purge_blobs
wait_for 10 gone "$MC/$W" || fail "the deleted album still shows on the client's mount"
[ -z "$(ls -A "$MC")" ] || fail "the client still sees $(ls "$MC")"
ctl restore --from "$S/repo" "$W" >"$S/out" || fail "restore: $(cat "$S/out")"
grep -q "the album" "$S/out" || fail "restore said: $(cat "$S/out")"
wait_for 10 there "$MC/$W" || fail "the restored album does not show on the client's mount"
while IFS=$'\t' read -r n set; do listing_complete "$MC/$W/$set" "$n"; done <"$S/counts"
tree_sums "$MC" >"$S/client.after"
diff -u "$S/client.before" "$S/client.after" >&2 || fail "the client's mount differs after the album's restore"
for f in IMG_0001.jpg IMG_0002.jpg IMG_0005.jpg IMG_0006.jpg IMG_0007.png; do
    cmp "$MO/$W/Ceremony/$f" "$SAMPLES/$f" || fail "restored $f differs"
done
cmp "$MO/$W/Ceremony/contract.pdf" "$S/contract.pdf" || fail "restored contract.pdf differs"
cmp "$MO/$W/Getting Ready/IMG_0003.jpg" "$SAMPLES/IMG_0003.jpg" || fail "restored IMG_0003 differs"
cmp "$MO/$W/Outtakes/IMG_0004.jpg" "$SAMPLES/IMG_0004.jpg" || fail "restored IMG_0004 differs"
ctl verify >/dev/null || fail "albumctl verify fails after the restores"
ok "an album deleted while mounted comes back: the client's tree and every byte as before, the owner's originals intact"
finish
