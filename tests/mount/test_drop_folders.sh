#!/usr/bin/env bash
# test_drop_folders.sh — the folders people put photos into, as a file
# manager uses them (docs/clients.md, docs/filesystem.md "Drop folders"):
#   - Private/<Set>/: only where the person may mark private (a client of
#     an album that allows it, the studio; not an invited person, a guest,
#     nor a client once the album stops allowing it); a photo copied there
#     is marked private and a live guest mount loses it; the folder lists
#     the marked photos (the studio's too); deleting one there unmarks it,
#     except a mark the studio made (EPERM); a name no photo has: EACCES;
#   - a move (rename) of a photo from its set into Private/, Favourites/
#     or High-res/ is the same as a copy, and the photo stays in its set
#     (done as root here; a client's own account does it in
#     test_multiuser.sh, and over Samba and WebDAV in
#     test_reexport_actions.sh);
#   - what Finder and Explorer write along (._IMG_0001.jpg, .DS_Store,
#     Thumbs.db, desktop.ini) into a drop folder is accepted, shown to its
#     writer only, never a photo, a favourite or a mark, and deleted again;
#   - statfs: the same constant free space on every mount, unmoved by an
#     import into a set hidden from a guest;
#   - the reserved name: no set may be called "Private"; a set that had the
#     name before stands in the folder's place.
source "$(dirname "$0")/lib.sh"

standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
ctl user add buyer@example.com >/dev/null
ctl grant "$W" --user buyer@example.com --role client --highres original --limit 3 $NP >/dev/null

MC=$S/client MI=$S/invited MG=$S/guest MO=$S/owner MB=$S/buyer
mount_fs "$MC" --user client@example.com
mount_fs "$MI" --user invited@example.com
mount_fs "$MG" --link "$TOKEN"
mount_fs "$MO"
mount_fs "$MB" --user buyer@example.com
a=$MC/$W pv=$MC/$W/Private/Ceremony
listing_complete "$MG/$W/Ceremony" 5

# --- who has Private/
[ -d "$pv" ] || fail "a client has no Private/Ceremony: $(ls "$a")"
[ -d "$MO/$W/Private/Outtakes" ] || fail "the owner has no Private/Outtakes"
expect_err ENOENT stat "$MI/$W/Private"
expect_err ENOENT stat "$MG/$W/Private"
[ "$(stat -c %a "$pv")" = 755 ] || fail "Private/Ceremony is $(stat -c %a "$pv"), not 755"
# the studio's own mark (IMG_0005, standard_library) is listed once its
# proof is rendered; nothing else
wait_for 30 listed_in "$pv" IMG_0005.jpg || fail "Private/Ceremony does not list IMG_0005"
[ "$(ls "$pv" | tr '\n' ' ')" = "IMG_0005.jpg " ] || fail "Private/Ceremony lists: $(ls "$pv")"
ok "Private/<Set>/ is there for a client and the studio only, listing the marked photos"

# --- copy in: marked, a live guest loses it; delete: unmarked
gg=$MG/$W/Ceremony/IMG_0006.jpg
cat "$gg" >/dev/null || fail "the guest cannot read IMG_0006"
cp "$a/Ceremony/IMG_0006.jpg" "$pv/" || fail "cp into Private/Ceremony"
[ "$(sqlite3 "$CAT" "SELECT is_private FROM photos WHERE name = 'IMG_0006.jpg'")" = 1 ] ||
    fail "the copy did not mark IMG_0006 private"
wait_for 10 gone "$gg" || fail "the guest still sees IMG_0006 after it was dropped into Private/"
wait_for 10 absent_from "$MG/$W/Ceremony" IMG_0006.jpg || fail "the guest still lists IMG_0006"
listed_in "$pv" IMG_0006.jpg || fail "Private/Ceremony does not list IMG_0006: $(ls "$pv")"
[ "$(stat -c %A "$a/Ceremony/IMG_0006.jpg")" = -r--r----- ] || fail "the mode does not say private"
rm "$pv/IMG_0006.jpg" || fail "rm in Private/Ceremony"
[ "$(sqlite3 "$CAT" "SELECT is_private FROM photos WHERE name = 'IMG_0006.jpg'")" = 0 ] ||
    fail "rm in Private/ did not unmark IMG_0006"
wait_for 10 there "$gg" || fail "the guest did not get IMG_0006 back"
[ -e "$a/Ceremony/IMG_0006.jpg" ] || fail "rm in Private/ removed the photo"
# chmod still works, and shows in Private/
chmod o-r "$a/Ceremony/IMG_0002.jpg" || fail "chmod o-r"
listed_in "$pv" IMG_0002.jpg || fail "a chmod o-r mark is not in Private/"
chmod o+r "$a/Ceremony/IMG_0002.jpg" || fail "chmod o+r"
absent_from "$pv" IMG_0002.jpg || fail "a chmod o+r unmark still in Private/"
ok "a photo copied into Private/ is hidden from a live guest; deleted there, it is back"

# --- bad inputs
expect_err EPERM unlink "$pv/IMG_0005.jpg"      # the studio's mark is not the client's
[ "$(sqlite3 "$CAT" "SELECT is_private FROM photos WHERE name = 'IMG_0005.jpg'")" = 1 ] ||
    fail "a client took off the studio's mark"
expect_err EACCES create "$pv/NO_SUCH.jpg"
expect_err EACCES create "$pv/IMG_0004.jpg"     # a team-only photo's name: as never used
expect_err ENOENT stat "$MC/$W/Private/Outtakes" # a set hidden from the client
expect_err ENOENT create "$MC/$W/Private/Outtakes/IMG_0004.jpg"
expect_err EROFS mkdir "$pv/sub"
expect_err EROFS create "$MC/$W/Private/new.jpg"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM photos WHERE is_private = 1")" = 1 ] ||
    fail "a refused put changed a mark"
ok "Private/: the studio's mark EPERM, unknown and hidden names EACCES/ENOENT, no folders"

# --- a move is a copy: the photo stays in its set
mv "$a/Ceremony/IMG_0001.jpg" "$pv/" || fail "mv into Private/Ceremony"
[ "$(sqlite3 "$CAT" "SELECT is_private FROM photos WHERE name = 'IMG_0001.jpg' AND set_id = (SELECT id FROM sets WHERE name = 'Ceremony')")" = 1 ] ||
    fail "mv into Private/ did not mark"
wait_for 5 there "$a/Ceremony/IMG_0001.jpg" || fail "the moved photo left its set"
rm "$pv/IMG_0001.jpg"
mv "$a/Ceremony/IMG_0002.jpg" "$a/Favourites/Ceremony/" || fail "mv into Favourites/Ceremony"
ctl favourites "$W" --person client@example.com | grep -q IMG_0002.jpg || fail "mv did not favourite"
wait_for 5 there "$a/Ceremony/IMG_0002.jpg" || fail "the favourited photo left its set"
mv "$MB/$W/Ceremony/IMG_0002.jpg" "$MB/$W/High-res/Ceremony/" || fail "mv into High-res/Ceremony"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM pool_charges")" = 1 ] || fail "mv into High-res/ did not take"
wait_for 5 there "$MB/$W/High-res/Ceremony/IMG_0002.jpg" || fail "the taken photo is not in High-res/"
expect_err EPERM rename "$a/Ceremony" "$MC/$W/Private/Ceremony/x"
ok "a move into Private/, Favourites/ or High-res/ acts as a copy; the photo stays"

# --- junk written along with a copy
for d in "$pv" "$a/Favourites/Ceremony" "$MB/$W/High-res/Ceremony"; do
    who=$([[ $d == "$MB"* ]] && echo "$MB" || echo "$MC")
    for j in ._IMG_0006.jpg .DS_Store Thumbs.db desktop.ini; do
        printf 'junk' >"$d/$j" || fail "writing $j into $d"
        [ "$(cat "$d/$j")" = junk ] || fail "$j in $d does not read back"
    done
    listed_in "$d" ._IMG_0006.jpg || fail "the writer does not see its junk in $d"
    touch "$d/.DS_Store" && chmod 644 "$d/.DS_Store" || fail "touch/chmod of junk in $d"
    for j in ._IMG_0006.jpg .DS_Store Thumbs.db desktop.ini; do rm "$d/$j" || fail "rm $j in $d"; done
    absent_from "$d" .DS_Store || fail "deleted junk still listed in $d"
done
printf 'junk' >"$pv/._IMG_0006.jpg"
absent_from "$MO/$W/Private/Ceremony" ._IMG_0006.jpg || fail "the owner sees the client's junk"
absent_from "$a/Ceremony" ._IMG_0006.jpg || fail "junk from Private/ shows in the set"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM photos WHERE is_private = 1")" = 1 ] || fail "junk marked a photo"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM photos")" = 9 ] || fail "junk became a photo"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM pool_charges")" = 1 ] || fail "junk took a photo"
! ctl favourites "$W" --person client@example.com | grep -q "IMG_0006\|DS_Store" || fail "junk favourited"
# Finder's copy to a temporary name, then the rename onto the photo's name
printf 'x' >"$a/Favourites/Ceremony/._IMG_0006.jpg"
mv "$a/Favourites/Ceremony/._IMG_0006.jpg" "$a/Favourites/Ceremony/IMG_0006.jpg" ||
    fail "renaming junk onto a photo's name in Favourites/"
ctl favourites "$W" --person client@example.com | grep -q IMG_0006.jpg || fail "the rename did not favourite"
absent_from "$a/Favourites/Ceremony" ._IMG_0006.jpg || fail "the renamed junk is still there"
ok "junk written into drop folders is accepted, the writer's only, never a photo or an action"

# --- free space: the same constant for everyone, before and after an import
# into a set the guest cannot see (Explorer and Finder check it before a copy)
free_of() { stat -f -c '%a %b %f' "$1"; }
want=$(free_of "$MC")
[ "${want%% *}" -gt 0 ] || fail "the mount reports no free space: $want"
ctl import "$W/Outtakes" "$SAMPLES/IMG_0003.jpg" $NP >/dev/null
for m in "$MC" "$MG" "$MO" "$MI"; do
    [ "$(free_of "$m")" = "$want" ] || fail "$m reports $(free_of "$m"), not $want"
done
ok "statfs: the same free space for everyone, unmoved by an import"

# --- the album stops allowing marks: no Private/ for clients
ctl album private-marks "$W" off >/dev/null
wait_for 10 gone "$MC/$W/Private" || fail "Private/ stays after private-marks off"
[ -d "$MO/$W/Private/Ceremony" ] || fail "the owner lost Private/"
ctl album private-marks "$W" on >/dev/null
wait_for 10 there "$pv" || fail "Private/ did not come back"

# --- the reserved name
out=$(ctl set create "$W" private 2>&1) && fail "a set named private was made"
grep -q "reserved" <<<"$out" || fail "set create private: $out"
expect_err EINVAL mkdir "$MO/$W/PRIVATE"
sqlite3 "$CAT" "UPDATE sets SET name = 'Private' WHERE name = 'Getting Ready'"
wait_for 10 there "$a/Private/IMG_0003.jpg" || fail "the set named Private does not stand in the folder's place"
[ "$(ls "$a" | grep -c '^Private$')" = 1 ] || fail "two entries named Private: $(ls "$a")"
expect_err ENOENT stat "$MI/$W/Private/Ceremony"
# The same for every album folder: the empty public set Photos named
# Favourites before the name was reserved hides the client's Favourites/.
sqlite3 "$CAT" "UPDATE sets SET name = 'Favourites' WHERE name = 'Photos'"
wait_for 10 gone "$a/Favourites/Ceremony" || fail "Favourites/ still shown beside a set of that name"
[ "$(ls "$a" | grep -c '^Favourites$')" = 1 ] || fail "two entries named Favourites: $(ls "$a")"
[ -z "$(ls -A "$a/Favourites")" ] || fail "the set Favourites lists $(ls "$a/Favourites")"
ok "reserved names: a set that had one stands in its folder's place, one entry per name"

finish
