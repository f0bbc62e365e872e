#!/usr/bin/env bash
# test_roles.sh — every role against every kind of entry (SPEC §3, §4).
# Roles: owner, editor (through a team grant), client, invited, link guest.
# Entries: a public set, a client-only set, a team-only set, a photo marked
# private, a document (PDF) in a public set. Each is tried through stat,
# readdir (ls), open/read (cat), getxattr/listxattr, and by guessed names
# and '..' paths: what is hidden must be ENOENT everywhere, "No such file or
# directory" in the tools' words. Also: the default file of each role (the
# original, or a proof with a .jpg name), documents as they are, inode
# numbers that hidden photos do not move, and directory link
# counts that count only the visible subfolders.
source "$(dirname "$0")/lib.sh"

standard_library
A=$W

# visible ROLE: the entries (relative to the album) this role must see, as
# "name:1" or "name:0". The default file of a photo is its original for
# owner/editor, its proof (a .jpg name) for everyone else.
PUB=Ceremony/IMG_0001.jpg
PRIV=Ceremony/IMG_0005.jpg
CLI="Getting Ready/IMG_0003.jpg"
TEAM=Outtakes/IMG_0004.jpg
DOC=Ceremony/contract.pdf

# check_role ROLE MNT SEES_CLIENT SEES_TEAM SEES_PRIVATE ORIGINALS
check_role() {
    local role=$1 m=$2 client=$3 team=$4 private=$5 originals=$6
    local a=$m/$A want_sets want_files f n d op links subdirs png_name png_other hidden pass

    # --- the album's folders
    want_sets="Ceremony"
    # clients and invited people keep favourites by default; guests do not
    [ "$role" = client ] || [ "$role" = invited ] && want_sets+=$'\n'"Favourites"
    ((client)) && want_sets+=$'\n'"Getting Ready"
    ((team)) && want_sets+=$'\n'"Outtakes"
    want_sets+=$'\n'"Photos"
    # those who may mark private: the studio, and clients (the album allows it)
    ((originals)) || [ "$role" = client ] && want_sets+=$'\n'"Private"
    want_sets+=$'\n'"READ ME.txt" # the album's rules (test_rules_file.sh)
    ((originals)) && want_sets+=$'\n'"Web-size"
    [ "$(ls "$a")" = "$want_sets" ] || fail "$role: album lists '$(ls "$a" | tr '\n' ',')'"

    # --- the public set, once every view is rendered
    if ((originals)); then png_name=IMG_0007.png png_other=IMG_0007.png.jpg
    else png_name=IMG_0007.png.jpg png_other=IMG_0007.png; fi
    want_files="IMG_0001.jpg"$'\n'"IMG_0002.jpg"
    ((private)) && want_files+=$'\n'"IMG_0005.jpg"
    want_files+=$'\n'"IMG_0006.jpg"$'\n'"$png_name"$'\n'"contract.pdf"
    listing_complete "$a/Ceremony" "$(echo "$want_files" | wc -l)"
    [ "$(ls "$a/Ceremony")" = "$(echo "$want_files" | sort)" ] ||
        fail "$role: Ceremony lists '$(ls "$a/Ceremony" | tr '\n' ',')'"
    expect_err ENOENT stat "$a/Ceremony/$png_other"

    # --- visible entries: stat, read, xattrs; and their bytes
    local visible=("$PUB" "$DOC" "Ceremony/$png_name")
    ((private)) && visible+=("$PRIV")
    ((client)) && visible+=("$CLI")
    ((team)) && visible+=("$TEAM")
    for f in "${visible[@]}"; do
        expect_later OK stat "$a/$f"
        expect_later OK read "$a/$f"
        expect_later ENODATA getxattr "$a/$f"
        expect_later OK listxattr "$a/$f"
        true_size "$a/$f"
        # a photo marked private has no read bit for others; owner and
        # editors may write (a new version): u+w (docs/filesystem.md)
        want=-r--r--r--
        [ "$f" = "$PRIV" ] && want=-r--r-----
        ((originals)) && want=-rw${want:3}
        [ "$(stat -c %A "$a/$f")" = "$want" ] || fail "$role: $f mode $(stat -c %A "$a/$f")"
    done
    cmp -s "$a/$DOC" "$S/contract.pdf" || fail "$role: the document is not its uploaded bytes"
    # the read-only facts in xattrs (docs/filesystem.md)
    n=$(getfattr --absolute-names --only-values -n user.albumfs.view "$a/$PUB" 2>&1 || true)
    [ "$n" = "$( ((originals)) && echo original || echo proof)" ] || fail "$role: user.albumfs.view of $PUB is '$n'"
    n=$(getfattr --absolute-names --only-values -n user.albumfs.private "$a/$PUB" 2>&1 || true)
    [ "$n" = 0 ] || fail "$role: user.albumfs.private of $PUB is '$n'"
    if ((private)); then
        n=$(getfattr --absolute-names --only-values -n user.albumfs.private "$a/$PRIV" 2>&1 || true)
        [ "$n" = 1 ] || fail "$role: user.albumfs.private of $PRIV is '$n'"
    fi
    if ((originals)); then
        cmp -s "$a/$PUB" "$SAMPLES/IMG_0001.jpg" || fail "$role: default file is not the original"
        cmp -s "$a/Ceremony/IMG_0007.png" "$SAMPLES/IMG_0007.png" || fail "$role: PNG original differs"
    else
        ! cmp -s "$a/$PUB" "$SAMPLES/IMG_0001.jpg" || fail "$role: got the original bytes"
        [ "$(dims "$a/$PUB")" = 2048x1365 ] || fail "$role: proof is $(dims "$a/$PUB")"
        [ "$(vipsheader -f vips-loader "$a/Ceremony/$png_name")" = jpegload ] ||
            fail "$role: the PNG's proof is not a JPEG"
    fi

    # --- hidden entries: ENOENT through every door, also by guessed names
    hidden=()
    ((client)) || hidden+=("Getting Ready" "$CLI" "Web-size/Getting Ready/IMG_0003.jpg"
        "High-res/Getting Ready/IMG_0003.jpg" "Ceremony/../Getting Ready/IMG_0003.jpg")
    ((team)) || hidden+=(Outtakes "$TEAM" Outtakes/. "Ceremony/../Outtakes" "Outtakes/IMG_0004.jpg.jpg"
        "Web-size/Outtakes/IMG_0004.jpg")
    ((private)) || hidden+=("$PRIV" "Ceremony/./IMG_0005.jpg" "Ceremony/IMG_0005.jpg.jpg"
        "Photos/../Ceremony/IMG_0005.jpg" "Web-size/Ceremony/IMG_0005.jpg")
    ((originals)) || hidden+=(Web-size High-res "Web-size/Ceremony/IMG_0001.jpg"
        "High-res/Ceremony/IMG_0001.jpg" "Ceremony/IMG_0007.png")
    ((originals)) || [ "$role" = client ] || hidden+=(Private "Private/Ceremony"
        "Private/Ceremony/IMG_0005.jpg")
    hidden+=("Ceremony/IMG_9999.jpg" "Trash" ".trash" "Ceremony/.IMG_0005.jpg")
    for f in "${hidden[@]}"; do
        for op in stat lstat read listdir getxattr listxattr; do
            expect_later ENOENT "$op" "$a/$f"
        done
        n=$(LC_ALL=C stat "$a/$f" 2>&1 || true)
        [[ "$n" == *"No such file or directory"* ]] || fail "$role: stat $f said: $n"
        n=$(LC_ALL=C getfattr -n user.x "$a/$f" 2>&1 || true)
        [[ "$n" == *"No such file or directory"* ]] || fail "$role: getfattr $f said: $n"
        n=$(LC_ALL=C cat "$a/$f" 2>&1 >/dev/null || true)
        [[ "$n" == *"No such file or directory"* ]] || fail "$role: cat $f said: $n"
    done
    expect_now
    # nothing hidden leaks into any listing anywhere on the mount
    n=$(find "$m" 2>&1)
    for f in "${hidden[@]}"; do
        case $f in */../* | */. | *.jpg.jpg | *9999* | Trash | .trash | */.IMG*) continue ;; esac
        ! grep -qxF -- "$a/$f" <<<"$n" || fail "$role: find lists hidden $f"
    done
    ((private)) || ! grep -q IMG_0005 <<<"$n" || fail "$role: a listing shows the private photo"

    # --- link counts: 2 + the subfolders this person sees
    # (once as the lookups reported them, once as getattr does after a
    # catalog change made the watcher drop every cached attribute)
    local dirs=("$m" "$a" "$a/Ceremony")
    ((originals)) && dirs+=("$a/Web-size" "$a/Web-size/Ceremony")
    for pass in lookup getattr; do
        if [ $pass = getattr ]; then
            ctl user add "bump-$role@example.com" >/dev/null
            sleep 0.5
        fi
        for d in "${dirs[@]}"; do
            links=$(stat -c %h "$d")
            subdirs=$(find "$d" -mindepth 1 -maxdepth 1 -type d | wc -l)
            [ "$links" = $((2 + subdirs)) ] || fail "$role: $d has $links links, $subdirs subfolders ($pass)"
        done
    done
    ok "$role: sees client=$client team=$team private=$private originals=$originals; hidden is ENOENT"
}

M=$S/owner
mount_fs "$M"
check_role owner "$M" 1 1 1 1
# 2 + Ceremony, Getting Ready, Outtakes, Photos, Private, Web-size
[ "$(stat -c %h "$M/$A")" = 8 ] || fail "owner album: $(stat -c %h "$M/$A") links"
umount_fs "$M"

M=$S/editor
mount_fs "$M" --user editor@example.com
check_role editor "$M" 1 1 1 1
[ "$(ls "$M")" = "$A" ] || fail "editor sees another album"
umount_fs "$M"

M=$S/client
mount_fs "$M" --user client@example.com
check_role client "$M" 1 0 1 0
# 2 + Ceremony, Favourites, Getting Ready, Photos, Private
[ "$(stat -c %h "$M/$A")" = 7 ] || fail "client album: $(stat -c %h "$M/$A") links"
umount_fs "$M"

M=$S/invited
mount_fs "$M" --user invited@example.com
check_role invited "$M" 0 0 0 0
[ "$(stat -c %h "$M/$A")" = 5 ] || fail "invited album: $(stat -c %h "$M/$A") links"
[ "$(stat -c %h "$M")" = 3 ] || fail "invited root: $(stat -c %h "$M") links"
umount_fs "$M"

M=$S/guest
mount_fs "$M" --link "$TOKEN"
check_role guest "$M" 0 0 0 0
umount_fs "$M"

# --- inode numbers: a keyed hash of what an entry is, never a count and
# never a catalog id. The guest's numbers for its 5 files are the same in a
# fresh mount, and stay the same when the private photo between IMG_0002 and
# IMG_0006 is shown to them and hidden again: nothing hidden moves them.
guest_inodes() {  # guest_inodes OUT: "ino name" lines of the public set, sorted by name
    local m=$S/guest-ino
    mount_fs "$m" --link "$TOKEN"
    ls -i "$m/$A/Ceremony" | awk '{print $1, $2}' | sort -k2 >"$1"
    umount_fs "$m"
}
guest_inodes "$S/inodes1"
[ "$(wc -l <"$S/inodes1")" = 5 ] || fail "guest listing: $(cat "$S/inodes1")"
[ "$(awk '{print $1}' "$S/inodes1" | sort -u | wc -l)" = 5 ] || fail "guest inode numbers repeat: $(cat "$S/inodes1")"
guest_inodes "$S/inodes2"
cmp -s "$S/inodes1" "$S/inodes2" || fail "guest inode numbers differ between mounts: $(paste "$S/inodes1" "$S/inodes2")"
ctl photo private "$A/$PRIV" off >/dev/null
guest_inodes "$S/inodes3"
[ "$(wc -l <"$S/inodes3")" = 6 ] || fail "unhidden photo not listed: $(cat "$S/inodes3")"
grep -v ' IMG_0005' "$S/inodes3" | cmp -s - "$S/inodes1" ||
    fail "showing a photo moved the others' inode numbers: $(cat "$S/inodes3")"
ctl photo private "$A/$PRIV" on >/dev/null
ids=$(sqlite3 "$ALBUMFS_LIBRARY/catalog.db" \
    "SELECT p.id FROM photos p JOIN sets s ON s.id = p.set_id WHERE s.name = 'Ceremony'")
for id in $ids; do
    ! awk '{print $1}' "$S/inodes3" | grep -qx "$id" || fail "an inode number is a catalog id ($id)"
done
ok "inode numbers: stable across mounts, unmoved by what is hidden, not catalog ids"

finish
