#!/usr/bin/env bash
# test_claims.sh — grants claimed through share links, as albumctl shows
# and revokes them: `grant list` names the link (VIA in text, via_link in
# JSON); `revoke` of a link's grant revokes the grants claimed through it
# (each recorded), `--keep-claims` keeps them, and is refused for a grant
# that is not a link's. A claim is made by a mount (tests/mount/
# test_claims.sh); here the catalog row is written directly, as a mount
# would leave it.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 album create Other
for p in anna ben carl; do expect 0 user add "$p@example.com"; done
expect 0 --json link create "$W" --no-prepare
link1=$(py 'd["link_id"]')
link1_grant=$(py 'd["grant_id"]')
expect 0 --json link create "$W" --no-prepare
link2_grant=$(py 'd["grant_id"]')
link2=$(py 'd["link_id"]')
# claim USER LINK [ALBUM]: a grant of USER claimed through LINK; prints its id.
claim() {
    expect 0 grant "${3:-$W}" --user "$1" --role invited --no-prepare
    db "UPDATE grants SET via_link_id = $2 WHERE id = $(cat "$OUT")"
    cat "$OUT"
}
anna=$(claim anna@example.com "$link1")
ben=$(claim ben@example.com "$link1")
carl=$(claim carl@example.com "$link2")
expect 0 grant Other --user ben@example.com --role invited --no-prepare
ben_other=$(cat "$OUT")

# --- grant list: VIA and via_link
expect 0 grant list "$W"
out_match "^ID +ALBUM +PRINCIPAL +ROLE +EXPIRES +STATUS +VIA +SETTINGS"
out_match "^$anna +$W +anna@example.com +invited +never +live +link:$link1 +proof"
out_match "^$carl +$W +carl@example.com +invited +never +live +link:$link2 +proof"
out_match "^$link1_grant +$W +link:$link1 +guest +never +live +- +proof"
expect 0 --json grant list
json_ok
[ "$(py "{g['id']: g['via_link'] for g in d['grants']}")" = \
    "{$link1_grant: None, $link2_grant: None, $anna: $link1, $ben: $link1, $carl: $link2, $ben_other: None}" ] ||
    fail "via_link in JSON"
ok "grant list shows which grants came through which link"

# --- --keep-claims only with a link's grant
expect 2 revoke "$anna" --keep-claims
err_has "--keep-claims goes with a link's grant; grant $anna is anna@example.com's"

# --- revoking a link takes its claims, on its album only
events=$(db "SELECT count(*) FROM activity WHERE kind = 'grant-revoked'")
expect 0 revoke "$link1_grant"
out_has "revoked grant $link1_grant (link:$link1 on $W)"
out_has "revoked grant $anna (anna@example.com on $W, claimed through link:$link1)"
out_has "revoked grant $ben (ben@example.com on $W, claimed through link:$link1)"
[ "$(wc -l <"$OUT")" = 3 ] || fail "revoked more than the link and its claims"
expect 0 --json grant list
[ "$(py "sorted(g['id'] for g in d['grants'] if g['status'] == 'revoked')")" = \
    "[$link1_grant, $anna, $ben]" ] || fail "revoked: $(cat "$OUT")"
[ "$(db "SELECT count(*) FROM activity WHERE kind = 'grant-revoked'")" = $((events + 3)) ] ||
    fail "the claims' revocations are not recorded"
[ "$(db "SELECT detail FROM activity WHERE kind = 'grant-revoked' AND grant_id = $ben")" = \
    "invited ben@example.com (claimed through link:$link1)" ] || fail "claim revocation detail"
ok "revoking a link revokes the grants claimed through it, recorded"

# --- --keep-claims
expect 0 --json revoke "$link2_grant" --keep-claims
json_ok
[ "$(py 'd["status"], d["claims_revoked"]')" = "revoked []" ] || fail "keep-claims JSON"
expect 0 --json grant list
[ "$(py "[g['status'] for g in d['grants'] if g['id'] == $carl][0]")" = live ] ||
    fail "--keep-claims revoked the claim"
ok "revoke --keep-claims keeps them"
