#!/usr/bin/env bash
# test_rules_file.sh — READ ME.txt in every album folder (issue 10 item 4):
#   - a client, a guest (link), an editor and the owner each find it in the
#     album, saying their role, what they may do and until when, and naming
#     no set, photo or other person (nothing hidden from them);
#   - st_size always equals the bytes a read returns (stat, ls -l, cp, and
#     a read through one open descriptor), before and after the client
#     takes a high-res photo, which lowers the count it shows at once;
#   - reading it is no download and charges nothing;
#   - writing, truncating, renaming, deleting, chmod, chown, linking and
#     xattrs are refused (EROFS/EPERM), also for the owner; mkdir of a set
#     named READ ME.txt is refused (EINVAL).
source "$(dirname "$0")/lib.sh"

standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
charges() { sqlite3 "$CAT" "SELECT count(*) FROM pool_charges"; }
ctl user add buyer@example.com >/dev/null
ctl grant "$W" --user buyer@example.com --role client --highres original --limit 3 \
    --pool couple --expires 2031-06-30T18:00 $NP >/dev/null

MB=$S/buyer MG=$S/guest MO=$S/owner ME=$S/editor
mount_fs "$MB" --user buyer@example.com
mount_fs "$MG" --link "$TOKEN"
mount_fs "$MO"
mount_fs "$ME" --user editor@example.com
R="READ ME.txt"

# same_size FILE: stat's size is what a read returns (by cat, and through
# one descriptor: fstat then read to the end).
same_size() {
    local f=$1 st n
    st=$(stat -c %s "$f")
    n=$(cat "$f" | wc -c)
    [ "$st" = "$n" ] || fail "$f: stat says $st bytes, a read gives $n"
    "$PYTHON" - "$f" <<'PY' || fail "$f: fstat and read disagree"
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
data = b""
while True:
    b = os.read(fd, 7)
    if not b:
        break
    data += b
os.close(fd)
assert len(data) == size, (len(data), size)
PY
}

# never_names FILE: no set, photo or other person of the library.
never_names() {
    local w
    for w in Ceremony "Getting Ready" Outtakes Photos Studio IMG_ contract "$OTHER" \
        client@ invited@ editor@ client2@ nobody@ couple "$ALBUMFS_LIBRARY"; do
        ! grep -qF -- "$w" "$1" || fail "$1 names '$w'"
    done
}

# --- everyone finds it, with their own rules
for m in "$MB" "$MG" "$MO" "$ME"; do
    listed_in "$m/$W" "$R" || fail "$m/$W does not list $R: $(ls "$m/$W")"
    [ "$(stat -c %A "$m/$W/$R")" = "-r--r--r--" ] || fail "$m: mode $(stat -c %A "$m/$W/$R")"
    same_size "$m/$W/$R"
    never_names "$m/$W/$R"
    head -n 1 "$m/$W/$R" | grep -qF "READ ME: the album “$W”" || fail "$m: first line"
done
grep -qF "You are the client of this album." "$MB/$W/$R" || fail "client role"
grep -qF "3 of 3 are left right now" "$MB/$W/$R" || fail "client allowance: $(cat "$MB/$W/$R")"
grep -qF "Favourites/FOLDER" "$MB/$W/$R" || fail "client favourites"
grep -qF "chmod o-r PHOTO" "$MB/$W/$R" || fail "client private marks"
grep -qF "Your access ends on Monday 30 June 2031, 18:00 UTC." "$MB/$W/$R" || fail "client expiry"
grep -qF "You are a guest of this album, through a share link." "$MG/$W/$R" || fail "guest role"
grep -qF "for looking only" "$MG/$W/$R" || fail "guest: looking only: $(cat "$MG/$W/$R")"
grep -qF "Your access has no end date." "$MG/$W/$R" || fail "guest expiry"
! grep -qF "High-res" "$MG/$W/$R" || fail "guest told of High-res"
grep -qF "You are the owner" "$MO/$W/$R" || fail "owner role"
grep -qF "(editor)" "$ME/$W/$R" || fail "editor role"
listed_in "$MO/$OTHER" "$R" || fail "owner's other album has no $R"
ok "client, guest, editor and owner each read their own rules; size = bytes; no hidden names"

# --- reading is no download, charges nothing; taking lowers the count at once
cat "$MB/$W/$R" "$MG/$W/$R" >/dev/null
cp "$MB/$W/$R" "$S/copy.txt"
cmp -s "$S/copy.txt" "$MB/$W/$R" || fail "cp of $R differs"
[ "$(charges)" = 0 ] || fail "reading charged"
touch "$MB/$W/High-res/Ceremony/IMG_0001.jpg" || fail "taking a photo failed"
[ "$(charges)" = 1 ] || fail "the take charged $(charges)"
grep -qF "2 of 3 are left right now" "$MB/$W/$R" || fail "count after a take: $(cat "$MB/$W/$R")"
same_size "$MB/$W/$R"
touch "$MB/$W/High-res/Ceremony/IMG_0002.jpg" "$MB/$W/High-res/Ceremony/IMG_0006.jpg"
grep -qF "0 of 3 are left right now" "$MB/$W/$R" || fail "count when used up"
same_size "$MB/$W/$R"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE detail LIKE '%READ ME%'")" = 0 ] ||
    fail "reading $R was recorded in the activity"
ok "reading $R charges nothing and is no download; after takes it shows what is left, size = bytes"

# --- the allowance raised by the owner shows at once, with a longer text
ctl pool set-limit "$W" couple 12 >/dev/null
wait_for 10 grep -qF "9 of 12 are left right now" "$MB/$W/$R" || fail "new limit not shown"
same_size "$MB/$W/$R"
ok "a limit raised by the studio shows at once"

# --- it cannot be changed, by anyone
for m in "$MB" "$MO"; do
    f=$m/$W/$R
    expect_later EROFS openw "$f"
    expect_later EROFS openrw "$f"
    expect_later EROFS trunc "$f"
    expect_later "EROFS|EPERM" truncate "$f"
    expect_later "EROFS|EPERM" unlink "$f"
    expect_later "EROFS|EPERM" rename "$f" "$m/$W/other.txt"
    expect_later EPERM chmod "$f"
    expect_later EPERM chown "$f"
    expect_later "EROFS|EPERM" utime "$f"
    expect_later EROFS setxattr "$f"
    expect_later ENOTDIR listdir "$f"
    expect_later EEXIST create "$f"
done
expect_now
expect_err "EROFS|EPERM" link "$MB/$W/$R" "$MB/$W/High-res/Ceremony/x.jpg"
expect_err ENOTDIR rmdir "$MO/$W/$R"
expect_err EINVAL mkdir "$MO/$W/read me.TXT"
expect_err ENOTDIR rename "$MO/$W/Photos" "$MO/$W/$R" # a folder onto a file
expect_err EINVAL rename "$MO/$W/Photos" "$MO/$W/Read Me.txt"
grep -qF "You are the client" "$MB/$W/$R" || fail "$R changed"
ok "writing, truncating, renaming, deleting, chmod, chown and xattrs refused; READ ME.txt is no set name"

finish
