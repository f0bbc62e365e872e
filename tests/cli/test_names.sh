#!/usr/bin/env bash
# test_names.sh — the names each person sees (docs/filesystem.md#naming):
# a set holding both X.png (shown to people who browse proofs as a JPEG,
# X.png.jpg) and a real X.png.jpg lists two distinct names for everyone, in
# either import order; the names stay what they were when more photos, new
# versions and look-alike names arrive.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" PngFirst --visibility public
expect 0 set create "$W" JpgFirst --visibility public
expect 0 user add client@example.com
expect 0 user add guest@example.com
expect 0 grant "$W" --user client@example.com --role client --no-prepare
expect 0 grant "$W" --user guest@example.com --role invited --no-prepare

mkdir -p "$S/in" "$S/more"
img "$S/in/X.png"
img "$S/in/X.png.jpg"
img "$S/more/X.png (2).jpg"
img "$S/more/Z.png"

# names SET [--as EMAIL]: the names albumctl ls shows that person in SET,
# one a line, in listing order
names() {
    local set=$1
    shift
    expect 0 --json ls "$@" "$W/$set"
    py '"\n".join(p["name"] for s in d["albums"][0]["sets"] for p in s["photos"])'
}

# distinct SET [--as EMAIL]: no name twice
distinct() {
    local got
    got=$(names "$@")
    [ "$(sort <<<"$got" | uniq -d)" = "" ] || fail "a name listed twice in $1 ($*): $got"
}

expect 0 import "$W/PngFirst" "$S/in/X.png" --no-prepare
expect 0 import "$W/PngFirst" "$S/in/X.png.jpg" --no-prepare
expect 0 import "$W/JpgFirst" "$S/in/X.png.jpg" --no-prepare
expect 0 import "$W/JpgFirst" "$S/in/X.png" --no-prepare

for set in PngFirst JpgFirst; do
    [ "$(names $set)" = $'X.png\nX.png.jpg' ] || fail "owner's names in $set: $(names $set)"
    for who in client guest; do
        distinct $set --as $who@example.com
        [ "$(names $set --as $who@example.com | sort)" = $'X.png (2).jpg\nX.png.jpg' ] ||
            fail "$who's names in $set: $(names $set --as $who@example.com)"
    done
done
ok "X.png and X.png.jpg in one set: two names for owner, client and guest"

# Which photo is which: the first one keeps the name it was shown under.
expect 0 --json ls --as guest@example.com "$W/PngFirst"
[ "$(py '[(p["original"], p["name"]) for p in d["albums"][0]["sets"][0]["photos"]]')" = \
    "[('X.png', 'X.png.jpg'), ('X.png.jpg', 'X.png (2).jpg')]" ] || fail "PngFirst: which is which"
expect 0 --json ls --as guest@example.com "$W/JpgFirst"
[ "$(py '[(p["original"], p["name"]) for p in d["albums"][0]["sets"][0]["photos"]]')" = \
    "[('X.png', 'X.png (2).jpg'), ('X.png.jpg', 'X.png.jpg')]" ] || fail "JpgFirst: which is which"
ok "the photo imported first keeps the plain name"

# Stable: more photos (one named like a disambiguated view), new versions.
before=$(names PngFirst --as guest@example.com)
expect 0 import "$W/PngFirst" "$S/more/X.png (2).jpg" "$S/more/Z.png" --no-prepare
img "$S/in/X.png" 80 60
expect 0 import "$W/PngFirst" "$S/in/X.png" "$S/in/X.png.jpg" --no-prepare
for who in client guest; do
    distinct PngFirst --as $who@example.com
done
expect 0 --json ls --as guest@example.com "$W/PngFirst"
[ "$(py 'sorted((p["original"], p["name"]) for p in d["albums"][0]["sets"][0]["photos"])')" = \
    "[('X.png', 'X.png.jpg'), ('X.png (2).jpg', 'X.png (2) (2).jpg'), ('X.png.jpg', 'X.png (2).jpg'), ('Z.png', 'Z.png.jpg')]" ] ||
    fail "names after more imports: $(cat "$OUT")"
[ "$(names PngFirst --as guest@example.com | grep -vxF 'X.png (2) (2).jpg' | grep -vxF Z.png.jpg)" = "$before" ] ||
    fail "earlier names changed"
[ "$(names PngFirst)" = $'X.png\nX.png (2).jpg\nX.png.jpg\nZ.png' ] || fail "owner's names after more imports"
ok "names stay put across later imports and new versions"
