#!/usr/bin/env bash
# demo.sh — from a fresh Debian 12 machine to a demo library, in one command.
#
#   scripts/demo.sh             install what is needed, build into ./build,
#                               make sample photos, create demo/library with a
#                               wedding album, people, grants and a share link,
#                               show what each person sees (albumctl ls), and
#                               mount each person's view under demo/mnt/
#   scripts/demo.sh --unmount   take the demo mounts down
#
# Idempotent: every run unmounts the old demo, deletes demo/library and
# builds it again (the generated sample photos in demo/samples are kept).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
demo=$root/demo
mnt=$demo/mnt
ctl=$root/build/tools/albumctl
albumfs=$root/build/fs/albumfs
album="Smith Wedding 2026"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

unmount_all() {
    local d
    [ -d "$mnt" ] || return 0
    for d in "$mnt"/*/; do
        if mountpoint -q "$d"; then
            fusermount3 -u -z "$d" 2>/dev/null || umount -l "$d"
        fi
    done
}

if [ "${1:-}" = "--unmount" ]; then
    unmount_all
    echo "demo: mounts under $mnt are down"
    exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [--unmount]" >&2; exit 2; }

say "Installing dependencies (apt-get, skipped when present)"
scripts/install-deps.sh

say "Building into ./build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "built $ctl and $albumfs"

unmount_all
rm -rf "$demo/library"
mkdir -p "$demo" "$mnt"
chmod 700 "$demo"
export ALBUMFS_LIBRARY=$demo/library
unset ALBUMFS_PASSPHRASE_FILE

if [ ! -f "$demo/samples/IMG_0012.jpg" ]; then
    say "Making sample photos"
    rm -rf "$demo/samples"
    scripts/make-samples.sh "$demo/samples" 12
fi
samples=$demo/samples

say "A library, an album, three sets"
"$ctl" init
"$ctl" album create "$album"
"$ctl" set create "$album" Ceremony --visibility public
"$ctl" set create "$album" "Getting Ready" --visibility client
"$ctl" set create "$album" Outtakes --visibility team

say "Importing the shoot"
# The views are prepared once, after the grants (albumctl prepare).
"$ctl" import --no-prepare "$album/Ceremony" "$samples"/IMG_000[1-6].jpg
"$ctl" import --no-prepare "$album/Getting Ready" "$samples"/IMG_000[7-9].jpg
"$ctl" import --no-prepare "$album/Outtakes" "$samples"/IMG_001[0-2].jpg "$samples"/IMG_0013.png
"$ctl" photo private "$album/Ceremony/IMG_0004.jpg" on

say "People, a team, grants and a share link"
"$ctl" user add alice@example.com --name "Alice Smith"
"$ctl" user add bob@example.com --name "Bob Jones"
"$ctl" user add carol@example.com --name "Carol (studio)"
"$ctl" team add studio
"$ctl" team add-member studio carol@example.com
echo "client grant:  $("$ctl" grant "$album" --user alice@example.com --role client \
    --expires 60d --web on --highres original --no-prepare)"
echo "invited grant: $("$ctl" grant "$album" --user bob@example.com --role invited \
    --expires 30d --web on --web-edge 1600 --no-prepare)"
echo "editor grant:  $("$ctl" grant "$album" --team studio --role editor --no-prepare)"
printf 'confetti-2026\n' >"$demo/link-password"
chmod 600 "$demo/link-password"
token=$("$ctl" link create "$album" --password-file "$demo/link-password" --expires 14d --no-prepare)
# The guest keeps the token in a private file (albumfs --link-file refuses
# one others can read): it then never shows in ps.
(umask 077 && printf '%s\n' "$token" >"$demo/link-token")
chmod 600 "$demo/link-token"
echo "share link token: $token (password: confetti-2026; saved in demo/link-token)"
"$ctl" grant list

say "Rendering the views people will browse"
"$ctl" prepare "$album"

say "What the photographer sees (albumctl ls)"
"$ctl" ls
say "What the client alice@example.com sees (albumctl ls --as)"
"$ctl" ls --as alice@example.com
say "What the invited bob@example.com sees"
"$ctl" ls --as bob@example.com
say "What carol@example.com of team studio sees"
"$ctl" ls --as carol@example.com
say "What the share link shows"
"$ctl" ls --link "$token" --password-file "$demo/link-password"

if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
    say "No FUSE here (/dev/fuse or fusermount3 missing): skipping the mounts"
    exit 0
fi

say "Mounting each person's view under demo/mnt/"
mount_view() {
    local name=$1 i
    shift
    mkdir -p "$mnt/$name"
    "$albumfs" "$mnt/$name" "$@"
    for ((i = 0; i < 50; i++)); do
        mountpoint -q "$mnt/$name" && return 0
        sleep 0.1
    done
    echo "demo: the mount of $name did not come up" >&2
    return 1
}
mount_view owner
mount_view alice --user alice@example.com
mount_view bob --user bob@example.com
mount_view carol --user carol@example.com
mount_view link --link-file "$demo/link-token" --password-file "$demo/link-password"
for who in owner alice bob carol link; do
    say "demo/mnt/$who"
    (cd "$mnt/$who" && find . -mindepth 1 | sort | sed 's|^\./|  |')
done
echo
echo "demo: browse demo/mnt/<person> with a file manager or a shell;"
echo "      'scripts/demo.sh --unmount' takes the mounts down."
