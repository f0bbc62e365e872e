#!/usr/bin/env bash
# test_studio.sh — changing what exists (issue 11): grant change, link list
# and labels, user change/remove, team remove-member/remove, album
# close/archive/unarchive, and 'albumctl status'; their --json, the
# activity each records (user add, team add and add-member too), and their
# bad inputs, each of which changes nothing.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
O="Jones Portraits"
expect 0 init
expect 0 album create "$W"
expect 0 album create "$O"
expect 0 set create "$W" Ceremony --visibility public
expect 0 user add alice@example.com --name Alice
expect 0 user add bob@example.com
expect 0 user add ed@example.com
expect 0 team add studio
expect 0 team add-member studio ed@example.com
expect 0 activity --json
for k in user-added team-added team-member-added; do
    [ "$(py "len([e for e in d['events'] if e['kind']=='$k'])")" -ge 1 ] || fail "$k not recorded"
done
ok "user add, team add and team add-member are recorded"

expect 0 grant "$W" --user alice@example.com --role client --no-prepare --expires 3d
alice=$(cat "$OUT")
expect 0 grant "$W" --team studio --role editor --no-prepare
editor=$(cat "$OUT")
expect 0 grant "$O" --user bob@example.com --role invited --no-prepare
bob=$(cat "$OUT")
expect 0 --json link create "$W" --label "Smith family" --no-prepare
link_grant=$(py 'd["grant_id"]')
link_id=$(py 'd["link_id"]')

# --- grant change: settings and expiry, text and --json, recorded
expect 0 grant change "$alice" --web on --web-edge 1600 --highres original --limit 5
out_has "changed grant $alice (alice@example.com on $W): --web on --web-edge 1600 --highres original --limit 5"
expect 0 --json grant change "$alice" --expires never --download-sets Ceremony
json_ok
[ "$(py 'd["id"], d["expires"], d["settings"]["web_edge"], d["settings"]["download_sets"]')" = \
  "$alice None 1600 ['Ceremony']" ] || fail "grant change --json: $(cat "$OUT")"
[ "$(py 'd["principal"]["kind"], d["settings"]["pool"]["limit"]')" = "user 5" ] || fail "pool"
expect 0 --json grant change "$alice" --download-sets ''
[ "$(py 'd["settings"]["download_sets"]')" = "[]" ] || fail "--download-sets '' did not widen to all"
expect 0 grant change "$alice" --download-sets Ceremony
expect 0 --json grant change "$link_grant" --web on
[ "$(py 'd["principal"]["kind"], d["settings"]["web"]')" = "link True" ] || fail "link's grant"
expect 0 activity --kind grant-changed --json
[ "$(py 'len(d["events"])')" = 5 ] || fail "grant-changed not recorded five times"
[ "$(py 'd["events"][0]["detail"]')" = "client alice@example.com: --web on --web-edge 1600 --highres original --limit 5" ] ||
    fail "grant-changed detail: $(py 'd["events"][0]["detail"]')"
ok "grant change: settings, expiry, download sets, a link's grant; recorded as typed"

# --- grant change: bad input changes nothing
snapshot
expect 2 grant change "$alice"
err_has "nothing to change"
expect 2 grant change
expect 2 grant change abc --web on
expect 2 grant change 0 --web on
expect 1 grant change 999 --web on
err_has "no grant 999; see 'albumctl grant list'"
err_one_line
expect 2 grant change "$alice" --web maybe
expect 2 grant change "$alice" --expires yesterday
expect 2 grant change "$alice" --expires 2001-01-01
err_has "in the past"
expect 2 grant change "$bob" --mark-private on
err_has "cannot have --mark-private on"
expect 1 grant change "$alice" --download-sets Nope
expect 2 grant change "$alice" --role editor
unchanged "refused grant changes"
ok "grant change refuses: no setting, bad ids, bad values, a role's limits, unknown sets"

# --- revoked and expired grants
expect 0 revoke "$bob"
expect 1 grant change "$bob" --expires 30d
err_has "was revoked on"
err_has "cannot change"
db "UPDATE grants SET expires = strftime('%s','now') - 60 WHERE id = $alice"
expect 1 grant change "$alice" --web off
err_has "expired on"
err_has "give --expires to extend it"
expect 0 grant change "$alice" --expires 30d --web off
expect 0 --json grant list "$W"
[ "$(py "[g['status'] for g in d['grants'] if g['id']==$alice][0]")" = live ] || fail "not extended"
ok "a revoked grant cannot change; an expired one only with --expires (extended)"

# --- link list: labels, state, uses; never a token or a hash
expect 0 link list
out_match "^link:$link_id +$W +Smith family +no +$link_grant +live +never +0 +never"
expect 0 --json link list "$W"
json_ok
[ "$(py 'sorted(d["links"][0])')" = "['album', 'client_door', 'client_door_of', 'created', 'expires', 'grant_id', 'id', 'label', 'last_used', 'password', 'status', 'uses']" ] ||
    fail "link list keys: $(py 'sorted(d["links"][0])')"
[ "$(py 'd["links"][0]["label"], d["links"][0]["uses"], d["links"][0]["last_used"]')" = "Smith family 0 None" ] || fail "link list"
expect 0 link list "$O"
out_lacks "link:"
expect 1 link list Nope
err_has "no album 'Nope'"
expect 2 link list "$W" "$O"
expect 2 link create "$W" --label ""
expect 2 link create "$W" --label "$(printf 'a\tb')"
err_has "--label must not contain control characters"
expect 2 link create "$W" --label "$(head -c 300 /dev/zero | tr '\0' x)"
ok "link list: label, password, grant, state, expiry, uses (no secret); bad labels refused"

# --- user change
expect 0 user change alice@example.com --name "Alice Smith" --uid 4242
expect 0 --json user change ALICE@example.com --uid none
[ "$(py 'd["email"], d["name"], d["uid"]')" = "alice@example.com Alice Smith None" ] || fail "user change --json"
expect 0 user change bob@example.com --uid 4242
snapshot
expect 1 user change alice@example.com --uid 4242
err_has "uid 4242 is already mapped to user 'bob@example.com'"
expect 2 user change alice@example.com
err_has "nothing to change"
expect 2 user change alice@example.com --uid -3
expect 2 user change alice@example.com --uid no-such-login-here
expect 2 user change alice@example.com --name ""
expect 1 user change nobody@example.com --name X
err_has "no user 'nobody@example.com'"
unchanged "refused user changes"
expect 0 activity --kind user-changed --json
[ "$(py 'len(d["events"])')" = 3 ] || fail "user-changed not recorded"
ok "user change: name and uid (none unmaps); a uid taken, no option, bad values, unknown user refused"

# --- the last editor cannot go silently
snapshot
expect 1 team remove-member studio ed@example.com
err_has "would leave album '$W' without an editor"
expect 1 user remove ed@example.com
err_has "would leave album '$W' without an editor"
expect 1 team remove studio
err_has "without an editor"
unchanged "refused removals of the last editor"
expect 2 team remove-member studio
expect 1 team remove-member nope ed@example.com
err_has "no team 'nope'"
expect 1 team remove-member studio alice@example.com
err_has "alice@example.com is not a member of team 'studio'"
ok "removing the last editor is refused (user, member, team); unknown team, a non-member refused"

# --- with another editor, removals go through, grants revoked, activity kept
expect 0 user add eve@example.com
expect 0 grant "$W" --user eve@example.com --role editor --no-prepare
expect 0 --json team remove-member studio ed@example.com
[ "$(py 'd["team"], d["member"]')" = "studio ed@example.com" ] || fail "remove-member --json"
expect 0 team add-member studio ed@example.com
expect 0 --json team remove studio
[ "$(py 'd["removed"], d["grants_revoked"]')" = "studio 1" ] || fail "team remove --json"
expect 0 --json grant list "$W"
[ "$(py "[g['status'] for g in d['grants'] if g['id']==$editor][0]")" = revoked ] || fail "team grant"
expect 0 team list
out_lacks studio
expect 1 team add-member studio ed@example.com
err_has "no team 'studio'"
expect 0 --json user remove alice@example.com
[ "$(py 'd["removed"], d["grants_revoked"]')" = "alice@example.com 1" ] || fail "user remove --json"
expect 0 user list
out_lacks alice@example.com
expect 1 grant "$W" --user alice@example.com --role client
err_has "no user 'alice@example.com'"
expect 1 user remove alice@example.com
err_has "no user 'alice@example.com'"
expect 0 --json activity --person alice@example.com
json_ok
expect 0 --json grant list "$W"
[ "$(py "[g['principal']['name'] for g in d['grants'] if g['id']==$alice][0]")" = alice@example.com ] ||
    fail "the grant no longer names her"
expect 0 user add alice@example.com
expect 0 user list
out_has alice@example.com
expect 0 team add studio
expect 0 activity --json
for k in user-removed team-removed team-member-removed; do
    [ "$(py "len([e for e in d['events'] if e['kind']=='$k'])")" -ge 1 ] || fail "$k not recorded"
done
ok "team remove-member, team remove, user remove: grants revoked, rows and activity kept, added back"

# --- album archive / unarchive
expect 0 album archive "$W"
out_has "archived album $W"
expect 0 album archive "$W"
out_has "archived already"
expect 0 album list
out_match "^$W +[0-9]+ +[0-9]+ +[0-9]+ +archived"
snapshot
expect 1 grant "$W" --user bob@example.com --role client --no-prepare
err_has "album '$W' is archived"
expect 1 link create "$W" --no-prepare
err_has "is archived"
unchanged "no grant or link on an archived album"
expect 0 --json link list "$W"
[ "$(py 'd["links"][0]["status"]')" = archived ] || fail "link of an archived album"
expect 0 ls
out_has "$W"
expect 0 --json album unarchive "$W"
[ "$(py 'd["archived"], d["changed"]')" = "False True" ] || fail "unarchive --json"
expect 0 album unarchive "$W"
out_has "not archived already"
expect 1 album archive Nope
expect 2 album archive
expect 2 album archive "$W" "$O"
expect 0 activity --kind album-archived --json
[ "$(py 'len(d["events"])')" = 1 ] || fail "archived twice in the log"
ok "album archive/unarchive: no new grants or links meanwhile, the owner's ls keeps it, recorded once"

# --- album close
expect 0 --json album close "$W"
json_ok
[ "$(py 'sorted(g["principal"]["kind"] for g in d["revoked"])')" = "['link', 'user']" ] ||
    fail "album close revoked: $(cat "$OUT")"
expect 0 --json grant list "$W"
[ "$(py 'set(g["status"] for g in d["grants"])')" = "{'revoked'}" ] || fail "a grant survived the close"
expect 0 album close "$W"
out_has "0 grants revoked (none was left)"
expect 1 album close Nope
err_has "no album 'Nope'"
expect 0 activity --kind album-closed --json
[ "$(py 'len(d["events"]), d["events"][0]["detail"]')" = "1 2 grants revoked" ] || fail "album-closed"
expect 0 grant "$W" --user bob@example.com --role client --no-prepare
ok "album close: every grant and link revoked at once, recorded; new grants may follow"

# --- album rename onto an existing album is refused
snapshot
expect 1 album rename "$W" "$O"
err_has "album '$O' already exists"
unchanged "rename onto an existing album"
ok "renaming onto an existing album is refused"

# --- status, text and --json
expect 0 user add soon@example.com
expect 0 grant "$O" --user soon@example.com --role client --expires 2d --highres original --limit 10 --no-prepare
soon=$(cat "$OUT")
db "INSERT INTO pool_charges(pool_id, photo_id, grant_id, at) SELECT p.id, ph.id, $soon, 0 FROM pools p, photos ph WHERE p.name = 'soon@example.com' LIMIT 1" || true
expect 0 status
out_match "^albums +2 \(0 archived\)"
out_match "^grants +[0-9]+ live, 1 expiring within 7 days"
out_has "grant $soon: client soon@example.com on $O expires"
out_has "last backup  none"
out_match "^mounts +0"
expect 0 --json status
json_ok
[ "$(py 'sorted(d)')" = "['albums', 'cache', 'grants', 'last_backup', 'last_backup_failure', 'library', 'links', 'mounts', 'outbox', 'people', 'pools_near_empty']" ] ||
    fail "status keys: $(py 'sorted(d)')"
[ "$(py '[g["grant"]["id"] for g in d["grants"]["expiring_within_7_days"]]')" = "[$soon]" ] || fail "expiring"
[ "$(py 'd["last_backup"], d["mounts"], d["outbox"]')" = "None [] {'pending': 0, 'failed': 0}" ] || fail "status"
[ "$(py 'd["people"]["users"], d["links"]["total"], d["links"]["live"]')" = "5 1 0" ] || fail "people/links: $(py 'd["people"], d["links"]')"
expect 2 status extra
# A pool with one photo left of ten is near empty.
db "UPDATE pools SET max_photos = 1 WHERE name = 'soon@example.com'"
expect 0 --json status
[ "$(py '[(p["album"], p["pool"]["name"], p["pool"]["limit"]) for p in d["pools_near_empty"]]')" = \
  "[('$O', 'soon@example.com', 1)]" ] || fail "near-empty pool: $(py 'd["pools_near_empty"]')"
# A stale mount entry (a daemon killed) shows as not running, not up.
mkdir -p "$ALBUMFS_LIBRARY/run"
printf 'pid 999999999\nstarted 1\nserves owner\nmountpoint /nowhere\n' >"$ALBUMFS_LIBRARY/run/albumfs-999999999"
printf 'garbage' >"$ALBUMFS_LIBRARY/run/albumfs-1"
expect 0 --json status
[ "$(py '[(m["pid"], m["running"], m["up"]) for m in d["mounts"]]')" = "[(999999999, False, False)]" ] ||
    fail "stale entry: $(py 'd["mounts"]')"
expect 0 status
out_has "/nowhere  owner  pid 999999999  not running"
ok "status: counts, expiring grants, near-empty pools, outbox, cache, backups, mounts (stale ones too)"

# --- the new verbs' help
for v in "grant change" "link list" "user change" "user remove" "team remove-member" \
    "team remove" "album close" "album archive" "album unarchive" status; do
    # shellcheck disable=SC2086
    expect 0 $v --help
    out_has "usage: albumctl $v"
done
ok "every new verb has --help"
