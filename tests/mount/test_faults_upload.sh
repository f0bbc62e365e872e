#!/usr/bin/env bash
# test_faults_upload.sh — injected failures of the daemon's writing system
# calls during an upload (the seam is store/sysio.h; issue 14 item 9).
# The owner's mount (the daemon started in the background, as people do:
# the ALBUMFS_FAULT* variables reach it through its environment) takes one
# `cp` of a photo. Counting starts only once the mount is up
# (ALBUMFS_FAULT_AFTER names a file the test creates then), so the mount's
# own calls are left out and N counts the upload's: one unfaulted upload
# counts them (its unmount's included), then one run for every N of every
# call (open, pwrite, fsync, rename; SQLite's included) with the Nth failing
# with ENOSPC, EIO or EINTR in turn (N mod 3), each on a fresh copy of the
# library. After every run:
#   - cp ended within a minute (no hang); either it succeeded and the photo
#     reads back byte for byte, or it failed with an errno a person can read
#     ("Input/output error", "No space left on device") and left no file;
#   - the daemon is still running, and unmounts cleanly;
#   - when cp failed, the daemon logged why;
#   - after unmounting, `albumctl verify` passes, and a photo cp
#     acknowledged is in the catalog with its size.
# About 75 mounts, one after the other (every N: no stride): 50 s on a
# quiet two-core machine (TSan: 210 s); 490 s on a heavily loaded one, 590 s
# under ASan (TIMEOUT in tests/CMakeLists.txt and the watchdog's
# ALBUMFS_TEST_TIMEOUT beside it). Needs
# -DALBUMFS_FAULT_INJECTION=ON (scripts/test.sh builds with it); skipped
# otherwise.
source "$(dirname "$0")/lib.sh"

if ! grep -q '^ALBUMFS_FAULT_INJECTION:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: built without -DALBUMFS_FAULT_INJECTION=ON"
    exit 77
fi

samples 6
PHOTO=$S/p.jpg # about 100 KiB: two staging and vault chunks, fewer calls than a camera photo
vips thumbnail "$SAMPLES/IMG_0001.jpg" "$PHOTO[Q=95]" 900
ctl init >/dev/null
ctl album create W >/dev/null
cp -a "$ALBUMFS_LIBRARY" "$S/template"
M=$S/mnt
ARM=$S/armed

# upload OP N ERRNO: a fresh library, the daemon with that fault (none for
# OP "count": then it counts into $S/counts), one cp; the checks. Problems
# are appended to $S/problems.
upload() {
    local op=$1 n=$2 err=$3 rc=0 what="upload with $1 #$2 failing $3"
    rm -rf "$ALBUMFS_LIBRARY" "$ARM"
    cp -a "$S/template" "$ALBUMFS_LIBRARY"
    export ALBUMFS_FAULT_AFTER=$ARM
    if [ "$op" = count ]; then
        export ALBUMFS_FAULT_COUNT=$S/counts
    else
        export ALBUMFS_FAULT=$op:$n:$err
    fi
    ALLOW_STDERR=. mount_fs "$M"
    unset ALBUMFS_FAULT ALBUMFS_FAULT_COUNT ALBUMFS_FAULT_AFTER
    : >"$ARM"
    LC_ALL=C timeout 60 cp "$PHOTO" "$M/W/Photos/p.jpg" 2>"$S/cp.err" || rc=$?
    {
        case $rc in
        0) cmp -s "$PHOTO" "$M/W/Photos/p.jpg" || echo "$what: cp succeeded but the photo reads otherwise" ;;
        124) echo "$what: cp hung" ;;
        *)
            grep -qE 'Input/output error|No space left on device' "$S/cp.err" ||
                echo "$what: cp failed with: $(cat "$S/cp.err")"
            wait_for 10 gone "$M/W/Photos/p.jpg" || echo "$what: the failed copy left p.jpg"
            echo "$what: $(cat "$S/cp.err")" >>"$S/reported" ;;
        esac
        daemon_alive "$M" || echo "$what: the daemon died"
    } >>"$S/problems"
    [ "$rc" != 124 ] || fail "$what: cp hung: $(cat "$S/problems")"
    umount_fs "$M"
    {
        if [ "$rc" != 0 ] && [ ! -s "$M.err" ]; then echo "$what: cp failed and the daemon logged nothing"; fi
        [ ! -s "$M.err" ] || sed "s|^|$what: logged: |" "$M.err" >>"$S/logged"
        ctl verify >"$S/verify" 2>&1 || echo "$what: albumctl verify fails afterwards: $(cat "$S/verify")"
        if [ "$rc" = 0 ]; then
            ctl photo versions W/Photos/p.jpg --json >"$S/versions" 2>&1 &&
                [ "$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["versions"][-1]["size"])' "$S/versions")" = "$(stat -c %s "$PHOTO")" ] ||
                echo "$what: cp succeeded but the catalog does not hold the photo: $(cat "$S/versions")"
        fi
    } >>"$S/problems"
}

: >"$S/problems"
upload count 0 -
[ ! -s "$S/problems" ] || fail "the upload without a fault: $(cat "$S/problems")"
declare -A COUNT=()
while read -r op n; do COUNT[$op]=$n; done <"$S/counts"
for op in open pwrite fsync rename; do
    ((${COUNT[$op]:-0} > 0)) || fail "the upload made no '$op' call through the seam: $(cat "$S/counts")"
done
ok "one upload, counted from when the mount is up: $(tr '\n' ' ' <"$S/counts")"

errs=(ENOSPC EIO EINTR)
runs=0
for op in open write pwrite fsync rename; do
    for ((n = 1; n <= ${COUNT[$op]:-0}; n++)); do
        upload "$op" "$n" "${errs[n % 3]}"
        runs=$((runs + 1))
    done
done
[ ! -s "$S/problems" ] || fail "$(head -c 6000 "$S/problems")"
[ -s "$S/reported" ] || fail "no injected fault made a cp fail: the seam does nothing in the daemon"
ok "$runs uploads each with one failing call: no hang, cp succeeded whole or failed with EIO/ENOSPC ($(wc -l <"$S/reported") did, each logged), the daemon ran on, verify passes"
finish
