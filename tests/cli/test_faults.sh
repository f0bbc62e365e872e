#!/usr/bin/env bash
# test_faults.sh — injected failures of the system calls that write
# (issue 14 item 9; the seam is store/sysio.h). An import of a JPEG and a
# PNG (which also renders and stores their proofs) is run once to count
# its calls, then once for every N of every call it makes — open, pwrite,
# fsync, rename, SQLite's included — with the Nth call failing with
# ENOSPC, EIO or EINTR (in turn: N mod 3), each on a fresh copy of the
# same library (two runs at a time). After every run:
#   - albumctl exited 0 or 1 (never a crash), and a failure was told on
#     stderr naming what failed;
#   - `albumctl verify` passes;
#   - nothing acknowledged is lost: the same import run again without a
#     fault finds every photo the faulted run reported imported "unchanged"
#     (the same bytes are the current version) and imports the rest.
# Needs a build configured with -DALBUMFS_FAULT_INJECTION=ON (scripts/test.sh
# does); skipped otherwise.
source "$(dirname "$0")/lib.sh"

if ! grep -q '^ALBUMFS_FAULT_INJECTION:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: built without -DALBUMFS_FAULT_INJECTION=ON"
    exit 77
fi

mkdir "$S/in"
img "$S/in/a.jpg" 900 600
img "$S/in/c.png" 300 200
FILES=("$S/in/a.jpg" "$S/in/c.png")
expect 0 init
expect 0 album create W
expect 0 user add client@example.com
expect 0 grant W --user client@example.com --role client
cp -a "$ALBUMFS_LIBRARY" "$S/template"

fresh() {
    rm -rf "$ALBUMFS_LIBRARY"
    cp -a "$S/template" "$ALBUMFS_LIBRARY"
}

# ---- how many calls of each kind one import makes
fresh
ALBUMFS_FAULT_COUNT=$S/counts "$ALBUMCTL" import W/Photos "${FILES[@]}" >"$OUT" 2>"$ERR" ||
    fail "the import without faults failed"
declare -A COUNT=()
while read -r op n; do COUNT[$op]=$n; done <"$S/counts"
for op in open pwrite fsync rename; do # (write: the key file, at init)
    ((${COUNT[$op]:-0} > 0)) || fail "the import made no '$op' call through the seam: $(cat "$S/counts")"
done
ok "one import: $(tr '\n' ' ' <"$S/counts")"

PY=/usr/bin/python3 # Debian's: starts in a tenth of the time of the one on PATH
[ -x "$PY" ] || PY=python3

# one_run OP N ERRNO: the import with that fault on its own copy of the
# library, then the checks; a failure is written to $S/failed.
one_run() {
    local op=$1 n=$2 err=$3 d=$S/run-$1-$2 rc=0
    local what="import with $op #$n failing $err" lib=$d/lib
    mkdir "$d"
    cp -a "$S/template" "$lib"
    ALBUMFS_LIBRARY=$lib ALBUMFS_FAULT=$op:$n:$err "$ALBUMCTL" import W/Photos "${FILES[@]}" \
        --json >"$d/out" 2>"$d/err" || rc=$?
    {
        case $rc in
        0) ;;
        1) [ -s "$d/err" ] || echo "$what: exit 1 and nothing on stderr" ;;
        *) echo "$what: exit status $rc: $(cat "$d/err")" ;;
        esac
        ALBUMFS_LIBRARY=$lib "$ALBUMCTL" verify >"$d/verify" 2>&1 ||
            echo "$what: verify fails afterwards: $(cat "$d/verify")"
        ALBUMFS_LIBRARY=$lib "$ALBUMCTL" import --no-prepare W/Photos "${FILES[@]}" --json \
            >"$d/again" 2>"$d/again.err" || echo "$what: the same import again without a fault failed: $(cat "$d/again.err")"
        # what it acknowledged (nothing, when it could not even say) must
        # be the current version now
        "$PY" -c '
import json, sys
out, again, what, rc = sys.argv[1:]
try:
    acked = [f["name"] for f in json.load(open(out))["files"] if f["ok"]]
except ValueError:
    acked = []
if rc == "0" and not acked:
    print(what + ": exit 0 acknowledging nothing")
try:
    now = {f["name"]: f for f in json.load(open(again))["files"]}
except ValueError:
    now = {}
for name in acked:
    if name not in now or not now[name]["ok"] or not now[name]["unchanged"]:
        print(what + ": " + name + " was reported imported but is not its current version")
' "$d/out" "$d/again" "$what" "$rc"
        [ "$rc" = 0 ] || echo "reported" >"$d/reported"
    } >>"$d/problems"
    rm -rf "$lib"
    : >"$d/done"
}

# Every N of every call, two at a time; one error per N, in turn, so that
# each kind meets every stage.
errs=(ENOSPC EIO EINTR)
runs=0
for op in open pwrite fsync rename; do
    for ((n = 1; n <= COUNT[$op]; n++)); do
        one_run "$op" "$n" "${errs[n % 3]}" &
        runs=$((runs + 1))
        (((runs % 2) == 0)) && wait
    done
done
wait
sweep_done "$runs"
reported=$(ls "$S"/run-*/reported 2>/dev/null | wc -l)
((reported > 0)) || fail "no injected fault made an import fail: the seam does nothing"
ok "$runs imports each with one failing call: no crash, every failure told, verify passes, nothing acknowledged lost ($reported reported a failure)"

# ---- a disk that stays full from the first vault write on
fresh
rc=0
ALBUMFS_FAULT=pwrite:1+:ENOSPC "$ALBUMCTL" import W/Photos "${FILES[@]}" >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 1 ] || fail "import onto a full disk exited $rc"
err_has "No space left on device"
err_has "cannot open library"
expect 0 verify
ok "a disk full from the start: the library cannot be opened for writing, says why, and verifies"
