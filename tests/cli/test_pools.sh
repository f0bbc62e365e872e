#!/usr/bin/env bash
# test_pools.sh — 'albumctl pool list|add|set-limit|reset|charges|join':
# allowance pools shared by grants, their charges, a limit lowered below the
# use, resets, moving grants between pools, the activity they record, and
# refusals (unknown album/pool/grant, a grant of another album, bad limits)
# that change nothing.
#
# Test setup: charges are made by the daemon when a client takes a high-res
# photo; here they are inserted with the sqlite3 CLI.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 album create Other
mkdir -p "$S/in"
for i in 1 2 3 4; do img "$S/in/IMG_$i.jpg"; done
expect 0 import "$W/Ceremony" "$S/in" --no-prepare
for u in alice tom bob carol; do expect 0 user add "$u@example.com"; done
expect 0 team add studio
expect 0 grant "$W" --user alice@example.com --role client --highres original --pool couple \
    --limit 10 --no-prepare
alice=$(cat "$OUT")
expect 0 grant "$W" --user tom@example.com --role client --highres original --no-prepare
tom=$(cat "$OUT")
expect 0 grant "$W" --user bob@example.com --role invited --no-prepare
bob_nohighres=$(cat "$OUT")
expect 0 grant "$W" --team studio --role editor --no-prepare
editor=$(cat "$OUT")
expect 0 grant Other --user carol@example.com --role client --highres original --no-prepare
other=$(cat "$OUT")
expect 0 grant "$W" --user carol@example.com --role client --highres 2000 --no-prepare
revoked=$(cat "$OUT")
expect 0 revoke "$revoked"
expect 0 --json link create "$W" --highres original --no-prepare
link_grant=$(py 'd["grant_id"]')
link_id=$(py 'd["link_id"]')

last_event() { db "SELECT kind || ' ' || actor || ' ' || grant_id || ' ' || detail FROM activity ORDER BY id DESC LIMIT 1"; }

# --- list, add
expect 0 pool list "$W"
err_empty
out_match '^POOL +LIMIT +USED +LEFT +GRANTS$'
out_match "^couple +10 +0 +10 +$alice alice@example.com$"
expect 0 pool list Other
out_is "album Other has no pools; high-res downloads of its grants are unlimited or off"
expect 0 pool add "$W" family --limit 3
out_is "created pool family in $W (limit 3); put grants in it with 'albumctl pool join'"
[ "$(last_event)" = "pool-created owner 0 family: limit 3" ] || fail "pool-created recorded"
expect 0 --json pool add "$W" "Open Bar" --limit unlimited
[ "$(py '(d["album"], d["name"], d["limit"], d["used"], d["left"])')" = \
    "('$W', 'Open Bar', None, 0, None)" ] || fail "pool add JSON"
expect 0 pool add "$W" frozen --limit 0
ok "pool list and pool add (a limit, unlimited, 0)"

# --- join: the two main clients sharing ten
expect 0 pool join "$W" couple "$tom"
out_is "grant $tom (tom@example.com) now draws on pool couple (was: no pool, unlimited)"
[ "$(last_event)" = "pool-joined owner $tom couple (was unlimited)" ] || fail "pool-joined recorded"
expect 0 pool join "$W" couple "$alice" "$link_grant"
out_has "grant $alice (alice@example.com) already draws on pool couple"
out_has "grant $link_grant (link:$link_id) now draws on pool couple (was: no pool, unlimited)"
expect 0 --json pool join "$W" family "$link_grant"
[ "$(py '[(g["id"], g["principal"]["kind"], g["principal"]["id"], g["changed"], g["previous_pool"]) for g in d["grants"]]')" = \
    "[($link_grant, 'link', $link_id, True, 'couple')]" ] || fail "pool join JSON"
[ "$(py 'd["pool"]["name"], d["pool"]["limit"]')" = "family 3" ] || fail "pool join JSON: the pool"
[ "$(last_event)" = "pool-joined owner $link_grant family (was couple)" ] || fail "moved between pools"
expect 0 grant list "$W" --json
[ "$(py "[g['settings']['pool']['name'] for g in d['grants'] if g['id'] in ($alice, $tom)]")" = \
    "['couple', 'couple']" ] || fail "grants draw on couple"
expect 0 pool list "$W" --json
json_ok
[ "$(py '[(p["name"], p["limit"], p["used"], p["left"], [g["id"] for g in p["grants"]]) for p in d["pools"]]')" = \
    "[('Open Bar', None, 0, None, []), ('couple', 10, 0, 10, [$alice, $tom]), ('family', 3, 0, 3, [$link_grant]), ('frozen', 0, 0, 0, [])]" ] ||
    fail "pool list JSON"
[ "$(py '[(g["id"], g["principal"]["kind"], g["principal"]["name"], g["role"], g["status"]) for g in d["pools"][1]["grants"]][0]')" = \
    "($alice, 'user', 'alice@example.com', 'client', 'live')" ] ||
    fail "grant in pool list JSON"
ok "pool join: grants share a pool, moved between pools, recorded"

# --- charges (what the daemon writes when a high-res photo is taken)
photo_id() { db "SELECT id FROM photos WHERE name = '$1'"; }
pool_id() { db "SELECT id FROM pools WHERE name = '$1'"; }
charge() { db "INSERT INTO pool_charges(pool_id, photo_id, grant_id, at) VALUES ($(pool_id "$1"), $(photo_id "$2"), $3, $4)"; }
charge couple IMG_1.jpg "$alice" 1790000000
charge couple IMG_2.jpg "$tom" 1790000100
charge couple IMG_3.jpg "$alice" 1790000200
expect 0 pool charges "$W" couple
err_empty
cat >"$S/want" <<EOF
PHOTO               TAKEN                 GRANT
Ceremony/IMG_1.jpg  2026-09-21T14:13:20Z  $alice alice@example.com
Ceremony/IMG_2.jpg  2026-09-21T14:15:00Z  $tom tom@example.com
Ceremony/IMG_3.jpg  2026-09-21T14:16:40Z  $alice alice@example.com
EOF
diff -u "$S/want" "$OUT" >&2 || fail "pool charges text"
expect 0 pool charges "$W" couple --json
[ "$(py '(d["pool"]["used"], d["pool"]["left"], d["pool"]["limit"])')" = "(3, 7, 10)" ] || fail "charges pool"
[ "$(py '[(c["set"], c["photo"], c["taken"], c["grant_id"], c["principal"]["name"]) for c in d["charges"]][1]')" = \
    "('Ceremony', 'IMG_2.jpg', '2026-09-21T14:15:00Z', $tom, 'tom@example.com')" ] || fail "charges JSON"
expect 0 pool charges "$W" family
out_is "nothing was taken from pool family of $W yet"
expect 0 pool list "$W"
out_match "^couple +10 +3 +7 +$alice alice@example.com, $tom tom@example.com$"
ok "pool charges: which photo, when, through which grant"

# --- set-limit, below the use too
expect 0 pool set-limit "$W" couple 2
out_has "pool couple of $W: limit 10 -> 2, 3 used"
out_has "the pool is over its new limit: no new high-res photo can be taken until the limit is raised"
[ "$(last_event)" = "pool-limit-changed owner 0 couple: 10 -> 2" ] || fail "limit change recorded"
expect 0 pool list "$W"
out_match "^couple +2 +3 +0 \(over by 1\) +"
expect 0 pool set-limit "$W" couple 3
out_has "the pool is used up"
expect 0 --json pool set-limit "$W" couple unlimited
[ "$(py '(d["limit"], d["previous_limit"], d["used"], d["left"], d["over_limit"])')" = \
    "(None, 3, 3, None, False)" ] || fail "set-limit JSON"
expect 0 pool set-limit "$W" couple 12
out_is "pool couple of $W: limit unlimited -> 12, 3 used"
ok "pool set-limit: raised, lowered below the use (said so), unlimited"

# --- reset forgets the charges
expect 0 pool reset "$W" couple
out_is "pool couple of $W: forgot 3 charges; the full limit (12) is available again"
[ "$(last_event)" = "pool-reset owner 0 couple: 3 charges forgotten" ] || fail "reset recorded"
[ "$(db "SELECT count(*) FROM pool_charges")" = 0 ] || fail "charges left"
expect 0 pool charges "$W" couple --json
[ "$(py 'd["charges"], d["pool"]["used"]')" = "[] 0" ] || fail "after reset"
expect 0 --json pool reset "$W" couple
[ "$(py 'd["forgotten"], d["used"], d["left"]')" = "0 0 12" ] || fail "reset JSON"
ok "pool reset: every charge forgotten, recorded"

# --- refusals change nothing
charge couple IMG_4.jpg "$tom" 1790000300
snapshot
db_snapshot
expect 1 pool list "No Album"
err_has "no album 'No Album'"
err_one_line
for sub in "charges" "reset" "set-limit"; do
    extra=()
    [ "$sub" = set-limit ] && extra=(5)
    expect 1 pool "$sub" "$W" nosuch "${extra[@]}"
    err_has "no pool 'nosuch' in album '$W'; see 'albumctl pool list \"$W\"'"
    err_one_line
    expect 1 pool "$sub" Other couple "${extra[@]}"
    err_has "no pool 'couple' in album 'Other'"
    expect 1 pool "$sub" "No Album" couple "${extra[@]}"
done
expect 1 pool add "$W" couple --limit 4
err_has "album '$W' already has a pool 'couple'"
err_one_line
expect 1 pool add "No Album" x --limit 4
expect 2 pool add "$W" newpool
err_has "--limit N|unlimited is required"
for bad in -1 -5 ten 1.5 ""; do
    expect 2 pool add "$W" newpool --limit "$bad"
    err_has "--limit must be a whole number of at least 0"
    err_one_line
done
for bad in ten 1.5 ""; do
    expect 2 pool set-limit "$W" couple "$bad"
    err_has "the limit must be a whole number of at least 0"
done
expect 2 pool set-limit "$W" couple -1
err_has "no value here may be negative"
err_one_line
expect 2 pool add "$W" "bad/name" --limit 1
err_has "invalid pool name"
expect 2 pool add "$W" " lead" --limit 1
expect 2 pool set-limit "$W" couple
expect 2 pool reset "$W"
expect 2 pool charges "$W" couple extra
expect 2 pool list
expect 2 pool frobnicate
# join: unknown grant, another album's, revoked, editor, no high-res, bad ids
expect 1 pool join "$W" couple 999
err_has "no grant 999"
err_one_line
expect 1 pool join "$W" couple "$other"
err_has "grant $other is on album 'Other', not '$W'"
expect 1 pool join "$W" couple "$revoked"
err_has "grant $revoked is revoked"
expect 1 pool join "$W" couple "$editor"
err_has "editor"
expect 1 pool join "$W" couple "$bob_nohighres"
err_has "gives no high-res downloads"
# All or nothing: a good grant before a bad one is not moved.
expect 1 pool join "$W" family "$tom" "$other"
err_has "grant $other is on album 'Other'"
expect 1 pool join "$W" nosuch "$tom"
err_has "no pool 'nosuch'"
expect 2 pool join "$W" couple
err_has "expected ALBUM POOL GRANT_ID..."
for bad in 0 x 1x; do
    expect 2 pool join "$W" couple "$bad"
    err_has "GRANT_ID must be a whole number"
done
expect 2 pool join "$W" couple -3
err_has "no value here may be negative"
unchanged "refused pool commands"
db_unchanged "refused pool commands"
ok "pool refusals: unknown album/pool/grant, another album's grant, revoked, editor, no high-res (1); bad limits, names, ids, arguments (2)"
