#!/usr/bin/env bash
# test_ls_as.sh — the photographer's scenario: one wedding album with a
# public, a client-only and a team-only set and a photo marked private, seen
# by the owner, an editor (through a team), a client, an invited guest, a
# share link, and by people whose grants expired or were revoked. Checks
# exactly which sets and photos each sees, which views they get, and that a
# hidden album or set is reported exactly like one that does not exist.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 set create "$W" "Getting Ready" --visibility client
expect 0 set create "$W" Outtakes --visibility team
expect 0 album create "Other Album"
mkdir -p "$S/c" "$S/g" "$S/o" "$S/x"
img "$S/c/C1.jpg"
img "$S/c/C2.jpg"
img "$S/g/G1.jpg"
img "$S/o/O1.jpg"
img "$S/x/X1.jpg"
expect 0 import "$W/Ceremony" "$S/c"
expect 0 import "$W/Getting Ready" "$S/g"
expect 0 import "$W/Outtakes" "$S/o"
expect 0 import "Other Album/Photos" "$S/x"
expect 0 photo private "$W/Ceremony/C2.jpg" on
expect 1 photo private "$W/Ceremony/C9.jpg" on
err_has "no photo 'C9.jpg'"

for u in alice bob carol dave erin frank; do expect 0 user add "$u@example.com"; done
expect 0 team add studio
expect 0 team add-member studio carol@example.com
expect 0 grant "$W" --user alice@example.com --role client --web on --highres original
expect 0 grant "$W" --user bob@example.com --role invited
expect 0 grant "$W" --team studio --role editor
expect 0 grant "$W" --user erin@example.com --role client
erin=$(cat "$OUT")
expect 0 revoke "$erin"
printf 'wedding-guests\n' >"$S/pw"
printf 'not-the-password\n' >"$S/wrongpw"
expect 0 link create "$W" --password-file "$S/pw"
link=$(cat "$OUT")
expect 0 --json link create "$W"
link_revoked=$(py 'd["token"]')
expect 0 revoke "$(py 'd["grant_id"]')"

# view ARGS...: what `albumctl ls ARGS --json` shows, one line per album,
# set and photo ("album/set/photo views [private]"), in catalog order.
view() {
    expect 0 --json ls "$@"
    py '"\n".join(l for a in d["albums"] for l in
        [a["name"] + "/\t(" + a["role"] + ")"] +
        [a["name"] + "/" + s["name"] + "/\t(" + s["visibility"] + ")" for s in a["sets"]] +
        [a["name"] + "/" + s["name"] + "/" + p["name"] + "\t" + ",".join(p["views"]) +
         (" private" if p["private"] else "") for s in a["sets"] for p in s["photos"]])' |
        sort
}

# Compact form: the paths only, joined by '|', for the exact-set checks.
names() { view "$@" | cut -f1 | sed '/^$/d' | tr '\n' '|'; }

# --- owner: everything
got=$(names)
want="Other Album/|Other Album/Photos/|Other Album/Photos/X1.jpg|$W/|$W/Ceremony/|$W/Ceremony/C1.jpg|$W/Ceremony/C2.jpg|$W/Getting Ready/|$W/Getting Ready/G1.jpg|$W/Outtakes/|$W/Outtakes/O1.jpg|$W/Photos/|"
[ "$got" = "$want" ] || fail "owner sees: $got"
view | grep -qx "$W/Ceremony/C2.jpg"$'\t'"original.* private" || fail "owner: C2 original and private"
expect 0 ls
out_match "^    C2.jpg .*\[private\]$"
out_match "^  Outtakes/  \(team\)$"
ok "owner sees every album, set and photo"

# --- editor through a team: the whole album, originals, private photos
got=$(names --as carol@example.com)
want="$W/|$W/Ceremony/|$W/Ceremony/C1.jpg|$W/Ceremony/C2.jpg|$W/Getting Ready/|$W/Getting Ready/G1.jpg|$W/Outtakes/|$W/Outtakes/O1.jpg|$W/Photos/|"
[ "$got" = "$want" ] || fail "editor sees: $got"
view --as carol@example.com | grep -qx "$W/"$'\t'"(editor)" || fail "editor role"
view --as carol@example.com | grep -q "^$W/Outtakes/O1.jpg"$'\t'"original" || fail "editor gets originals"
ok "editor (via team studio) sees the album including team sets, not other albums"

# --- client: public and client sets, private photo shown, proofs + downloads
got=$(names --as alice@example.com)
want="$W/|$W/Ceremony/|$W/Ceremony/C1.jpg|$W/Ceremony/C2.jpg|$W/Getting Ready/|$W/Getting Ready/G1.jpg|$W/Photos/|"
[ "$got" = "$want" ] || fail "client sees: $got"
view --as alice@example.com | grep -qx "$W/Ceremony/C2.jpg"$'\t'"proof,web,highres private" ||
    fail "client: C2 proof,web,highres private"
view --as alice@example.com | grep -q "original" && fail "a client must never get originals"
ok "client sees public and client-only sets and the private photo, as proofs with downloads"

# --- invited: public sets only, no private photo, proofs only
got=$(names --as bob@example.com)
want="$W/|$W/Ceremony/|$W/Ceremony/C1.jpg|$W/Photos/|"
[ "$got" = "$want" ] || fail "invited sees: $got"
view --as bob@example.com | grep -qx "$W/Ceremony/C1.jpg"$'\t'"proof" || fail "invited: proof only"
ok "invited sees public sets only, without the private photo"

# --- link (with password): like invited
got=$(names --link "$link" --password-file "$S/pw")
[ "$got" = "$want" ] || fail "link sees: $got"
view --link "$link" --password-file "$S/pw" | grep -qx "$W/"$'\t'"(guest)" || fail "link role guest"
expect 1 ls --link "$link"
err_has "this link needs a password"
expect 1 ls --link "$link" --password-file "$S/wrongpw"
err_has "wrong password"
err_one_line
expect 1 ls --link "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
err_has "no such link"
expect 2 ls --password-file "$S/pw"
expect 2 ls --as alice@example.com --link "$link"
ok "link sees public sets only; password required and checked"

# --- revoked grant, revoked link, no grants at all: nothing
[ -z "$(names --as erin@example.com)" ] || fail "a revoked client still sees something"
[ -z "$(names --as frank@example.com)" ] || fail "someone without grants sees something"
expect 1 ls --link "$link_revoked"
err_has "this link has expired or was revoked"
err_one_line
expect 1 ls --as nobody@example.com
err_has "no user 'nobody@example.com'"
ok "revoked grants and links show nothing"

# --- expiring grant and link: visible now, gone after expiry. The window
# is wide enough for a loaded machine; the end is polled, not slept.
expect 0 grant "$W" --user dave@example.com --role invited --expires "$(in_the_future 15)"
expect 0 link create "$W" --expires "$(in_the_future 15)"
link_expiring=$(cat "$OUT")
[ "$(names --as dave@example.com)" = "$W/|$W/Ceremony/|$W/Ceremony/C1.jpg|$W/Photos/|" ] ||
    fail "dave before expiry"
[ -n "$(names --link "$link_expiring")" ] || fail "expiring link before expiry"
for ((i = 0; i < 120; i++)); do
    [ -n "$(names --as dave@example.com)" ] || ctl ls --link "$link_expiring" || break
    sleep 0.5
done
[ -z "$(names --as dave@example.com)" ] || fail "an expired grant still shows something"
expect 1 ls --link "$link_expiring"
err_has "this link has expired or was revoked"
ok "expired grant and link show nothing"

# --- hidden things do not exist: the same error as for nonexistent ones
# same_error PREFIX HIDDEN MISSING ARGS...: `ls ARGS PREFIX+HIDDEN` and
# `ls ARGS PREFIX+MISSING` both exit 1 with the same message once the
# differing name is blanked out.
same_error() {
    local prefix=$1 hidden=$2 missing=$3
    shift 3
    expect 1 ls "$@" "$prefix$hidden"
    err_one_line
    sed "s|'${hidden%/}'|NAME|g" "$ERR" >"$S/e1"
    expect 1 ls "$@" "$prefix$missing"
    sed "s|'${missing%/}'|NAME|g" "$ERR" >"$S/e2"
    cmp -s "$S/e1" "$S/e2" || fail "'$hidden' and '$missing' give different errors: $(cat "$S/e1" "$S/e2")"
}
same_error "$W/" "Getting Ready" "No Such Set" --as bob@example.com
same_error "$W/" Outtakes "No Such Set" --as alice@example.com
same_error "$W/" Outtakes "No Such Set" --link "$link" --password-file "$S/pw"
same_error "$W/" "Getting Ready/" "No Such Set/" --link "$link" --password-file "$S/pw"
same_error "" "Other Album" "No Such Album" --as alice@example.com
same_error "" "$W" "No Such Album" --as frank@example.com
same_error "" "$W" "No Such Album" --as erin@example.com
expect 1 ls --as frank@example.com "$W/Ceremony"
sed "s|'$W'|NAME|" "$ERR" >"$S/e1"
expect 1 ls --as frank@example.com "No Such Album/Ceremony"
sed "s|'No Such Album'|NAME|" "$ERR" | cmp -s - "$S/e1" || fail "hidden album/set differs from missing"
ok "hidden albums and sets are reported exactly like nonexistent ones"

# --- ALBUM and ALBUM/SET narrow the view
expect 0 ls --as alice@example.com "$W/Ceremony"
out_is "$W/  (client)
  Ceremony/  (public)
    C1.jpg  proof web highres
    C2.jpg  proof web highres  [private]"
expect 0 ls --as bob@example.com "$W"
out_is "$W/  (invited)
  Ceremony/  (public)
    C1.jpg  proof
  Photos/  (public)"
ok "ls ALBUM and ALBUM/SET"

# --- unhiding the photo shows it to invited people and links again
expect 0 photo private "$W/Ceremony/C2.jpg" off
view --as bob@example.com | grep -qx "$W/Ceremony/C2.jpg"$'\t'"proof" || fail "unhidden photo not shown to invited"
view --link "$link" --password-file "$S/pw" | grep -qx "$W/Ceremony/C2.jpg"$'\t'"proof" ||
    fail "unhidden photo not shown to the link"

# --- a set narrowed to client vanishes from invited and link views at once
expect 0 set visibility "$W" Ceremony client
[ "$(names --as bob@example.com)" = "$W/|$W/Photos/|" ] || fail "narrowed set still shown to invited"
same_error "$W/" Ceremony "No Such Set" --as bob@example.com
ok "unhiding and narrowing take effect immediately"

# --- views as a mount offers them: the owner's original is their high-res
# file; high-res from a limited pool is offered (taking it is what counts)
expect 0 user add gina@example.com
expect 0 user add hank@example.com
expect 0 grant "$W" --user gina@example.com --role client --highres original --limit 5
expect 0 grant "$W" --user hank@example.com --role client --highres 1200
view | grep -qx "$W/Ceremony/C1.jpg"$'\t'"original,web" || fail "owner: original and web"
view --as gina@example.com | grep -qx "$W/Ceremony/C1.jpg"$'\t'"proof,highres" || fail "limited pool high-res"
view --as hank@example.com | grep -qx "$W/Ceremony/C1.jpg"$'\t'"proof,highres" || fail "unlimited high-res"
ok "views as a mount offers them"
