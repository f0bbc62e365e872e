# shellcheck shell=bash
# lib.sh — shared helpers for the albumctl scenario tests (tests/cli/test_*.sh).
#
# Sourced, not run. Gives each test a scratch directory (removed on exit), a
# library path in ALBUMFS_LIBRARY, and helpers to run albumctl, check exit
# codes and messages, snapshot the library's visible state (to prove that a
# refused command changed nothing) and make small test images with the vips
# CLI. CTest sets ALBUMCTL (the binary), TESTS_DIR and BUILD_DIR.
set -eEuo pipefail
export LC_ALL=C.UTF-8
trap 'printf "FAIL: %s:%s: %s\n" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" >&2' ERR

: "${ALBUMCTL:?set ALBUMCTL to the albumctl binary}"
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}

S=$(mktemp -d)
trap 'chmod -R u+rwX "$S" 2>/dev/null; rm -rf "$S"' EXIT
mkdir -p "$S/home"
export HOME=$S/home
unset XDG_DATA_HOME ALBUMFS_PASSPHRASE_FILE
export ALBUMFS_LIBRARY=$S/lib

# A test's own sqlite3 waits for a daemon's or albumctl's write to finish (a
# mount's watcher writes on its own schedule) instead of failing "database is
# locked" at once.
sqlite3() { command sqlite3 -cmd '.timeout 10000' "$@"; }

OUT=$S/stdout
ERR=$S/stderr

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    if [ -s "$OUT" ]; then printf -- '--- stdout:\n' >&2; head -c 4000 "$OUT" >&2; fi
    if [ -s "$ERR" ]; then printf -- '--- stderr:\n' >&2; head -c 4000 "$ERR" >&2; fi
    exit 1
}

ok() { printf 'ok - %s\n' "$*"; }

# ctl ARGS...: albumctl, output left in $OUT and $ERR; returns its status.
ctl() { "$ALBUMCTL" "$@" >"$OUT" 2>"$ERR"; }

# expect CODE ARGS...: run albumctl and insist on that exit status.
expect() {
    local want=$1 rc=0
    shift
    "$ALBUMCTL" "$@" >"$OUT" 2>"$ERR" || rc=$?
    [ "$rc" = "$want" ] || fail "albumctl $* exited $rc, expected $want"
}

out_has() { grep -qF -- "$1" "$OUT" || fail "stdout lacks '$1'"; }
out_match() { grep -qE -- "$1" "$OUT" || fail "stdout does not match '$1'"; }
out_lacks() { ! grep -qF -- "$1" "$OUT" || fail "stdout has '$1'"; }
err_has() { grep -qF -- "$1" "$ERR" || fail "stderr lacks '$1'"; }
err_lacks() { ! grep -qF -- "$1" "$ERR" || fail "stderr has '$1'"; }
out_is() { [ "$(cat "$OUT")" = "$1" ] || fail "stdout is not '$1'"; }
err_empty() { [ ! -s "$ERR" ] || fail "stderr is not empty"; }

# Every error is one line starting "albumctl: ".
err_one_line() {
    [ "$(wc -l <"$ERR")" = 1 ] || fail "expected one line on stderr"
    grep -q '^albumctl: ' "$ERR" || fail "stderr does not start with 'albumctl: '"
}

json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)' <"$OUT" || fail "stdout is not JSON"; }

# jq-like: py 'EXPR' evaluates EXPR with d = the JSON on stdout, prints it.
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$OUT"; }

# sweep_done RUNS: the end of a fault sweep (test_faults*.sh), whose runs
# each work in a folder $S/run-*: all RUNS of them reached their end (a
# file "done") and none wrote a line to its "problems".
sweep_done() {
    [ "$(ls "$S"/run-*/done | wc -l)" = "$1" ] || fail "some runs stopped before their checks"
    cat "$S"/run-*/problems >"$S/problems"
    [ ! -s "$S/problems" ] || fail "$(head -c 6000 "$S/problems")"
}

# state: everything a person can observe of the library through albumctl,
# plus the vault's blob files. Compare before and after a refused command.
state() {
    local lib=$ALBUMFS_LIBRARY cmd
    for cmd in "user list" "team list" "album list" "grant list" "ls"; do
        # shellcheck disable=SC2086
        "$ALBUMCTL" --library "$lib" --json $cmd 2>&1
    done
    python3 - "$lib" "$ALBUMCTL" <<'PY'
import json, subprocess, sys
lib, ctl = sys.argv[1], sys.argv[2]
albums = json.loads(subprocess.run([ctl, "--library", lib, "--json", "album", "list"],
                                   capture_output=True, check=True).stdout)["albums"]
for a in albums:
    print(subprocess.run([ctl, "--library", lib, "--json", "set", "list", a["name"]],
                         capture_output=True, check=True).stdout.decode())
PY
    if [ -d "$lib/vault" ]; then find "$lib/vault" -type f ! -path "$lib/vault/tmp/*" | sort; fi
}

snapshot() { state >"$S/before"; }
# unchanged WHAT: the state is the same as at the last snapshot.
unchanged() {
    state >"$S/after"
    diff -u "$S/before" "$S/after" >&2 || fail "the library changed: $*"
}

# img FILE [W H]: a small JPEG or PNG (by extension) with random content,
# so that no two are the same bytes.
img() {
    local f=$1 w=${2:-64} h=${3:-48}
    vips gaussnoise "$S/noise.v" "$w" "$h" --mean 128 --sigma 40
    vips cast "$S/noise.v" "$f" uchar
    rm -f "$S/noise.v"
}

# Files that must be refused: text named .jpg, empty, truncated JPEG,
# header-only PNG. Into directory $1.
bad_images() {
    local d=$1
    mkdir -p "$d"
    printf 'not a photo, just notes\n' >"$d/notes.jpg"
    : >"$d/empty.jpg"
    img "$S/big.jpg" 400 300
    head -c $(($(stat -c %s "$S/big.jpg") / 2)) "$S/big.jpg" >"$d/truncated.jpg"
    img "$S/small.png" 32 32
    head -c 33 "$S/small.png" >"$d/header-only.png"
    rm -f "$S/big.jpg" "$S/small.png"
}

# in_the_future SECONDS: a UTC time that many seconds from now, as
# 'YYYY-MM-DD HH:MM:SS' (for expiries that must pass during a test).
in_the_future() { date -u -d "@$(($(date +%s) + $1))" '+%Y-%m-%d %H:%M:%S'; }

# db SQL...: the sqlite3 CLI on the library's catalog, waiting for a busy
# lock as albumctl does. For test setup of what only a mount makes
# (favourites, pool charges, client events) and for inspection.
db() { sqlite3 "$ALBUMFS_LIBRARY/catalog.db" "$@"; }

# db_state: the rows that the commands about clients' work change and that
# state() does not show in full: pools and their charges, which pool each
# grant draws on, favourites, private marks, and the activity log's length.
db_state() {
    db "SELECT * FROM pools ORDER BY id;
        SELECT * FROM pool_charges ORDER BY pool_id, photo_id;
        SELECT id, pool_id FROM grants ORDER BY id;
        SELECT * FROM favourites ORDER BY photo_id, user_id, link_id;
        SELECT id, is_private FROM photos ORDER BY id;
        SELECT count(*), max(id) FROM activity;"
}
db_snapshot() { db_state >"$S/db_before"; }
# db_unchanged WHAT: db_state is the same as at the last db_snapshot.
db_unchanged() {
    db_state >"$S/db_after"
    diff -u "$S/db_before" "$S/db_after" >&2 || fail "the catalog changed: $*"
}
