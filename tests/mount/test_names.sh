#!/usr/bin/env bash
# test_names.sh — names on a mount (docs/filesystem.md#naming; issue 7,
# finding 3). A set holds a visible X.png and an X.png.jpg marked private,
# imported in both orders (set JpgFirst: the private X.png.jpg first; set
# PngFirst: X.png first). For every role (owner, editor, client, invited,
# link guest): no folder lists a name twice, and every listed name stats
# and reads. For the guest and the invited person the private photo is
# ENOENT under every name it could have (its own name, its plain view name,
# the disambiguated one), and a name that resolves is the visible photo
# (told apart by its shape: X.png is landscape, X.png.jpg portrait).
source "$(dirname "$0")/lib.sh"

standard_library
vips gaussnoise "$S/land.v" 300 200 --mean 128 --sigma 40
vips cast "$S/land.v" "$S/X.png" uchar
vips gaussnoise "$S/port.v" 200 300 --mean 128 --sigma 40
vips cast "$S/port.v" "$S/X.png.jpg" uchar
for set in JpgFirst PngFirst; do
    ctl set create "$W" $set --visibility public >/dev/null
done
# Imported with their views rendered for every grant, so listings are whole.
ctl import "$W/JpgFirst" "$S/X.png.jpg" >/dev/null
ctl import "$W/JpgFirst" "$S/X.png" >/dev/null
ctl import "$W/PngFirst" "$S/X.png" >/dev/null
ctl import "$W/PngFirst" "$S/X.png.jpg" >/dev/null
for set in JpgFirst PngFirst; do
    ctl photo private "$W/$set/X.png.jpg" on >/dev/null
done

# walk MNT: every folder of the album lists each name once, and every
# listed file stats and reads (at least its first byte).
walk() {
    "$PYTHON" - "$1/$W" <<'PY' || fail "walking $1: see above"
import collections, os, sys
bad = 0
for d, dirs, files in os.walk(sys.argv[1]):
    names = os.listdir(d)
    for n, k in collections.Counter(names).items():
        if k > 1:
            print(f"{d}: {n!r} listed {k} times"); bad += 1
    for n in names:
        p = os.path.join(d, n)
        try:
            os.stat(p)
            if n in files:
                with open(p, "rb") as f:
                    f.read(1)
        except OSError as e:
            print(f"{p}: listed but {e.strerror}"); bad += 1
sys.exit(1 if bad else 0)
PY
}

# listing MNT SET: the names SET lists, sorted, '|'-separated.
listing() { ls -A "$1/$W/$2" | sort | tr '\n' '|'; }

# shape FILE: landscape or portrait.
shape() {
    local w h
    w=$(vipsheader -f width "$1")
    h=$(vipsheader -f height "$1")
    if ((w > h)); then echo landscape; else echo portrait; fi
}

# check_role MNT ORIGINALS SEES_PRIVATE
check_role() {
    local m=$1 originals=$2 private=$3 set n
    walk "$m"
    if ((originals)); then
        for set in JpgFirst PngFirst; do
            [ "$(listing "$m" $set)" = "X.png|X.png.jpg|" ] || fail "$m $set: $(listing "$m" $set)"
        done
        [ "$(shape "$m/$W/JpgFirst/X.png")" = landscape ] || fail "owner's X.png"
        [ "$(shape "$m/$W/JpgFirst/X.png.jpg")" = portrait ] || fail "owner's X.png.jpg"
        return 0
    fi
    if ((private)); then
        for set in JpgFirst PngFirst; do
            [ "$(listing "$m" $set)" = "X.png (2).jpg|X.png.jpg|" ] || fail "$m $set: $(listing "$m" $set)"
        done
        [ "$(shape "$m/$W/JpgFirst/X.png.jpg")" = portrait ] || fail "JpgFirst/X.png.jpg is not the JPEG's proof"
        [ "$(shape "$m/$W/JpgFirst/X.png (2).jpg")" = landscape ] || fail "JpgFirst/X.png (2).jpg is not X.png's proof"
        [ "$(shape "$m/$W/PngFirst/X.png.jpg")" = landscape ] || fail "PngFirst/X.png.jpg is not X.png's proof"
        [ "$(shape "$m/$W/PngFirst/X.png (2).jpg")" = portrait ] || fail "PngFirst/X.png (2).jpg is not the JPEG's proof"
        return 0
    fi
    # The private X.png.jpg does not exist; X.png shows under one name.
    [ "$(listing "$m" JpgFirst)" = "X.png (2).jpg|" ] || fail "$m JpgFirst: $(listing "$m" JpgFirst)"
    [ "$(listing "$m" PngFirst)" = "X.png.jpg|" ] || fail "$m PngFirst: $(listing "$m" PngFirst)"
    for n in X.png.jpg X.png "X.png (3).jpg" "X.png.jpg.jpg"; do
        for op in stat read getxattr listxattr; do
            expect_later ENOENT $op "$m/$W/JpgFirst/$n"
        done
    done
    for n in "X.png (2).jpg" X.png "X.png (3).jpg" "X.png.jpg.jpg"; do
        for op in stat read getxattr listxattr; do
            expect_later ENOENT $op "$m/$W/PngFirst/$n"
        done
    done
    expect_now
    [ "$(shape "$m/$W/JpgFirst/X.png (2).jpg")" = landscape ] || fail "$m: JpgFirst/X.png (2).jpg is not X.png"
    [ "$(shape "$m/$W/PngFirst/X.png.jpg")" = landscape ] || fail "$m: PngFirst/X.png.jpg is not X.png"
}

M=$S/mnt
mount_fs "$M"
check_role "$M" 1 1
umount_fs "$M"
ok "owner: own names, each once, each resolves"

mount_fs "$M" --user editor@example.com
check_role "$M" 1 1
umount_fs "$M"
ok "editor: own names, each once, each resolves"

mount_fs "$M" --user client@example.com
check_role "$M" 0 1
umount_fs "$M"
ok "client: X.png.jpg and X.png (2).jpg, each the right photo"

mount_fs "$M" --user invited@example.com
check_role "$M" 0 0
umount_fs "$M"
ok "invited: only X.png's proof, under one name; the private photo ENOENT under every name"

mount_fs "$M" --link "$TOKEN"
check_role "$M" 0 0
umount_fs "$M"
ok "guest: only X.png's proof, under one name; the private photo ENOENT under every name"

finish
