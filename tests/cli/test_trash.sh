#!/usr/bin/env bash
# test_trash.sh — deleting to the trash, restoring, purging and the trash's
# window; renaming and moving photos, renaming and deleting sets, renaming
# albums; every refusal (bad names, taken names, missing sets, sets still
# holding photos) leaves the library unchanged; purges leave 'albumctl
# verify' passing with no orphan in the vault; each change is in the
# activity log.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 album create Other
expect 0 set create "$W" Ceremony --visibility public
mkdir -p "$S/in"
for n in 1 2 3; do img "$S/in/IMG_$n.jpg"; done
expect 0 import "$W/Ceremony" "$S/in" --no-prepare
cp "$S/in/IMG_1.jpg" "$S/in/copy.jpg"
expect 0 import "$W/Photos" "$S/in/copy.jpg" --no-prepare

# names the owner sees in a set ('' when the set is empty)
photos() {
    expect 0 --json ls "$1"
    py '"\n".join(p["name"] for s in d["albums"][0]["sets"] for p in s["photos"])'
}
vault_files() { find "$ALBUMFS_LIBRARY/vault" -type f ! -path "$ALBUMFS_LIBRARY/vault/tmp/*" | wc -l; }
last_kind() { db "SELECT kind FROM activity ORDER BY id DESC LIMIT 1"; }

# --- rename and move, and their refusals
expect 0 photo rename "$W/Ceremony/IMG_1.jpg" First.jpg
out_has "$W/Ceremony/First.jpg (renamed from IMG_1.jpg)"
[ "$(last_kind)" = rename ] || fail "rename not recorded"
snapshot
expect 1 photo rename "$W/Ceremony/First.jpg" IMG_2.jpg
err_has "a photo named 'IMG_2.jpg' is already in $W/Ceremony"
err_one_line
for bad in "a/b.jpg" $'bad\nname.jpg' $'tab\tname.jpg' $'bad\xffutf8.jpg' "$(printf 'x%.0s' {1..256})" \
    "" "." ".." " lead.jpg" ".DS_Store" "Thumbs.db" "._First.jpg"; do
    expect 2 photo rename "$W/Ceremony/First.jpg" "$bad"
    err_one_line
done
expect 1 photo rename "$W/Ceremony/Nope.jpg" X.jpg
err_has "no photo 'Nope.jpg' in $W/Ceremony"
expect 2 photo rename "$W/Ceremony" X.jpg
err_has "is not of the form ALBUM/SET/PHOTO"
expect 1 photo move "$W/Ceremony/First.jpg" "$W/Nope"
err_has "no set 'Nope' in album '$W'"
expect 1 photo move "$W/Ceremony/First.jpg" "Nope/Photos"
err_has "no album 'Nope'"
expect 2 photo move "$W/Ceremony/First.jpg" "$W"
img "$S/in/First.jpg"
expect 0 import "Other/Photos" "$S/in/First.jpg" --no-prepare
snapshot
expect 1 photo move "$W/Ceremony/First.jpg" "Other/Photos"
err_has "a photo named 'First.jpg' is already in Other/Photos"
unchanged "refused renames and moves"
ok "renames and moves onto taken names, bad names and missing sets are refused, nothing changes"

expect 0 photo move "$W/Ceremony/IMG_3.jpg" "Other/Photos"
out_has "Other/Photos/IMG_3.jpg (moved from $W/Ceremony)"
[ "$(photos "Other/Photos")" = $'First.jpg\nIMG_3.jpg' ] || fail "moved across albums"
[ "$(db "SELECT count(*) FROM activity WHERE kind = 'move'")" = 2 ] ||
    fail "a move across albums is recorded in both albums"
expect 0 --json photo move "Other/Photos/IMG_3.jpg" "$W/Ceremony"
json_ok
[ "$(py 'd["album"] + "/" + d["set"] + "/" + d["photo"]')" = "$W/Ceremony/IMG_3.jpg" ] ||
    fail "--json names where the photo is now"
ok "photos move between sets and albums, recorded in each album"

# --- delete to the trash, list, restore
expect 0 photo delete "$W/Ceremony/First.jpg"
out_has "is in the trash"
[ "$(last_kind)" = delete ] || fail "delete not recorded"
[ "$(photos "$W/Ceremony")" = $'IMG_2.jpg\nIMG_3.jpg' ] || fail "deleted photo still listed"
expect 0 trash list
out_has "the trash keeps a photo 30d after it was deleted"
out_has "$W/Ceremony/First.jpg"
expect 0 --json trash list "$W"
json_ok
[ "$(py 'len(d["photos"])')" = 1 ] || fail "trash list ALBUM"
[ "$(py 'd["window"]')" = 30d ] || fail "the default window"
expect 0 --json trash list Other
[ "$(py 'len(d["photos"])')" = 0 ] || fail "another album's trash is empty"
expect 1 trash list Nope
err_has "no album 'Nope'"
expect 2 trash list "$W/Ceremony/First.jpg"
expect 2 trash list A B
# the name is free meanwhile; restoring onto it is refused
img "$S/in/First.jpg"
expect 0 import "$W/Ceremony" "$S/in/First.jpg" --no-prepare
snapshot
expect 1 trash restore "$W/Ceremony/First.jpg"
err_has "a photo named 'First.jpg' is in $W/Ceremony now"
expect 1 trash restore "$W/Ceremony/Nope.jpg"
err_has "no photo 'Nope.jpg' of $W/Ceremony in the trash"
expect 2 trash restore "$W/Ceremony"
unchanged "refused restores"
expect 0 photo delete "$W/Ceremony/First.jpg"
expect 0 trash restore "$W/Ceremony/First.jpg"
out_has "restored $W/Ceremony/First.jpg"
[ "$(last_kind)" = restore ] || fail "restore not recorded"
# the one deleted last came back: the second First.jpg (a different file)
expect 0 --json trash list "$W"
[ "$(py 'len(d["photos"])')" = 1 ] || fail "one First.jpg stays in the trash"
ok "delete, trash list, restore (refused onto a taken name)"

# --- sets: rename, delete (refused while holding photos), deleted sets
expect 0 set rename "$W" Ceremony Vows
out_has "$W/Ceremony is now $W/Vows"
[ "$(last_kind)" = set-renamed ] || fail "set rename not recorded"
snapshot
expect 1 set rename "$W" Vows Photos
err_has "set 'Photos' already exists in album '$W'"
for bad in Trash TRASH Web-size high-res Favourites; do
    expect 2 set rename "$W" Vows "$bad"
    err_has "reserved for the folders a mount adds"
done
for bad in "a/b" $'bad\x01' $'\xc3' "$(printf 'y%.0s' {1..256})"; do
    expect 2 set rename "$W" Vows "$bad"
    err_has "invalid set name"
done
expect 1 set rename "$W" Nope X
err_has "no set 'Nope'"
expect 1 set delete "$W" Vows
err_has "set 'Vows' still holds photos"
expect 1 set delete "$W" Photos
err_has "still holds photos"
expect 1 set delete "$W" Nope
unchanged "refused set renames and deletes"
ok "set rename; refused onto taken, reserved and bad names; delete refused while it holds photos"

expect 0 set create "$W" Empty
expect 0 set delete "$W" Empty
out_has "deleted set $W/Empty"
[ "$(last_kind)" = set-deleted ] || fail "set delete not recorded"
expect 0 set create "$W" Empty
ok "an empty set is deleted; its name is free again"

# A set whose photos are all in the trash can be deleted; restoring one
# brings it back (refused while a new set has its name).
for p in First.jpg IMG_2.jpg IMG_3.jpg; do expect 0 photo delete "$W/Vows/$p"; done
expect 0 set delete "$W" Vows
expect 0 trash list "$W"
out_has "$W/Vows/IMG_2.jpg (set deleted)"
expect 0 set create "$W" Vows
expect 1 trash restore "$W/Vows/IMG_2.jpg"
err_has "its set 'Vows' was deleted and a new set of that name exists"
expect 0 set rename "$W" Vows "Vows 2"
expect 0 trash restore "$W/Vows/IMG_2.jpg"
out_has "(and its set)"
[ "$(photos "$W/Vows")" = IMG_2.jpg ] || fail "the set came back with the photo"
expect 0 --json set list "$W"
[ "$(py '[s["visibility"] for s in d["sets"] if s["name"] == "Vows"][0]')" = public ] ||
    fail "the set came back as it was"
ok "a deleted set comes back with a photo restored from the trash"

# --- album rename
expect 0 album rename Other "Other 2026"
out_has "album Other is now Other 2026"
[ "$(last_kind)" = album-renamed ] || fail "album rename not recorded"
expect 1 album rename "Other 2026" "$W"
err_has "album '$W' already exists"
expect 2 album rename "Other 2026" "bad/name"
expect 1 album rename Nope X
ok "album rename"

# --- the window
expect 0 trash window
out_is "the trash keeps a photo 30d after it was deleted"
for bad in 0d 30 30x 1m 59m 3651d "2026-01-01" ""; do
    expect 2 trash window "$bad"
    err_has "the window is a duration from 1h to 3650d"
done
expect 2 trash window -1d
expect 2 trash window 1d 2d
expect 0 trash window 2w
out_is "the trash keeps a photo 2w after it was deleted"
[ "$(last_kind)" = trash-window ] || fail "the window change is recorded"
expect 0 --json trash window
[ "$(py 'd["window_seconds"]')" = 1209600 ] || fail "window in seconds"
expect 0 --json trash list
[ "$(py 'd["window"]')" = 2w ] || fail "trash list shows the window"
# a photo deleted longer ago than the window is purged by the next list
n=$(db "SELECT count(*) FROM photos WHERE trashed > 0")
db "UPDATE photos SET trashed = trashed - 15 * 86400 WHERE name = 'IMG_3.jpg' AND trashed > 0"
expect 0 trash list
out_lacks "IMG_3.jpg"
[ "$(db "SELECT count(*) FROM photos WHERE trashed > 0")" = $((n - 1)) ] || fail "window's end"
[ "$(db "SELECT actor FROM activity WHERE kind = 'purge' ORDER BY id DESC LIMIT 1")" = albumfs ] ||
    fail "the window's end is recorded by albumfs"
expect 0 trash window 30d
ok "the window is shown and set; its end purges"

# --- purge
expect 0 verify
before=$(vault_files)
expect 1 trash purge "$W/Vows/Nope.jpg"
err_has "no photo 'Nope.jpg' of $W/Vows in the trash"
expect 2 trash purge --older-than soon
expect 2 trash purge --older-than never
expect 2 trash purge A B
expect 0 trash purge --older-than 1d
out_is "purged 0 photos"
expect 0 trash purge "$W/Vows/First.jpg"
out_is "purged 2 photos" # both First.jpg of Vows: every copy of that path
[ "$(last_kind)" = purge ] || fail "purge not recorded"
[ "$(vault_files)" -lt "$before" ] || fail "purged blobs stay in the vault"
expect 0 verify
# copy.jpg (in Photos) has IMG_1's bytes: purging the renamed IMG_1 left them
expect 0 --json ls "$W/Photos"
[ "$(py 'd["albums"][0]["sets"][0]["photos"][0]["name"]')" = copy.jpg ] || fail "copy.jpg"
expect 0 photo delete "$W/Photos/copy.jpg"
expect 0 trash purge "$W"
expect 0 --json trash list
[ "$(py 'len(d["photos"])')" = 0 ] || fail "the trash is empty after purging everything"
expect 0 verify
out_has "0 failed"
out_lacks "leftovers"
[ "$(vault_files)" = "$(db "SELECT count(DISTINCT blob) FROM versions")" ] ||
    fail "the vault holds exactly the blobs versions name"
ok "purge by photo, album and age; verify passes, no orphan in the vault"

# --- the activity names every change
expect 0 --json activity
for kind in rename move delete restore set-renamed set-deleted set-created set-restored \
    album-renamed trash-window purge upload; do
    py "[e for e in d['events'] if e['kind'] == '$kind'][0]['kind']" >/dev/null ||
        fail "no '$kind' in the activity"
done
ok "every change is in the activity log"
