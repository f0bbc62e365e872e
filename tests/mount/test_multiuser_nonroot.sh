#!/usr/bin/env bash
# test_multiuser_nonroot.sh — a multi-user mount run by the photographer's
# own account, not root (docs/filesystem.md "Who may enter"):
#   - without 'user_allow_other' in /etc/fuse.conf, albumfs --multi-user
#     started by that account is refused, and says what to add;
#   - with it, the mount serves: the photographer's uid gets the owner's
#     world, a mapped client account its own folder, an unmapped account
#     nothing, and the client cannot enter the photographer's folder;
#   - the library stays the photographer's (0700), unreadable to the others.
# The machine is not changed: each case runs in a private mount namespace
# whose /etc/fuse.conf is a file of the test's, and whose /dev/fuse is a
# node of its own with Debian's usual mode 0666 (udev's rule; some
# machines keep it 0600, which only root may open).
source "$(dirname "$0")/lib.sh"

unshare -m --propagation private true 2>/dev/null || {
    echo "SKIP: cannot make a private mount namespace here (unshare -m)"
    exit 77
}
PH_NAME=albumfs-np CL_NAME=albumfs-nc # names no other test uses (tests run in parallel)
unix_users $PH_NAME $CL_NAME
PH=$(id -u $PH_NAME) CL=$(id -u $CL_NAME)
AS_PH=$(as_user $PH_NAME)
AS_CL=$(as_user $CL_NAME)
AS_NB=$(as_user nobody)

# The photographer's home, library and mountpoint
H=$S/photographer
mkdir -p "$H/gallery"
chown -R "$PH_NAME:" "$H"
LIB=$H/library
PHOTOG="$AS_PH env HOME=$H ALBUMFS_LIBRARY=$LIB"
samples 2
cp "$SAMPLES/IMG_0001.jpg" "$SAMPLES/IMG_0002.jpg" "$H/"
chown "$PH_NAME:" "$H"/*.jpg
$PHOTOG "$ALBUMCTL" init >/dev/null || fail "the photographer cannot make a library"
$PHOTOG "$ALBUMCTL" album create "$W" >/dev/null
$PHOTOG "$ALBUMCTL" set create "$W" Ceremony --visibility public >/dev/null
$PHOTOG "$ALBUMCTL" import "$W/Ceremony" "$H/IMG_0001.jpg" "$H/IMG_0002.jpg" >/dev/null
$PHOTOG "$ALBUMCTL" user add client@example.com --uid "$CL" >/dev/null
$PHOTOG "$ALBUMCTL" grant "$W" --user client@example.com --role client >/dev/null
[ "$(stat -c '%a %U' "$LIB")" = "700 $PH_NAME" ] || fail "the library is $(stat -c '%a %U' "$LIB")"

# in_namespace CONF CODE: run bash CODE in a private mount namespace whose
# /etc/fuse.conf holds CONF and whose /dev/fuse is 0666; CODE sees $M, $LIB,
# $H, $ALBUMFS and the AS_* commands; the mount is unmounted at the end.
printf '%s\n' "$W" >"$S/album"
in_namespace() {
    printf '%s\n' "$1" >"$S/fuse.conf"
    unshare -m --propagation private env M="$H/gallery" LIB="$LIB" H="$H" ALBUMFS="$ALBUMFS" \
        AS_PH="$AS_PH" AS_CL="$AS_CL" AS_NB="$AS_NB" W="$W" PH_NAME=$PH_NAME CL_NAME=$CL_NAME \
        bash -c '
        set -u
        trap "fusermount3 -u -z \"\$M\" 2>/dev/null" EXIT
        rm -f "'"$S"'/fuse"
        mknod "'"$S"'/fuse" c 10 229 && chmod 0666 "'"$S"'/fuse" && mount --bind "'"$S"'/fuse" /dev/fuse || exit 10
        mount --bind "'"$S"'/fuse.conf" /etc/fuse.conf || exit 10
        '"$2"
}

# --- without user_allow_other: refused, with the line to add
rc=0
in_namespace "# nothing allowed" '
    $AS_PH env HOME="$H" ALBUMFS_LIBRARY="$LIB" "$ALBUMFS" "$M" --multi-user 2>"$H/../refused.err" && exit 11
    ! grep -q " $M " /proc/mounts || exit 12
    exit 0' || rc=$?
[ "$rc" = 0 ] || fail "without user_allow_other: step $rc ($(cat "$S/refused.err" 2>/dev/null))"
grep -q "needs 'user_allow_other' in /etc/fuse.conf" "$S/refused.err" ||
    fail "the refusal does not say what to add: $(cat "$S/refused.err")"
ok "without user_allow_other, the photographer's multi-user mount is refused and says what to add"

# --- with it: each account its own world
rc=0
in_namespace "user_allow_other" '
    $AS_PH env HOME="$H" ALBUMFS_LIBRARY="$LIB" "$ALBUMFS" "$M" --multi-user 2>"$H/../start.err" || exit 11
    grep -q "^albumfs $M fuse.albumfs .*user_id='"$PH"'.*allow_other" /proc/mounts || exit 12
    [ "$($AS_PH ls "$M")" = "$PH_NAME" ] || exit 13
    [ "$($AS_CL ls "$M")" = "$CL_NAME" ] || exit 14
    [ -z "$($AS_NB ls -A "$M")" ] || exit 15
    # the owner sees the team-only and every set; the client its album
    $AS_PH ls "$M/$PH_NAME/$W/Ceremony" | grep -qx IMG_0001.jpg || exit 16
    for i in $(seq 100); do
        [ "$($AS_CL ls "$M/$CL_NAME/$W/Ceremony" 2>/dev/null | wc -l)" = 2 ] && break
        sleep 0.2
    done
    [ "$($AS_CL ls "$M/$CL_NAME/$W/Ceremony" | wc -l)" = 2 ] || exit 17
    $AS_CL cat "$M/$PH_NAME/$W/Ceremony/IMG_0001.jpg" >/dev/null 2>&1 && exit 18
    $AS_CL ls "$LIB" >/dev/null 2>&1 && exit 19
    exit 0' || rc=$?
case $rc in
0) ;;
13 | 14 | 15) fail "each account does not see exactly its own folder (step $rc)" ;;
18) fail "the client read the photographer's original" ;;
19) fail "the client lists the photographer's library" ;;
*) fail "the photographer's multi-user mount: step $rc ($(cat "$S/start.err" 2>/dev/null))" ;;
esac
ok "with user_allow_other: the photographer's account runs the multi-user mount; owner, client and unmapped each see their own"

finish
