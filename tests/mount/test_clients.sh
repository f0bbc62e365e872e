#!/usr/bin/env bash
# test_clients.sh — clients at work, through real mounts (SPEC §3, §4, §6):
#   - browsing charges nothing: a thumbnailer reading every file of every
#     folder, High-res/ included, leaves the allowance untouched;
#   - taking a high-res photo with cp, ln or touch charges once; taking it
#     again is free; deleting does not refund (EPERM); an empty pool gives
#     EDQUOT and nothing else changes;
#   - twenty processes on two mounts race for the last five units of a
#     shared pool: exactly five photos are charged and served;
#   - favourites: added by cp/ln/touch into Favourites/<Set>/, removed by rm,
#     listed there; not offered to a guest; refused through an expired grant;
#   - private marks: chmod o-r by the client hides the photo from an invited
#     person's and a guest's live mounts at once (an open file fails too);
#     invited people and clients of an album that does not allow it: EPERM;
#   - allowances and favourites survive a daemon restart; the activity log
#     records first views, downloads, favourites and private marks.
source "$(dirname "$0")/lib.sh"

LIMIT_MS=1500
standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
charges() { sqlite3 "$CAT" "SELECT count(*) FROM pool_charges"; }

# A set of 25 small photos for the race (small: their views render fast).
mkdir -p "$S/crowd"
for i in $(seq -w 1 25); do
    vips black "$S/crowd/R$i.jpg" 320 200 --bands 3 >/dev/null
    vips linear "$S/crowd/R$i.jpg" "$S/crowd/P$i.jpg" 1 "$((10#$i * 9))" >/dev/null
    rm "$S/crowd/R$i.jpg"
done
ctl set create "$W" Crowd --visibility public >/dev/null
ctl import "$W/Crowd" "$S/crowd" $NP >/dev/null

for p in buyer partner; do ctl user add "$p@example.com" >/dev/null; done
ctl grant "$W" --user buyer@example.com --role client --highres original --limit 8 \
    --pool couple $NP >/dev/null
ctl grant "$W" --user partner@example.com --role client --highres original --pool couple \
    --limit 8 $NP >/dev/null

MB=$S/buyer MP=$S/partner MI=$S/invited MG=$S/guest
mount_fs "$MB" --user buyer@example.com
mount_fs "$MP" --user partner@example.com
mount_fs "$MI" --user invited@example.com
mount_fs "$MG" --link "$TOKEN"
a=$MB/$W

# --- browsing never charges
[ -d "$a/High-res/Ceremony" ] || fail "no High-res/Ceremony for a client with a pool"
[ -z "$(ls -A "$a/High-res/Ceremony")" ] || fail "High-res lists untaken photos: $(ls "$a/High-res/Ceremony")"
find "$a" -type f -print0 | xargs -0 -r -n1 -P4 sh -c 'cat "$1" >/dev/null' _
find "$a/Ceremony" -type f -name '*.jpg' -print0 |
    xargs -0 -r -n1 -P2 sh -c 'vipsthumbnail "$1" -s 128 -o "'"$S"'/thumb-%s.jpg"' _
ls -lR "$a" >/dev/null
[ "$(charges)" = 0 ] || fail "browsing charged $(charges) downloads"
ok "reading every file, thumbnailing and ls -lR charge nothing"

# --- taking: cp, ln, touch; again free; no refund
cp "$a/Ceremony/IMG_0001.jpg" "$a/High-res/Ceremony/" || fail "cp into High-res failed"
ln "$a/Ceremony/IMG_0002.jpg" "$a/High-res/Ceremony/" || fail "ln into High-res failed"
touch "$a/High-res/Ceremony/IMG_0006.jpg" || fail "touch in High-res failed"
[ "$(charges)" = 3 ] || fail "three takes charged $(charges)"
touch "$a/High-res/Ceremony/IMG_0001.jpg" || fail "taking again failed"
cp "$a/Ceremony/IMG_0001.jpg" "$a/High-res/Ceremony/" || fail "copying again failed"
[ "$(charges)" = 3 ] || fail "taking again charged: $(charges)"
[ "$(ls "$a/High-res/Ceremony" | tr '\n' ' ')" = "IMG_0001.jpg IMG_0002.jpg IMG_0006.jpg " ] ||
    fail "High-res lists $(ls "$a/High-res/Ceremony")"
f=$a/High-res/Ceremony/IMG_0001.jpg
[ "$(stat -c %s "$f")" = "$(cat "$f" | wc -c)" ] || fail "taken file size is not its bytes"
[ "$(vipsheader -f width "$f")x$(vipsheader -f height "$f")" = \
  "$(vipsheader -f width "$SAMPLES/IMG_0001.jpg")x$(vipsheader -f height "$SAMPLES/IMG_0001.jpg")" ] ||
    fail "high-res is not full size"
[ -z "$(exiftool -q -q -gps:all "$f")" ] || fail "high-res keeps GPS by default"
expect_err EPERM unlink "$f"
[ "$(charges)" = 3 ] || fail "rm refunded"
# the partner shares the pool: what the buyer took is there for them, free
[ "$(ls "$MP/$W/High-res/Ceremony" | wc -l)" = 3 ] || fail "partner does not see the shared takes"
# a name that is no photo, and a hidden photo, cannot be taken
expect_err EACCES create "$a/High-res/Ceremony/nothing.jpg"
expect_err ENOENT stat "$a/High-res/Outtakes"
ok "cp, ln and touch take once; again is free; rm does not refund; the pool is shared"

# --- the race for the last five units: 20 takers on two mounts
sqlite3 "$CAT" "UPDATE pools SET max_photos = (SELECT count(*) FROM pool_charges) + 5 WHERE name = 'couple'"
ls "$a/Crowd" >/dev/null
racers=()
for i in $(seq -w 1 20); do
    m=$MB
    ((10#$i % 2)) && m=$MP
    (touch "$m/$W/High-res/Crowd/P$i.jpg" 2>"$S/race-$i.err" && echo won >"$S/race-$i.out") &
    racers+=($!)
done
for r in "${racers[@]}"; do wait "$r" || true; done # not a bare wait: the daemons are jobs too
won=$(cat "$S"/race-*.out 2>/dev/null | wc -l)
quota=$(grep -l "Disk quota exceeded" "$S"/race-*.err | wc -l)
[ "$won" = 5 ] || fail "$won takers won the last five units"
[ "$quota" = 15 ] || fail "$quota takers got EDQUOT, not 15: $(cat "$S"/race-*.err | sort | uniq -c)"
[ "$(charges)" = 8 ] || fail "the pool holds $(charges) charges, not 8"
for o in "$S"/race-*.out; do
    i=${o##*race-}; i=${i%.out}
    g=$a/High-res/Crowd/P$i.jpg
    [ "$(stat -c %s "$g")" = "$(cat "$g" | wc -c)" ] && vipsheader "$g" >/dev/null ||
        fail "a winner's photo P$i is not served whole"
done
expect_err EDQUOT create "$a/High-res/Ceremony/IMG_0007.png.jpg"
cat "$a/Ceremony/IMG_0001.jpg" >/dev/null || fail "an empty pool broke browsing"
ok "20 racers for the last 5 units: exactly 5 charged and served, 15 EDQUOT"

# --- favourites
fav=$a/Favourites/Ceremony
cp "$a/Ceremony/IMG_0001.jpg" "$fav/" || fail "cp into Favourites"
ln "$a/Ceremony/IMG_0002.jpg" "$fav/" || fail "ln into Favourites"
touch "$fav/IMG_0006.jpg" || fail "touch in Favourites"
[ "$(ls "$fav" | tr '\n' ' ')" = "IMG_0001.jpg IMG_0002.jpg IMG_0006.jpg " ] || fail "Favourites lists $(ls "$fav")"
[ "$(getfattr --only-values -n user.albumfs.favourite "$a/Ceremony/IMG_0002.jpg")" = 1 ] ||
    fail "xattr favourite not 1"
rm "$fav/IMG_0002.jpg" || fail "rm in Favourites"
[ "$(ls "$fav" | tr '\n' ' ')" = "IMG_0001.jpg IMG_0006.jpg " ] || fail "after rm, Favourites lists $(ls "$fav")"
[ -e "$a/Ceremony/IMG_0002.jpg" ] || fail "rm of a favourite removed the photo"
expect_err ENOENT stat "$MG/$W/Favourites"
ok "favourites: cp, ln, touch add; rm removes; a guest has none"

# --- private marks: at once on live mounts
ig=$MI/$W/Ceremony/IMG_0006.jpg gg=$MG/$W/Ceremony/IMG_0006.jpg
cat "$ig" "$gg" >/dev/null
exec 3<"$gg"
dd bs=4096 count=1 <&3 >/dev/null 2>&1 || fail "guest cannot read IMG_0006"
chmod o-r "$a/Ceremony/IMG_0006.jpg" || fail "client chmod o-r"
t=$(now_ms)
wait_for 3 bash -c "! stat '$ig' 2>/dev/null && ! stat '$gg' 2>/dev/null" || fail "still visible"
(($(now_ms) - t <= LIMIT_MS)) || fail "private mark took $(($(now_ms) - t)) ms to show"
! ls "$MI/$W/Ceremony" | grep -qx IMG_0006.jpg || fail "invited still lists it"
# the file held open serves nothing more within the same limit: an error,
# or no bytes (its cached pages are dropped on the guest's next watcher tick)
open_file_dead() {
    ! dd bs=4096 count=1 <&3 >"$S/dd.out" 2>/dev/null || [ ! -s "$S/dd.out" ]
}
wait_for 1.5 open_file_dead || fail "guest's open file still reads"
exec 3<&-
[ "$(stat -c %A "$a/Ceremony/IMG_0006.jpg")" = -r--r----- ] || fail "client's mode of a private photo"
expect_err EPERM chmod "$MI/$W/Ceremony/IMG_0001.jpg" 0440
expect_err EPERM chmod "$a/Ceremony/IMG_0001.jpg" 0600
chmod o+r "$a/Ceremony/IMG_0006.jpg" || fail "client chmod o+r"
wait_for 3 stat "$ig" || fail "unmarked photo did not come back for invited"
ctl album private-marks "$W" off >/dev/null
wait_for 3 bash -c "! chmod o-r '$a/Ceremony/IMG_0001.jpg' 2>/dev/null" ||
    fail "client could mark private where the album does not allow it"
ctl album private-marks "$W" on >/dev/null
ok "private marks hide at once from invited and guest; EPERM without the right"

# --- favouriting through an expired grant
ctl user add brief@example.com >/dev/null
ctl grant "$W" --user brief@example.com --role client --expires 3s $NP >/dev/null
MR=$S/brief
mount_fs "$MR" --user brief@example.com
[ -d "$MR/$W/Favourites/Ceremony" ] || fail "brief has no Favourites"
sleep 3.5
! touch "$MR/$W/Favourites/Ceremony/IMG_0001.jpg" 2>/dev/null || fail "favourited through an expired grant"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM favourites f JOIN users u ON u.id = f.user_id WHERE u.email = 'brief@example.com'")" = 0 ] ||
    fail "an expired grant recorded a favourite"
umount_fs "$MR"
ok "an expired grant cannot favourite"

# --- restart: allowances and favourites survive
umount_fs "$MB"
mount_fs "$MB" --user buyer@example.com
[ "$(ls "$a/High-res/Ceremony" | wc -l)" = 3 ] || fail "takes lost on restart"
[ "$(ls "$a/Favourites/Ceremony" | tr '\n' ' ')" = "IMG_0001.jpg IMG_0006.jpg " ] || fail "favourites lost on restart"
ok "allowances and favourites survive a daemon restart"

# --- the activity log
for kind in album-first-view download favourite-added favourite-removed private-marked \
    private-unmarked allowance-used-up; do
    [ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = '$kind'")" -gt 0 ] ||
        fail "no '$kind' in the activity"
done
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'download'")" = 8 ] ||
    fail "downloads recorded: $(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'download'")"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'album-first-view' AND actor = 'buyer@example.com'")" = 1 ] ||
    fail "first view recorded more than once"
ok "activity records first views, downloads, favourites, private marks, used-up allowances"

# --- repeated wrong link passwords: refused, slowed, and the owner is told once
ctl notify settings --owner owner@example.com --command "$TESTS_DIR/cli/maildir-deliver.sh $S/mail" >/dev/null
TOKEN_PW=$(printf 'a good password\n' >"$S/pw" && ctl link create "$W" --password-file "$S/pw" $NP)
printf 'not the password\n' >"$S/badpw"
for i in 1 2 3 4 5 6; do
    mount_refused "$S/wrongpw$i" "wrong password for this link" --link "$TOKEN_PW" --password-file "$S/badpw" >/dev/null
done
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-password-wrong'")" = 6 ] ||
    fail "wrong passwords not all logged"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM outbox WHERE message LIKE '%wrong password%'")" = 1 ] ||
    fail "the owner was not told exactly once: $(sqlite3 "$CAT" "SELECT kind, recipient FROM outbox")"
ok "repeated wrong link passwords: refused, logged, slowed, the owner told once"

finish
