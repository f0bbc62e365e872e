#!/usr/bin/env bash
# test_favourites.sh — 'albumctl favourites' (grouped by person, one
# person, links, the trash left out, refusals) and 'albumctl contact-sheet'
# (a JPEG that decodes, the documented dimensions, photos turned upright
# from EXIF, refusals that write nothing).
#
# Test setup: favourites are made on mounts; here they are inserted with
# the sqlite3 CLI.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 set create "$W" Party --visibility client
expect 0 album create Other
mkdir -p "$S/c" "$S/p"
for i in 1 2 3; do img "$S/c/IMG_$i.jpg" 120 80; done
img "$S/p/IMG_4.png" 60 90
expect 0 import "$W/Ceremony" "$S/c" --no-prepare
expect 0 import "$W/Party" "$S/p" --no-prepare
# Stored landscape, displayed portrait (EXIF Orientation 6): all black.
vips black "$S/black.v" 300 100
vips cast "$S/black.v" "$S/rotated.jpg" uchar
exiftool -q -overwrite_original -Orientation#=6 "$S/rotated.jpg"
expect 0 import "$W/Ceremony" "$S/rotated.jpg" --no-prepare
expect 0 user add alice@example.com --name "Alice Smith"
expect 0 user add tom@example.com
expect 0 user add bob@example.com
expect 0 grant "$W" --user alice@example.com --role client --no-prepare
expect 0 grant "$W" --user tom@example.com --role client --no-prepare
expect 0 --json link create "$W" --favourites on --no-prepare
link=$(py 'd["link_id"]')
expect 0 --json link create Other --no-prepare
other_link=$(py 'd["link_id"]')

photo_id() { db "SELECT id FROM photos WHERE name = '$1'"; }
user_id() { db "SELECT id FROM users WHERE email = '$1'"; }
fav_user() { db "INSERT INTO favourites(photo_id, user_id, created) VALUES ($(photo_id "$2"), $(user_id "$1"), strftime('%s'))"; }
fav_link() { db "INSERT INTO favourites(photo_id, link_id, created) VALUES ($(photo_id "$2"), $1, strftime('%s'))"; }
fav_user alice@example.com IMG_1.jpg
fav_user alice@example.com IMG_2.jpg
fav_user alice@example.com IMG_4.png
fav_user tom@example.com rotated.jpg
fav_link "$link" IMG_1.jpg

# --- favourites, grouped by person
expect 0 favourites "$W"
err_empty
cat >"$S/want" <<EOF
alice@example.com: 3 favourites
  Ceremony/IMG_1.jpg
  Ceremony/IMG_2.jpg
  Party/IMG_4.png

link:$link: 1 favourite
  Ceremony/IMG_1.jpg

tom@example.com: 1 favourite
  Ceremony/rotated.jpg
EOF
diff -u "$S/want" "$OUT" >&2 || fail "favourites text"
expect 0 favourites "$W" --json
json_ok
[ "$(py '[(p["person"], p["kind"], p["count"]) for p in d["people"]]')" = \
    "[('alice@example.com', 'user', 3), ('link:$link', 'link', 1), ('tom@example.com', 'user', 1)]" ] ||
    fail "favourites JSON people"
[ "$(py '[(f["set"], f["photo"]) for f in d["people"][0]["favourites"]]')" = \
    "[('Ceremony', 'IMG_1.jpg'), ('Ceremony', 'IMG_2.jpg'), ('Party', 'IMG_4.png')]" ] ||
    fail "favourites JSON photos"
[ "$(py 'd["album"]')" = "$W" ] || fail "album in JSON"
py 'all(f["added"].endswith("Z") and f["photo_id"] > 0 for p in d["people"] for f in p["favourites"])' |
    grep -qx True || fail "photo ids and times"
expect 0 favourites "$W" --person tom@example.com
out_is "tom@example.com: 1 favourite
  Ceremony/rotated.jpg"
expect 0 favourites "$W" --person "link:$link" --json
[ "$(py '[p["person"] for p in d["people"]]')" = "['link:$link']" ] || fail "--person link"
expect 0 favourites "$W" --person bob@example.com
out_is "bob@example.com has no favourites in $W"
expect 0 favourites Other
out_is "no favourites in Other yet"
expect 0 favourites Other --json
[ "$(py 'd["people"]')" = "[]" ] || fail "no people"
# A photo in the trash is left out (and comes back with it).
db "UPDATE photos SET trashed = strftime('%s') WHERE name = 'IMG_2.jpg'"
expect 0 favourites "$W" --person alice@example.com
out_lacks "IMG_2.jpg"
out_has "alice@example.com: 2 favourites"
db "UPDATE photos SET trashed = 0 WHERE name = 'IMG_2.jpg'"
ok "favourites: grouped by person (users and links), one person, none, the trash left out"

# --- contact sheet: decodes, documented size, upright thumbnails
# sheet_size N COLUMNS SIZE: "WxH" by the formula of docs/cli.md.
sheet_size() {
    local n=$1 cols=$2 s=$3 m c t rows
    [ "$n" -lt "$cols" ] && cols=$n
    rows=$(((n + cols - 1) / cols))
    m=$((s / 16 > 8 ? s / 16 : 8))
    c=$((s / 8 > 14 ? s / 8 : 14))
    t=$((s / 5 > 20 ? s / 5 : 20))
    echo "$((2 * m + cols * s + (cols - 1) * m))x$((2 * m + t + m + rows * (s + c) + (rows - 1) * m))"
}
dims() { vipsheader -f width "$1" | tr -d '\n'; printf x; vipsheader -f height "$1"; }

expect 0 contact-sheet "$W" --person alice@example.com -o "$S/alice.jpg" --columns 2 --size 128
err_empty
out_is "wrote $S/alice.jpg: 3 favourites of alice@example.com, $(sheet_size 3 2 128) px"
vipsheader "$S/alice.jpg" | grep -q 'jpegload' || fail "not a JPEG"
[ "$(dims "$S/alice.jpg")" = "$(sheet_size 3 2 128)" ] || fail "sheet of 3 in 2 columns: $(dims "$S/alice.jpg")"
vips copy "$S/alice.jpg" "$S/decoded.v" || fail "the sheet does not decode"
# Defaults: 4 columns of 256 px, fewer columns for fewer photos.
expect 0 --json contact-sheet "$W" --person alice@example.com --output "$S/alice4.jpg"
[ "$(py '(d["photos"], d["columns"], d["rows"], d["person"], d["album"])')" = \
    "(3, 3, 1, 'alice@example.com', '$W')" ] || fail "contact-sheet JSON"
[ "$(py '"%dx%d" % (d["width"], d["height"])')" = "$(sheet_size 3 4 256)" ] || fail "JSON size"
[ "$(dims "$S/alice4.jpg")" = "$(sheet_size 3 4 256)" ] || fail "default layout"
expect 0 contact-sheet "$W" --person "link:$link" -o "$S/link.jpg" --size 64 --columns 1
[ "$(dims "$S/link.jpg")" = "$(sheet_size 1 1 64)" ] || fail "smallest cells"
# An existing file is replaced.
expect 0 contact-sheet "$W" --person alice@example.com -o "$S/alice.jpg" --columns 3 --size 100
[ "$(dims "$S/alice.jpg")" = "$(sheet_size 3 3 100)" ] || fail "replaced"
# Upright: the black photo, landscape as stored, is portrait on the sheet,
# so the left part of its square (8 px margin, 100 px cell, 20 px title
# band + 8) is white, not black.
expect 0 contact-sheet "$W" --person tom@example.com -o "$S/tom.jpg" --columns 1 --size 100
[ "$(dims "$S/tom.jpg")" = "$(sheet_size 1 1 100)" ] || fail "one photo"
left=$(vips getpoint "$S/tom.jpg" 13 126 | cut -d' ' -f1)
centre=$(vips getpoint "$S/tom.jpg" 58 126 | cut -d' ' -f1)
if [ "${left%.*}" -le 200 ] || [ "${centre%.*}" -ge 60 ]; then
    fail "the photo was not turned upright (left $left, centre $centre)"
fi
ok "contact-sheet: a JPEG of the documented size, default and given layouts, EXIF-upright"

# --- refusals write nothing and change nothing
snapshot
db_snapshot
rm -f "$S/none.jpg"
expect 1 contact-sheet "$W" --person bob@example.com -o "$S/none.jpg"
err_has "bob@example.com has no favourites in '$W', so there is nothing to put on a sheet"
err_one_line
expect 1 contact-sheet Other --person alice@example.com -o "$S/none.jpg"
err_has "no favourites"
expect 1 contact-sheet "No Album" --person alice@example.com -o "$S/none.jpg"
err_has "no album 'No Album'"
expect 1 contact-sheet "$W" --person nobody@example.com -o "$S/none.jpg"
err_has "no user 'nobody@example.com'"
expect 1 contact-sheet "$W" --person "link:$other_link" -o "$S/none.jpg"
err_has "link:$other_link is a link to another album"
expect 1 contact-sheet "$W" --person link:99 -o "$S/none.jpg"
err_has "no link 99"
expect 1 contact-sheet "$W" --person alice@example.com -o "$S/no/such/dir/x.jpg"
err_has "cannot write '$S/no/such/dir/x.jpg'"
err_one_line
expect 2 contact-sheet "$W" -o "$S/none.jpg"
err_has "--person EMAIL|link:ID is required"
expect 2 contact-sheet "$W" --person alice@example.com
err_has "-o FILE.jpg is required"
expect 2 contact-sheet "$W" --person alice@example.com -o
for bad in 0 21 -1 x 2.5; do
    expect 2 contact-sheet "$W" --person alice@example.com -o "$S/none.jpg" --columns "$bad"
    err_has "--columns takes a whole number from 1 to 20"
done
for bad in 63 1025 big; do
    expect 2 contact-sheet "$W" --person alice@example.com -o "$S/none.jpg" --size "$bad"
    err_has "--size takes a whole number from 64 to 1024"
done
expect 2 contact-sheet --person alice@example.com -o "$S/none.jpg"
expect 2 contact-sheet "$W" extra --person alice@example.com -o "$S/none.jpg"
expect 2 contact-sheet "$W" --person link:x -o "$S/none.jpg"
[ ! -e "$S/none.jpg" ] || fail "a refused contact sheet wrote a file"
# A damaged original: status 1, the photo named, no file.
cp -a "$S/lib" "$S/damaged"
b=$(db "SELECT v.blob FROM photos p JOIN versions v ON v.id = p.current_version WHERE p.name = 'IMG_4.png'")
f=$S/damaged/vault/${b:0:2}/$b
printf 'X' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
expect 1 --library "$S/damaged" contact-sheet "$W" --person alice@example.com -o "$S/none.jpg"
err_has "Party/IMG_4.png: reading the original"
err_one_line
[ ! -e "$S/none.jpg" ] || fail "a failed contact sheet wrote a file"
# favourites refusals
expect 1 favourites "No Album"
err_has "no album 'No Album'"
expect 1 favourites "$W" --person nobody@example.com
err_has "no user 'nobody@example.com'"
expect 1 favourites "$W" --person "link:$other_link"
err_has "is a link to another album"
expect 1 favourites "$W" --person link:42
expect 2 favourites "$W" --person link:x
expect 2 favourites
err_has "expected one ALBUM"
expect 2 favourites "$W" Other
unchanged "refused favourites and contact-sheet commands"
db_unchanged "refused favourites and contact-sheet commands"
ok "favourites and contact-sheet refusals: exit 1 or 2, one line, nothing written or changed"
