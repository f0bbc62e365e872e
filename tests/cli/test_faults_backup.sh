#!/usr/bin/env bash
# test_faults_backup.sh — injected failures of the system calls that write
# (the seam is store/sysio.h; issue 14 item 9), over backups. Four
# commands, each run once to count its calls and then once for every N of
# every call it makes (open, write, pwrite, fsync, rename; the library's
# SQLite included; of a long run of pwrite, a stride: see swept below), the
# Nth failing with ENOSPC, EIO or EINTR in turn (N mod 3), each on fresh
# copies of the same library and repository (two runs at a time):
#   first    'backup DEST' into an empty folder
#   incr     'backup DEST' again after one new photo
#   forget   'backup forget DEST --keep-daily 1' of three snapshots (two
#            manifests and the blobs only they name removed)
#   restore  'restore --from DEST W/Photos/a.jpg' of a photo purged since
# After every run:
#   - the command exited 0, or 1 with a message that names what failed and
#     the error (never a crash, never a generic line);
#   - the snapshots there before it still verify ('backup verify
#     --read-data'), and so does the repository as the run left it;
#   - 'albumctl verify' of the library passes;
#   - the same command again without a fault completes, and the result is
#     the one an unfaulted run gives (forget: the same snapshots and blob
#     files left; restore: the photo back; backups: a snapshot that
#     verifies);
#   - nothing acknowledged is lost: a backup that exited 0 left its
#     snapshot, a restore that exited 0 its photo, a forget that exited 0
#     the unfaulted result.
# About 220 runs of five albumctl commands each: 130 s (ASan: 150 s) on a
# quiet two-core machine, 430 s (ASan: 570 s) on a heavily loaded one
# (TIMEOUT in tests/CMakeLists.txt). Needs -DALBUMFS_FAULT_INJECTION=ON (scripts/test.sh
# builds with it); skipped otherwise.
source "$(dirname "$0")/lib.sh"

if ! grep -q '^ALBUMFS_FAULT_INJECTION:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: built without -DALBUMFS_FAULT_INJECTION=ON"
    exit 77
fi

# the snapshot ids in repository $1 (their manifests' names; 'backup verify'
# checks that each authenticates)
snapshots() { (cd "$1/snapshots" 2>/dev/null && ls | grep -xE '[0-9a-f]{16}' | sort | paste -sd ' ') || true; }
blob_files() { (cd "$1/blobs" && find . -mindepth 2 -type f ! -path './tmp/*' | sort); }

# ---- the templates: a library (L*) and a repository (R*) for each command
mkdir "$S/in"
img "$S/in/a.jpg" 300 200
img "$S/in/b.jpg" 320 200
img "$S/in/c.jpg" 340 200
expect 0 init
expect 0 album create W
expect 0 import W/Photos "$S/in/a.jpg" "$S/in/b.jpg" --no-prepare
cp -a "$ALBUMFS_LIBRARY" "$S/L.first"
mkdir "$S/R.first" "$S/R0"
expect 0 backup "$S/R0" --json
S0=$(py 'd["snapshot"]')
cp -a "$S/R0" "$S/R.incr"
expect 0 import W/Photos "$S/in/c.jpg" --no-prepare
cp -a "$ALBUMFS_LIBRARY" "$S/L.incr"
expect 0 backup "$S/R0" --json
S1=$(py 'd["snapshot"]')
cp -a "$S/R0" "$S/R.restore"
expect 0 photo delete W/Photos/a.jpg
expect 0 trash purge W/Photos/a.jpg
cp -a "$ALBUMFS_LIBRARY" "$S/L.restore"
expect 0 backup "$S/R0" --json
S2=$(py 'd["snapshot"]')
cp -a "$S/R0" "$S/R.forget"
cp -a "$ALBUMFS_LIBRARY" "$S/L.forget"
# what an unfaulted forget leaves (the three snapshots were taken within
# seconds: on one day, but for a sweep that straddles midnight UTC)
cp -a "$S/R.forget" "$S/clean"
expect 0 backup forget "$S/clean" --keep-daily 1 --json
[ "$(py 'len(d["forgotten"])')" -ge 1 ] && [ "$(py 'd["blobs_removed"]')" -ge 1 ] ||
    fail "the unfaulted forget removed nothing: $(cat "$OUT")"
WANT_SNAPS=$(snapshots "$S/clean")
WANT_BLOBS=$(blob_files "$S/clean")
[[ " $WANT_SNAPS " == *" $S2 "* ]] || fail "the unfaulted forget did not keep the newest snapshot"
rm -rf "$S/clean" "$S/R0"

declare -A BEFORE=([first]="" [incr]="$S0" [restore]="$S0 $S1" [forget]="$S2")
# cmd SCENARIO REPO: the command a scenario runs
cmd() {
    case $1 in
    first | incr) echo backup "$2" --json ;;
    forget) echo backup forget "$2" --keep-daily 1 --json ;;
    restore) echo restore --from "$2" W/Photos/a.jpg --json ;;
    esac
}

# ---- how many calls of each kind each command makes
declare -A COUNT=()
for sc in first incr forget restore; do
    d=$S/count-$sc
    mkdir "$d"
    cp -a "$S/L.$sc" "$d/lib"
    cp -a "$S/R.$sc" "$d/repo"
    # shellcheck disable=SC2046
    ALBUMFS_LIBRARY=$d/lib ALBUMFS_FAULT_COUNT=$d/counts "$ALBUMCTL" $(cmd "$sc" "$d/repo") \
        >"$OUT" 2>"$ERR" || fail "$sc without faults failed"
    while read -r op n; do COUNT[$sc.$op]=$n; done <"$d/counts"
    ok "$sc: $(tr '\n' ' ' <"$d/counts")"
    rm -rf "$d"
done
for op in open write pwrite fsync rename; do
    ((${COUNT[first.$op]:-0} > 0)) || fail "the first backup made no '$op' call through the seam"
done
((${COUNT[forget.fsync]:-0} >= 2)) || fail "forget made ${COUNT[forget.fsync]:-0} fsync calls through the seam"
((${COUNT[restore.rename]:-0} >= 1)) || fail "the restore made no rename through the seam"

declare -A ERRTEXT=([ENOSPC]="No space left on device|database or disk is full"
                    [EIO]="Input/output error|disk I/O error"
                    [EINTR]="Interrupted system call")
# An open that fails inside SQLite loses its errno (SQLite's later calls
# overwrite it): such a file is reported as one that cannot be opened, with
# EIO; the catalog itself, which SQLite then opens for reading instead, as
# one that cannot be opened for writing.
declare -A OPENED=([open]="|Input/output error|the catalog cannot be opened for writing: Read-only file system")

# one_run SCENARIO OP N ERRNO: the command with that fault on its own copies,
# then the checks; problems are written to $d/problems.
one_run() {
    local sc=$1 op=$2 n=$3 err=$4 d=$S/run-$1-$2-$3 rc=0 id
    local what="$sc with $op #$n failing $err"
    mkdir "$d"
    cp -a "$S/L.$sc" "$d/lib"
    cp -a "$S/R.$sc" "$d/repo"
    export ALBUMFS_LIBRARY=$d/lib
    # shellcheck disable=SC2046
    ALBUMFS_FAULT=$op:$n:$err "$ALBUMCTL" $(cmd "$sc" "$d/repo") >"$d/out" 2>"$d/err" || rc=$?
    {
        case $rc in
        0) ;;
        1) grep -qE "^albumctl: .*(${ERRTEXT[$err]}${OPENED[$op]:-})" "$d/err" ||
            echo "$what: exit 1 without naming the error: $(cat "$d/err")"
            echo "$what: $(cat "$d/err")" >"$d/reported" ;;
        *) echo "$what: exit status $rc: $(cat "$d/err")" ;;
        esac
        "$ALBUMCTL" verify >"$d/verify" 2>&1 || echo "$what: library verify fails afterwards: $(cat "$d/verify")"
        if [ -e "$d/repo/config" ]; then # (without one it is still the empty folder)
            "$ALBUMCTL" backup verify "$d/repo" --read-data >"$d/bverify" 2>&1 ||
                echo "$what: backup verify fails afterwards: $(cat "$d/bverify")"
        fi
        have=" $(snapshots "$d/repo") "
        for id in ${BEFORE[$sc]}; do
            [[ $have == *" $id "* ]] || echo "$what: the earlier snapshot $id is gone"
        done
        if [ "$rc" = 0 ]; then # what it acknowledged
            case $sc in
            first | incr)
                id=$(sed -n 's/^ *"snapshot": "\([0-9a-f]*\)".*/\1/p' "$d/out")
                [[ $have == *" $id "* ]] || echo "$what: exit 0, but its snapshot $id is not there" ;;
            forget)
                [ "$have" = " $WANT_SNAPS " ] && [ "$(blob_files "$d/repo")" = "$WANT_BLOBS" ] ||
                    echo "$what: exit 0, but not what an unfaulted forget leaves" ;;
            restore)
                "$ALBUMCTL" ls W/Photos >"$d/ls" 2>&1 && grep -q '^ *a\.jpg ' "$d/ls" ||
                    echo "$what: exit 0, but a.jpg is not in the library: $(cat "$d/ls")" ;;
            esac
        fi
        # the same command again, without a fault
        # shellcheck disable=SC2046
        "$ALBUMCTL" $(cmd "$sc" "$d/repo") >"$d/again" 2>"$d/again.err" ||
            echo "$what: the same command again without a fault failed: $(cat "$d/again.err")"
        case $sc in
        first | incr)
            "$ALBUMCTL" backup verify "$d/repo" --read-data >"$d/bverify" 2>&1 ||
                echo "$what: backup verify fails after the run without a fault: $(cat "$d/bverify")" ;;
        forget)
            [ "$(snapshots "$d/repo")" = "$WANT_SNAPS" ] && [ "$(blob_files "$d/repo")" = "$WANT_BLOBS" ] ||
                echo "$what: the forget after it did not leave what an unfaulted one leaves" ;;
        restore)
            "$ALBUMCTL" ls W/Photos >"$d/ls" 2>&1 && grep -q '^ *a\.jpg ' "$d/ls" ||
                echo "$what: a.jpg is not back after the run without a fault: $(cat "$d/ls")"
            "$ALBUMCTL" verify >"$d/verify" 2>&1 ||
                echo "$what: library verify fails after the run without a fault: $(cat "$d/verify")" ;;
        esac
    } >>"$d/problems" 2>&1
    rm -rf "$d/lib" "$d/repo"
    : >"$d/done"
}

# swept N SCENARIO OP: whether the sweep runs call N of OP. Every N, but
# for the long runs of pwrite (a backup makes some 90: most are SQLite's
# writes of the catalog copy's pages, one like the next) only the first 10,
# the last 20 and every 5th between: the whole sweep took some 1,100 s on a
# loaded machine, several times that under ASan.
swept() {
    local n=$1 count=${COUNT[$2.$3]}
    [ "$3" != pwrite ] || ((n <= 10 || n > count - 20 || n % 5 == 0))
}

errs=(ENOSPC EIO EINTR)
runs=0
for sc in first incr forget restore; do
    for op in open write pwrite fsync rename; do
        for ((n = 1; n <= ${COUNT[$sc.$op]:-0}; n++)); do
            swept "$n" "$sc" "$op" || continue
            one_run "$sc" "$op" "$n" "${errs[n % 3]}" &
            runs=$((runs + 1))
            (((runs % 2) == 0)) && wait
        done
    done
done
wait
sweep_done "$runs"
for sc in first incr forget restore; do
    reported=$(cat "$S"/run-"$sc"-*/reported 2>/dev/null | wc -l)
    ((reported > 0)) || fail "no injected fault made $sc fail: the seam does nothing there"
    ok "$sc: $reported of its runs reported the failure"
done
ok "$runs runs each with one failing call: no crash, every failure named, earlier snapshots verify, the library verifies, the next run completes, nothing acknowledged lost"
