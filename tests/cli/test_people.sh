#!/usr/bin/env bash
# test_people.sh — users and teams: adding, listing, bad e-mail addresses
# and names, duplicates, uids, team membership. Every refusal leaves the
# library as it was.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

expect 0 init

# --- users
expect 0 user add alice@example.com --name "Alice Smith"
expect 0 user add bob@example.com --uid 1234
expect 0 --json user add "zoë@exämple.com" --name "Zoë Müller"
json_ok
[ "$(py 'd["email"]')" = "zoë@exämple.com" ] || fail "user add --json"
expect 0 user add root-user@example.com --uid root
expect 0 user list
out_has "alice@example.com"
out_has "Alice Smith"
out_has "1234"
out_has "Zoë Müller"
expect 0 user list --json
json_ok
[ "$(py 'len(d["users"])')" = 4 ] || fail "four users expected"
[ "$(py '[u["uid"] for u in d["users"] if u["email"]=="bob@example.com"][0]')" = 1234 ] || fail "uid 1234"
[ "$(py '[u["uid"] for u in d["users"] if u["email"]=="alice@example.com"][0]')" = None ] || fail "no uid is null"
[ "$(py '[u["uid"] for u in d["users"] if u["email"]=="root-user@example.com"][0]')" = 0 ] || fail "--uid root is 0"
ok "users added and listed (text and JSON, UTF-8, uid by number and login)"

snapshot
for bad in "" "alice" "alice@" "@example.com" "al ice@example.com" "alice@example" \
    $'alice\n@example.com' $'alice@exa\tmple.com' "a,b@example.com" "<a@example.com>" \
    "a@@example.com" "$(printf 'x%.0s' {1..250})@example.com" $'\xff@example.com'; do
    expect 2 user add "$bad"
    err_has "is not an e-mail address"
    err_one_line
done
unchanged "bad e-mail addresses"
ok "bad e-mail addresses refused (exit 2)"

expect 1 user add alice@example.com
err_has "user 'alice@example.com' already exists"
err_one_line
expect 1 user add carol@example.com --uid 1234
err_has "uid 1234 is already mapped to user 'bob@example.com'"
expect 2 user add carol@example.com --uid -5
expect 2 user add carol@example.com --uid no-such-login-here
err_has "neither a number nor a local account"
expect 2 user add carol@example.com --uid 99999999999
expect 2 user add carol@example.com --name $'Carol\nEvil'
err_has "control characters"
expect 2 user add carol@example.com --name "$(printf 'n%.0s' {1..256})"
expect 2 user add carol@example.com --name
err_has "needs a value"
expect 2 user add carol@example.com dave@example.com
expect 2 user add carol@example.com --bogus
err_has "unknown option '--bogus'"
unchanged "duplicate users and bad options"
ok "duplicates and bad options refused, nothing changed"

# --- teams
expect 0 team add studio
expect 0 team add "Studio Zürich"
expect 0 team add-member studio alice@example.com
expect 0 team add-member studio bob@example.com
expect 0 team add-member "Studio Zürich" "zoë@exämple.com"
expect 0 team list
out_has "alice@example.com, bob@example.com"
out_has "Studio Zürich"
expect 0 team list --json
json_ok
[ "$(py '[t["members"] for t in d["teams"] if t["name"]=="studio"][0]')" = "['alice@example.com', 'bob@example.com']" ] ||
    fail "team members"
ok "teams and members"

snapshot
expect 1 team add studio
err_has "team 'studio' already exists"
for bad in "" "a/b" "." ".." $'a\nb' $'\x01x' " leading" $'\xff' "$(printf 't%.0s' {1..256})"; do
    expect 2 team add "$bad"
    err_has "invalid team name"
    err_one_line
done
expect 1 team add-member nosuchteam alice@example.com
err_has "no team 'nosuchteam'; create it with 'albumctl team add nosuchteam'"
expect 1 team add-member studio nobody@example.com
err_has "no user 'nobody@example.com'; add them with 'albumctl user add nobody@example.com'"
err_one_line
expect 1 team add-member studio alice@example.com
err_has "already a member"
expect 2 team add-member studio
expect 2 team add
unchanged "team refusals"
ok "team refusals (duplicate, bad names, unknown team/user, double membership)"

# A 255-byte name is fine, 256 is not.
expect 0 team add "$(printf 'T%.0s' {1..255})"
ok "255-byte team name"
