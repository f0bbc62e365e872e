#!/usr/bin/env bash
# test_background.sh — a daemon started the way people start it (no -f:
# the README, fstab, `mount -t fuse.albumfs`, the invitation) keeps its
# catalog (issue 7, finding 1).
# A daemon that opened SQLite before going into the background held no
# locks on it (POSIX locks do not cross fork()): the next albumctl to exit
# checkpointed and deleted catalog.db-wal/-shm under it, after which
# revocations never reached the mount and what people did through it was
# lost. Here, with the daemon in the background:
#   - it holds SQLite's lock on catalog.db-shm under its own pid;
#   - albumctl runs and exits many times: the -wal and -shm files stay
#     (same inodes), and every change reaches the mount within seconds;
#   - what the client does through the mount (a favourite, a private mark)
#     is in the catalog for albumctl to see;
#   - a revocation closes the mount within seconds, and the catalog passes
#     SQLite's integrity check afterwards;
#   - the same through `mount -t fuse.albumfs` (fstab's way);
#   - albumfs exits 0 only once the mount serves, and a refusal comes from
#     the daemon with its message and status, leaving nothing behind; a
#     mountpoint that is missing or a file is refused; relative paths work.
source "$(dirname "$0")/lib.sh"

standard_library
LIB=$ALBUMFS_LIBRARY
M=$S/client
mount_fs "$M" --user client@example.com
pid=${DAEMON_PID[$M]}
a=$M/$W

# --- the daemon is in the background, in its own session, and holds locks
[ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ] || fail "the daemon is not a session leader"
[ "$(readlink "/proc/$pid/fd/2")" = /dev/null ] || fail "the daemon's stderr is $(readlink "/proc/$pid/fd/2")"
listing_complete "$a/Ceremony" 6 # five photos (one private, a client sees it) and a PDF
shm_ino=$(stat -c %i "$LIB/catalog.db-shm")
wal_ino=$(stat -c %i "$LIB/catalog.db-wal")
holds_lock() { grep -qE "^[0-9]+: POSIX +ADVISORY +(READ|WRITE) +$pid +[0-9a-f]+:[0-9a-f]+:$shm_ino " /proc/locks; }
holds_lock || fail "the daemon (pid $pid) holds no lock on catalog.db-shm: $(cat /proc/locks)"
ok "background daemon: its own session, stderr /dev/null, SQLite's lock on catalog.db-shm held"

# --- albumctl comes and goes: the daemon's files stay, changes arrive
for i in 1 2 3 4 5; do
    ctl ls >/dev/null
    ctl set create "$W" "Extra $i" --visibility public >/dev/null
done
[ -e "$LIB/catalog.db-wal" ] && [ -e "$LIB/catalog.db-shm" ] ||
    fail "albumctl deleted the WAL files under a running mount: $(ls "$LIB")"
[ "$(stat -c %i "$LIB/catalog.db-shm")" = "$shm_ino" ] && [ "$(stat -c %i "$LIB/catalog.db-wal")" = "$wal_ino" ] ||
    fail "catalog.db-wal/-shm were replaced under a running mount"
wait_for 5 there "$a/Extra 5" || fail "a set made by albumctl did not reach the mount"
ok "ten albumctl runs later: -wal/-shm are the same files, and the new sets are on the mount"

# --- what the client does through the mount reaches the catalog
touch "$a/Favourites/Ceremony/IMG_0006.jpg" || fail "cannot favourite through the mount"
chmod o-r "$a/Ceremony/IMG_0002.jpg" || fail "cannot mark private through the mount"
ctl favourites "$W" | grep -q "IMG_0006.jpg" || fail "the favourite is not in the catalog: $(ctl favourites "$W")"
ctl --json activity "$W" --kind private-marked | grep -q IMG_0002 ||
    fail "the private mark is not in the activity: $(ctl activity "$W")"
ok "a favourite and a private mark made through the mount are in the catalog"

# --- a revocation closes the mount; the catalog is intact
t=$(now_ms)
ctl revoke "$G_CLIENT" >/dev/null
wait_for 5 gone "$a" || fail "the revoked client still sees the album 5 s later"
took=$(($(now_ms) - t))
expect_err ENOENT read "$a/Ceremony/IMG_0001.jpg"
holds_lock || fail "the daemon lost its lock on the catalog"
umount_fs "$M"
[ "$(sqlite3 "$LIB/catalog.db" 'PRAGMA integrity_check')" = ok ] || fail "catalog damaged: $(sqlite3 "$LIB/catalog.db" 'PRAGMA integrity_check')"
ok "revoked: the album left the background mount in $took ms; the catalog passes integrity_check"

# --- the same through fstab's way: mount -t fuse.albumfs (mount.fuse3 runs
# albumfs without -f)
code='pid=$(for p in $(pgrep -x albumfs); do tr "\0" "\n" <"/proc/$p/cmdline" | grep -qxF -- "$m" && echo "$p"; done)
ino=$(stat -c %i "$ALBUMFS_LIBRARY/catalog.db-shm")
grep -E "^[0-9]+: POSIX +ADVISORY +(READ|WRITE) +$pid +[0-9a-f]+:[0-9a-f]+:$ino " /proc/locks >"$out.locks"
for i in 1 2 3 4 5; do "$ALBUMCTL" ls >/dev/null; done
[ "$(stat -c %i "$ALBUMFS_LIBRARY/catalog.db-shm")" = "$ino" ] && echo same >"$out.shm"
ls "$m" >"$out.before"
"$ALBUMCTL" revoke '"$G_INVITED"' >/dev/null
for i in $(seq 200); do [ -z "$(ls -A "$m")" ] && break; sleep 0.05; done
ls -A "$m" >"$out.after"'
rc=0
mount_helper "$S/fstab" person=invited@example.com "$code" || rc=$?
if [ "$rc" = 77 ]; then
    echo "SKIP: mount -t fuse.albumfs: cannot make a private mount namespace here (unshare -m)"
else
    H=$S/fstab.helper
    [ -s "$H.locks" ] || fail "mount -t: the daemon holds no lock on catalog.db-shm"
    [ -s "$H.shm" ] || fail "mount -t: catalog.db-shm was replaced under the mount"
    [ "$(cat "$H.before")" = "$W" ] || fail "mount -t: the invited person's root: $(cat "$H.before")"
    [ ! -s "$H.after" ] || fail "mount -t: revoked, yet the root still lists $(cat "$H.after") after 10 s"
    ok "mount -t fuse.albumfs: the daemon holds the catalog's lock, keeps its WAL files, and follows a revocation"
fi

# --- the starting process: exit 0 means mounted; a refusal is the daemon's
M=$S/owner
"$ALBUMFS" "$M.none" --user client@example.com 2>"$S/nomnt.err" && fail "mounting on a missing folder succeeded"
grep -q "mountpoint $M.none: No such file or directory" "$S/nomnt.err" ||
    fail "no message for a missing mountpoint: $(cat "$S/nomnt.err")"
touch "$S/a-file"
"$ALBUMFS" "$S/a-file" --user client@example.com 2>"$S/filemnt.err" && fail "mounting on a file succeeded"
grep -q "is not a folder" "$S/filemnt.err" || fail "no message for a file mountpoint: $(cat "$S/filemnt.err")"
! grep -q " $S/a-file " /proc/mounts || fail "a file mountpoint was mounted"
mount_refused "$S/stranger" "no such person in the catalog" --user stranger@example.com
ok "a daemon that cannot start says why on the starter's stderr and exits non-zero"

# --- relative paths, as typed in a shell: the daemon works from / but
# resolves the library and the mountpoint first
mkdir -p "$S/rel/mnt"
ln -s "$LIB" "$S/rel/lib"
(cd "$S/rel" && "$ALBUMFS" mnt --library lib) || fail "mounting with relative paths failed"
ls "$S/rel/mnt" | grep -qxF "$W" || fail "relative paths: the mount lists '$(ls "$S/rel/mnt" 2>&1)'"
fusermount3 -u "$S/rel/mnt"
ok "relative --library and mountpoint: the mount serves the library"

finish
