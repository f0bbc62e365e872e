#!/usr/bin/env bash
# test_albums.sh — albums and sets: creating, listing, visibility, the
# public-set rule, and hostile names ('/', control characters, '.', '..',
# invalid UTF-8, 256 bytes) that must never reach the catalog.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
out_has "created album $W"
expect 0 album list --json
json_ok
[ "$(py 'd["albums"][0]["name"]')" = "$W" ] || fail "album list"
[ "$(py 'd["albums"][0]["set_count"]')" = 1 ] || fail "a new album has one set"
expect 0 set list "$W" --json
[ "$(py '[(s["name"], s["visibility"]) for s in d["sets"]]')" = "[('Photos', 'public')]" ] ||
    fail "a new album has the public set Photos"
ok "album create/list; a new album has a public set"

expect 0 set create "$W" Ceremony --visibility public
expect 0 set create "$W" "Getting Ready" --visibility client
expect 0 set create "$W" Outtakes
out_has "(team)"
expect 0 --json set create "$W" "Première danse — ❤"
json_ok
[ "$(py 'd["visibility"]')" = team ] || fail "default visibility is team"
expect 0 set list "$W"
out_match "^Getting Ready +client +0$"
expect 0 set list "$W" --json
[ "$(py '{s["name"]: s["visibility"] for s in d["sets"]}["Outtakes"]')" = team ] || fail "Outtakes team"
ok "sets with visibility (default team)"

expect 0 set visibility "$W" Outtakes client
out_has "$W/Outtakes is now client"
expect 0 set list "$W" --json
[ "$(py '{s["name"]: s["visibility"] for s in d["sets"]}["Outtakes"]')" = client ] || fail "visibility change"
expect 0 --json activity "$W"
[ "$(py '[(e["kind"], e["actor"], e["detail"]) for e in d["events"]][-1]')" = \
    "('visibility-changed', 'owner', 'Outtakes: team -> client')" ] || fail "the change is not in the activity log"
expect 0 set visibility "$W" Outtakes team
expect 0 --json activity "$W"
n=$(py 'len(d["events"])')
expect 0 set visibility "$W" Outtakes team
expect 0 --json activity "$W"
[ "$(py 'len(d["events"])')" = "$n" ] || fail "a visibility set to what it was is recorded"
ok "set visibility (recorded in the activity log when it changes)"

# The last public sets cannot all be narrowed.
expect 0 set visibility "$W" Photos team
snapshot
expect 1 set visibility "$W" Ceremony client
err_has "last public set"
err_one_line
unchanged "last public set"
expect 0 set visibility "$W" Photos public
ok "an album keeps a public set"

snapshot
# Hostile names, for albums and sets.
long=$(printf 'x%.0s' {1..256})
for bad in "a/b" "/" $'a\nb' $'tab\there' $'\x01' $'del\x7f' "." ".." $'\xff' $'caf\xc3' \
    $'\xc0\xaf' " leading space" "$long" ""; do
    expect 2 album create "$bad"
    err_has "invalid album name"
    err_one_line
    expect 2 set create "$W" "$bad"
    err_has "invalid set name"
done
# A hostile name must not reach the terminal raw either.
expect 2 album create $'evil\x1b[31mred'
grep -q $'\x1b' "$ERR" && fail "an escape sequence was echoed to the terminal"
err_has 'evil\x1b[31mred'
unchanged "hostile names"
ok "hostile names refused with exit 2, nothing created, nothing echoed raw"

for reserved in Web-size High-res web-size HIGH-RES Favourites favourites Trash tRASH "READ ME.txt" "read me.TXT"; do
    expect 2 set create "$W" "$reserved"
    err_has "reserved for the folders a mount adds"
done
unchanged "reserved set names"
ok "reserved set names refused"

expect 0 album create "$(printf 'y%.0s' {1..255})"
expect 0 album create ".hidden but fine"
expect 0 album create "Hochzeit Müller – 2026 🎉"
ok "255 bytes, a leading dot and UTF-8 are accepted"

snapshot
expect 1 album create "$W"
err_has "album '$W' already exists"
expect 1 set create "$W" Ceremony
err_has "set 'Ceremony' already exists in album '$W'"
expect 1 set create "No Such Album" Ceremony
err_has "no album 'No Such Album'"
err_one_line
expect 1 set visibility "No Such Album" Ceremony public
expect 1 set visibility "$W" "No Such Set" public
err_has "no set 'No Such Set' in album '$W'"
expect 2 set visibility "$W" Ceremony everyone
err_has "public, client or team"
expect 2 set create "$W" Extra --visibility secret
expect 1 set list "No Such Album"
expect 2 set create "$W"
expect 2 album create
expect 2 album create a b
unchanged "duplicates and missing albums"
ok "duplicates, missing albums and sets, bad visibility refused; nothing changed"

expect 0 album private-marks "$W" off
expect 0 album list --json
[ "$(py '[a["clients_may_mark_private"] for a in d["albums"] if a["name"]=="'"$W"'"][0]')" = False ] ||
    fail "private-marks off"
expect 0 album private-marks "$W" on
expect 2 album private-marks "$W" maybe
ok "album private-marks"
