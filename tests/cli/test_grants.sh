#!/usr/bin/env bash
# test_grants.sh — issuing grants and links with settings, the refusals
# (unknown person/album/role, past expiry, short link password, settings a
# role may not have, pool conflicts), grant list, and revoke.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 set create "$W" "Getting Ready" --visibility client
expect 0 set create "$W" "A, B" --visibility public
expect 0 user add alice@example.com
expect 0 user add bob@example.com
expect 0 user add carol@example.com
expect 0 team add studio
expect 0 team add-member studio carol@example.com

# --- a client grant with settings; the id on stdout
expect 0 grant "$W" --user alice@example.com --role client --expires 30d --web on \
    --web-edge 1600 --highres original --limit 10 --watermark-proofs off --notify on \
    --download-sets "Ceremony,Getting Ready" --metadata keep-all --recipient-mark on
alice=$(cat "$OUT")
[[ "$alice" =~ ^[0-9]+$ ]] || fail "grant did not print an id"
err_empty
expect 0 grant list "$W" --json
json_ok
g() { py "[g for g in d['grants'] if g['id']==$alice][0]$1"; }
[ "$(g '["role"]')" = client ] || fail "role"
[ "$(g '["status"]')" = live ] || fail "status"
[ "$(g '["principal"]["name"]')" = alice@example.com ] || fail "principal"
[ "$(g '["expires"] is not None')" = True ] || fail "expires"
[ "$(g '["settings"]["web_edge"]')" = 1600 ] || fail "web edge"
[ "$(g '["settings"]["web"]')" = True ] || fail "web"
[ "$(g '["settings"]["highres"]')" = original ] || fail "highres"
[ "$(g '["settings"]["watermark_proofs"]')" = False ] || fail "watermark proofs"
[ "$(g '["settings"]["notify"]')" = True ] || fail "notify"
[ "$(g '["settings"]["recipient_mark"]')" = True ] || fail "recipient mark"
[ "$(g '["settings"]["metadata"]')" = keep-all ] || fail "metadata"
[ "$(g '["settings"]["pool"]["name"]')" = alice@example.com ] || fail "pool named after the person"
[ "$(g '["settings"]["pool"]["limit"]')" = 10 ] || fail "pool limit"
[ "$(g '["settings"]["download_sets"]')" = "['Ceremony', 'Getting Ready']" ] || fail "download sets"
ok "client grant with every kind of setting"

# --- a shared pool, a team grant, --highres PX, 'grant add' spelled out, --json
expect 0 --json grant add "$W" --user bob@example.com --role client --highres 3000 --pool alice@example.com
json_ok
[ "$(py 'd["settings"]["pool"]["name"]')" = alice@example.com ] || fail "shared pool"
[ "$(py 'd["settings"]["highres"], d["settings"]["highres_edge"]')" = "max-edge 3000" ] || fail "highres PX"
expect 0 grant "$W" --team studio --role editor
expect 0 grant "$W" --user bob@example.com --role invited --download-sets "A, B" --expires never
expect 0 grant list
out_match "team:studio +editor +never +live"
ok "pool shared with --pool, team grants, --highres PX, a set name with a comma"

# --- refusals; each leaves the library as it was
snapshot
expect 1 grant "$W" --user nobody@example.com --role client
err_has "no user 'nobody@example.com'; add them with 'albumctl user add nobody@example.com'"
err_one_line
expect 1 grant "$W" --team nosuch --role editor
err_has "no team 'nosuch'; create it with 'albumctl team add nosuch'"
expect 1 grant "No Album" --user alice@example.com --role client
err_has "no album 'No Album'"
expect 2 grant "$W" --user alice@example.com --role owner
err_has "--role is client, invited or editor"
expect 2 grant "$W" --user alice@example.com --role superuser
expect 2 grant "$W" --user alice@example.com --role guest
err_has "albumctl link create"
expect 2 grant "$W" --user alice@example.com
err_has "--role is required"
expect 2 grant "$W" --role client
err_has "--user EMAIL or --team TEAM"
expect 2 grant "$W" --user alice@example.com --team studio --role client
expect 2 grant "$W" --user alice@example.com --role client --expires 2020-01-01
err_has "is in the past"
err_one_line
expect 2 grant "$W" --user alice@example.com --role client --expires "$(date -u -d '-1 hour' '+%Y-%m-%d %H:%M')"
err_has "is in the past"
expect 2 grant "$W" --user alice@example.com --role client --expires tomorrow
err_has "--expires takes a date"
expect 2 grant "$W" --user bob@example.com --role invited --mark-private on
err_has "an invited grant cannot have --mark-private on"
expect 2 grant "$W" --user alice@example.com --role client --proof-edge 10
err_has "cannot have --proof-edge 10"
expect 2 grant "$W" --user alice@example.com --role client --web maybe
err_has "'on' or 'off'"
expect 2 grant "$W" --user alice@example.com --role client --highres huge
expect 2 grant "$W" --user alice@example.com --role client --metadata some
expect 2 grant "$W" --user alice@example.com --role client --limit 5
err_has "add --highres"
expect 2 grant "$W" --user alice@example.com --role client --limit -3 --highres original
expect 2 grant "$W" --user alice@example.com --role client --web off --web-edge 1000
expect 1 grant "$W" --user alice@example.com --role client --highres original --pool nosuchpool
err_has "no pool 'nosuchpool' in album '$W'; give --limit N to create it"
expect 1 grant "$W" --user alice@example.com --role client --highres original --pool alice@example.com --limit 3
err_has "already has a limit of 10"
expect 1 grant "$W" --user alice@example.com --role client --download-sets "Ceremony,Nope"
err_has "no set 'Nope' in album '$W'"
expect 2 grant "$W" "$W" --user alice@example.com --role client
unchanged "refused grants"
ok "grant refusals: unknown person/team/album/role, past or bad expiry, role limits, pools, sets"

# --- links
printf 'open sesame\n' >"$S/pw"
printf 'short\n' >"$S/short"
expect 0 link create "$W" --password-file "$S/pw" --expires 2w
token=$(cat "$OUT")
[[ "$token" =~ ^[a-z2-7]{52}$ ]] || fail "token is not 52 base32 characters: $token"
expect 0 --json link create "$W"
json_ok
[ "$(py 'd["grant"]["role"]')" = guest ] || fail "a link's grant is a guest grant"
[ "$(py 'd["grant"]["principal"]["kind"]')" = link ] || fail "principal kind link"
[ "$(py 'len(d["token"])')" = 52 ] || fail "json token"
link_grant=$(py 'd["grant_id"]')
# The token itself is never stored.
grep -rqF "$token" "$ALBUMFS_LIBRARY" && fail "the token is stored in the library"
snapshot
expect 2 link create "$W" --password-file "$S/short"
err_has "link password must be at least 8 characters"
err_one_line
expect 1 link create "$W" --password-file "$S/nonexistent"
err_has "cannot read password file"
expect 1 link create "No Album"
expect 2 link create "$W" --mark-private on
err_has "a guest grant cannot have --mark-private on"
expect 2 link create "$W" --expires 2001-01-01
unchanged "refused links"
ok "links: token once, guest grant, password rules"

# --- revoke
expect 0 revoke "$alice"
out_has "revoked grant $alice"
snapshot
expect 1 revoke "$alice"
err_has "grant $alice is already revoked"
err_one_line
expect 1 revoke 99999
err_has "no grant 99999; see 'albumctl grant list'"
expect 2 revoke abc
expect 2 revoke -- -1
expect 2 revoke
unchanged "refused revokes"
expect 0 revoke "$link_grant" --json
json_ok
expect 0 grant list --json
[ "$(g '["status"]')" = revoked ] || fail "revoked grant listed as revoked"
[ "$(g '["revoked"] is not None')" = True ] || fail "revocation time"
expect 0 grant list "$W"
out_match "^$alice +$W +alice@example.com +client +.* +revoked +"
ok "revoke: once, not twice, unknown ids; listed as revoked"

# --- an expiring grant turns to expired
# (20 s ahead: albumctl refuses a time already past, and a loaded machine
# can take seconds to start it; then wait, polling, until it has passed)
expect 0 grant "$W" --user carol@example.com --role invited --expires "$(in_the_future 20)"
short=$(cat "$OUT")
status=
for _ in $(seq 60); do
    expect 0 grant list --json
    status=$(py "[g['status'] for g in d['grants'] if g['id']==$short][0]")
    [ "$status" = expired ] && break
    sleep 1
done
[ "$status" = expired ] || fail "expired status: $status"
ok "expired grants are listed as expired"
