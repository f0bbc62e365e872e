#!/usr/bin/env bash
# test_link_doors.sh — one link, two doors at the command line (issue 12):
# `link create --client-password-file [--client-settings]` and `link
# change`, their refusals (the same password twice, a client password
# without the link's own, settings without a client password, unknown or
# malformed settings, short and unreadable password files, an archived
# album, a door named instead of its link, nothing to remove), each leaving
# the library as it was; what a door looks like in `link list`, `grant
# list`, the activity, `ls --link`; revoking the link closing its door.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 set create "$W" "Getting Ready" --visibility client
(umask 077
 printf 'the guests password\n' >"$S/pw-g"
 printf 'the clients password\n' >"$S/pw-c"
 printf 'another client password\n' >"$S/pw-c2"
 printf 'short\n' >"$S/pw-short"
 printf 'x%.0s' {1..1100} >"$S/pw-long")
links() { db "SELECT count(*) FROM links"; }

# --- refusals at create: nothing changes
snapshot
n=$(links)
refuse() { # refuse CODE MESSAGE ARGS...: refused with CODE, one line saying MESSAGE, nothing made
    local code=$1 msg=$2
    shift 2
    expect "$code" "$@"
    err_has "$msg"
    err_one_line
    [ ! -s "$OUT" ] || fail "a refused command printed: $(cat "$OUT")"
}
refuse 2 "must differ" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-g" --no-prepare
refuse 2 "needs --password-file" link create "$W" --client-password-file "$S/pw-c" --no-prepare
refuse 2 "go with --client-password-file" link create "$W" --password-file "$S/pw-g" --client-settings web=on --no-prepare
refuse 2 "not 'bogus=on'" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-c" --client-settings bogus=on --no-prepare
refuse 2 "not 'web'" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-c" --client-settings web --no-prepare
refuse 2 "--web" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-c" --client-settings web=maybe --no-prepare
refuse 2 "client password must be at least 8" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-short" --no-prepare
refuse 2 "at most 1024" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-long" --no-prepare
refuse 1 "cannot read password file" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/nothing" --no-prepare
refuse 2 "mark-private" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-c" --client-settings mark-private=on --mark-private on --no-prepare
[ "$(links)" = "$n" ] || fail "a refused link create made a link"
unchanged "refused link creates"
ok "link create: the same password twice, a client password without the link's, stray or bad client settings, bad password files: refused, nothing made"

# --- a link with two doors
expect 0 --json link create "$W" --label Smiths --password-file "$S/pw-g" \
    --client-password-file "$S/pw-c" --client-settings web=on --client-settings expires=30d --no-prepare
json_ok
TOKEN=$(py 'd["token"]') LINK=$(py 'd["link_id"]') DOOR=$(py 'd["client_link_id"]') DG=$(py 'd["client_grant_id"]')
[ "$(db "SELECT role, web_downloads, highres, expires > 0 FROM grants WHERE id = $DG")" = "3|1|0|1" ] ||
    fail "the door's grant: $(db "SELECT role, web_downloads, highres, expires FROM grants WHERE id = $DG")"
expect 0 link list "$W"
out_match "^link:$DOOR +$W +client door of link:$LINK +yes +$DG +live"
expect 0 --json link list "$W"
[ "$(py "[l['client_door'] for l in d['links'] if l['id']==$LINK][0]")" = "$DOOR" ] || fail "link list --json: no client_door"
[ "$(py "[l['client_door_of'] for l in d['links'] if l['id']==$DOOR][0]")" = "$LINK" ] || fail "link list --json: no client_door_of"
expect 0 activity "$W"
out_match "link-created +owner .*link:$LINK with password, label Smiths, client door link:$DOOR"
printf '%s\n' "$TOKEN" >"$S/tok"
expect 0 ls --link "$TOKEN" --password-file "$S/pw-g" "$W"
out_has "(guest)"
out_lacks "Getting Ready"
expect 0 ls --link "$TOKEN" --password-file "$S/pw-c" "$W"
out_has "(client)"
out_has "Getting Ready"
expect 1 ls --link "$TOKEN" --password-file "$S/pw-c2" "$W"
err_has "wrong password for this link"
[ "$(db "SELECT detail FROM activity WHERE kind = 'link-password-wrong'")" = "link:$LINK, tried on the guest and client doors" ] ||
    fail "the wrong password recorded as: $(db "SELECT actor, detail FROM activity WHERE kind = 'link-password-wrong'")"
ok "link create with two doors: one token; the door in link list, grant settings least-privilege but what was given, activity; ls --link by each password"

# --- refusals at change: nothing changes
n_act=$(db "SELECT count(*) FROM activity")
snapshot
refuse 2 "must differ" link change "link:$LINK" --client-password-file "$S/pw-g"
refuse 2 "give one of" link change "link:$LINK"
refuse 2 "give one of" link change "link:$LINK" --no-client-password --client-password-file "$S/pw-c2"
refuse 2 "expected one LINK" link change --no-client-password
refuse 2 "is the client door of link:$LINK" link change "link:$DOOR" --no-client-password
refuse 1 "no link 999" link change link:999 --no-client-password
refuse 2 "whole number" link change link:x --no-client-password
refuse 2 "go with --client-password-file" link change "link:$LINK" --no-client-password --client-settings web=on
refuse 2 "grant change" link change "link:$LINK" --client-password-file "$S/pw-c2" --client-settings web=off
refuse 2 "client password must be at least 8" link change "link:$LINK" --client-password-file "$S/pw-short"
expect 0 link create "$W" --no-prepare # no password of its own
OPEN=$(db "SELECT max(id) FROM links")
refuse 2 "has no password of its own" link change "link:$OPEN" --client-password-file "$S/pw-c"
refuse 1 "has no client password" link change "link:$OPEN" --no-client-password
snapshot
n_act=$(db "SELECT count(*) FROM activity")
refuse 2 "must differ" link change "link:$LINK" --client-password-file "$S/pw-g"
unchanged "refused link changes"
[ "$(db "SELECT count(*) FROM activity")" = "$n_act" ] || fail "a refused change was recorded"
ok "link change: the guest password, no or both actions, a door, unknown links, stray settings, a link without a password: refused, nothing changed"

# --- replace, remove, set again
expect 0 link change "link:$LINK" --client-password-file "$S/pw-c2"
out_is "link:$LINK: client password replaced"
expect 1 ls --link "$TOKEN" --password-file "$S/pw-c" "$W"
expect 0 ls --link "$TOKEN" --password-file "$S/pw-c2" "$W"
out_has "(client)"
expect 0 link change "link:$LINK" --no-client-password
out_is "link:$LINK: client password removed"
[ "$(db "SELECT revoked > 0 FROM grants WHERE id = $DG")" = 1 ] || fail "removing the client password left its grant"
expect 1 ls --link "$TOKEN" --password-file "$S/pw-c2" "$W"
err_has "wrong password for this link"
expect 1 link change "link:$LINK" --no-client-password
err_has "has no client password"
expect 0 --json link change "link:$LINK" --client-password-file "$S/pw-c" --client-settings highres=original
json_ok
[ "$(py 'd["client_link_id"]')" = "$DOOR" ] || fail "setting it again made another door: $(cat "$OUT")"
DG2=$(py 'd["client_grant_id"]')
[ "$(db "SELECT role, highres, revoked FROM grants WHERE id = $DG2")" = "3|2|0" ] || fail "the new door grant"
expect 0 activity "$W"
out_match "link-changed +owner .*link:$LINK client password replaced \\(client door link:$DOOR\\)"
out_match "link-changed +owner .*link:$LINK client password removed"
out_match "link-changed +owner .*link:$LINK client password set"
ok "link change: replace (the old password now wrong), remove (its grant revoked), set again (the same door, a new grant); each in the activity"

# --- revoking the link closes its door
G=$(db "SELECT id FROM grants WHERE link_id = $LINK")
expect 0 revoke "$G"
[ "$(db "SELECT count(*) FROM grants WHERE link_id = $DOOR AND revoked = 0")" = 0 ] || fail "the door's grant outlived its link's"
expect 1 ls --link "$TOKEN" --password-file "$S/pw-c" "$W"
err_has "expired or was revoked"
expect 1 ls --link "$TOKEN" --password-file "$S/pw-g" "$W"
err_has "expired or was revoked"
ok "revoking the link's grant revokes its door's; both passwords meet a revoked link"

# --- an archived album takes no new door
expect 0 link create "$W" --password-file "$S/pw-g" --no-prepare
L3=$(db "SELECT max(id) FROM links")
expect 0 album archive "$W"
snapshot
refuse 1 "archived" link change "link:$L3" --client-password-file "$S/pw-c"
refuse 1 "archived" link create "$W" --password-file "$S/pw-g" --client-password-file "$S/pw-c" --no-prepare
unchanged "an archived album's doors"
ok "an archived album: no client door made or opened"
