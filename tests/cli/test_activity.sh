#!/usr/bin/env bash
# test_activity.sh — 'albumctl activity' (filters by album, person, kind and
# time; names resolved; text and JSON; refusals) and 'albumctl verify'
# (the activity chain, with rows edited, inserted, deleted and reordered
# behind the triggers' back; every photo blob of the vault, damaged and
# missing).
#
# Test setup: client events (a person acting on a mount) are written with
# the sqlite3 CLI into a copy of the library, since only the daemon makes
# them; such rows have no valid MAC, which verify must notice.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 album create Other
mkdir -p "$S/in"
for i in 1 2 3; do img "$S/in/IMG_$i.jpg"; done
expect 0 import "$W/Ceremony" "$S/in" --no-prepare
img "$S/other.jpg"
expect 0 import Other/Photos "$S/other.jpg" --no-prepare
expect 0 user add alice@example.com
expect 0 user add bob@example.com
expect 0 grant "$W" --user alice@example.com --role client --no-prepare
alice_grant=$(cat "$OUT")
printf 'correct horse battery\n' >"$S/pw"
printf 'wrong password here\n' >"$S/wrongpw"
expect 0 --json link create "$W" --password-file "$S/pw" --no-prepare
token=$(py 'd["token"]')
link_id=$(py 'd["link_id"]')
# A real event by someone other than the owner: a wrong link password.
expect 1 ls --link "$token" --password-file "$S/wrongpw"

# --- everything, oldest first, names resolved
expect 0 activity
err_empty
out_match '^TIME +KIND +ACTOR +ALBUM +PHOTO +GRANT +DETAIL$'
head -2 "$OUT" | tail -1 | grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z +album-created +owner +Smith Wedding 2026 ' ||
    fail "first event"
out_match "upload +owner +$W +Ceremony/IMG_2.jpg +IMG_2.jpg"
out_match "grant-issued +owner +$W +$alice_grant +client alice@example.com"
out_match "link-password-wrong +link:$link_id +$W"
expect 0 activity --json
json_ok
total=$(db "SELECT count(*) FROM activity")
[ "$(py 'len(d["events"])')" = "$total" ] || fail "every event in JSON"
[ "$(py '[e["id"] for e in d["events"]] == sorted(e["id"] for e in d["events"])')" = True ] ||
    fail "oldest first"
[ "$(py '[e for e in d["events"] if e["kind"] == "upload"][1]["photo"]')" = \
    "{'id': 2, 'set': 'Ceremony', 'name': 'IMG_2.jpg'}" ] || fail "photo resolved in JSON"
[ "$(py '[e for e in d["events"] if e["kind"] == "grant-issued"][0]["grant_id"]')" = "$alice_grant" ] ||
    fail "grant id in JSON"
[ "$(py 'd["events"][0]["photo"], d["events"][0]["grant_id"], d["events"][0]["album"]')" = \
    "None None $W" ] || fail "null photo and grant"
py 'all(__import__("re").fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["time"]) for e in d["events"])' |
    grep -qx True || fail "ISO 8601 UTC times"
ok "activity: every event oldest first, photos and grants named, text and JSON"

# --- filters
expect 0 activity Other --json
[ "$(py '{e["album"] for e in d["events"]}')" = "{'Other'}" ] || fail "album filter"
[ "$(py 'len(d["events"])')" = 2 ] || fail "Other has two events"
expect 0 activity "$W" --kind upload --json
[ "$(py '[e["photo"]["name"] for e in d["events"]]')" = "['IMG_1.jpg', 'IMG_2.jpg', 'IMG_3.jpg']" ] ||
    fail "kind filter"
expect 0 activity --person "link:$link_id"
[ "$(grep -c . "$OUT")" = 2 ] || fail "one event by the link"
out_has "link-password-wrong"
expect 0 activity --person owner --json
[ "$(py '{e["actor"] for e in d["events"]}')" = "{'owner'}" ] || fail "owner filter"
[ "$(py 'len(d["events"])')" = "$((total - 1))" ] || fail "all but the link's event are the owner's"
expect 0 activity --person alice@example.com
out_is "no matching events"
expect 0 activity "$W" --person "link:$link_id" --kind upload --json
[ "$(py 'd["events"]')" = "[]" ] || fail "filters combine"
ok "activity: by album, kind, person (link, owner, a user with none) and combined"

# --since: durations count back from now, dates are UTC
expect 0 activity --since 1h --json
[ "$(py 'len(d["events"])')" = "$total" ] || fail "--since 1h"
expect 0 activity --since "$(date -u +%Y-%m-%d)" --json
[ "$(py 'len(d["events"])')" = "$total" ] || fail "--since today"
expect 0 activity --since 2099-01-01
out_is "no matching events"
sleep 2
since=$(date -u '+%Y-%m-%d %H:%M:%S')
sleep 1
expect 0 photo private "$W/Ceremony/IMG_1.jpg" on
expect 0 activity --since "$since" --json
[ "$(py '[e["kind"] for e in d["events"]]')" = "['private-marked']" ] || fail "--since a time"
expect 0 activity --since 2d --kind private-marked
out_match "private-marked +owner +$W +Ceremony/IMG_1.jpg"
ok "activity --since: a date, a date and time, a duration back from now"

# --- refusals change nothing
snapshot
db_snapshot
expect 1 activity "No Album"
err_has "no album 'No Album'"
err_one_line
expect 1 activity --person nobody@example.com
err_has "no user 'nobody@example.com'"
err_one_line
expect 1 activity --person link:999
err_has "no link 999"
for bad in link:abc link:0 link:-1 link:; do
    expect 2 activity --person "$bad"
    err_one_line
done
for bad in yesterday never -2d 2d3h 0d 2D 2026-02-30 "2026-12-31 25:00" ""; do
    expect 2 activity --since "$bad"
    err_has "--since takes a date"
    err_one_line
done
expect 2 activity --kind "Not A Kind"
err_has "--kind takes an event kind"
expect 2 activity "$W" Other
err_has "expected at most one ALBUM"
expect 2 activity --since
err_one_line
expect 2 activity --bogus
unchanged "refused activity commands"
db_unchanged "refused activity commands"
ok "activity refusals: unknown album/person/link (1), malformed link, --since, --kind, arguments (2)"

# --- verify: intact
total=$(db "SELECT count(*) FROM activity")
expect 0 verify --audit
out_is "activity log intact ($total entries)"
err_empty
expect 0 verify --audit --json
json_ok
[ "$(py 'd["audit"]')" = "{'intact': True, 'entries': $total, 'first_bad': None}" ] || fail "audit JSON"
[ "$(py '"vault" in d')" = False ] || fail "--audit checks the log only"
expect 0 verify
out_has "activity log intact ($total entries)"
out_has "vault: 4 blobs checked, 0 failed"
expect 0 --json verify
[ "$(py 'd["vault"]')" = "{'blobs': 4, 'failed': []}" ] || fail "vault JSON"
expect 2 verify extra
err_has "expected no arguments"
expect 2 verify --bogus
ok "verify: an intact log and vault, exit 0; usage errors exit 2"

# --- verify --audit: tampering behind the triggers' back, in copies
# tamper NAME SQL: a copy of the library at $S/NAME with SQL applied there.
tamper() {
    cp -a "$S/lib" "$S/$1"
    sqlite3 "$S/$1/catalog.db" "DROP TRIGGER activity_no_update; DROP TRIGGER activity_no_delete; $2"
}
kind_of() { db "SELECT kind FROM activity WHERE id = $1"; }
time_of() { date -u -d "@$(db "SELECT at FROM activity WHERE id = $1")" '+%Y-%m-%dT%H:%M:%SZ'; }

tamper edited "UPDATE activity SET detail = 'IMG_9.jpg' WHERE id = 4"
expect 1 --library "$S/edited" verify --audit
err_has "activity log broken at entry 4 ($(time_of 4), $(kind_of 4))"
err_one_line
out_is ""

tamper deleted "DELETE FROM activity WHERE id = 5"
expect 1 --library "$S/deleted" verify --audit
err_has "activity log broken at entry 5: it is missing"
expect 1 --library "$S/deleted" verify --audit --json
[ "$(py 'd["audit"]["intact"], d["audit"]["first_bad"]')" = \
    "False {'id': 5, 'time': None, 'kind': None}" ] || fail "missing entry in JSON"

tamper swapped "UPDATE activity SET id = 1000 WHERE id = 6;
                UPDATE activity SET id = 6 WHERE id = 7;
                UPDATE activity SET id = 7 WHERE id = 1000"
expect 1 --library "$S/swapped" verify --audit
err_has "activity log broken at entry 6 ($(time_of 7), $(kind_of 7))"

tamper moved_time "UPDATE activity SET at = at - 86400 WHERE id = 3"
expect 1 --library "$S/moved_time" verify --audit --json
[ "$(py 'd["audit"]["first_bad"]["id"]')" = 3 ] || fail "a changed time"

# A row inserted without the key (what a client event made by hand is).
tamper inserted "INSERT INTO activity(id, at, kind, actor, grant_id, album_id, photo_id, detail)
                 SELECT max(id) + 1, strftime('%s'), 'favourite-added', 'Alice@Example.com',
                        $alice_grant, 1, 3, 'IMG_3.jpg' FROM activity"
expect 1 --library "$S/inserted" verify --audit
err_has "activity log broken at entry $((total + 1))"
err_has "favourite-added"
# ... and activity shows it, for that person whatever the letter case.
expect 0 --library "$S/inserted" activity --person alice@example.com --json
[ "$(py '[(e["kind"], e["photo"]["name"], e["grant_id"]) for e in d["events"]]')" = \
    "[('favourite-added', 'IMG_3.jpg', $alice_grant)]" ] || fail "person filter on an e-mail"

# Removing the newest entries cannot be detected (docs/storage.md).
tamper truncated "DELETE FROM activity WHERE id = (SELECT max(id) FROM activity)"
expect 0 --library "$S/truncated" verify --audit
out_is "activity log intact ($((total - 1)) entries)"
expect 0 verify --audit
ok "verify --audit names the first edited, deleted, reordered, re-timed or inserted entry"

# --- verify: the vault's blobs, damaged and missing
blob_of() { db "SELECT v.blob FROM photos p JOIN versions v ON v.id = p.current_version WHERE p.name = '$1'"; }
cp -a "$S/lib" "$S/damaged"
b=$(blob_of IMG_2.jpg)
f=$S/damaged/vault/${b:0:2}/$b
printf 'X' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 10)) conv=notrunc status=none
expect 1 --library "$S/damaged" verify
err_has "verify: $W/Ceremony/IMG_2.jpg (version 2, blob ${b:0:16}…): does not authenticate"
err_one_line
out_has "vault: 4 blobs checked, 1 failed"
out_has "activity log intact"
expect 0 --library "$S/damaged" verify --audit
cp -a "$S/lib" "$S/missing"
b=$(blob_of other.jpg)
rm "$S/missing/vault/${b:0:2}/$b"
expect 1 --library "$S/missing" --json verify
[ "$(py '[(f["photo"], f["error"]) for f in d["vault"]["failed"]]')" = \
    "[('Other/Photos/other.jpg', 'missing')]" ] || fail "missing blob in JSON"
err_has "Other/Photos/other.jpg"
err_has "missing from the vault"
ok "verify finds a damaged and a missing photo and names them"
