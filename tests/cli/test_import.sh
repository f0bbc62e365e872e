#!/usr/bin/env bash
# test_import.sh — importing photos: good and bad files in one run, folders,
# junk names, new versions, refusals that must leave the library unchanged.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public

# photos in the set, as "name" lines (owner's view)
photos() {
    expect 0 --json ls "$W/$1"
    py '"\n".join(p["name"] for s in d["albums"][0]["sets"] for p in s["photos"])'
}

mkdir -p "$S/in"
img "$S/in/IMG_0001.jpg"
img "$S/in/IMG_0002.png"
bad_images "$S/in"

# --- good and bad files in one import
expect 1 import "$W/Ceremony" "$S/in"/*
out_is "imported 2, failed 4"
for f in notes.jpg empty.jpg truncated.jpg header-only.png; do
    grep -q "^albumctl: import: .*$f: " "$ERR" || fail "no error naming $f"
done
[ "$(wc -l <"$ERR")" = 4 ] || fail "expected one error line per bad file"
err_has "empty file"
[ "$(photos Ceremony)" = $'IMG_0001.jpg\nIMG_0002.png' ] || fail "the good photos did not land"
ok "good files land, bad ones are named on stderr, exit 1"

# --- only failures: nothing changes
snapshot
expect 1 import "$W/Ceremony" "$S/in/notes.jpg" "$S/in/truncated.jpg" "$S/does-not-exist.jpg"
out_is "imported 0, failed 3"
err_has "does-not-exist.jpg: No such file or directory"
unchanged "a failed import"
ok "an import where everything fails changes nothing"

# --- folders, recursively; junk names skipped silently
mkdir -p "$S/shoot/day1/raw" "$S/shoot/day2" "$S/shoot/__MACOSX"
img "$S/shoot/day1/A.jpg"
img "$S/shoot/day1/raw/B.jpg"
img "$S/shoot/day2/C.jpg"
printf 'junk' >"$S/shoot/.DS_Store"
printf 'junk' >"$S/shoot/day1/._A.jpg"
printf 'junk' >"$S/shoot/day2/Thumbs.db"
printf 'junk' >"$S/shoot/day2/desktop.ini"
printf 'junk' >"$S/shoot/day2/.directory"
img "$S/shoot/__MACOSX/D.jpg"
ln -s "$S/shoot/day1" "$S/shoot/day2/loop"
expect 0 set create "$W" Folders --visibility public
expect 1 import "$W/Folders" "$S/shoot"
out_is "imported 3, failed 1"
err_has "loop: symbolic link to a folder, not followed"
err_lacks "DS_Store"
err_lacks "Thumbs.db"
[ "$(photos Folders)" = $'A.jpg\nB.jpg\nC.jpg' ] || fail "recursive import"
rm "$S/shoot/day2/loop"
ok "folders recursively, junk skipped silently, folder symlinks not followed"

# --- an import run again (after an interruption): the same bytes under the
# same name are not a new version
versions() { sqlite3 "$ALBUMFS_LIBRARY/catalog.db" "SELECT count(*) FROM versions"; }
before=$(versions)
expect 0 import "$W/Folders" "$S/shoot"
out_is "imported 0, unchanged 3, failed 0"
[ "$(versions)" = "$before" ] || fail "a retried import added versions: $before then $(versions)"
ok "the same files imported again: unchanged, no new versions"

# --- re-importing a name makes a new version of the same photo
expect 0 --json import "$W/Folders" "$S/shoot/day1/A.jpg"
json_ok
first=$(py 'd["files"][0]["photo_id"], d["files"][0]["version_id"]')
mkdir -p "$S/new"
img "$S/new/A.jpg" 80 60
expect 0 import --json "$W/Folders" "$S/new/A.jpg"
second=$(py 'd["files"][0]["photo_id"], d["files"][0]["version_id"]')
[ "${first% *}" = "${second% *}" ] || fail "a re-import made a new photo, not a version: $first then $second"
[ "${first#* }" != "${second#* }" ] || fail "a re-import did not make a new version"
[ "$(photos Folders)" = $'A.jpg\nB.jpg\nC.jpg' ] || fail "versions must not add photos"
ok "same name again: same photo, new version"

# --- names that cannot be photo names, files too big
cp "$S/in/IMG_0001.jpg" "$S/bad"$'\n'"name.jpg"
truncate -s $((512 * 1024 * 1024 + 1)) "$S/huge.jpg"
mkfifo "$S/fifo.jpg"
snapshot
expect 1 import "$W/Ceremony" "$S/bad"$'\n'"name.jpg" "$S/huge.jpg" "$S/fifo.jpg"
err_has 'bad\x0aname.jpg: the name cannot be used'
err_has "huge.jpg: larger than 512 MiB"
err_has "fifo.jpg: not a regular file"
[ "$(grep -c '^albumctl: import: ' "$ERR")" = 3 ] || fail "one line per failure"
unchanged "unusable names and sizes"
ok "control characters in names, files over the limit, fifos refused"

# --- JSON output of a mixed import, including a name that is not UTF-8
cp "$S/in/notes.jpg" "$S/"$'\xff'"latin.jpg"
expect 1 --json import "$W/Ceremony" "$S/"$'\xff'"latin.jpg" "$S/in/IMG_0001.jpg"
json_ok
[ "$(py 'd["imported"], d["unchanged"], d["failed"]')" = "0 1 1" ] || fail "json counts"
[ "$(py '[f["ok"] for f in d["files"]]')" = "[False, True]" ] || fail "json per file"
[ "$(py 'd["files"][1]["unchanged"]')" = True ] || fail "json: IMG_0001.jpg was there already"
ok "import --json (with a non-UTF-8 path)"


# --- wrong targets: usage and missing album/set
snapshot
expect 2 import "$W" "$S/in/IMG_0001.jpg"
err_has "is not of the form ALBUM/SET"
expect 2 import "$W/Ceremony/extra" "$S/in/IMG_0001.jpg"
expect 2 import "$W/Ceremony"
expect 1 import "No Album/Ceremony" "$S/in/IMG_0001.jpg"
err_has "no album 'No Album'"
expect 1 import "$W/No Set" "$S/in/IMG_0001.jpg"
err_has "no set 'No Set' in album '$W'"
unchanged "wrong import targets"
ok "wrong targets refused before anything is read"

# --- views are prepared at import for the people with grants
expect 0 user add alice@example.com
expect 0 grant "$W" --user alice@example.com --role client --web on
expect 0 import "$W/Ceremony" "$S/in/IMG_0002.png"
expect 0 --json prepare "$W"
[ "$(py 'd["albums"][0]["made"], d["albums"][0]["failed"]')" = "0 0" ] ||
    fail "import and grant should have prepared every view"
[ "$(py 'd["albums"][0]["ready"] > 0')" = True ] || fail "no views ready"
img "$S/fresh.jpg"
expect 0 import --no-prepare "$W/Ceremony" "$S/fresh.jpg"
expect 0 --json prepare "$W"
[ "$(py 'd["albums"][0]["made"] > 0')" = True ] || fail "--no-prepare left nothing to prepare"
expect 1 prepare "No Album"
ok "views prepared at import and grant; --no-prepare; albumctl prepare"

# --- no progress bar (and no escape codes) when stderr is not a terminal
expect 0 import "$W/Ceremony" "$S/in/IMG_0001.jpg"
err_empty
ok "quiet stderr when not a terminal"

# --- a progress bar when stderr is a terminal (script(1) provides one)
if command -v script >/dev/null; then
    mkdir -p "$S/tty"
    for i in 1 2 3; do img "$S/tty/T$i.jpg"; done
    script -qec "$(printf '%q ' "$ALBUMCTL" import "$W/Ceremony" "$S/tty")" /dev/null >"$S/tty.out"
    grep -qF '] 1/3 ' "$S/tty.out" || fail "no progress bar on a terminal: $(od -c "$S/tty.out" | head)"
    grep -qF 'imported 3, failed 0' "$S/tty.out" || fail "no summary on a terminal"
    ok "progress bar on a terminal"
fi

# --- albumctl without its image module (media/media_lazy.c): it looks in
# one place relative to its own file only, so a copy elsewhere finds none
# (not the module the current directory, the real albumctl's, leads to);
# commands that need no image work, those that do fail with one clear line
mkdir -p "$S/bare"
cp "$ALBUMCTL" "$S/bare/albumctl"
(cd "$(dirname "$ALBUMCTL")" && "$S/bare/albumctl" ls "$W/Ceremony") >"$OUT" 2>"$ERR" ||
    fail "albumctl without the image module cannot list"
out_has "IMG_0001.jpg"
rc=0
(cd "$(dirname "$ALBUMCTL")" && "$S/bare/albumctl" import "$W/Ceremony" "$S/in/IMG_0001.jpg") \
    >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 1 ] || fail "import without the image module exited $rc, expected 1"
err_one_line
err_has "albumctl: import: cannot load the image module: $S/bare/"
ok "without its image module albumctl lists, and refuses an import in one line"
