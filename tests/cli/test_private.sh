#!/usr/bin/env bash
# test_private.sh — 'albumctl private list|unhide' (photos marked private,
# who marked them, unhiding; the same as 'photo private ... off') and the
# help of every command about clients' work.
#
# Test setup: a client's mark is made on a mount; here one is set with the
# sqlite3 CLI (so the activity log does not say who made it).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

# --- help of the new commands, without a library
for leaf in "activity" "favourites" "contact-sheet" "verify" "pool list" "pool add" \
    "pool set-limit" "pool reset" "pool charges" "pool join" "private list" "private unhide"; do
    # shellcheck disable=SC2086
    expect 0 $leaf --help
    out_has "usage: albumctl $leaf"
    err_empty
    # shellcheck disable=SC2086
    expect 0 help $leaf
    out_has "usage: albumctl $leaf"
done
for group in pool private; do
    expect 0 "$group" --help
    out_has "subcommands:"
done
expect 0 --help
for cmd in activity favourites contact-sheet verify "pool join" "private unhide"; do
    out_has "  $cmd "
done
[ ! -e "$ALBUMFS_LIBRARY" ] || fail "help created a library"
ok "--help of activity, favourites, contact-sheet, verify, pool and private"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 set create "$W" Party --visibility client
expect 0 album create Other
mkdir -p "$S/c" "$S/p"
for i in 1 2; do img "$S/c/IMG_$i.jpg"; done
img "$S/p/IMG_3.jpg"
expect 0 import "$W/Ceremony" "$S/c" --no-prepare
expect 0 import "$W/Party" "$S/p" --no-prepare
expect 0 user add alice@example.com
expect 0 user add bob@example.com
expect 0 grant "$W" --user bob@example.com --role invited --no-prepare

# --- list
expect 0 private list "$W"
out_is "no photos of $W are marked private"
expect 0 private list "$W" --json
[ "$(py 'd')" = "{'album': '$W', 'photos': []}" ] || fail "empty JSON"
expect 0 photo private "$W/Party/IMG_3.jpg" on
db "UPDATE photos SET is_private = 1, private_by = 'user:1' WHERE name = 'IMG_1.jpg'"
expect 0 private list "$W"
err_empty
out_match '^PHOTO +MARKED BY +MARKED$'
out_match '^Ceremony/IMG_1\.jpg *$'
out_match '^Party/IMG_3\.jpg +owner +[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$'
[ "$(grep -c . "$OUT")" = 3 ] || fail "two private photos"
expect 0 private list "$W" --json
json_ok
[ "$(py '[(p["set"], p["photo"], p["marked_by"]) for p in d["photos"]]')" = \
    "[('Ceremony', 'IMG_1.jpg', None), ('Party', 'IMG_3.jpg', 'owner')]" ] || fail "list JSON"
[ "$(py 'd["photos"][0]["marked"] is None and d["photos"][1]["marked"].endswith("Z")')" = True ] ||
    fail "marked times"
expect 0 private list Other
out_is "no photos of Other are marked private"
# A photo in the trash is not listed.
db "UPDATE photos SET trashed = strftime('%s') WHERE name = 'IMG_1.jpg'"
expect 0 private list "$W" --json
[ "$(py '[p["photo"] for p in d["photos"]]')" = "['IMG_3.jpg']" ] || fail "trash left out"
db "UPDATE photos SET trashed = 0 WHERE name = 'IMG_1.jpg'"
ok "private list: the photos marked private, by the owner or a client, and who marked them"

# --- unhide, the same as 'photo private ... off'
expect 0 ls --as bob@example.com "$W/Ceremony"
out_lacks "IMG_1.jpg"
expect 0 private unhide "$W/Ceremony/IMG_1.jpg"
out_is "$W/Ceremony/IMG_1.jpg is no longer private"
[ "$(db "SELECT kind || ' ' || actor || ' ' || detail FROM activity ORDER BY id DESC LIMIT 1")" = \
    "private-unmarked owner IMG_1.jpg" ] || fail "unhide recorded"
expect 0 ls --as bob@example.com "$W/Ceremony"
out_has "IMG_1.jpg"
expect 0 --json private unhide "$W/Party/IMG_3.jpg"
[ "$(py 'd')" = "{'album': '$W', 'set': 'Party', 'photo': 'IMG_3.jpg', 'private': False}" ] ||
    fail "unhide JSON"
expect 0 private list "$W"
out_is "no photos of $W are marked private"
expect 0 photo private "$W/Ceremony/IMG_2.jpg" on
expect 0 photo private "$W/Ceremony/IMG_2.jpg" off
expect 0 private list "$W" --json
[ "$(py 'd["photos"]')" = "[]" ] || fail "photo private off"
ok "private unhide: shown again to invited people, recorded; photo private on/off still works"

# --- refusals change nothing
expect 0 photo private "$W/Ceremony/IMG_2.jpg" on
snapshot
db_snapshot
expect 1 private list "No Album"
err_has "no album 'No Album'"
err_one_line
expect 1 private unhide "No Album/Ceremony/IMG_2.jpg"
err_has "no album 'No Album'"
expect 1 private unhide "$W/No Set/IMG_2.jpg"
err_has "no set 'No Set' in album '$W'"
expect 1 private unhide "$W/Ceremony/IMG_9.jpg"
err_has "no photo 'IMG_9.jpg' in $W/Ceremony"
err_one_line
expect 2 private unhide "$W/Ceremony"
err_has "is not of the form ALBUM/SET/PHOTO"
expect 2 private unhide
expect 2 private unhide "$W/Ceremony/IMG_2.jpg" extra
expect 2 private list
expect 2 private list "$W" Other
expect 2 private frobnicate
unchanged "refused private commands"
db_unchanged "refused private commands"
ok "private refusals: unknown album/set/photo (1), malformed paths and arguments (2)"
