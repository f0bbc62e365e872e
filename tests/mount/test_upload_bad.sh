#!/usr/bin/env bash
# test_upload_bad.sh — bad input to the write path (issue 8 "Bad input";
# docs/filesystem.md "Writing"). On an editor's mount (daemon in the
# background), each gets the errno a tool can explain, a log line where a
# file is refused, and no damage:
#   - bytes that are no photo under a photo's name (text, random bytes, a
#     GIF), a truncated JPEG, decompression bombs (a PNG and a JPEG
#     declaring huge dimensions), an empty file: close() fails (EINVAL /
#     EFBIG), the file is gone, nothing is stored, the log names it;
#   - a write past the largest photo: EFBIG at the write, and again at close;
#   - names: control characters, invalid UTF-8, spaces at the ends (EINVAL
#     at create), over 255 bytes (ENAMETOOLONG);
#   - rename onto an existing photo (EEXIST), a move into a set the person
#     cannot write (EPERM), O_EXCL onto a name (EEXIST);
#   - rmdir of a set holding photos, or files still being written
#     (ENOTEMPTY); mkdir of a reserved name (EINVAL), inside a set (EPERM),
#     at the root (EPERM for the owner: albums are made with albumctl);
#     a set into another album (EXDEV: mv copies it instead);
#   - chown to another owner (EPERM); writes into Web-size/ (EROFS);
#   - two people writing the same name at once: both succeed, two versions.
# Afterwards the library holds exactly what was accepted and verifies.
source "$(dirname "$0")/lib.sh"

standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
# A client grant on the other album: the editor sees its set, may not write it.
ctl grant "$OTHER" --user editor@example.com --role client $NP >/dev/null
ME=$S/editor MO=$S/owner
ALLOW_STDERR='did not become a photo|would pass [0-9]+ MiB' mount_fs "$ME" --user editor@example.com
mount_fs "$MO"
e=$ME/$W
listing_complete "$e/Ceremony" 6
photos_before=$(sqlite3 "$CAT" "SELECT count(*) FROM photos")
blobs_before=$(find "$ALBUMFS_LIBRARY/vault" -path '*/tmp' -prune -o -type f -print | wc -l)

# refused_at_close FILE NAME WORDS: cp FILE to Ceremony/NAME fails at close
# with WORDS; the file is gone and the log names it.
refused_at_close() {
    local file=$1 name=$2 words=$3 out
    if out=$(LC_ALL=C cp "$file" "$e/Ceremony/$name" 2>&1); then fail "cp of $name succeeded"; fi
    [[ "$out" == *"failed to close"*"$words"* ]] || fail "cp of $name said: $out (expected: $words)"
    wait_for 10 gone "$e/Ceremony/$name" || fail "$name is still there after a refused close"
    grep -q "Ceremony/$name did not become a photo" "$ME.err" || fail "no log line names $name"
}
B=$SAMPLES/bad
refused_at_close "$B/fake.jpg" fake.jpg "Invalid argument"
refused_at_close "$B/random.jpg" random.jpg "Invalid argument"
refused_at_close "$B/unsupported.gif" notes.jpg "Invalid argument"
refused_at_close "$B/truncated.jpg" truncated.jpg "Invalid argument"
refused_at_close "$B/header-only.png" header-only.png "Invalid argument"
refused_at_close "$B/empty.jpg" empty.jpg "Invalid argument"
refused_at_close "$B/bomb.png" bomb.png "File too large"
refused_at_close "$B/huge-header.jpg" huge-header.jpg "File too large"
# over a photo: the photo stays as it was
if out=$(LC_ALL=C cp "$B/truncated.jpg" "$e/Ceremony/IMG_0006.jpg" 2>&1); then
    fail "cp of a truncated JPEG over a photo succeeded"
fi
[[ "$out" == *"Invalid argument"* ]] || fail "cp over a photo said: $out"
wait_for 10 cmp -s "$e/Ceremony/IMG_0006.jpg" "$SAMPLES/IMG_0006.jpg" ||
    fail "a refused new version changed the photo"
ok "no photo, no document: EINVAL (a bomb: EFBIG) at close, nothing kept, a log line"

# --- a write past the largest photo
"$PYTHON" - "$e/Ceremony/big.jpg" <<'EOF'
import errno, os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
try:
    os.pwrite(fd, b"x", 512 * 1024 * 1024)
    raise SystemExit("a write past 512 MiB succeeded")
except OSError as e:
    assert e.errno == errno.EFBIG, "a write past 512 MiB: %s" % e
try:
    os.close(fd)
    raise SystemExit("closing a file whose write failed succeeded")
except OSError as e:
    assert e.errno == errno.EFBIG, "closing a file whose write failed: %s" % e
EOF
wait_for 10 gone "$e/Ceremony/big.jpg" || fail "big.jpg stayed"
ok "a write past 512 MiB: EFBIG, and again at close"

# --- names
expect_later EINVAL create "$e/Ceremony/"$'bad\x01name.jpg'
expect_later EINVAL create "$e/Ceremony/"$'\xff\xfe.jpg'
expect_later EINVAL create "$e/Ceremony/ lead.jpg"
expect_later EINVAL create "$e/Ceremony/trail.jpg "
expect_later ENAMETOOLONG create "$e/Ceremony/$(printf 'x%.0s' {1..252}).jpg"
expect_later EINVAL mkdir "$e/"$'set\x7f'
expect_later EINVAL rename "$e/Ceremony/IMG_0006.jpg" "$e/Ceremony/"$'a\nb.jpg'
expect_now
expect_err EINVAL create "$e/Ceremony/"$'tab\tname.jpg' # (a tab: not for expect_later)
[ "$(ls -A "$e/Ceremony" | wc -l)" = 6 ] || fail "bad names left files: $(ls -A "$e/Ceremony")"
ok "names with control characters, invalid UTF-8, blank ends: EINVAL; over 255 bytes: ENAMETOOLONG"

# --- names taken, sets not writable, folders
expect_later EEXIST rename "$e/Ceremony/IMG_0001.jpg" "$e/Ceremony/IMG_0002.jpg"
expect_later EEXIST rename "$e/Ceremony/IMG_0001.jpg" "$e/Getting Ready/IMG_0003.jpg"
expect_later EEXIST create "$e/Ceremony/IMG_0001.jpg"
expect_later EEXIST mkdir "$e/Photos"
expect_later EPERM rename "$e/Ceremony/IMG_0001.jpg" "$ME/$OTHER/Studio/IMG_0001.jpg"
expect_later EPERM rename "$e/Ceremony/IMG_0001.jpg" "$ME/$OTHER/Studio/x.jpg"
expect_later EPERM create "$ME/$OTHER/Studio/new.jpg" # a set shown u+w for moves onto drop folders
expect_later EROFS create "$e/Web-size/Ceremony/new.jpg"
expect_later EROFS rename "$e/Web-size" "$e/Downloads"
expect_later "EPERM|EROFS" rename "$e/Ceremony/IMG_0001.jpg" "$e/Web-size/Ceremony/x.jpg"
expect_later ENOTEMPTY rmdir "$e/Ceremony"
expect_later EINVAL mkdir "$e/Trash"
expect_later EINVAL mkdir "$e/favourites"
expect_later EPERM mkdir "$e/Ceremony/sub"
expect_later EROFS mkdir "$ME/New album"
expect_later EPERM mkdir "$MO/New album"
expect_later EPERM create "$e/loose.jpg"
expect_later EPERM chown "$e/Ceremony/IMG_0001.jpg"
expect_later EPERM rename "$e/Photos" "$ME/$OTHER/Photos"
expect_later EXDEV rename "$MO/$W/Photos" "$MO/$OTHER/Moved"
expect_now
echo junk >"$e/Photos/.DS_Store"
expect_err ENOTEMPTY rmdir "$e/Photos"
rm "$e/Photos/.DS_Store"
cmp -s "$e/Ceremony/IMG_0001.jpg" "$SAMPLES/IMG_0001.jpg" || fail "IMG_0001.jpg changed"
[ -z "$(ls -A "$ME/$OTHER/Studio" | grep -v IMG_0001.jpg || true)" ] || fail "the other album's set changed"
ok "EEXIST onto names taken, EPERM into a set one cannot write, ENOTEMPTY, reserved names EINVAL"

# --- two people writing the same name at once: two versions, one of them current
cp "$SAMPLES/IMG_0004.jpg" "$e/Ceremony/same.jpg" 2>"$S/cp1" & p1=$!
cp "$SAMPLES/IMG_0002.jpg" "$MO/$W/Ceremony/same.jpg" 2>"$S/cp2" & p2=$!
wait "$p1" || fail "the editor's cp failed: $(cat "$S/cp1")"
wait "$p2" || fail "the owner's cp failed: $(cat "$S/cp2")"
[ "$(ctl --json photo versions "$W/Ceremony/same.jpg" |
    "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["versions"]))')" = 2 ] ||
    fail "same.jpg has not two versions"
wait_for 10 eval 'cmp -s "$e/Ceremony/same.jpg" "$MO/$W/Ceremony/same.jpg"' ||
    fail "the two mounts read different bytes: stat $(sysop stat "$e/Ceremony/same.jpg") read $(sysop read "$e/Ceremony/same.jpg") listed $(ls -A "$e/Ceremony" | tr '\n' ' '); cp: $(cat "$S/cp1" "$S/cp2")"
cmp -s "$e/Ceremony/same.jpg" "$SAMPLES/IMG_0004.jpg" || cmp -s "$e/Ceremony/same.jpg" "$SAMPLES/IMG_0002.jpg" ||
    fail "same.jpg is neither file written"
ok "two writers of one name: both succeed, two versions"

# --- nothing else was stored
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM photos")" = $((photos_before + 1)) ] ||
    fail "photos: $(sqlite3 "$CAT" "SELECT count(*) FROM photos"), not $((photos_before + 1))"
# (both files written as same.jpg were in the vault already: one blob each)
blobs=$(find "$ALBUMFS_LIBRARY/vault" -path '*/tmp' -prune -o -type f -print | wc -l)
[ "$blobs" = "$blobs_before" ] || fail "the vault holds $blobs blobs, not $blobs_before"
finish
ctl verify >/dev/null || fail "albumctl verify: $(ctl verify 2>&1)"
[ -z "$(ls -A "$ALBUMFS_LIBRARY/uploads")" ] || fail "uploads/ keeps $(ls -A "$ALBUMFS_LIBRARY/uploads")"
ok "the library holds what was accepted, and verifies"
