#!/usr/bin/env bash
# test_upload.sh — the owner and editors write through their mounts (SPEC §4,
# issue 8; docs/filesystem.md "Writing").
# Daemons started in the background: the owner's, an editor's (team grant)
# and a client's. Checked:
#   - permission bits: u+w on what the person may write, and only there;
#   - setxattr (Samba's user.DOSATTRIB) accepted without effect where one
#     may write, refused for user.albumfs.* and for a client;
#   - a file being written is its writer's alone: listed with the size
#     written so far on the editor's mount, absent from the owner's and
#     the client's; when it is closed it is a photo everywhere, the client's
#     proof appears within a generous deadline, and no mount ever shows it
#     partial (a poller reads every sighting whole);
#   - writing an existing photo's name makes a new version; an open file
#     keeps reading the bytes it opened across a rename and a new version;
#     a rename keeps the inode number;
#   - real tools: cp, cp -r of a folder (a new set, team-only), rsync -a
#     (temporary names, then renames), gio copy (--preserve of several
#     files, as Nautilus copies; over a photo: a new version), tar x;
#   - mv within a set, between sets, between albums (owner), of a set, of
#     an album (owner; an editor may not); rm (to the trash); mkdir, rmdir;
#   - junk file managers write is accepted and never becomes a photo;
#     Nautilus's "Move to Trash" (gio trash) is refused cleanly (no
#     .Trash-UID at the root), leaving the photo;
#   - the activity log names each change, its person and grant;
#   - on one multi-user mount, a second editor does not see the first's
#     file while it is written.
source "$(dirname "$0")/lib.sh"

standard_library
MO=$S/owner ME=$S/editor MC=$S/client
mount_fs "$MO"
mount_fs "$ME" --user editor@example.com
mount_fs "$MC" --user client@example.com
e=$ME/$W o=$MO/$W c=$MC/$W
listing_complete "$e/Ceremony" 6
listing_complete "$c/Ceremony" 6

# --- permission bits say who may write
[ "$(stat -c %A "$e")" = drwxr-xr-x ] || fail "editor's album: $(stat -c %A "$e")"
[ "$(stat -c %A "$e/Ceremony")" = drwxr-xr-x ] || fail "editor's set: $(stat -c %A "$e/Ceremony")"
[ "$(stat -c %A "$e/Ceremony/IMG_0001.jpg")" = -rw-r--r-- ] || fail "editor's photo"
[ "$(stat -c %A "$e/Web-size/Ceremony")" = dr-xr-xr-x ] || fail "editor's Web-size/Ceremony"
[ "$(stat -c %A "$ME")" = dr-xr-xr-x ] || fail "editor's root: albums are renamed by the owner"
[ "$(stat -c %A "$MO")" = drwxr-xr-x ] || fail "owner's root: $(stat -c %A "$MO")"
# A client's set shows u+w too (so that a file manager's drag of a photo onto
# Favourites/ reaches albumfs: test_drop_folders), but takes nothing.
[ "$(stat -c %A "$c/Ceremony")" = drwxr-xr-x ] || fail "client's set: $(stat -c %A "$c/Ceremony")"
[ "$(stat -c %A "$c/Ceremony/IMG_0001.jpg")" = -r--r--r-- ] || fail "client's photo"
# (EPERM: Samba and SFTP clients are told "access denied", as before)
expect_err EPERM create "$c/Ceremony/new.jpg"
expect_err EPERM mkdir "$c/Ceremony/sub"
expect_err EPERM unlink "$c/Ceremony/IMG_0001.jpg"
expect_err EPERM rename "$c/Ceremony/IMG_0001.jpg" "$c/Ceremony/renamed.jpg"
expect_err EPERM chmod "$c/Ceremony"
expect_err EROFS utime "$c/Ceremony"
[ -e "$o/Ceremony/IMG_0001.jpg" ] && [ ! -e "$o/Ceremony/renamed.jpg" ] && [ ! -e "$o/Ceremony/new.jpg" ] ||
    fail "a client's refused write changed the set"
ok "u+w on the albums, sets and photos of owner and editors; a client's set shows it and takes nothing"

# --- extended attributes (Samba's user.DOSATTRIB): accepted without effect
# where one may write; ours, and anything for a client, refused
expect_err OK setxattr "$e/Ceremony/IMG_0006.jpg"
expect_err OK setxattr "$e/Ceremony"
expect_err OK removexattr "$e/Ceremony/IMG_0006.jpg"
expect_err ENODATA getxattr "$e/Ceremony/IMG_0006.jpg"
"$PYTHON" - "$e/Ceremony/IMG_0006.jpg" <<'EOF' || fail "an editor set user.albumfs.private"
import errno, os, sys
try:
    os.setxattr(sys.argv[1], "user.albumfs.private", b"1")
    sys.exit("accepted")
except OSError as e:
    assert e.errno == errno.EROFS, e
assert os.getxattr(sys.argv[1], "user.albumfs.private") == b"0"
EOF
expect_err EROFS setxattr "$c/Ceremony/IMG_0006.jpg"
expect_err EROFS removexattr "$c/Ceremony"
ok "xattrs: a writer's are accepted without effect, ours and a client's refused"

# --- a file being written is its writer's alone; closed, it is a photo
# A poller watches the owner's and the client's Ceremony the whole time: a
# name it sees must read whole (st_size bytes, a JPEG's end) and, on the
# owner's mount, be the complete original.
poll_whole() {
    "$PYTHON" - "$@" <<'EOF'
import os, sys, time
stop, out, full = sys.argv[1], sys.argv[2], int(sys.argv[3])
dirs = sys.argv[4:]
bad = []
while not os.path.exists(stop):
    for d in dirs:
        try:
            names = os.listdir(d)
        except OSError:
            continue
        if "half.jpg" not in names:
            continue
        p = os.path.join(d, "half.jpg")
        try:
            st = os.stat(p)
            data = open(p, "rb").read()
        except OSError as e:
            continue  # gone again (a refresh) is no partial file
        if len(data) != st.st_size or not data.endswith(b"\xff\xd9"):
            bad.append("%s: st_size %d, read %d" % (p, st.st_size, len(data)))
        if d.startswith(dirs[0]) and st.st_size != full:
            bad.append("%s: %d bytes, not the whole %d" % (p, st.st_size, full))
    time.sleep(0.02)
open(out, "w").write("\n".join(bad))
EOF
}
SRC=$SAMPLES/IMG_0003.jpg
FULL=$(stat -c %s "$SRC")
poll_whole "$S/stop-poll" "$S/poll-bad" "$FULL" "$o/Ceremony" "$c/Ceremony" &
POLLER=$!
"$PYTHON" - "$SRC" "$e/Ceremony/half.jpg" "$o/Ceremony/half.jpg" "$c/Ceremony/half.jpg" <<'EOF'
import os, sys
src, mine, owner, client = sys.argv[1:]
data = open(src, "rb").read()
half = len(data) // 2
fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
os.write(fd, data[:half])
st = os.stat(mine)
assert st.st_size == half, "the writer's stat says %d, not %d" % (st.st_size, half)
assert "half.jpg" in os.listdir(os.path.dirname(mine)), "not listed for its writer"
for other in (owner, client):
    assert not os.path.exists(other), "%s shows a file being written" % other
    assert "half.jpg" not in os.listdir(os.path.dirname(other)), "listed at %s" % other
os.write(fd, data[half:])
os.close(fd)  # becomes a photo here: close() says 0
EOF
cmp -s "$e/Ceremony/half.jpg" "$SRC" || fail "the editor's upload is not the bytes written"
wait_for 10 there "$o/Ceremony/half.jpg" || fail "the owner's mount does not show the new photo"
cmp -s "$o/Ceremony/half.jpg" "$SRC" || fail "the owner reads other bytes"
wait_for 60 listed_in "$c/Ceremony" half.jpg || fail "the client's proof did not appear within 60 s"
true_size "$c/Ceremony/half.jpg"
[ "$(vipsheader -f width "$c/Ceremony/half.jpg")" -le 2048 ] || fail "the client reads the original, not a proof"
touch "$S/stop-poll"
wait "$POLLER"
[ ! -s "$S/poll-bad" ] || fail "partial files were shown: $(cat "$S/poll-bad")"
[ "$(ctl --json ls "$W/Ceremony" | grep -c '"half.jpg"')" -ge 1 ] || fail "albumctl does not list it"
ok "written: the writer's alone (size so far), then a photo for all; the client's proof in time, never partial"

# --- writing an existing photo's name: a new version
cp "$SAMPLES/IMG_0004.jpg" "$e/Ceremony/half.jpg"
cmp -s "$e/Ceremony/half.jpg" "$SAMPLES/IMG_0004.jpg" || fail "cp over a photo: not the new bytes"
wait_for 10 cmp -s "$o/Ceremony/half.jpg" "$SAMPLES/IMG_0004.jpg" || fail "the owner reads the old version"
nversions() {
    ctl --json photo versions "$1" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["versions"]))'
}
[ "$(nversions "$W/Ceremony/half.jpg")" = 2 ] || fail "half.jpg has not two versions"
ok "cp onto a photo's name makes a new version"

# --- an open file keeps reading what it opened; a rename keeps the number
# Readers on both mounts; the photos renamed, then given new versions: from
# the other mount (cp) and on the same mount the way rsync and gio write (a
# temporary name renamed over it). (cp onto the very file a reader holds
# open on the same mount truncates that file for its reader too, as on any
# filesystem: the kernel keeps one size per file.)
ino=$(stat -c %i "$e/Ceremony/IMG_0001.jpg")
"$PYTHON" - "$e/Ceremony" "$o/Ceremony" "$SAMPLES" <<'EOF2'
import os, shutil, sys, time
mine, theirs, samples = sys.argv[1:]
def want(n):
    return open(os.path.join(samples, n), "rb").read()
def there(p):
    for _ in range(200):
        if os.path.exists(p):
            return
        time.sleep(0.05)
    raise SystemExit("%s did not appear" % p)
f1 = open(os.path.join(mine, "IMG_0001.jpg"), "rb")
f2 = open(os.path.join(theirs, "IMG_0002.jpg"), "rb")
a, b = f1.read(100000), f2.read(100000)
os.rename(os.path.join(mine, "IMG_0001.jpg"), os.path.join(mine, "moved-1.jpg"))
os.rename(os.path.join(mine, "IMG_0002.jpg"), os.path.join(mine, "moved-2.jpg"))
there(os.path.join(theirs, "moved-1.jpg"))
shutil.copyfile(os.path.join(samples, "IMG_0006.jpg"), os.path.join(theirs, "moved-1.jpg"))
shutil.copyfile(os.path.join(samples, "IMG_0005.jpg"), os.path.join(mine, ".moved-2.jpg.Xy12"))
os.rename(os.path.join(mine, ".moved-2.jpg.Xy12"), os.path.join(mine, "moved-2.jpg"))
time.sleep(0.5)  # the watchers notice; each read after re-checks the policy
a += f1.read()
b += f2.read()
assert a == want("IMG_0001.jpg"), "the reader of the renamed file got other bytes"
assert b == want("IMG_0002.jpg"), "the other mount's reader got other bytes"
EOF2
wait_for 10 cmp -s "$e/Ceremony/moved-1.jpg" "$SAMPLES/IMG_0006.jpg" || fail "moved-1.jpg: not its new version"
cmp -s "$e/Ceremony/moved-2.jpg" "$SAMPLES/IMG_0005.jpg" || fail "moved-2.jpg: not its new version"
[ "$(stat -c %i "$e/Ceremony/moved-1.jpg")" = "$ino" ] || fail "the inode number changed with the rename"
expect_err ENOENT stat "$e/Ceremony/IMG_0001.jpg"
wait_for 10 gone "$o/Ceremony/IMG_0002.jpg" || fail "the owner still sees IMG_0002.jpg"
[ "$(nversions "$W/Ceremony/moved-1.jpg")$(nversions "$W/Ceremony/moved-2.jpg")" = 22 ] ||
    fail "moved-1.jpg and moved-2.jpg have not two versions each"
ok "open files read the bytes they opened across renames and versions; a rename keeps the inode number"

# --- real tools: cp -r (a new set, team-only), rsync -a, gio copy, tar x
mkdir -p "$S/Shoot Day" "$S/rs" "$S/tarsrc/Tar Set"
cp "$SAMPLES/IMG_0001.jpg" "$SAMPLES/IMG_0002.jpg" "$S/Shoot Day/"
cp "$SAMPLES/IMG_0005.jpg" "$S/Shoot Day/late.jpg"
cp -r "$S/Shoot Day" "$e/"
diff -r "$S/Shoot Day" "$e/Shoot Day" || fail "cp -r: the set differs from the folder"
[ "$(ctl --json set list "$W" | "$PYTHON" -c 'import json,sys; print([s["visibility"] for s in json.load(sys.stdin)["sets"] if s["name"]=="Shoot Day"][0])')" = team ] ||
    fail "a set made with mkdir is not team-only"
expect_err ENOENT stat "$c/Shoot Day"
cp "$SAMPLES/IMG_0006.jpg" "$S/rs/r1.jpg"
cp "$SAMPLES/IMG_0007.png" "$S/rs/r2.png"
rsync -a "$S/rs/" "$e/Ceremony/" || fail "rsync -a failed"
cmp -s "$e/Ceremony/r1.jpg" "$S/rs/r1.jpg" && cmp -s "$e/Ceremony/r2.png" "$S/rs/r2.png" ||
    fail "rsync -a: other bytes"
[ -z "$(ls -A "$e/Ceremony" | grep '^\.' || true)" ] || fail "rsync left temporary files: $(ls -A "$e/Ceremony")"
rsync -a "$S/rs/" "$e/Ceremony/" || fail "a second rsync -a (nothing to do) failed"
cp "$SAMPLES/IMG_0004.jpg" "$S/gio.jpg"
gio copy "$S/gio.jpg" "$e/Ceremony/" || fail "gio copy failed"
cmp -s "$e/Ceremony/gio.jpg" "$S/gio.jpg" || fail "gio copy: other bytes"
# as Nautilus copies: several files, all metadata (times, modes, xattrs:
# a browser's user.xdg.origin.url); then over a photo (Nautilus's
# "Replace"): a new version
cp "$SAMPLES/IMG_0001.jpg" "$S/gio-a.jpg"
cp "$SAMPLES/IMG_0002.jpg" "$S/gio-b.jpg"
"$PYTHON" -c 'import os, sys; os.setxattr(sys.argv[1], "user.xdg.origin.url", b"https://example.com/a.jpg")' "$S/gio-a.jpg"
gio copy --preserve "$S/gio-a.jpg" "$S/gio-b.jpg" "$e/Ceremony/" || fail "gio copy --preserve of two files failed"
cmp -s "$e/Ceremony/gio-a.jpg" "$S/gio-a.jpg" && cmp -s "$e/Ceremony/gio-b.jpg" "$S/gio-b.jpg" ||
    fail "gio copy --preserve: other bytes"
gio copy --preserve -T "$S/gio-a.jpg" "$e/Ceremony/gio-b.jpg" || fail "gio copy over a photo failed"
cmp -s "$e/Ceremony/gio-b.jpg" "$S/gio-a.jpg" || fail "gio copy over a photo: not the new bytes"
[ "$(nversions "$W/Ceremony/gio-b.jpg")" = 2 ] || fail "gio copy over a photo made no new version"
cp "$SAMPLES/IMG_0002.jpg" "$S/tarsrc/Tar Set/t.jpg"
tar -C "$S/tarsrc" -cf "$S/t.tar" "Tar Set"
tar -C "$e" -xf "$S/t.tar" || fail "tar x failed"
cmp -s "$e/Tar Set/t.jpg" "$S/tarsrc/Tar Set/t.jpg" || fail "tar x: other bytes"
[ -z "$(ls -A "$e/Ceremony" | grep '^\.' || true)" ] || fail "temporary files left: $(ls -A "$e/Ceremony")"
ok "cp -r (a team-only set), rsync -a, gio copy and tar x put photos in"

# --- mv: in a set, between sets, of a set; rm; mkdir, rmdir
mv "$e/Ceremony/r1.jpg" "$e/Ceremony/r1-renamed.jpg"
mv "$e/Ceremony/r1-renamed.jpg" "$e/Photos/"
cmp -s "$e/Photos/r1-renamed.jpg" "$S/rs/r1.jpg" || fail "mv between sets: other bytes"
wait_for 10 there "$o/Photos/r1-renamed.jpg" || fail "the owner does not see the moved photo"
wait_for 60 listed_in "$c/Photos" r1-renamed.jpg || fail "the client does not see the moved photo"
mv "$e/Tar Set" "$e/Tarred"
[ -f "$e/Tarred/t.jpg" ] || fail "a renamed set lost its photo"
rm "$e/Ceremony/gio.jpg"
expect_err ENOENT stat "$e/Ceremony/gio.jpg"
wait_for 10 gone "$o/Ceremony/gio.jpg" || fail "the owner still sees a deleted photo"
ctl --json trash list "$W" | "$PYTHON" -c '
import json, sys
assert [p for p in json.load(sys.stdin)["photos"] if p["set"] == "Ceremony" and p["photo"] == "gio.jpg"]
' || fail "a deleted photo is not in albumctl trash list"
ctl trash restore "$W/Ceremony/gio.jpg" >/dev/null || fail "albumctl trash restore"
wait_for 10 there "$e/Ceremony/gio.jpg" || fail "a restored photo does not come back on the mount"
cmp -s "$e/Ceremony/gio.jpg" "$S/gio.jpg" || fail "the restored photo reads otherwise"
rm "$e/Ceremony/gio.jpg"
mkdir "$e/Empty"
[ -d "$o/Empty" ] || wait_for 10 there "$o/Empty" || fail "the owner does not see a new set"
rmdir "$e/Empty"
wait_for 10 gone "$o/Empty" || fail "rmdir: the set is still there"
ok "mv in and between sets, of a set; rm to the trash (restored with albumctl); mkdir, rmdir"

# --- the owner: between albums, and album renames
mv "$o/Ceremony/r2.png" "$MO/$OTHER/Studio/"
cmp -s "$MO/$OTHER/Studio/r2.png" "$S/rs/r2.png" || fail "mv between albums: other bytes"
expect_err "EACCES|EPERM|EROFS" rename "$e" "$ME/Renamed"
mv "$MO/$OTHER" "$MO/Jones 2027"
[ -d "$MO/Jones 2027/Studio" ] || fail "the renamed album lost its set"
mv "$MO/Jones 2027" "$MO/$OTHER"
ok "the owner moves between albums and renames albums; an editor may not rename one"

# --- junk is accepted, shown to its writer only, never a photo
before=$(ctl ls "$W/Ceremony")
for j in .DS_Store ._IMG_0001.jpg Thumbs.db desktop.ini .directory '.~lock.notes.odt#'; do
    echo junk >"$e/Ceremony/$j" || fail "writing $j failed"
done
echo junk >"$e/.DS_Store" || fail "writing .DS_Store into the album failed"
listed_in "$e/Ceremony" .DS_Store || fail "junk is not listed for its writer"
expect_err ENOENT stat "$o/Ceremony/.DS_Store"
[ "$(ctl ls "$W/Ceremony")" = "$before" ] || fail "junk became a photo"
rm "$e/Ceremony/.DS_Store" "$e/.DS_Store"
expect_err ENOENT stat "$e/Ceremony/.DS_Store"
ok "junk is accepted, its writer's alone, never a photo"

# --- Nautilus's Move to Trash: no trash folder at the root, so gio refuses
# and the file manager offers to delete (to albumfs's own trash)
if gio trash "$e/Photos/r1-renamed.jpg" 2>"$S/gio-trash"; then
    fail "gio trash succeeded"
fi
[ -f "$e/Photos/r1-renamed.jpg" ] || fail "gio trash took the photo"
expect_err "EPERM|EROFS" mkdir "$ME/.Trash-0"
ok "gio trash is refused cleanly: $(head -1 "$S/gio-trash")"

# --- the activity log: who, what, through which grant
act=$(ctl --json activity "$W" --person editor@example.com)
for kind in upload version rename move delete set-created set-deleted set-renamed; do
    echo "$act" | "$PYTHON" -c '
import json, sys
kind, grant = sys.argv[1], int(sys.argv[2])
rows = [r for r in json.load(sys.stdin)["events"] if r["kind"] == kind]
assert rows, "no %s by the editor" % kind
assert all(r.get("grant_id") == grant for r in rows), "%s not through grant %d: %s" % (kind, grant, rows[0])
' "$kind" "$G_EDITOR" || fail "activity: $kind"
done
ok "uploads, versions, renames, moves, deletes and sets are recorded with the editor's grant"

# --- one multi-user mount, two editors: a file being written is in its
# writer's folder only
UA_NAME=albumfs-ua UB_NAME=albumfs-ub
unix_users $UA_NAME $UB_NAME
AS_A=$(as_user $UA_NAME)
AS_B=$(as_user $UB_NAME)
ctl user add ua@example.com --uid $UA_NAME >/dev/null
ctl user add ub@example.com --uid $UB_NAME >/dev/null
ctl team add-member studio ua@example.com >/dev/null
ctl team add-member studio ub@example.com >/dev/null
MM=$S/multi
mount_fs "$MM" --multi-user
ma=$MM/$UA_NAME/$W mb=$MM/$UB_NAME/$W
# ua writes a third, says so, and waits for a line before the rest
coproc WRITER { $AS_A "$PYTHON" -c '
import os, sys
src, mine = sys.argv[1:]
data = open(src, "rb").read()
fd = os.open(mine, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
os.write(fd, data[: len(data) // 3])
print(os.stat(mine).st_size, flush=True)
sys.stdin.readline()
os.write(fd, data[len(data) // 3 :])
os.close(fd)
print("closed", flush=True)' "$SRC" "$ma/Photos/theirs.jpg"; }
read -r -u "${WRITER[0]}" written || fail "the writer did not start"
[ "$written" = $((FULL / 3)) ] || fail "the writer's stat said $written"
absent_from "$mb/Photos" theirs.jpg || fail "another editor lists a file being written"
AS=$AS_B expect_err ENOENT stat "$mb/Photos/theirs.jpg"
echo go >&"${WRITER[1]}"
read -r -u "${WRITER[0]}" closed || true
[ "$closed" = closed ] || fail "the writer's close failed"
wait_for 10 $AS_B test -f "$mb/Photos/theirs.jpg" || fail "the other editor does not see the photo once closed"
$AS_B cmp -s "$mb/Photos/theirs.jpg" "$SRC" || fail "the other editor reads other bytes"
ok "on a multi-user mount a file being written is in its writer's folder only"

ctl verify >/dev/null || fail "albumctl verify after the writes: $(ctl verify 2>&1)"
finish
