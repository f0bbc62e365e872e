#!/usr/bin/env bash
# test_claims.sh — a share link plus an e-mail address (SPEC §3: "gets
# access of their own only after confirming that address; until then they
# have exactly the link's rights. Naming someone else's address never opens
# that person's world"; issue 7 finding 2).
#   - `--link TOKEN --email client@…` without a code: exactly the link's
#     view (no client-only set, no private photo, no other album, no
#     favourites), a code mailed to client@ through the notification
#     command, "link-claim-code-sent" recorded;
#   - a wrong code, a code file others can read, an expired code: refused,
#     recorded; the right code opens the client's world ("link-claimed");
#     the same code again is refused; five wrong tries spend a code;
#   - an address new to the library, confirmed: an invited user whose grant
#     `albumctl grant list` shows as claimed through the link; they
#     favourite under their own name;
#   - revoking the link revokes that grant too, and their live mount loses
#     the album within LIMIT; `revoke --keep-claims` keeps a claim.
source "$(dirname "$0")/lib.sh"

LIMIT=1.5 LIMIT_MS=1500
standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
MD=$S/Maildir
ctl notify settings --owner owner@studio.example \
    --command "$TESTS_DIR/cli/maildir-deliver.sh '$MD'" >/dev/null
LINK_ID=$(sqlite3 "$CAT" "SELECT link_id FROM grants WHERE id = $G_LINK")
SENT_MSG='^albumfs: a confirmation code was sent to [a-z0-9.]+@example\.com; mount again with --code-file FILE'

# mails_to ADDR N: N messages to ADDR were delivered.
mails_to() { [ "$(grep -lx "To: $1" "$MD"/new/* 2>/dev/null | wc -l)" = "$2" ]; }
# code_for ADDR N: wait for the Nth message to ADDR, print the code in the newest.
code_for() {
    local f
    wait_for 15 mails_to "$1" "$2" || fail "no confirmation code delivered to $1 within 15 s"
    f=$(grep -lx "To: $1" "$MD"/new/* | xargs ls -t | head -1)
    grep -oE '^    [a-z2-7]{5}-[a-z2-7]{5}$' "$f" | tr -d ' '
}
# code_file NAME CODE: a private file holding CODE; prints its path.
mkdir "$S/codes"
code_file() {
    (umask 077 && printf '%s\n' "$2" >"$S/codes/$1")
    echo "$S/codes/$1"
}
# ask_code MNT TOKEN ADDR: mount with an address and no code (the link's
# view), and unmount once the daemon has settled (raised the read-ahead
# window a tick after INIT: unmounting before that makes it complain).
settled() { [ "$(cat "/sys/class/bdi/$(mountpoint -d "$1")/read_ahead_kb")" = 4096 ]; }
ask_code() {
    ALLOW_STDERR=$SENT_MSG mount_fs "$1" --link "$2" --email "$3"
    wait_for 10 settled "$1" || fail "read-ahead of $1 not raised within 10 s"
    umount_fs "$1"
}
activity() { sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = '$1' AND detail LIKE '%$2%'"; }

# --- an address alone: the link's view, and a code on its way
M=$S/asked
ALLOW_STDERR=$SENT_MSG mount_fs "$M" --link "$TOKEN" --email client@example.com
grep -qE "$SENT_MSG" "$M.err" || fail "not told about the code: $(cat "$M.err")"
[ "$(ls "$M")" = "$W" ] || fail "root lists $(ls "$M" | tr '\n' ' ')"
[ "$(ls "$M/$W" | tr '\n' ' ')" = "Ceremony Photos READ ME.txt " ] || fail "album lists $(ls "$M/$W" | tr '\n' ' ')"
expect_later ENOENT stat "$M/$W/Getting Ready"
expect_later ENOENT stat "$M/$W/Outtakes"
expect_later ENOENT stat "$M/$W/Ceremony/IMG_0005.jpg"
expect_later ENOENT stat "$M/$OTHER"
expect_later ENOENT stat "$M/$W/Favourites"
expect_now
! ls "$M/$W/Ceremony" | grep -q IMG_0005 || fail "the private photo is listed"
CODE=$(code_for client@example.com 1)
[ -n "$CODE" ] || fail "no code in the message: $(cat "$MD"/new/*)"
grep -qF "$W" "$(grep -lx "To: client@example.com" "$MD"/new/*)" || fail "the message does not name the album"
[ "$(activity link-claim-code-sent client@example.com)" = 1 ] || fail "code not recorded as sent"
plain=${CODE/-/}
sqlite3 "$CAT" ".dump claim_codes" >"$S/codes.sql"
! grep -qiF -e "$plain" -e "$(printf %s "$plain" | od -An -tx1 | tr -d ' \n')" "$S/codes.sql" ||
    fail "the code is stored in the clear"
umount_fs "$M"
ok "an address without a code: exactly the link's view; a code is mailed there and recorded"

# --- refusals: wrong code, a code file others can read, an empty one
WRONG=aaaaa-aaaaa
[ "$CODE" != "$WRONG" ] || WRONG=bbbbb-bbbbb
mount_refused "$S/wrong" "wrong confirmation code" --link "$TOKEN" --email client@example.com \
    --code-file "$(code_file wrong "$WRONG")"
[ "$(activity link-claim-code-wrong 'client@example.com: wrong code')" = 1 ] || fail "wrong code not recorded"
printf '%s\n' "$CODE" >"$S/codes/open" && chmod 644 "$S/codes/open"
mount_refused "$S/open" "the code file can be read by other users" --link "$TOKEN" \
    --email client@example.com --code-file "$S/codes/open"
mount_refused "$S/empty" "the code file holds no code" --link "$TOKEN" \
    --email client@example.com --code-file "$(code_file empty '')"
mount_refused "$S/nolink" "--code-file goes with --email" --link "$TOKEN" --code-file "$S/codes/empty"
ok "a wrong code, a readable code file and an empty one are refused; the wrong code is recorded"

# --- the right code: the client's own world
M=$S/confirmed
mount_fs "$M" --link "$TOKEN" --email client@example.com --code-file "$(code_file right "$CODE")"
there "$M/$W/Getting Ready/IMG_0003.jpg" || fail "the confirmed client does not see the client-only set"
there "$M/$W/Ceremony/IMG_0005.jpg" || fail "the confirmed client does not see the private photo"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-claimed' AND actor = 'client@example.com' AND grant_id = $G_CLIENT")" = 1 ] ||
    fail "the claim is not recorded with the client's grant"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM grants WHERE via_link_id IS NOT NULL")" = 0 ] ||
    fail "a second grant for a client who already had one"
umount_fs "$M"
mount_refused "$S/again" "no confirmation code is waiting" --link "$TOKEN" \
    --email client@example.com --code-file "$S/codes/right"
ok "the right code opens the client's world, once; the claim is recorded"

# --- an expired code; a code spent by five wrong tries
ask_code "$S/late" "$TOKEN" client@example.com
CODE=$(code_for client@example.com 2)
sqlite3 "$CAT" "UPDATE claim_codes SET expires = created - 1 WHERE id = (SELECT max(id) FROM claim_codes)"
mount_refused "$S/late" "the confirmation code has expired" --link "$TOKEN" \
    --email client@example.com --code-file "$(code_file late "$CODE")"
ask_code "$S/guess" "$TOKEN" client@example.com
CODE=$(code_for client@example.com 3)
for i in 1 2 3 4; do
    mount_refused "$S/guess$i" "wrong confirmation code" --link "$TOKEN" \
        --email client@example.com --code-file "$S/codes/wrong" >/dev/null
done
mount_refused "$S/guess5" "that was the last try" --link "$TOKEN" \
    --email client@example.com --code-file "$S/codes/wrong"
mount_refused "$S/guess6" "too many wrong confirmation codes" --link "$TOKEN" \
    --email client@example.com --code-file "$(code_file guessed "$CODE")"
ok "an expired code and a code after five wrong tries are refused"

# --- a fourth code within 30 minutes is not sent; the link's view still mounts
M=$S/limited
ALLOW_STDERR='^albumfs: no new confirmation code for client@example\.com' \
    mount_fs "$M" --link "$TOKEN" --email client@example.com
grep -q "no new confirmation code for client@example.com: 3 were sent" "$M.err" ||
    fail "rate limit not explained: $(cat "$M.err")"
! there "$M/$W/Getting Ready" || fail "a rate-limited claim sees the client-only set"
wait_for 10 settled "$M" || fail "read-ahead of $M not raised within 10 s"
umount_fs "$M"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM claim_codes")" = 3 ] || fail "a fourth code was made"
ok "codes are rate-limited per link and address"

# --- a new address, confirmed: an invited user with a grant through the link
M=$S/newcomer
ask_code "$M" "$TOKEN" newcomer@example.com
CODE=$(code_for newcomer@example.com 1)
mount_fs "$M" --link "$TOKEN" --email newcomer@example.com --code-file "$(code_file newcomer "$CODE")"
[ "$(ls "$M/$W" | tr '\n' ' ')" = "Ceremony Favourites Photos READ ME.txt " ] || fail "newcomer's album lists $(ls "$M/$W" | tr '\n' ' ')"
touch "$M/$W/Favourites/Ceremony/IMG_0002.jpg" || fail "the newcomer cannot favourite"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'favourite-added' AND actor = 'newcomer@example.com'")" = 1 ] ||
    fail "the favourite is not the newcomer's"
ctl --json grant list "$W" >"$S/grants.json"
G_NEW=$(python3 - "$S/grants.json" "$LINK_ID" <<'PY'
import json, sys
every = json.load(open(sys.argv[1]))["grants"]
gs = [g for g in every if g["principal"]["name"] == "newcomer@example.com"]
assert len(gs) == 1, gs
g = gs[0]
assert g["via_link"] == int(sys.argv[2]), g
assert g["role"] == "invited" and g["status"] == "live", g
assert g["settings"]["favourites"] is True and g["settings"]["mark_private"] is False, g
assert all(x["via_link"] is None for x in every if x is not g), "via_link on other grants"
print(g["id"])
PY
) || fail "grant list --json: $(cat "$S/grants.json")"
ctl grant list "$W" | grep -qE "^$G_NEW +$W +newcomer@example.com +invited +never +live +link:$LINK_ID " ||
    fail "grant list does not show the claim: $(ctl grant list "$W")"
ok "a new address, confirmed, is an invited user with a grant claimed through the link"

# --- revoking the link takes the claim with it, on the live mount too
t=$(now_ms)
ctl revoke "$G_LINK" >"$S/revoke.out"
wait_for 3 gone "$M/$W" || fail "the claimed mount still shows the album 3 s after the link was revoked"
took=$(($(now_ms) - t))
((took <= LIMIT_MS)) || fail "the claimed mount lost the album after $took ms"
grep -qx "revoked grant $G_NEW (newcomer@example.com on $W, claimed through link:$LINK_ID)" "$S/revoke.out" ||
    fail "revoke said: $(cat "$S/revoke.out")"
[ "$(sqlite3 "$CAT" "SELECT revoked > 0 FROM grants WHERE id = $G_NEW")" = 1 ] || fail "the claim is not revoked"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'grant-revoked' AND grant_id = $G_NEW")" = 1 ] ||
    fail "the claim's revocation is not recorded"
umount_fs "$M"
ok "revoking the link revokes the grants claimed through it; live mounts lose them (${took} ms)"

# --- --keep-claims
TOKEN2=$(ctl link create "$W" $NP)
G_LINK2=$(sqlite3 "$CAT" "SELECT max(id) FROM grants WHERE principal = 3")
M=$S/keeper
ask_code "$M" "$TOKEN2" keeper@example.com
CODE=$(code_for keeper@example.com 1)
mount_fs "$M" --link "$TOKEN2" --email keeper@example.com --code-file "$(code_file keeper "$CODE")"
ls "$M/$W/Ceremony" >/dev/null
ctl --json revoke "$G_LINK2" --keep-claims >"$S/keep.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["claims_revoked"] == [], d' "$S/keep.json" ||
    fail "revoke --keep-claims --json: $(cat "$S/keep.json")"
sleep "$LIMIT"
there "$M/$W/Ceremony" || fail "a kept claim lost the album"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM grants g JOIN users u ON u.id = g.user_id WHERE u.email = 'keeper@example.com' AND g.revoked = 0")" = 1 ] ||
    fail "the kept claim was revoked"
umount_fs "$M"
ok "revoke --keep-claims keeps the grants claimed through the link"

finish
