#!/usr/bin/env bash
# test_sizes.sh — true sizes and real images (SPEC §4 "Sizes ... are true",
# §5). For every file of every view in several people's mounts, st_size is
# the number of bytes a read returns; cp -r, tar and rsync -a of a mounted
# album give complete files of those sizes that decode. Proofs and web-size
# files are JPEGs of the right long edge (2048 by default, or the grant's
# --proof-edge / --web-edge), carry no GPS, and show IMG_0002 (EXIF
# orientation 6) portrait. Web-size/ and High-res/ appear only where a grant
# allows them, with the right dimensions (High-res original: full size),
# also for a camera-size photo too big to render in memory.
source "$(dirname "$0")/lib.sh"

standard_library
ctl user add buyer@example.com >/dev/null
ctl user add small@example.com >/dev/null
ctl grant "$W" --user buyer@example.com --role client --web on --highres original $NP >/dev/null
ctl grant "$W" --user small@example.com --role invited --proof-edge 1024 --web-edge 800 $NP >/dev/null
ctl grant "$W" --user client2@example.com --role client --highres 1500 $NP >/dev/null

# long_edge FILE
long_edge() {
    local d
    d=$(dims "$1")
    if ((${d%x*} > ${d#*x})); then echo "${d%x*}"; else echo "${d#*x}"; fi
}

# check_view DIR EDGE: every image in DIR (a set folder of some view) is a
# JPEG of long edge EDGE ("orig": the original's), true to its size,
# without GPS; IMG_0002 shows portrait. One exiftool run per folder.
check_view() {
    local dir=$1 edge=$2 f le src bad
    for f in "$dir"/*; do
        true_size "$f"
        case $f in *.pdf) continue ;; esac
        [ "$(vipsheader -f vips-loader "$f" 2>/dev/null)" = jpegload ] || fail "$f is not a decodable JPEG"
        le=$(long_edge "$f")
        if [ "$edge" = orig ]; then
            src=$SAMPLES/$(basename "$f")
            [ -f "$src" ] || src=${src%.jpg}
            [ "$le" = "$(long_edge "$src")" ] || fail "$f: long edge $le, not the original's"
        else
            [ "$le" = "$edge" ] || fail "$f: long edge $le, expected $edge"
        fi
    done
    bad=$(exiftool -q -j -n -G -gps:all -Orientation -ImageWidth -ImageHeight "$dir"/*.jpg | python3 -c '
import json, sys
for f in json.load(sys.stdin):
    gps = [k for k in f if "GPS" in k]
    if gps:
        print(f["SourceFile"], "carries", gps)
    if f["SourceFile"].endswith("/IMG_0002.jpg"):
        w, h = f["File:ImageWidth"], f["File:ImageHeight"]
        if f.get("EXIF:Orientation", f.get("IFD0:Orientation", 1)) in (5, 6, 7, 8):
            w, h = h, w
        if w >= h:
            print(f["SourceFile"], "shows", w, "x", h, ": orientation 6 not respected")
')
    [ -z "$bad" ] || fail "$bad"
}

# --- the owner: originals (with their GPS), Web-size 2048, no High-res
M=$S/owner
mount_fs "$M"
a=$M/$W
[ -n "$(exiftool -s -gps:all "$a/Ceremony/IMG_0001.jpg")" ] || fail "the sample lost its GPS"
for d in Ceremony "Getting Ready" Outtakes; do
    for f in "$a/$d"/*; do true_size "$f"; done
done
[ "$(ls "$a")" = "$(printf '%s\n' Ceremony "Getting Ready" Outtakes Photos Private "READ ME.txt" Web-size)" ] ||
    fail "owner album: $(ls "$a" | tr '\n' ,)"
listing_complete "$a/Web-size/Ceremony" 5
check_view "$a/Web-size/Ceremony" 2048
expect_err ENOENT stat "$a/Web-size/Ceremony/contract.pdf"
expect_err ENOENT stat "$a/High-res"
umount_fs "$M"
ok "owner: originals true to size; Web-size 2048 px, no GPS; no High-res folder"

# --- a client with web-size and original high-res downloads
M=$S/buyer
mount_fs "$M" --user buyer@example.com
a=$M/$W
[ "$(ls "$a")" = "$(printf '%s\n' Ceremony Favourites "Getting Ready" High-res Photos Private "READ ME.txt" Web-size)" ] ||
    fail "buyer album: $(ls "$a" | tr '\n' ,)"
[ "$(ls "$a/High-res")" = "$(printf '%s\n' Ceremony "Getting Ready" Photos)" ] ||
    fail "buyer High-res: $(ls "$a/High-res" | tr '\n' ,)"
listing_complete "$a/Ceremony" 6
listing_complete "$a/Getting Ready" 1
listing_complete "$a/Web-size/Ceremony" 5
listing_complete "$a/Web-size/Getting Ready" 1
listing_complete "$a/High-res/Ceremony" 5
listing_complete "$a/High-res/Getting Ready" 1
check_view "$a/Ceremony" 2048
check_view "$a/Getting Ready" 2048
check_view "$a/Web-size/Ceremony" 2048
check_view "$a/High-res/Ceremony" orig
check_view "$a/High-res/Getting Ready" orig
# permission bits say what the caller may do: nothing is put into Web-size/
expect_err EROFS create "$a/Web-size/Ceremony/new.jpg"
[ "$(stat -c %A "$a/Web-size/Ceremony")" = dr-xr-xr-x ] ||
    fail "Web-size/Ceremony shows $(stat -c %A "$a/Web-size/Ceremony") but takes no files (docs/filesystem.md: r-x)"
[ "$(dims "$a/High-res/Ceremony/IMG_0007.png.jpg")" = "$(dims "$SAMPLES/IMG_0007.png")" ] ||
    fail "PNG high-res is $(dims "$a/High-res/Ceremony/IMG_0007.png.jpg")"
[ "$(exiftool -s3 -Model "$a/High-res/Ceremony/IMG_0001.jpg")" = "Canon EOS R5" ] ||
    fail "high-res (strip-gps) lost the camera model"
[ -z "$(exiftool -s3 -Model "$a/Ceremony/IMG_0001.jpg")" ] || fail "the proof keeps camera metadata"

# cp -r, tar and rsync of the whole album: complete, true, decodable
(cd "$M" && find "$W" -type f -printf '%P %s\n' | sort) >"$S/want"
# (READ ME.txt too, and Private/Ceremony/IMG_0005.jpg: the studio's mark)
[ "$(wc -l <"$S/want")" = 21 ] || fail "expected 21 files in the buyer's album: $(cat "$S/want")"
cp -r "$a" "$S/cp"
mkdir "$S/tar" && tar -C "$M" -cf - "$W" | tar -C "$S/tar" -xf -
rsync -a "$a/" "$S/rsync/"
for copy in "$S/cp" "$S/tar/$W" "$S/rsync"; do
    (cd "$copy" && find . -type f -printf '%P %s\n' | sort) >"$S/got"
    diff -u "$S/want" "$S/got" >&2 || fail "$copy differs from the mount's names and sizes"
    diff -r "$a" "$copy" >&2 || fail "$copy differs from the mount's bytes"
    while read -r f; do
        vipsheader "$copy/$f" >/dev/null 2>&1 || fail "copied $f does not decode"
    done < <(cd "$copy" && find . -type f -name '*.jpg' -printf '%P\n')
done
rm -rf "$S/cp" "$S/tar" "$S/rsync"
umount_fs "$M"
ok "client with web and high-res: proofs 2048, web 2048, high-res full size; cp -r, tar, rsync -a complete"

# --- an invited person with small proofs and 800 px web downloads
M=$S/small
mount_fs "$M" --user small@example.com
a=$M/$W
[ "$(ls "$a")" = "$(printf '%s\n' Ceremony Favourites Photos "READ ME.txt" Web-size)" ] || fail "small album: $(ls "$a" | tr '\n' ,)"
listing_complete "$a/Ceremony" 5
listing_complete "$a/Web-size/Ceremony" 4
check_view "$a/Ceremony" 1024
check_view "$a/Web-size/Ceremony" 800
[ "$(dims "$a/Ceremony/IMG_0002.jpg")" = 683x1024 ] || fail "proof of IMG_0002: $(dims "$a/Ceremony/IMG_0002.jpg")"
expect_err ENOENT stat "$a/High-res"
expect_err ENOENT stat "$a/Web-size/Ceremony/IMG_0005.jpg"
umount_fs "$M"
ok "invited with --proof-edge 1024 --web-edge 800: those sizes; no High-res"

# --- a client of two albums, high-res capped at 1500 px on one
M=$S/client2
mount_fs "$M" --user client2@example.com
a=$M/$W
[ "$(ls "$a")" = "$(printf '%s\n' Ceremony Favourites "Getting Ready" High-res Photos Private "READ ME.txt")" ] ||
    fail "client2 album: $(ls "$a" | tr '\n' ,)"
listing_complete "$a/High-res/Ceremony" 5
check_view "$a/High-res/Ceremony" 1500
expect_err ENOENT stat "$M/$OTHER/High-res"
umount_fs "$M"
ok "client with --highres 1500: High-res files 1500 px on the long edge; only on that album"

# --- a guest: proofs only, nothing else offered
M=$S/guest
mount_fs "$M" --link "$TOKEN"
a=$M/$W
[ "$(ls "$a")" = "$(printf '%s\n' Ceremony Photos "READ ME.txt")" ] || fail "guest album: $(ls "$a" | tr '\n' ,)"
listing_complete "$a/Ceremony" 5
check_view "$a/Ceremony" 2048
umount_fs "$M"
ok "guest: 2048 px proofs, no download folders"

# --- a camera-size photo (24 MP, noisy like a sensor's): its watermarked
# full-size High-res view is made (streamed, too big for memory) and whole
vips gaussnoise "$S/noise.v" 6000 4000 --sigma 40 --mean 128
vips bandjoin "$S/noise.v $S/noise.v $S/noise.v" "$S/noise3.v"
vips cast "$S/noise3.v" "$S/camera.jpg[Q=90]" uchar
rm -f "$S"/noise*.v
ctl set create "$W" Camera --visibility client >/dev/null
ctl import "$W/Camera" "$S/camera.jpg" >/dev/null 2>&1
M=$S/buyer-camera
mount_fs "$M" --user buyer@example.com
f=$M/$W/High-res/Camera/camera.jpg
[ "$(dims "$f")" = 6000x4000 ] || fail "24 MP High-res view: $(dims "$f" 2>&1)"
true_size "$f"
umount_fs "$M"
ok "a 24 MP photo: its watermarked full-size High-res view is whole"

finish
