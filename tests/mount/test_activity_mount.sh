#!/usr/bin/env bash
# test_activity_mount.sh — what the owner sees of what people do on their
# mounts that changes nothing in the library (SPEC §6; issue 7, finding 10):
#   - a web-size download and a high-res download through an unlimited
#     grant are each recorded once ("download"), however often they are
#     read, and none is lost at unmount;
#   - a refused chmod and a refused write are recorded ("refused"), and a
#     loop of 200 refusals leaves at most AUDIT_REFUSALS_RECORDED rows;
#   - a client cannot lift the owner's private mark (EPERM; the photo stays
#     hidden from a guest), but lifts their own;
#   - a grant that reaches its expiry is recorded once ("grant-expired"),
#     by the watcher of a live mount, and albumctl adds no second row.
source "$(dirname "$0")/lib.sh"

standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
# The daemon's rate limit of identical refusals (fs/daemon.h).
LIMIT=$(sed -n 's/^#define AUDIT_REFUSALS_RECORDED \([0-9]*\).*/\1/p' "$TESTS_DIR/../fs/daemon.h")
[ -n "$LIMIT" ] || fail "cannot read AUDIT_REFUSALS_RECORDED from fs/daemon.h"
rows() { sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE $1"; }
rows_are() { [ "$(rows "$1")" = "$2" ]; }
rows_at_least() { [ "$(rows "$1")" -ge "$2" ]; }

ctl user add taker@example.com >/dev/null
G_TAKER=$(ctl grant "$W" --user taker@example.com --role client --web on --highres original $NP)
ctl user add brief@example.com >/dev/null
ctl grant "$OTHER" --user brief@example.com --role client $NP >/dev/null # keeps brief mountable
G_BRIEF=$(ctl grant "$W" --user brief@example.com --role client --expires 6s $NP)

MT=$S/taker MI=$S/invited MC=$S/client MG=$S/guest MR=$S/brief
mount_fs "$MR" --user brief@example.com
mount_fs "$MT" --user taker@example.com
mount_fs "$MI" --user invited@example.com
mount_fs "$MC" --user client@example.com
mount_fs "$MG" --link "$TOKEN"

# --- downloads: once per person, photo and view
WEB="actor = 'taker@example.com' AND kind = 'download' AND detail = 'web-size IMG_0001.jpg'"
HIGH="actor = 'taker@example.com' AND kind = 'download' AND detail = 'high-res IMG_0002.jpg'"
for i in 1 2 3; do
    cat "$MT/$W/Ceremony/IMG_0001.jpg" >/dev/null || fail "proof read $i" # browsing
    cat "$MT/$W/Web-size/Ceremony/IMG_0001.jpg" >/dev/null || fail "web-size read $i"
    cat "$MT/$W/High-res/Ceremony/IMG_0002.jpg" >/dev/null || fail "high-res read $i"
done
wait_for 30 rows_are "$WEB" 1 || fail "web-size download recorded $(rows "$WEB") times"
wait_for 30 rows_are "$HIGH" 1 || fail "high-res download recorded $(rows "$HIGH") times"
[ "$(sqlite3 "$CAT" "SELECT grant_id FROM activity WHERE $WEB")" = "$G_TAKER" ] ||
    fail "the download does not name the grant it came through"
# Read again, then at once unmount: the queue is flushed, still one row each.
cat "$MT/$W/Web-size/Ceremony/IMG_0001.jpg" >/dev/null
cat "$MT/$W/High-res/Ceremony/IMG_0006.jpg" >/dev/null
umount_fs "$MT"
rows_are "$WEB" 1 || fail "web-size download recorded $(rows "$WEB") times after four reads"
rows_are "$HIGH" 1 || fail "high-res download recorded $(rows "$HIGH") times after three reads"
rows_are "actor = 'taker@example.com' AND kind = 'download' AND detail = 'high-res IMG_0006.jpg'" 1 ||
    fail "a download just before unmount was lost"
# Browsing (the proofs) is no download.
rows_are "actor = 'taker@example.com' AND kind = 'download' AND photo_id IN (SELECT id FROM photos WHERE name = 'IMG_0001.jpg')" 1 ||
    fail "reading the proof was recorded as a download"
ok "web-size and unlimited high-res downloads recorded once each, none lost at unmount"

# --- refusals, rate-limited
CHMOD="actor = 'invited@example.com' AND kind = 'refused' AND detail = 'chmod: EPERM'"
WRITE="actor = 'invited@example.com' AND kind = 'refused' AND detail = 'write: EROFS'"
f=$MI/$W/Ceremony/IMG_0001.jpg
expect_err EPERM chmod "$f"
expect_err EROFS openw "$f"
wait_for 30 rows_are "$CHMOD" 1 || fail "refused chmod recorded $(rows "$CHMOD") times"
wait_for 30 rows_are "$WRITE" 1 || fail "refused write recorded $(rows "$WRITE") times"
[ "$(sqlite3 "$CAT" "SELECT name FROM photos WHERE id = (SELECT photo_id FROM activity WHERE $CHMOD)")" = IMG_0001.jpg ] ||
    fail "the refusal does not name the photo"
"$PYTHON" -c '
import os, sys
p = sys.argv[1]
for i in range(200):
    for op in (lambda: os.chmod(p, 0o600), lambda: os.close(os.open(p, os.O_WRONLY))):
        try:
            op()
            sys.exit("an operation succeeded")
        except PermissionError:
            pass
        except OSError as e:
            if e.errno != 30: raise
' "$f"
# Past the loop the mount still answers; its queue is written on unmount.
expect_err EPERM chmod "$f"
umount_fs "$MI"
rows_are "$CHMOD" "$LIMIT" || fail "202 refused chmods left $(rows "$CHMOD") rows, not $LIMIT"
rows_are "$WRITE" "$LIMIT" || fail "201 refused writes left $(rows "$WRITE") rows, not $LIMIT"
ok "a refused chmod and a refused write are recorded; 200 more leave $LIMIT rows each"

# --- private marks: the owner's is the owner's to lift
p5=$MC/$W/Ceremony/IMG_0005.jpg
[ "$(stat -c %A "$p5")" = -r--r----- ] || fail "the owner's private photo is not shown private"
if out=$(LC_ALL=C chmod o+r "$p5" 2>&1); then fail "a client lifted the owner's private mark"; fi
[[ "$out" == *"Operation not permitted"* ]] || fail "chmod o+r said: $out"
[ "$(sqlite3 "$CAT" "SELECT is_private || private_by FROM photos WHERE name = 'IMG_0005.jpg'")" = 1owner ] ||
    fail "the owner's mark changed"
expect_err ENOENT stat "$MG/$W/Ceremony/IMG_0005.jpg"
absent_from "$MG/$W/Ceremony" IMG_0005.jpg || fail "the guest sees the owner's private photo"
wait_for 30 rows_are "actor = 'client@example.com' AND kind = 'refused' AND detail = 'chmod: EPERM'" 1 ||
    fail "the refused lift is not recorded"
# Their own mark they lift, and the guest sees the photo again.
p6=$MC/$W/Ceremony/IMG_0006.jpg
chmod o-r "$p6" || fail "client chmod o-r"
wait_for 5 gone "$MG/$W/Ceremony/IMG_0006.jpg" || fail "the guest still sees the client's private photo"
[ "$(sqlite3 "$CAT" "SELECT private_by FROM photos WHERE name = 'IMG_0006.jpg'")" = \
  "user:$(sqlite3 "$CAT" "SELECT id FROM users WHERE email = 'client@example.com'")" ] ||
    fail "the client's mark does not say it is theirs"
chmod o+r "$p6" || fail "the client could not lift their own mark"
wait_for 5 there "$MG/$W/Ceremony/IMG_0006.jpg" || fail "the guest does not see the photo again"
rows_are "actor = 'client@example.com' AND kind IN ('private-marked', 'private-unmarked')" 2 ||
    fail "the client's mark and unmark are not recorded once each"
# The owner may lift the owner's mark (albumctl).
ctl photo private "$W/Ceremony/IMG_0005.jpg" off >/dev/null
wait_for 5 there "$MG/$W/Ceremony/IMG_0005.jpg" || fail "the owner's unhide does not show"
ok "a client cannot lift the owner's private mark (EPERM, still hidden), but lifts their own"

# --- a grant reaching its expiry: one row, by the live mount's watcher
EXPIRED="kind = 'grant-expired' AND grant_id = $G_BRIEF"
wait_for 60 rows_at_least "$EXPIRED" 1 || fail "the expiry of grant $G_BRIEF was not recorded within 60 s"
[[ "$(sqlite3 "$CAT" "SELECT actor || ' ' || detail FROM activity WHERE $EXPIRED")" == \
    "albumfs client brief@example.com, expired 20"* ]] ||
    fail "the expiry says: $(sqlite3 "$CAT" "SELECT actor || ' ' || detail FROM activity WHERE $EXPIRED")"
ctl activity "$W" --kind grant-expired >"$S/expired.txt"
grep -q "brief@example.com" "$S/expired.txt" || fail "albumctl activity does not show the expiry"
sleep 1 # another watcher tick or two
rows_are "$EXPIRED" 1 || fail "the expiry was recorded $(rows "$EXPIRED") times"
rows_are "kind = 'grant-expired'" 1 || fail "grants that did not expire were recorded"
ok "a grant reaching its expiry is recorded once"


# --- a first view while the catalog is busy longer than SQLite waits (10 s):
# it is kept and recorded once the catalog is free, not lost
ctl user add fresh@example.com >/dev/null
ctl grant "$W" --user fresh@example.com --role invited $NP >/dev/null
FIRST="kind = 'album-first-view' AND actor = 'fresh@example.com'"
(echo 'BEGIN IMMEDIATE;'; sleep 14; echo 'COMMIT;') | sqlite3 "$CAT" &
locker=$!
for ((i = 0; i < 50; i++)); do
    sqlite3 "$CAT" 'PRAGMA busy_timeout=0; BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1 || break
    sleep 0.1
done
M=$S/fresh
ALLOW_STDERR="cannot record activity" mount_fs "$M" --user fresh@example.com
ls "$M/$W" >/dev/null || fail "the new person's album does not list"
wait "$locker"
wait_for 30 rows_are "$FIRST" 1 || fail "the first view made while the catalog was busy was lost"
umount_fs "$M"
ok "a first view while the catalog is busy for 14 s is recorded once it is free"

finish
