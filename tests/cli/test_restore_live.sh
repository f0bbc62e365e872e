#!/usr/bin/env bash
# test_restore_live.sh — 'albumctl restore --from DEST ALBUM[/SET[/PHOTO]]':
# a photo, a set and a whole album deleted from the live library (with
# SQL, and their blobs removed from the vault, as a purge does) come back
# from a snapshot byte for byte with the rows that belong to them: versions,
# favourites and private marks of people still here (mapped by e-mail when
# their ids changed), and for a whole album its trash, links, pools and
# charges, grants (same ids) and milestones. A photo whose name is taken
# gets the versions it lacks; --as restores it beside; ids taken meanwhile
# get new ones. Recorded as 'restored-from-backup'; 'albumctl verify'
# passes after each. Bad input: names not in the snapshot, a set of an
# album not in the library, an unknown snapshot, another library's
# repository, a damaged or missing blob (library unchanged), bad options;
# a restore killed before its transaction leaves only leftover blobs that
# the next run uses.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
R=$S/repo
mkdir -p "$S/in" "$R"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 set create "$W" Outtakes --visibility team
for i in 1 2 3 4 5; do img "$S/in/IMG_$i.jpg" 320 240; done
expect 0 import "$W/Ceremony" "$S/in"/IMG_1.jpg "$S/in"/IMG_2.jpg "$S/in"/IMG_3.jpg --no-prepare
expect 0 import "$W/Outtakes" "$S/in"/IMG_4.jpg "$S/in"/IMG_5.jpg --no-prepare
mkdir -p "$S/in/v2" "$S/in/new" "$S/in/x"
img "$S/in/v2/IMG_1.jpg" 320 240
expect 0 import "$W/Ceremony" "$S/in/v2/IMG_1.jpg" --no-prepare # a second version of IMG_1
expect 0 album create Other
expect 0 set create Other Studio
img "$S/in/O_1.jpg" 200 100
expect 0 import Other/Studio "$S/in/O_1.jpg" --no-prepare
for p in alice bob; do expect 0 user add "$p@example.com"; done
expect 0 team add studio
expect 0 grant "$W" --user alice@example.com --role client --highres original --no-prepare
g_alice=$(cat "$OUT")
expect 0 grant "$W" --user bob@example.com --role client --no-prepare
expect 0 grant "$W" --team studio --role editor --no-prepare
g_team=$(cat "$OUT")
expect 0 --json link create "$W" --no-prepare
token=$(py 'd["token"]')
g_link=$(py 'd["grant_id"]')
expect 0 pool add "$W" couple --limit 5
expect 0 pool join "$W" couple "$g_alice"
expect 0 album private-marks "$W" on
alice=$(db "SELECT id FROM users WHERE email = 'alice@example.com'")
pid() { db "SELECT p.id FROM photos p JOIN sets s ON s.id = p.set_id WHERE s.name = '$1' AND p.name = '$2' AND p.trashed = 0"; }
db "INSERT INTO favourites(user_id, photo_id, created) VALUES ($alice, $(pid Ceremony IMG_1.jpg), 1796000000);
    INSERT INTO favourites(user_id, photo_id, created) SELECT id, $(pid Ceremony IMG_2.jpg), 1796000001 FROM users WHERE email = 'bob@example.com';
    INSERT INTO favourites(user_id, photo_id, created) VALUES ($alice, $(pid Outtakes IMG_4.jpg), 1796000002);
    UPDATE photos SET is_private = 1, private_by = 'user:$alice' WHERE id = $(pid Ceremony IMG_3.jpg);
    INSERT INTO pool_charges(pool_id, photo_id, grant_id, at) SELECT id, $(pid Ceremony IMG_1.jpg), $g_alice, 1796000003 FROM pools;
    INSERT INTO milestones(person, album_id, kind, at) SELECT 'user:$alice', id, 'first-view', 1796000004 FROM albums WHERE name = '$W';
    UPDATE photos SET trashed = 1796000005 WHERE id = $(pid Outtakes IMG_5.jpg);"

# blob_of SET PHOTO: its current version's blob; sum_of BLOB: the vault file's sha256
blob_of() { db "SELECT v.blob FROM versions v JOIN photos p ON p.current_version = v.id JOIN sets s ON s.id = p.set_id WHERE s.name = '$1' AND p.name = '$2' AND p.trashed = 0"; }
vfile() { echo "$ALBUMFS_LIBRARY/vault/${1:0:2}/$1"; }
sum_of() { sha256sum <"$(vfile "$1")" | cut -d' ' -f1; }
# purge SQL-WHERE: delete those photos and remove every blob no version names any more
purge() {
    local blobs b
    blobs=$(db "SELECT DISTINCT v.blob FROM versions v JOIN photos p ON p.id = v.photo_id WHERE $1")
    db "PRAGMA foreign_keys = ON; DELETE FROM photos AS p WHERE $1"
    for b in $blobs; do
        [ "$(db "SELECT count(*) FROM versions WHERE blob = '$b'")" = 0 ] && rm -f "$(vfile "$b")"
    done
    return 0
}
restored_events() { db "SELECT count(*) FROM activity WHERE kind = 'restored-from-backup'"; }
verify_ok() { expect 0 verify --audit; }

# What a photo is: name, kind, private mark, trash, versions (blobs, in order).
photo_rows() {
    db "SELECT s.name, p.name, p.kind, p.is_private, coalesce(p.private_by, '-'), p.trashed > 0,
               (SELECT group_concat(v.blob, ',') FROM (SELECT blob FROM versions WHERE photo_id = p.id ORDER BY id) v),
               (SELECT blob FROM versions WHERE id = p.current_version)
        FROM photos p JOIN sets s ON s.id = p.set_id JOIN albums a ON a.id = p.album_id
        WHERE a.name = '$W' ORDER BY s.name, p.name, p.trashed"
}
album_rows() {
    db "SELECT name, visibility FROM sets WHERE album_id = (SELECT id FROM albums WHERE name = '$W') ORDER BY name;
        SELECT g.id, g.principal, coalesce(u.email, t.name, 'link'), g.role, g.pool_id IS NOT NULL FROM grants g
          LEFT JOIN users u ON u.id = g.user_id LEFT JOIN teams t ON t.id = g.team_id
          WHERE g.album_id = (SELECT id FROM albums WHERE name = '$W') ORDER BY g.id;
        SELECT p.name, pl.name, c.grant_id FROM pool_charges c JOIN photos p ON p.id = c.photo_id JOIN pools pl ON pl.id = c.pool_id;
        SELECT u.email, p.name FROM favourites f JOIN users u ON u.id = f.user_id JOIN photos p ON p.id = f.photo_id ORDER BY u.email, p.name;
        SELECT m.person, m.kind FROM milestones m JOIN albums a ON a.id = m.album_id WHERE a.name = '$W'"
}

expect 0 backup "$R" --json
snap=$(py 'd["snapshot"]')
when=$(py 'd["time"]')
photo_rows >"$S/photos.before"
album_rows >"$S/album.before"
blob1=$(blob_of Ceremony IMG_1.jpg)
sum1=$(sum_of "$blob1")
id1=$(pid Ceremony IMG_1.jpg)

# --- one photo, deleted and purged, comes back: same id, bytes, versions, favourite
purge "p.id = $id1"
[ ! -e "$(vfile "$blob1")" ] || fail "the purge left the blob"
expect 0 restore --from "$R" "$W/Ceremony/IMG_1.jpg"
out_is "restored $W/Ceremony/IMG_1.jpg from snapshot $snap ($when): 1 photo added (2 versions, 1 favourite)"
[ "$(pid Ceremony IMG_1.jpg)" = "$id1" ] || fail "the restored photo did not get its id back"
[ "$(sum_of "$blob1")" = "$sum1" ] || fail "the restored blob differs"
diff -u "$S/photos.before" <(photo_rows) >&2 || fail "the restored photo is not as it was"
diff -u "$S/album.before" <(album_rows) >&2 || fail "favourites or charges differ after the photo's restore"
expect 0 activity --kind restored-from-backup
out_has "snapshot $snap: $W/Ceremony/IMG_1.jpg: photos added 1, given older versions 0, already there 0"
out_has "Ceremony/IMG_1.jpg"
verify_ok
ok "a purged photo comes back with its id, versions, bytes and favourite; recorded; verify passes"

n=$(restored_events)
expect 0 restore --from "$R" "$W/Ceremony/IMG_1.jpg"
out_has "is already in the library: nothing restored"
[ "$(restored_events)" = "$n" ] || fail "a restore that changed nothing was recorded"
ok "restoring what is there changes and records nothing"

# --- an id taken meanwhile: the restored photo gets another; a free one is kept
o1=$(pid Studio O_1.jpg)
[ "$o1" = "$(db "SELECT max(id) FROM photos")" ] || fail "O_1 is not the newest photo"
purge "p.id = $o1"
img "$S/in/x/Newcomer.jpg" 100 100
expect 0 import Other/Studio "$S/in/x/Newcomer.jpg" --no-prepare
newcomer=$(pid Studio Newcomer.jpg)
[ "$newcomer" = "$o1" ] || fail "the newcomer did not take the freed id (test set-up)"
expect 0 restore --from "$R" Other/Studio/O_1.jpg
[ "$(pid Studio O_1.jpg)" -gt "$newcomer" ] && [ "$(pid Studio Newcomer.jpg)" = "$newcomer" ] ||
    fail "a restored photo took the id of a live one"
id3=$(pid Ceremony IMG_3.jpg)
purge "p.id = $id3"
expect 0 restore --from "$R" "$W/Ceremony/IMG_3.jpg"
[ "$(pid Ceremony IMG_3.jpg)" = "$id3" ] || fail "IMG_3 did not get its free id back"
[ "$(db "SELECT private_by FROM photos WHERE id = $id3")" = "user:$alice" ] || fail "alice's private mark"
verify_ok
ok "a photo whose id was taken meanwhile gets a new one; a free id is kept; the private mark is alice's"

# --- a name taken by other bytes: the live photo gets the snapshot's versions as older ones
blob2=$(blob_of Ceremony IMG_2.jpg)
purge "p.id = $(pid Ceremony IMG_2.jpg)"
img "$S/in/new/IMG_2.jpg" 320 240
expect 0 import "$W/Ceremony" "$S/in/new/IMG_2.jpg" --no-prepare
new2=$(blob_of Ceremony IMG_2.jpg)
expect 0 restore --from "$R" "$W/Ceremony/IMG_2.jpg" --json
[ "$(py 'd["photos_added"], d["photos_merged"], d["versions_added"], d["favourites"], d["blobs_copied"]')" = "0 1 1 0 1" ] ||
    fail "merge: $(cat "$OUT")"
[ "$(blob_of Ceremony IMG_2.jpg)" = "$new2" ] || fail "the live photo's current version changed"
[ "$(db "SELECT group_concat(blob) FROM (SELECT v.blob FROM versions v WHERE v.photo_id = $(pid Ceremony IMG_2.jpg) ORDER BY v.id)")" = "$blob2,$new2" ] ||
    fail "the snapshot's version was not added to the live photo"
[ -f "$(vfile "$blob2")" ] || fail "the older version's blob is not in the vault"
verify_ok
expect 0 restore --from "$R" "$W/Ceremony/IMG_2.jpg" --as "IMG_2 (backup).jpg" --json
[ "$(py 'd["photos_added"], d["as"], d["favourites"]')" = "1 IMG_2 (backup).jpg 0" ] || fail "--as: $(cat "$OUT")"
[ "$(blob_of Ceremony "IMG_2 (backup).jpg")" = "$blob2" ] || fail "--as did not restore the snapshot's bytes"
expect 1 restore --from "$R" "$W/Ceremony/IMG_2.jpg" --as "IMG_2 (backup).jpg"
err_has "a photo of that name is already in the set; choose another name"
verify_ok
ok "a taken name: its versions are added to the live photo (current unchanged); --as restores it beside, once"

# --- a whole set, deleted: made again with its visibility and photos (not the trash)
db "PRAGMA foreign_keys = ON; DELETE FROM photos WHERE set_id = (SELECT id FROM sets WHERE name = 'Outtakes');
    DELETE FROM sets WHERE name = 'Outtakes'"
expect 0 restore --from "$R" "$W/Outtakes" --json
[ "$(py 'd["sets_created"], d["photos_added"], d["favourites"]')" = "1 1 1" ] || fail "set restore: $(cat "$OUT")"
[ "$(db "SELECT visibility FROM sets WHERE name = 'Outtakes'")" = 2 ] || fail "Outtakes is not team-only again"
[ -z "$(pid Outtakes IMG_5.jpg)" ] || fail "a trashed photo came back out of the trash"
purge "p.id = $id1"
expect 0 restore --from "$R" "$W/Ceremony" --json
[ "$(py 'd["sets_created"], d["photos_added"], d["photos_unchanged"]')" = "0 1 2" ] || fail "set merge: $(cat "$OUT")"
verify_ok
ok "a deleted set is made again with its photos; restoring a set that is here adds only what is missing"

# --- a set deleted the everyday way (its photo to the trash, then the set):
# the restore makes a live set again, never fills the deleted one
expect 0 photo delete "$W/Outtakes/IMG_4.jpg"
expect 0 set delete "$W" Outtakes
expect 0 restore --from "$R" "$W/Outtakes" --json
[ "$(py 'd["sets_created"], d["photos_added"]')" = "1 1" ] || fail "deleted-set restore: $(cat "$OUT")"
[ "$(db "SELECT count(*) FROM sets WHERE name = 'Outtakes' AND deleted = 0")" = 1 ] ||
    fail "no live Outtakes after the restore"
expect 0 ls "$W/Outtakes"
out_has IMG_4.jpg
expect 0 trash list "$W"
out_has IMG_4.jpg
verify_ok
ok "a set deleted with set delete comes back live with its photos; the trashed copy stays in the trash"

# --- the whole album, deleted, with bob gone and alice re-added (a new id),
# and the link revoked after the snapshot
expect 0 revoke "$g_link"
db "PRAGMA foreign_keys = ON; DELETE FROM albums WHERE name = '$W';
    DELETE FROM users WHERE email IN ('alice@example.com', 'bob@example.com')"
for b in $(cd "$ALBUMFS_LIBRARY/vault" && find . -mindepth 2 -type f ! -path './tmp/*' -printf '%f\n'); do
    [ "$(db "SELECT count(*) FROM versions WHERE blob = '$b'")" = 0 ] && rm -f "$(vfile "$b")"
done
expect 0 user add zed@example.com # takes alice's old id
expect 0 user add alice@example.com
alice2=$(db "SELECT id FROM users WHERE email = 'alice@example.com'")
[ "$alice2" != "$alice" ] || fail "alice kept her id; the mapping is not tested"
expect 1 restore --from "$R" "$W/Ceremony"
err_has "the album is not in the library; restore the whole album first"
expect 0 restore --from "$R" "$W" --json
[ "$(py 'd["album_created"], d["grants"], d["grants_left_out"], d["favourites"], d["favourites_left_out"]')" = "True 3 1 2 1" ] ||
    fail "album restore: $(cat "$OUT")"
expect 0 restore --from "$R" "$W"
out_has "is already in the library: nothing restored"
# as in the snapshot, less bob (his grant, favourite and the charge of nobody), alice under her new id
sed -e "s/user:$alice\b/user:$alice2/" -e '/bob@example.com/d' "$S/photos.before" >"$S/photos.want"
diff -u "$S/photos.want" <(photo_rows) >&2 || fail "the album's photos are not as in the snapshot"
sed -e "s/user:$alice\b/user:$alice2/" -e '/bob@example.com/d' "$S/album.before" >"$S/album.want"
diff -u "$S/album.want" <(album_rows) >&2 || fail "the album's sets, grants, charges, favourites or milestones differ"
[ "$(db "SELECT count(*) FROM grants WHERE id IN ($g_alice, $g_team, $g_link)")" = 3 ] || fail "grants lost their ids"
[ "$(db "SELECT revoked > 0 FROM grants WHERE id = $g_link")" = 1 ] || fail "the link revoked after the snapshot came back live"
expect 1 ls --link "$token" "$W"
expect 0 ls --as alice@example.com "$W/Ceremony"
out_has "IMG_1.jpg"
expect 0 ls --as zed@example.com
out_lacks "$W"
verify_ok
expect 0 activity --kind restored-from-backup
out_has "$W (the album whole)"
ok "a deleted album comes back whole: trash, sets, grants (same ids, bob's left out, the link revoked since still revoked), pool charge, favourites and mark under alice's new id; zed sees nothing"

# --- bad input
expect 1 restore --from "$R" "No Such Album"
err_has "the snapshot has no album of that name"
err_one_line
expect 1 restore --from "$R" "$W/No Such Set"
err_has "the snapshot has no set of that name in the album"
expect 1 restore --from "$R" "$W/Ceremony/IMG_9.jpg"
err_has "the snapshot has no photo of that name in the set"
expect 1 restore --from "$R" "$W/Outtakes/IMG_5.jpg"
err_has "(outside the trash)"
expect 1 restore --from "$R" --snapshot 0123456789abcdef "$W/Ceremony/IMG_1.jpg"
err_has "no snapshot '0123456789abcdef'"
expect 1 restore --from "$S/nowhere" "$W"
err_has "does not exist"
expect 0 --library "$S/other" init
expect 1 --library "$S/other" restore --from "$R" "$W"
err_has "belongs to another library (or the key is wrong)"
expect 2 restore "$W"
err_has "--from DEST"
expect 2 restore --from "$R" "$W" --as x.jpg
err_has "--as names one restored photo"
expect 2 restore --from "$R" "$W/Ceremony/IMG_1.jpg" --as "bad/name"
expect 2 restore --from "$R" "$W/Ceremony/IMG_1.jpg" --as $'evil\x1b[2J.jpg'
expect 2 restore --from "$R" "$W/Ceremony/IMG_1.jpg" --key-file "$S/x"
err_has "--key-file is for --to"
expect 2 restore --from "$R" "$W/Ceremony/IMG_1.jpg" --to "$S/new"
expect 2 restore --from "$R" "a/b/c/d"
expect 2 restore --from "$R" "$W//IMG_1.jpg"
expect 2 restore --from "$R" $'bad\nalbum'
ok "names not in the snapshot, an unknown snapshot or repository, another library's, bad names and options are refused"

# --- damage in the repository: the restore fails and the library is unchanged
purge "p.id = $(pid Ceremony IMG_1.jpg)"
rm -rf "$S/dmg" && cp -a "$R" "$S/dmg"
f="$S/dmg/blobs/${blob1:0:2}/$blob1"
printf '\xff' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") / 2)) conv=notrunc status=none
snapshot
db_snapshot
expect 1 restore --from "$S/dmg" "$W/Ceremony/IMG_1.jpg"
err_has "failed at blob ${blob1:0:16}…: a blob in the repository does not authenticate (damaged or altered); the library is unchanged"
unchanged "a restore of a damaged blob"
db_unchanged "a restore of a damaged blob"
rm "$f"
expect 1 restore --from "$S/dmg" "$W/Ceremony/IMG_1.jpg"
err_has "a blob is missing from the repository"
unchanged "a restore of a missing blob"
verify_ok
ok "a damaged or missing blob in the repository: refused, nothing left in the library"

# --- killed after the blobs landed, before the transaction: leftovers only; the next run completes
rc=0
ALBUMFS_TEST_CRASH=restore "$ALBUMCTL" restore --from "$R" "$W/Ceremony/IMG_1.jpg" >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 137 ] || fail "the restore was to be killed (exit $rc)"
[ -z "$(pid Ceremony IMG_1.jpg)" ] || fail "a killed restore left rows"
expect 0 verify # leftovers are not problems (cli.md#verify)
out_has "leftovers:"
expect 0 restore --from "$R" "$W/Ceremony/IMG_1.jpg"
verify_ok
ok "a restore killed before its transaction leaves only leftover blobs; the next run uses them and verify passes"
