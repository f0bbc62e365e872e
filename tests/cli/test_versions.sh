#!/usr/bin/env bash
# test_versions.sh — a photo's versions: 'photo versions' lists them
# (text and JSON), 'photo restore-version' makes an old one current by
# adding it again (history is never rewritten), bad numbers and paths are
# refused without change, and each restore is in the activity log.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
P="$W/Photos/IMG_1.jpg"
expect 0 init
expect 0 album create "$W"
mkdir -p "$S/v1" "$S/v2" "$S/v3"
img "$S/v1/IMG_1.jpg" 64 48
img "$S/v2/IMG_1.jpg" 32 48
img "$S/v3/IMG_1.jpg" 40 40
for v in v1 v2 v3; do expect 0 import "$W/Photos" "$S/$v/IMG_1.jpg" --no-prepare; done
expect 0 import "$W/Photos" "$S/v3/IMG_1.jpg" --no-prepare
out_is "imported 0, unchanged 1, failed 0"

expect 0 photo versions "$P"
out_match '^N +CURRENT +SIZE +PIXELS +ADDED +BY'
out_match '^1 +[0-9]+ +64x48 .* owner$'
out_match '^3 +\* +[0-9]+ +40x40 '
[ "$(grep -c '^[0-9]' "$OUT")" = 3 ] || fail "three versions"
expect 0 --json photo versions "$P"
json_ok
[ "$(py '[v["number"] for v in d["versions"]]')" = "[1, 2, 3]" ] || fail "numbers"
[ "$(py '[v["current"] for v in d["versions"]]')" = "[False, False, True]" ] || fail "current"
[ "$(py 'd["versions"][1]["width"]')" = 32 ] || fail "version 2 is the 32 px wide one"
ok "photo versions lists every version, oldest first, the current one marked"

# --- restore version 1: a fourth version with version 1's bytes
blob1=$(db "SELECT blob FROM versions ORDER BY id LIMIT 1")
expect 0 photo restore-version "$P" 1
out_is "$P shows version 1 again"
expect 0 --json photo versions "$P"
[ "$(py 'len(d["versions"])')" = 4 ] || fail "a new version is added"
[ "$(py 'd["versions"][3]["current"] and d["versions"][3]["width"] == 64')" = True ] ||
    fail "the new version is version 1's bytes, current"
[ "$(py 'd["versions"][0]["width"]')" = 64 ] || fail "version 1 itself is unchanged"
[ "$(db "SELECT v.blob FROM photos p JOIN versions v ON v.id = p.current_version")" = "$blob1" ] ||
    fail "the photo shows version 1's blob"
[ "$(db "SELECT kind || ' ' || detail FROM activity ORDER BY id DESC LIMIT 1")" = \
    "version-restored IMG_1.jpg: version 1 again, as version 4" ] || fail "recorded"
ok "restore-version adds the old bytes as the newest version and records it"

# --- the current version again: nothing changes
n=$(db "SELECT count(*) FROM activity")
expect 0 photo restore-version "$P" 4
[ "$(db "SELECT count(*) FROM versions")" = 4 ] || fail "restoring the current version added one"
[ "$(db "SELECT count(*) FROM activity")" = "$n" ] || fail "restoring the current version was recorded"
ok "restoring the current version changes nothing"

# --- bad input
snapshot
expect 1 photo restore-version "$P" 5
err_has "'IMG_1.jpg' has no version 5"
err_one_line
for bad in 0 -1 x 1.5 "" 99999999999999999999; do
    expect 2 photo restore-version "$P" "$bad"
    err_one_line
done
expect 2 photo restore-version "$P"
expect 2 photo restore-version "$P" 1 2
expect 1 photo restore-version "$W/Photos/nope.jpg" 1
err_has "no photo 'nope.jpg' in $W/Photos"
expect 1 photo versions "$W/Nope/IMG_1.jpg"
err_has "no set 'Nope'"
expect 1 photo versions "Nope/Photos/IMG_1.jpg"
err_has "no album 'Nope'"
expect 2 photo versions "$W/Photos"
expect 2 photo versions "$W/Photos/a/b"
expect 2 photo versions
unchanged "refused version commands"
ok "bad numbers, paths and arguments are refused, nothing changes"

# --- a photo in the trash has no versions to list; back, it has them all
expect 0 photo delete "$P"
expect 1 photo versions "$P"
expect 0 trash restore "$P"
expect 0 --json photo versions "$P"
[ "$(py 'len(d["versions"])')" = 4 ] || fail "versions survive the trash"
expect 0 verify
ok "versions survive a trip through the trash"
