#!/usr/bin/env bash
# test_modes.sh — every way to mount (SPEC §4 "Ways to mount"): the owner
# (no mode), --user EMAIL, --link TOKEN with and without a password, and the
# mount helper form `mount -t fuse.albumfs LIBRARY MOUNTPOINT -o person=`.
# Refusals at mount time, each with a clear message and no mount: an unknown
# person, an unknown token, a wrong or missing link password, an expired
# link, a revoked link. (--multi-user: test_multiuser.sh.)
source "$(dirname "$0")/lib.sh"

standard_library
printf 'correct horse battery\n' >"$S/pw"
printf 'wrong horse battery\n' >"$S/badpw"
TOKEN_PW=$(ctl link create "$W" --password-file "$S/pw" $NP)
TOKEN_SOON=$(ctl link create "$W" --expires 2s $NP)
soon_made=$(now_ms)
TOKEN_REVOKED=$(ctl link create "$W" $NP)
g_revoked=$(ctl --json grant list "$W" | python3 -c '
import json, sys
print(max(g["id"] for g in json.load(sys.stdin)["grants"] if g["principal"]["kind"] == "link"))')
ctl revoke "$g_revoked" >/dev/null

# --- the owner: everything, no grant needed
M=$S/owner
mount_fs "$M"
[ "$(ls "$M")" = "$(printf '%s\n%s' "$OTHER" "$W")" ] || fail "owner root: $(ls "$M")"
[ "$(ls "$M/$W")" = "$(printf '%s\n' Ceremony "Getting Ready" Outtakes Photos Private "READ ME.txt" Web-size)" ] ||
    fail "owner album: $(ls "$M/$W")"
cmp "$M/$W/Ceremony/IMG_0001.jpg" "$SAMPLES/IMG_0001.jpg" || fail "owner original differs"
grep -q "^albumfs $M fuse.albumfs .*default_permissions" /proc/mounts || fail "mount is not fuse.albumfs with default_permissions: $(grep " $M " /proc/mounts)"
[ "$(stat -c %U "$M/$W/Ceremony/IMG_0001.jpg")" = root ] || fail "owner files owned by the mounting user"
umount_fs "$M"
ok "owner mount: both albums, every set, originals byte for byte"

# --- a named user: their albums only
M=$S/client
mount_fs "$M" --user client@example.com
[ "$(ls "$M")" = "$W" ] || fail "client root: $(ls "$M")"
expect_err ENOENT stat "$M/$OTHER"
[ "$(ls "$M/$W")" = "$(printf '%s\n' Ceremony Favourites "Getting Ready" Photos Private "READ ME.txt")" ] || fail "client album: $(ls "$M/$W")"
umount_fs "$M"
M=$S/client2 # --library (the real one) wins over $ALBUMFS_LIBRARY (pointing nowhere)
# shellcheck disable=SC2097,SC2098 # the expansion is meant to see the outer value
ALBUMFS_LIBRARY=$S/no-such-library mount_fs "$M" --user=client2@example.com --library "$ALBUMFS_LIBRARY"
[ "$(ls "$M")" = "$OTHER" ] || fail "client2 root: $(ls "$M")"
umount_fs "$M"
M=$S/nobody
mount_fs "$M" --user nobody@example.com
[ -z "$(ls -A "$M")" ] || fail "a person with no grant sees: $(ls "$M")"
expect_err ENOENT stat "$M/$W"
umount_fs "$M"
mount_refused "$S/unknown" "no such person in the catalog" --user stranger@example.com
mount_refused "$S/nolib" "library $S/no-such-library" --library "$S/no-such-library"
ok "--user (and --library): a client sees their album only; no grant: empty root; unknown person, missing library refused"

# --- links
M=$S/link
mount_fs "$M" --link "$TOKEN"
[ "$(ls "$M")" = "$W" ] || fail "link root: $(ls "$M")"
[ "$(ls "$M/$W")" = "$(printf '%s\n' Ceremony Photos "READ ME.txt")" ] || fail "link album: $(ls "$M/$W")"
umount_fs "$M"
M=$S/linkpw
mount_fs "$M" --link "$TOKEN_PW" --password-file "$S/pw"
[ "$(ls "$M")" = "$W" ] || fail "password link root: $(ls "$M")"
umount_fs "$M"
mount_refused "$S/linkbad" "wrong password for this link" --link "$TOKEN_PW" --password-file "$S/badpw"
mount_refused "$S/linknopw" "this link needs a password" --link "$TOKEN_PW"
mount_refused "$S/linkrev" "this link has expired or was revoked" --link "$TOKEN_REVOKED"
mount_refused "$S/linkbogus" "no such link" --link "${TOKEN%????}AAAA"
mount_refused "$S/linkpwfile" "cannot read the password file" --link "$TOKEN_PW" --password-file "$S/none"
ok "--link: open link, password link; wrong/missing password, revoked and unknown links refused"

# the 2 s link has expired by now (or will shortly)
while (($(now_ms) < soon_made + 3100)); do sleep 0.1; done
mount_refused "$S/linkexp" "this link has expired or was revoked" --link "$TOKEN_SOON"
ok "--link: an expired link refused at mount time"

# --- option errors
mount_refused "$S/both" "choose one of" --user client@example.com --link "$TOKEN"
mount_refused "$S/pwnolink" "with --link" --password-file "$S/pw"
ok "conflicting options refused"

# --- the kernel's read-ahead window: raised to 4 MiB (root), -o readahead=
# sets it, 0 keeps the kernel's own, out of range refused
ra_of() { cat "/sys/class/bdi/$(mountpoint -d "$1")/read_ahead_kb"; }
ra_is() { [ "$(ra_of "$1")" = "$2" ]; }
M=$S/ra
mount_fs "$M"
wait_for 5 ra_is "$M" 4096 || fail "read-ahead of the mount is $(ra_of "$M") KiB, not 4096"
cmp "$M/$W/Ceremony/IMG_0001.jpg" "$SAMPLES/IMG_0001.jpg" || fail "read with 4 MiB read-ahead"
umount_fs "$M"
mount_fs "$M" -o readahead=1024
wait_for 5 ra_is "$M" 1024 || fail "-o readahead=1024 gave $(ra_of "$M") KiB"
umount_fs "$M"
mount_fs "$M" -o readahead=0
kernel_ra=$(ra_of "$M")
sleep 0.5
ra_is "$M" "$kernel_ra" && [ "$kernel_ra" != 4096 ] || fail "-o readahead=0 changed the window"
umount_fs "$M"
mount_refused "$S/rabig" "readahead must be" -o readahead=999999
ok "read-ahead window: 4 MiB by default, -o readahead=KIB, 0 keeps the kernel's ($kernel_ra KiB)"

# --- request threads: -o threads=N. One thread still serves four parallel
# readers and a listing, and the daemon starts no second request thread
# (libfuse starts one when every thread is busy); 0 is refused.
M=$S/threads
mount_fs "$M" -o threads=1
tasks() { ls "/proc/${DAEMON_PID[$1]}/task" | wc -l; }
before=$(tasks "$M")
readers=()
for i in 1 2 3 4; do
    (for f in IMG_0001 IMG_0002 IMG_0006; do
        cmp -s "$M/$W/Ceremony/$f.jpg" "$SAMPLES/$f.jpg" || exit 1
    done) &
    readers+=($!)
done
ls -l "$M/$W/Ceremony" >/dev/null || fail "listing with one request thread"
for r in "${readers[@]}"; do wait "$r" || fail "a parallel reader failed with one request thread"; done
after=$(tasks "$M")
[ "$after" = "$before" ] || fail "-o threads=1: the daemon went from $before to $after threads"
umount_fs "$M"
mount_refused "$S/threads0" "threads must be" -o threads=0
ok "request threads: -o threads=1 serves parallel readers with one thread; 0 refused"

# --- the mount helper: mount -t fuse.albumfs LIBRARY MOUNTPOINT -o person=
# mount(8) runs /sbin/mount.fuse3, which runs `albumfs` through /bin/sh with
# no PATH of ours (mount(8) drops it: the shell's default path applies). So,
# in a private mount namespace, /usr/local/sbin is covered with a folder
# holding albumfs: the real mount(8) -> mount.fuse3 -> albumfs chain, as
# after `cmake --install`, without touching the system outside this test.
M=$S/helper
mkdir -p "$M" "$S/sbin"
ln -s "$(readlink -f "$ALBUMFS")" "$S/sbin/albumfs"
if ! unshare -m --propagation private true 2>/dev/null; then
    echo "SKIP: mount -t fuse.albumfs: cannot make a private mount namespace here (unshare -m)"
else
    rc=0
    unshare -m --propagation private bash -c '
        set -u
        sbin=$1 lib=$2 m=$3 out=$4 exe=$5
        trap '"'"'umount -l "$m" 2>/dev/null'"'"' EXIT
        mount --bind "$sbin" /usr/local/sbin || exit 10
        mount -t fuse.albumfs "$lib" "$m" -o person=client2@example.com 2>"$out.err" || exit 11
        ls "$m" >"$out.ls" || exit 12
        grep " $m " /proc/mounts >"$out.mounts"
        for p in /proc/[0-9]*; do
            if tr "\0" "\n" 2>/dev/null <"$p/cmdline" | grep -qxF -- "$m" &&
                [ "$(readlink "$p/exe" 2>/dev/null)" = "$exe" ]; then
                echo "${p#/proc/}" >"$out.pid"
            fi
        done
        umount "$m" || exit 13
    ' _ "$S/sbin" "$ALBUMFS_LIBRARY" "$M" "$S/helper" "$(readlink -f "$ALBUMFS")" || rc=$?
    [ -s "$S/helper.pid" ] && DAEMON_PID[$M]=$(cat "$S/helper.pid")
    case $rc in
    0) ;;
    10) fail "cannot bind a folder over /usr/local/sbin in the namespace" ;;
    11) fail "mount -t fuse.albumfs failed: $(cat "$S/helper.err")" ;;
    *) fail "mount -t fuse.albumfs: step $rc failed" ;;
    esac
    [ "$(cat "$S/helper.ls")" = "$OTHER" ] || fail "helper mount root: $(cat "$S/helper.ls")"
    grep -q "^albumfs $M fuse.albumfs .*default_permissions" "$S/helper.mounts" || fail "helper mount: $(cat "$S/helper.mounts")"
    [ -n "${DAEMON_PID[$M]:-}" ] || fail "no albumfs process served the helper mount"
    wait_for 10 gone "/proc/${DAEMON_PID[$M]}" || fail "albumfs did not exit after umount"
    DAEMON_PID[$M]=
    ok "mount -t fuse.albumfs LIBRARY MNT -o person=EMAIL (mount.fuse3 runs albumfs, daemonised)"
fi

finish
