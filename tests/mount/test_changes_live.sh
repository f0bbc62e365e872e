#!/usr/bin/env bash
# test_changes_live.sh — the owner's changes through albumctl (changes/)
# show on live mounts, and a mount's watcher ends the trash's window:
#   - a photo renamed: a client's mount shows the new name (its proof's
#     name follows) and no longer the old one; a hidden photo renamed shows
#     nothing to the client;
#   - a photo moved to another set, a set renamed, an album renamed;
#   - a photo deleted leaves every mount, restored it comes back;
#   - an empty set deleted leaves the mount;
#   - a photo whose time in the trash ended is purged by a running daemon
#     (activity "purge" by albumfs) and `albumctl verify` passes.
# Each change must show within LIMIT seconds (polled, never slept).
source "$(dirname "$0")/lib.sh"

LIMIT=5
standard_library
MC=$S/client MO=$S/owner
mount_fs "$MC" --user client@example.com
mount_fs "$MO"
C=$MC/$W

listing_complete "$C/Ceremony" 6 # IMG_0005 is private: clients see it too
there "$C/Ceremony/IMG_0006.jpg" || fail "the client sees IMG_0006.jpg"

# --- rename: the new name shows, the old one goes
ctl photo rename "$W/Ceremony/IMG_0006.jpg" Best.jpg >/dev/null
wait_for $LIMIT there "$C/Ceremony/Best.jpg" || fail "renamed photo not shown to the client"
wait_for $LIMIT gone "$C/Ceremony/IMG_0006.jpg" || fail "old name still shown"
wait_for $LIMIT there "$MO/$W/Ceremony/Best.jpg" || fail "renamed photo not shown to the owner"
ok "a renamed photo shows under its new name on live mounts"

# --- a hidden photo renamed: nothing shows to the client
before=$(ls -A "$C")
ctl photo rename "$W/Outtakes/IMG_0004.jpg" Secret.jpg >/dev/null
wait_for $LIMIT there "$MO/$W/Outtakes/Secret.jpg" || fail "owner does not see the rename"
[ "$(ls -A "$C")" = "$before" ] || fail "the client's album changed: $(ls -A "$C")"
expect_err ENOENT stat "$C/Outtakes"
expect_err ENOENT stat "$C/Outtakes/Secret.jpg"
ok "renaming a hidden photo shows nothing to a client"

# --- move, set rename, album rename
ctl photo move "$W/Ceremony/Best.jpg" "$W/Getting Ready" >/dev/null
wait_for $LIMIT there "$C/Getting Ready/Best.jpg" || fail "moved photo not in its new set"
wait_for $LIMIT gone "$C/Ceremony/Best.jpg" || fail "moved photo still in its old set"
ctl set rename "$W" "Getting Ready" Prep >/dev/null
wait_for $LIMIT there "$C/Prep/Best.jpg" || fail "renamed set not shown"
wait_for $LIMIT gone "$C/Getting Ready" || fail "old set name still shown"
ctl album rename "$W" "Smith 2026" >/dev/null
wait_for $LIMIT there "$MC/Smith 2026/Prep/Best.jpg" || fail "renamed album not shown"
wait_for $LIMIT gone "$MC/$W" || fail "old album name still shown"
W="Smith 2026"
C=$MC/$W
ok "moves, set renames and album renames show on live mounts"

# --- delete and restore
ctl photo delete "$W/Prep/Best.jpg" >/dev/null
wait_for $LIMIT gone "$C/Prep/Best.jpg" || fail "deleted photo still shown to the client"
wait_for $LIMIT gone "$MO/$W/Prep/Best.jpg" || fail "deleted photo still shown to the owner"
ctl trash restore "$W/Prep/Best.jpg" >/dev/null
wait_for $LIMIT there "$C/Prep/Best.jpg" || fail "restored photo not shown"
expect_err OK read "$C/Prep/Best.jpg"
ok "a deleted photo leaves live mounts and comes back when restored"

# --- an empty set deleted
ctl set create "$W" Empty --visibility public >/dev/null
wait_for $LIMIT there "$C/Empty" || fail "new set not shown"
ctl set delete "$W" Empty >/dev/null
wait_for $LIMIT gone "$C/Empty" || fail "deleted set still shown"
ok "a deleted set leaves live mounts"

# --- the trash's window ends on a running daemon
umount_fs "$MC"
umount_fs "$MO"
ctl trash window 1h >/dev/null
ctl photo delete "$W/Ceremony/IMG_0007.png" >/dev/null
ctl photo delete "$W/Ceremony/IMG_0001.jpg" >/dev/null
sqlite3 -cmd '.timeout 10000' "$ALBUMFS_LIBRARY/catalog.db" \
    "UPDATE photos SET trashed = trashed - 7200 WHERE name = 'IMG_0007.png'"
purged() {
    [ "$(sqlite3 -cmd '.timeout 10000' "$ALBUMFS_LIBRARY/catalog.db" \
        "SELECT count(*) FROM activity WHERE kind = 'purge' AND actor = 'albumfs'")" = 1 ]
}
ALLOW_STDERR='purged 1 photo whose time in the trash ended' mount_fs "$MO"
wait_for 30 purged || fail "the daemon did not purge the photo whose window ended"
ctl --json trash list >"$S/trash.json"
python3 - "$S/trash.json" <<'PY' || fail "the trash after the window's end"
import json, sys
d = json.load(open(sys.argv[1]))
assert [p["photo"] for p in d["photos"]] == ["IMG_0001.jpg"], d
PY
umount_fs "$MO"
ctl verify >/dev/null || fail "verify after the daemon's purge"
ok "a running daemon purges what the trash's window no longer keeps; verify passes"

finish
