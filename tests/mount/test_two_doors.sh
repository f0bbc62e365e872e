#!/usr/bin/env bash
# test_two_doors.sh — one gallery link, two doors (issue 12; docs/policy.md
# "One link, two doors"), through real background mounts:
#   - `link create --client-password-file` with the link's own password
#     refused (and nothing made); one token, two passwords: the guest
#     password mounts the guest view (public sets, no private photo), the
#     client password the client view (client-only sets, private photos);
#   - the guest door never reaches what only the client door shows: by name
#     (the same errno as a name that never was, for every call), in a
#     listing, or by an inode number the client door shows;
#   - a wrong password: refused with the same message whichever password it
#     was meant to be, each recorded once on the link, saying it was tried
#     on both doors;
#   - the client door favourites and marks a photo private as link:DOOR
#     (activity, favourites); the mark hides the photo from the live guest
#     mount (polled, generous deadline); no downloads by default;
#   - `link change`: the guest password as client password refused; a new
#     client password replaces the old (the old one is now wrong, and the
#     live mount opened with it ends within seconds); removing
#     it ends the live client mount and refuses it; setting it again opens
#     the same door (its favourites kept);
#   - revoking the link's grant ends both live mounts and refuses both
#     passwords.
# No timing assertions: every change is polled with a deadline.
source "$(dirname "$0")/lib.sh"

standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
secret_file() { (umask 077 && printf '%s\n' "$2" >"$S/$1") && echo "$S/$1"; }
secret_file pw-g 'the guests password' >/dev/null
secret_file pw-c 'the clients password' >/dev/null
secret_file pw-c2 'a new client password' >/dev/null
secret_file pw-bad 'neither of the two' >/dev/null
WRONG="wrong password for this link"
DEAD="this link has expired or was revoked"
links() { sqlite3 "$CAT" "SELECT count(*) FROM links"; }

# ---- create: the same password twice refused ------------------------------------
before=$(links)
! ctl link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-g" $NP \
    >"$S/same.out" 2>"$S/same.err" || fail "the same password for both doors was accepted"
grep -q "must differ" "$S/same.err" || fail "refusal said: $(cat "$S/same.err")"
[ "$(links)" = "$before" ] && [ ! -s "$S/same.out" ] || fail "a refused link create made a link"
TOKEN2=$(ctl link create "$W" --label Smiths --password-file "$S/pw-g" \
    --client-password-file "$S/pw-c" $NP)
LINK=$(sqlite3 "$CAT" "SELECT link_id FROM link_doors")
DOOR=$(sqlite3 "$CAT" "SELECT client_link_id FROM link_doors")
G_LINK2=$(sqlite3 "$CAT" "SELECT id FROM grants WHERE link_id = $LINK")
[ "$(sqlite3 "$CAT" "SELECT role FROM grants WHERE link_id = $DOOR")" = 3 ] ||
    fail "the client door's grant is not a client's"
[ "$(sqlite3 "$CAT" "SELECT web_downloads || highres FROM grants WHERE link_id = $DOOR")" = 00 ] ||
    fail "the client door downloads by default"
secret_file tok "$TOKEN2" >/dev/null
ok "same password for both doors refused; one token made with two doors (link:$LINK, door link:$DOOR)"

# ---- both doors -----------------------------------------------------------------------
MG=$S/guest MC=$S/client
mount_fs "$MG" --link-file "$S/tok" --password-file "$S/pw-g"
mount_fs "$MC" --link-file "$S/tok" --password-file "$S/pw-c"
g=$MG/$W c=$MC/$W
[ -d "$c/Getting Ready" ] || fail "the client door has no client-only set: $(ls "$c")"
[ -e "$c/Ceremony/IMG_0005.jpg" ] || fail "the client door does not see the private photo"
[ -d "$c/Favourites" ] || fail "the client door has no Favourites/"
[ ! -e "$c/High-res" ] && [ ! -e "$c/Web-size" ] || fail "the client door downloads by default: $(ls "$c")"
[ ! -e "$c/Outtakes" ] || fail "the client door sees the team's set"
[ "$(ls "$g" | tr '\n' ' ')" = "Ceremony Photos READ ME.txt " ] || fail "the guest door lists $(ls "$g" | tr '\n' ' ')"
! ls "$g/Ceremony" | grep -q IMG_0005 || fail "the guest door lists the private photo"
ok "the guest password opens the guest view, the client password the client view"

# The guest door, by name: hidden things answer exactly as names that never were.
for op in stat lstat listdir getxattr listxattr create mkdir unlink rmdir chmod; do
    expect_later "=$g/No Such Set" $op "$g/Getting Ready"
    expect_later "=$g/No Such Set" $op "$g/Outtakes"
    expect_later "=$g/Ceremony/IMG_9999.jpg" $op "$g/Ceremony/IMG_0005.jpg"
    expect_later "=$g/No Such Set/IMG_0003.jpg" $op "$g/Getting Ready/IMG_0003.jpg"
done
expect_later ENOENT stat "$g/Getting Ready"
expect_later ENOENT stat "$g/Ceremony/IMG_0005.jpg"
expect_later ENOENT stat "$g/Favourites"
expect_now
# By inode: no number the guest door shows is one of what only the client sees.
find "$g" -printf '%i\n' | sort -u >"$S/guest.ino"
{ stat -c %i "$c/Getting Ready" "$c/Getting Ready/IMG_0003.jpg" "$c/Ceremony/IMG_0005.jpg"; } |
    sort -u >"$S/client-only.ino"
[ -z "$(comm -12 "$S/guest.ino" "$S/client-only.ino")" ] || fail "the guest door shows a client-only inode"
ok "the guest door: client-only set, team set and private photo answer as names that never were; no shared inode"

# ---- wrong passwords ----------------------------------------------------------------------
wrong_rows() { sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-password-wrong' AND actor = 'link:$LINK'"; }
mount_refused "$S/w1" "$WRONG" --link-file "$S/tok" --password-file "$S/pw-bad"
mount_refused "$S/w2" "$WRONG" --link-file "$S/tok" --password-file "$S/pw-c2"
[ "$(wrong_rows)" = 2 ] || fail "$(wrong_rows) wrong passwords recorded, not 2"
[ "$(sqlite3 "$CAT" "SELECT DISTINCT detail FROM activity WHERE kind = 'link-password-wrong'")" = \
  "link:$LINK, tried on the guest and client doors" ] || fail "wrong passwords recorded as $(sqlite3 "$CAT" "SELECT detail FROM activity WHERE kind = 'link-password-wrong'")"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-password-wrong' AND actor = 'link:$DOOR'")" = 0 ] ||
    fail "a wrong password was recorded on the door (it has no queue of its own)"
ok "wrong passwords: the same refusal, each recorded once on the link with the doors it was tried on"

# ---- what the client door does is the door's ------------------------------------------------
touch "$c/Favourites/Ceremony/IMG_0001.jpg" || fail "the client door cannot favourite"
ctl favourites "$W" >"$S/fav.out"
grep -q "link:$DOOR" "$S/fav.out" || fail "favourites do not name the door: $(cat "$S/fav.out")"
ls "$g/Ceremony" | grep -qx IMG_0006.jpg || fail "the guest does not see IMG_0006 to begin with"
chmod o-r "$c/Ceremony/IMG_0006.jpg" || fail "the client door cannot mark a photo private"
t0=$(now_ms)
wait_for 10 gone "$g/Ceremony/IMG_0006.jpg" || fail "the private photo is still on the live guest mount 10 s later"
took=$(($(now_ms) - t0))
! ls "$g/Ceremony" | grep -qx IMG_0006.jpg || fail "the guest still lists the private photo"
[ -e "$c/Ceremony/IMG_0006.jpg" ] || fail "the client door lost its own private photo"
[ "$(sqlite3 "$CAT" "SELECT private_by FROM photos WHERE name = 'IMG_0006.jpg'")" = "link:$DOOR" ] ||
    fail "the mark is not the door's"
ctl activity "$W" >"$S/act.out"
grep -E "private-marked +link:$DOOR " "$S/act.out" >/dev/null || fail "activity: $(grep private "$S/act.out")"
grep -E "favourite-added +link:$DOOR " "$S/act.out" >/dev/null || fail "activity: $(grep favourite "$S/act.out")"
ok "the client door's favourite and private mark are link:$DOOR's; the guest mount lost the photo ($took ms, polled)"

# ---- link change --------------------------------------------------------------------------------
! ctl link change "link:$LINK" --client-password-file "$S/pw-g" 2>"$S/chg.err" ||
    fail "link change took the guest password as the client's"
grep -q "must differ" "$S/chg.err" || fail "link change said: $(cat "$S/chg.err")"
ctl link change "link:$LINK" --client-password-file "$S/pw-c2" >/dev/null
wait_for 10 gone "$c" || fail "the mount opened with the replaced client password still shows the album 10 s later"
[ -d "$g/Ceremony" ] || fail "replacing the client password closed the guest door"
mount_refused "$S/w3" "$WRONG" --link-file "$S/tok" --password-file "$S/pw-c"
mount_fs "$S/client2" --link-file "$S/tok" --password-file "$S/pw-c2"
[ -d "$S/client2/$W/Getting Ready" ] || fail "the new client password does not open the client door"
umount_fs "$S/client2"
ok "link change: the guest password refused as the client's; a new client password replaces the old and ends what the old one opened"

umount_fs "$MC"
mount_fs "$MC" --link-file "$S/tok" --password-file "$S/pw-c2"
ctl link change "link:$LINK" --no-client-password >/dev/null
wait_for 10 gone "$c" || fail "the client mount still shows the album 10 s after its password was removed"
mount_refused "$S/w4" "$WRONG" --link-file "$S/tok" --password-file "$S/pw-c2"
[ -d "$g/Ceremony" ] || fail "removing the client password closed the guest door"
ctl link change "link:$LINK" --client-password-file "$S/pw-c" >/dev/null
umount_fs "$MC"
mount_fs "$MC" --link-file "$S/tok" --password-file "$S/pw-c"
[ -e "$c/Favourites/Ceremony/IMG_0001.jpg" ] || fail "the reopened door lost its favourites"
ok "removing the client password ends the client mount and refuses it; set again, the same door opens"

# ---- revoking the link closes both doors -------------------------------------------------------
ctl revoke "$G_LINK2" >/dev/null
wait_for 10 gone "$g" || fail "the guest mount still shows the album 10 s after revoke"
wait_for 10 gone "$c" || fail "the client mount still shows the album 10 s after revoke"
mount_refused "$S/w5" "$DEAD" --link-file "$S/tok" --password-file "$S/pw-g"
mount_refused "$S/w6" "$DEAD" --link-file "$S/tok" --password-file "$S/pw-c"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM grants WHERE link_id = $DOOR AND revoked = 0")" = 0 ] ||
    fail "the door's grant is not revoked with the link's"
ok "revoking the link ends both live mounts and refuses both passwords"

finish
