#!/usr/bin/env bash
# test_robust.sh — the mount under abuse (SPEC §4 errors, §7).
#   - a daemon killed with SIGKILL leaves a dead mount (ENOTCONN) that
#     `fusermount3 -u` clears; the library mounts again;
#   - a daemon that crashes (SIGSEGV) leaves "crashed: signal 11" and a
#     backtrace in its log (not under a sanitizer, which reports itself);
#   - a corrupted vault chunk of an original: EIO for reads of that chunk
#     only, other regions and other files read fine, the error is logged on
#     the daemon's stderr (a few times, however often it is read) and the
#     daemon keeps serving; a proof that cannot
#     be made from it is an error, not a crash;
#   - names never seen, '..' games, names through files, over-long names,
#     odd bytes: ENOENT / ENOTDIR / ENAMETOOLONG, never a crash;
#   - reads at and past EOF, and at huge offsets: 0 bytes, no error;
#   - a writer holding the catalog lock (BEGIN IMMEDIATE for 5 s): reads go
#     on (WAL), a render waits for the lock and then completes, no hang;
#   - the library directory renamed away under running mounts: operations
#     answer with an error within seconds, nothing hangs or crashes, and all
#     is well again once it is back.
source "$(dirname "$0")/lib.sh"

standard_library
LIB=$ALBUMFS_LIBRARY
A=$W

# within SECONDS CMD...: CMD must finish (with any status) within SECONDS;
# its status is left in $RC.
within() {
    local secs=$1 t
    shift
    t=$(now_ms)
    RC=0
    timeout -k 2 "$((secs + 5))" "$@" >/dev/null 2>&1 || RC=$?
    (($(now_ms) - t <= secs * 1000)) || fail "took $(($(now_ms) - t)) ms (limit ${secs} s): $*"
    [ "$RC" != 124 ] && [ "$RC" != 137 ] || fail "hung: $*"
}

# dead MNT: the mount answers ENOTCONN. Waited for (wait_for) after a kill:
# the daemon is not this shell's child (it went into the background), so no
# `wait`; a request sent before the last of its threads has exited and the
# kernel has seen the device close is aborted (ECONNABORTED), after that
# every request gets ENOTCONN.
dead() { [ "$(sysop listdir "$1")" = ENOTCONN ]; }

# --- SIGKILL: a dead mount that fusermount3 -u clears; mounts again
M=$S/killed
mount_fs "$M"
cat "$M/$A/Ceremony/IMG_0001.jpg" >/dev/null
pid=${DAEMON_PID[$M]}
kill -9 "$pid"
wait_for 10 dead "$M" || true
! running "$pid" || fail "SIGKILL: the daemon still runs"
DAEMON_PID[$M]=
expect_err ENOTCONN listdir "$M"
expect_err ENOTCONN stat "$M/$A/Getting Ready/IMG_0003.jpg"
expect_err ENOTCONN read "$M/$A/Ceremony/IMG_0001.jpg"
out=$(LC_ALL=C ls "$M" 2>&1 || true)
[[ "$out" == *"Transport endpoint is not connected"* ]] || fail "ls of a dead mount said: $out"
fusermount3 -u "$M" || fail "fusermount3 -u cannot clear a dead mount"
! mountpoint -q "$M" || fail "still a mountpoint"
: >"$M.err"
mount_fs "$M"
cmp -s "$M/$A/Ceremony/IMG_0001.jpg" "$SAMPLES/IMG_0001.jpg" || fail "remounted: original differs"
umount_fs "$M"
ok "SIGKILL: ENOTCONN until fusermount3 -u; the library mounts again"

# --- a crash is said in the log, with a backtrace
if ! grep -qaE '__(asan|tsan)_init' "$ALBUMFS"; then
    M=$S/crashed
    mount_fs "$M"
    pid=${DAEMON_PID[$M]}
    kill -SEGV "$pid"
    wait_for 10 dead "$M" || true
    ! running "$pid" || fail "SIGSEGV: the daemon still runs"
    DAEMON_PID[$M]=
    expect_err ENOTCONN listdir "$M"
    grep -qE "albumfs\[$pid\]: crashed: signal 11 \(SEGV\); backtrace:" "$M.err" ||
        fail "SIGSEGV: no crash line in the log: $(cat "$M.err")"
    grep -qE '^[^ ]*albumfs\(' "$M.err" || fail "SIGSEGV: no backtrace frame: $(cat "$M.err")"
    fusermount3 -u "$M" || fail "fusermount3 -u cannot clear a crashed mount"
    ok "SIGSEGV: the crash and its backtrace are in the daemon's log"
fi

# --- SIGTERM: the daemon unmounts and exits 0, even with a file and
# a folder still open (the kernel never releases those handles; under the
# sanitizers a handle left unfreed would fail the exit status)
# (in the foreground, as systemd runs it, so its exit status is ours to see)
# (SIGHUP reloads instead: tests/mount/test_service.sh)
for sig in TERM; do # (a background job of a script ignores SIGINT)
    M=$S/sig$sig
    FOREGROUND=1 mount_fs "$M" --link "$TOKEN"
    cat "$M/$A/Ceremony/IMG_0001.jpg" >/dev/null
    exec 3<"$M/$A/Ceremony/IMG_0002.jpg" 4<"$M/$A/Ceremony"
    pid=${DAEMON_PID[$M]}
    kill -$sig "$pid"
    rc=0
    wait_for 10 gone "/proc/$pid" || fail "albumfs ignored SIG$sig"
    wait "$pid" || rc=$?
    DAEMON_PID[$M]=
    exec 3<&- 4<&-
    [ "$rc" = 0 ] || fail "albumfs exited $rc on SIG$sig"
    ! grep -qF " $M " /proc/mounts || fail "SIG$sig left the mount behind"
    stderr_check "$M"
done
ok "SIGTERM: the daemon unmounts and exits 0, files and folders open"

# --- names and paths
MO=$S/owner MG=$S/guest
mount_fs "$MO"
mount_fs "$MG" --link "$TOKEN"
long255=$(printf 'a%.0s' $(seq 255)) long300=$(printf 'b%.0s' $(seq 300))
for m in "$MO" "$MG"; do
    a=$m/$A
    for p in "$m/Nope" "$a/Nope" "$a/Ceremony/Nope.jpg" "$a/Ceremony/..." "$a/Ceremony/ IMG_0001.jpg" \
        "$a/Ceremony/IMG_0001.jpg " "$a/Ceremony/img_0001.jpg" "$a/Ceremony/IMG_0001.JPG" \
        "$a/Ceremony/IMG_0001" "$a/Ceremony/"$'IMG_0001.jpg\n' "$a/Ceremony/"$'\xff\xfe.jpg' \
        "$a/Ceremony/"$'IMG\t0001.jpg' "$m/$long255" "$a/Ceremony/$long255" \
        "$a/Web-size/Nope" "$a/Photos/IMG_0001.jpg" "$a/Ceremony/IMG_0001.jpg.jpg"; do
        for op in stat lstat listdir getxattr listxattr; do expect_later ENOENT "$op" "$p"; done
    done
    for p in "$m/$long300" "$a/$long300" "$a/Ceremony/$long300" "$a/Ceremony/${long255}x"; do
        for op in stat read listdir getxattr; do expect_later "ENAMETOOLONG|ENOENT" "$op" "$p"; done
    done
    for p in "$a/Ceremony/IMG_0001.jpg/" "$a/Ceremony/IMG_0001.jpg/.." "$a/Ceremony/IMG_0001.jpg/x" \
        "$a/Ceremony/contract.pdf/."; do
        expect_later ENOTDIR stat "$p"
    done
    expect_later OK read "$a/Ceremony/../Ceremony/./IMG_0001.jpg"
    expect_later OK read "$a/Photos/../../$A/Ceremony/IMG_0002.jpg"
    expect_later OK listdir "$a/Ceremony/../../$A/.."
    expect_now
    [ "$(realpath "$a/Ceremony/../..")" = "$(realpath "$m")" ] || fail "'..' of an album is not the root"
    [ "$(stat -c %i "$a/Ceremony/..")" = "$(stat -c %i "$a")" ] || fail "'..' of a set is not its album"
    [ "$(stat -c %i "$m/..")" = "$(stat -c %i "$S")" ] || fail "'..' of the root leaves the mount wrongly"
done
# for the guest, '..' through hidden folders does not exist either
for p in "$MG/$A/Outtakes/../Ceremony" "$MG/$A/Getting Ready/.." "$MG/$A/Outtakes/." \
    "$MG/$A/Ceremony/IMG_0005.jpg/.."; do
    expect_later ENOENT stat "$p"
done
expect_now
daemon_alive "$MO" && daemon_alive "$MG" || fail "a daemon died on odd names"
ok "names never seen, '..' games, over-long names and odd bytes: ENOENT/ENOTDIR/ENAMETOOLONG"

# --- reads at and past EOF, and at huge offsets
for f in "$MO/$A/Ceremony/IMG_0001.jpg" "$MG/$A/Ceremony/IMG_0001.jpg" "$MO/$A/Ceremony/contract.pdf"; do
    size=$(stat -c %s "$f")
    "$PYTHON" - "$f" "$size" <<'PY' || fail "EOF reads of $f"
import os, sys
f, size = sys.argv[1], int(sys.argv[2])
fd = os.open(f, os.O_RDONLY)
assert len(os.pread(fd, 100, size - 10)) == 10, "last 10 bytes"
for off in (size, size + 1, size + 4096, 1 << 31, 1 << 40, 1 << 62, (1 << 63) - 65537):
    got = os.pread(fd, 65536, off)
    assert got == b"", f"pread at {off} gave {len(got)} bytes"
os.lseek(fd, size, os.SEEK_SET)
assert os.read(fd, 10) == b"", "read at EOF"
os.close(fd)
PY
    n=$(dd if="$f" bs=4096 skip=$((1 << 40)) count=1 2>/dev/null | wc -c) || fail "dd skip=huge failed on $f"
    [ "$n" = 0 ] || fail "dd skip=huge read $n bytes"
    dd if="$f" bs=4096 skip=$((1 << 40)) count=1 of=/dev/null status=none || fail "dd skip=huge: error"
    [ "$(tail -c 100 "$f" | wc -c)" = 100 ] || fail "tail -c of $f"
done
ok "reads at and past EOF and at huge offsets return 0 bytes without error"

# --- a writer holds the catalog lock: reads go on, renders wait, no hang
ctl user add slow@example.com >/dev/null
ctl grant "$A" --user slow@example.com --role invited --proof-edge 700 $NP >/dev/null
MS=$S/slow
# (it will later fail to render a proof of a damaged original, below)
ALLOW_STDERR="cannot render a view of [0-9a-f]{64}: " mount_fs "$MS" --user slow@example.com
listing_complete "$MG/$A/Ceremony" 5
(echo 'BEGIN IMMEDIATE;'; sleep 5; echo 'COMMIT;') | sqlite3 "$LIB/catalog.db" &
locker=$!
locked() { ! sqlite3 "$LIB/catalog.db" 'PRAGMA busy_timeout=0; BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; }
wait_for 3 locked || fail "could not take the catalog lock"
t=$(now_ms)
within 2 ls -lR "$MO"
[ "$RC" = 0 ] || fail "ls -lR of the owner's mount failed while the catalog was locked"
within 2 cat "$MO/$A/Outtakes/IMG_0004.jpg"
[ "$RC" = 0 ] || fail "reading an original failed while the catalog was locked"
within 2 cat "$MG/$A/Ceremony/IMG_0002.jpg"
[ "$RC" = 0 ] || fail "reading a rendered proof failed while the catalog was locked"
within 2 stat "$MS/$A/Photos"
[ "$RC" = 0 ] || fail "stat failed while the catalog was locked"
locked || fail "the lock was released too early for the test to mean anything"
reads_took=$(($(now_ms) - t))
# a proof never rendered: it waits for the lock, then is made
within 14 cat "$MS/$A/Ceremony/IMG_0002.jpg"
[ "$RC" = 0 ] || fail "a render after the lock was released failed ($RC)"
[ "$(dims "$MS/$A/Ceremony/IMG_0002.jpg")" = 467x700 ] || fail "render: $(dims "$MS/$A/Ceremony/IMG_0002.jpg")"
wait $locker
ok "catalog locked by a writer: reads answered in $reads_took ms; a render waited and completed"

# --- a corrupted chunk in the middle of an original (owner view)
orig=$SAMPLES/IMG_0006.jpg
size=$(stat -c %s "$orig")
chunks=$(((size + 65535) / 65536))
((chunks >= 12)) || fail "sample too small: $chunks chunks"
blob=$(find "$LIB/vault" -type f -size "$((72 + size + 16 * chunks))c")
[ "$(echo "$blob" | wc -l)" = 1 ] && [ -n "$blob" ] || fail "cannot tell the blob of IMG_0006: $blob"
umount_fs "$MO" # nothing of it in any page cache
umount_fs "$MG"
bad=$((chunks / 2))
byte=$(od -An -tu1 -j $((72 + bad * 65552 + 1000)) -N1 "$blob" | tr -d ' ')
printf "\\x$(printf %02x $((byte ^ 0x5a)))" |
    dd of="$blob" bs=1 seek=$((72 + bad * 65552 + 1000)) conv=notrunc status=none
ALLOW_STDERR="read of blob [0-9a-f]{64} at offset [0-9]+ failed: Input/output error" mount_fs "$MO"
f=$MO/$A/Ceremony/IMG_0006.jpg
[ "$(stat -c %s "$f")" = "$size" ] || fail "size of the damaged photo"
dd if="$f" bs=65536 count=$bad 2>/dev/null | cmp -s - <(head -c $((bad * 65536)) "$orig") ||
    fail "the chunks before the damaged one do not read"
if dd if="$f" bs=65536 skip=$bad count=1 of=/dev/null 2>"$S/dd.err"; then
    fail "the damaged chunk read without error"
fi
grep -q "Input/output error" "$S/dd.err" || fail "damaged chunk: $(cat "$S/dd.err")"
expect_err EIO read "$f"
dd if="$f" bs=65536 skip=$((bad + 1)) 2>/dev/null | cmp -s - <(tail -c +$(((bad + 1) * 65536 + 1)) "$orig") ||
    fail "the chunks after the damaged one do not read"
dd if="$f" bs=4096 skip=$((bad * 16 - 1)) count=1 2>/dev/null |
    cmp -s - <(tail -c +$(((bad * 16 - 1) * 4096 + 1)) "$orig" | head -c 4096) ||
    fail "the page just before the damaged chunk does not read"
for g in IMG_0001.jpg IMG_0002.jpg IMG_0005.jpg; do
    cmp -s "$MO/$A/Ceremony/$g" "$SAMPLES/$g" || fail "$g does not read after the damage"
done
grep -q "read of blob .* at offset $((bad * 65536)) failed: Input/output error" "$MO.err" ||
    fail "the damage is not logged: $(cat "$MO.err")"
# read in a loop, logged a few times only (identical lines are rate-limited)
for i in $(seq 20); do
    echo 3 >/proc/sys/vm/drop_caches
    dd if="$f" bs=65536 skip=$bad count=1 of=/dev/null 2>/dev/null && fail "the damaged chunk read"
done
n=$(grep -c "read of blob .* at offset $((bad * 65536)) failed" "$MO.err")
((n <= 3)) || fail "the same damage was logged $n times in a minute"
daemon_alive "$MO" || fail "the daemon died on a damaged chunk"
ls -lR "$MO" >/dev/null || fail "the daemon stopped serving"
ok "damaged chunk $bad of $chunks: EIO there only, the rest of the file and other files read; logged"

# a proof of the damaged photo (never rendered before) cannot be made: an
# error, logged, no crash
mount_fs "$MG" --link "$TOKEN"
expect_err "EIO" read "$MS/$A/Ceremony/IMG_0006.jpg"
expect_err OK read "$MS/$A/Ceremony/IMG_0001.jpg"
daemon_alive "$MS" || fail "the daemon died rendering a damaged photo"
grep -q "cannot render a view" "$MS.err" || fail "the failed render is not logged"
ok "a proof of the damaged photo: EIO, logged; other proofs fine"

# --- the library renamed away under running mounts
# what a daemon may say while its library is gone
AWAY="cannot render a view|cannot read the catalog|cannot deliver notifications|read of blob"
ALLOW_STDERR=$AWAY mount_fs "$S/client" --user client@example.com
MC=$S/client
for m in "$MO" "$MG" "$MS"; do DAEMON_ALLOW[$m]=${DAEMON_ALLOW[$m]:+${DAEMON_ALLOW[$m]}|}$AWAY; done
listing_complete "$MC/$A/Ceremony" 6
cat "$MC/$A/Ceremony/IMG_0001.jpg" >/dev/null
mv "$LIB" "$LIB.away"
sleep 0.3
# away CMD...: must answer within 6 s; prints what it got
away() {
    local args=("${@//$S\//}")
    within 6 "$@"
    printf '  %-72s -> status %s\n' "${args[*]}" "$RC"
}
away ls -lR "$MO"
away ls -lR "$MC"
away ls "$MS/$A/Ceremony"
away stat "$MC/$A/Ceremony/IMG_0002.jpg"
away cat "$MO/$A/Outtakes/IMG_0004.jpg"
away cat "$MO/$A/Ceremony/IMG_0002.jpg"
away cat "$MC/$A/Ceremony/IMG_0001.jpg"
away cat "$MC/$A/Getting Ready/IMG_0003.jpg"
away cat "$MS/$A/Ceremony/IMG_0007.png.jpg"
for f in "$MO/$A/Ceremony/IMG_0001.jpg" "$MO/$A/Outtakes/IMG_0004.jpg" "$MC/$A/Getting Ready/IMG_0003.jpg" \
    "$MS/$A/Ceremony/IMG_0007.png.jpg"; do
    expect_later "OK|EIO|ENOENT" read "$f"
    expect_later "OK|EIO|ENOENT" stat "$f"
done
expect_later "OK|EIO|ENOENT" listdir "$MC/$A/Getting Ready"
expect_now
for m in "$MO" "$MC" "$MS" "$MG"; do daemon_alive "$m" || fail "daemon on $m died without its library"; done
mv "$LIB.away" "$LIB"
sleep 0.3
cmp -s "$MO/$A/Outtakes/IMG_0004.jpg" "$SAMPLES/IMG_0004.jpg" || fail "owner reads fail after the library came back"
expect_err OK read "$MC/$A/Getting Ready/IMG_0003.jpg"
expect_err OK read "$MS/$A/Ceremony/IMG_0001.jpg"
ls -lR "$MO" "$MC" "$MS" >/dev/null || fail "listings fail after the library came back"
ok "library renamed away: every operation answered within seconds, no crash; fine again once back"

finish
