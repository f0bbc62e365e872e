#!/usr/bin/env bash
# test_backup.sh — SPEC §7 "Restore is tested end to end (backup, destroy,
# restore, compare every photo byte for byte)": the standard library is
# backed up, deleted, restored from the repository and the key file kept
# elsewhere, and mounted: every original and the document read through the
# mount are byte for byte the files that were imported, and a client's
# mount shows what it showed before. The backup is taken while mounted.
source "$(dirname "$0")/lib.sh"

standard_library
cp "$ALBUMFS_LIBRARY/key" "$S/safe.key"
# views rendered ahead (renditions are not backed up), so listings are complete
ctl prepare >/dev/null
M=$S/client
mount_fs "$M" --user client@example.com
(cd "$M" && find . | sort) >"$S/client.before"
mkdir -p "$S/repo"
ctl backup "$S/repo" >/dev/null # while the library is mounted
umount_fs "$M"

rm -rf "$ALBUMFS_LIBRARY"
ctl restore --from "$S/repo" --to "$S/restored" --key-file "$S/safe.key" >/dev/null
export ALBUMFS_LIBRARY=$S/restored

M=$S/owner
mount_fs "$M"
for f in IMG_0001.jpg IMG_0002.jpg IMG_0005.jpg IMG_0006.jpg IMG_0007.png; do
    cmp "$M/$W/Ceremony/$f" "$SAMPLES/$f" || fail "restored $f differs"
done
cmp "$M/$W/Ceremony/contract.pdf" "$S/contract.pdf" || fail "restored contract.pdf differs"
cmp "$M/$W/Getting Ready/IMG_0003.jpg" "$SAMPLES/IMG_0003.jpg" || fail "restored IMG_0003 differs"
cmp "$M/$W/Outtakes/IMG_0004.jpg" "$SAMPLES/IMG_0004.jpg" || fail "restored IMG_0004 differs"
cmp "$M/$OTHER/Studio/IMG_0001.jpg" "$SAMPLES/IMG_0001.jpg" || fail "restored $OTHER differs"
umount_fs "$M"
ok "every original and the document read back byte for byte through a mount of the restored library"

ctl prepare >/dev/null
M=$S/client
mount_fs "$M" --user client@example.com
(cd "$M" && find . | sort) >"$S/client.after"
diff -u "$S/client.before" "$S/client.after" >&2 || fail "the client sees something else after the restore"
umount_fs "$M"
ok "the client's mount shows the same tree after the restore (grants, private marks)"
finish
