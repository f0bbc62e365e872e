# lib.sh — shared helpers for the mount tests (tests/mount/test_*.sh).
#
# Sourced, not run. Each test gets a scratch directory $S (mktemp -d), a
# library in $ALBUMFS_LIBRARY (built with albumctl), and helpers that
#   - start the real daemon the way people do (`albumfs MNT ...`, no -f: it
#     returns once mounted and the daemon runs on in the background), its
#     messages in a log file (--log-file); FOREGROUND=1 for `albumfs -f`;
#   - unmount (`fusermount3 -u`), wait for the daemon to exit and check that
#     it logged nothing unexpected and no sanitizer reported anything
#     (`finish`, at the end of every test);
#   - ask for the errno of one system call on a path (`sysop`, `expect_err`),
#     poll for a change (`wait_for`), and make sample photos once per build.
# The EXIT trap always stops the other servers a test started (EXTRA_PIDS),
# unmounts every mount lazily, kills every daemon this
# test started (by pid), deletes the Unix users it created and removes $S,
# whatever happened.
#
# CTest sets ALBUMFS and ALBUMCTL (the binaries), TESTS_DIR and BUILD_DIR.
# The tests need root (multi-user mounts, mount -t, useradd) and /dev/fuse;
# without them they exit 77, which CTest reports as skipped.
set -eEuo pipefail
export LC_ALL=C.UTF-8
trap 'printf "FAIL: %s:%s: %s\n" "${BASH_SOURCE[0]}" "$LINENO" "$BASH_COMMAND" >&2' ERR

: "${ALBUMFS:?set ALBUMFS to the albumfs binary}"
: "${ALBUMCTL:?set ALBUMCTL to the albumctl binary}"
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
SCRIPTS_DIR=$(cd "$TESTS_DIR/../scripts" && pwd)

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
    echo "SKIP: mount tests need root, /dev/fuse and fusermount3"
    exit 77
fi

S=$(mktemp -d)
chmod 0711 "$S" # other users (multi-user tests) may pass through to mounts
mkdir -p "$S/home"
export HOME=$S/home
unset XDG_DATA_HOME ALBUMFS_PASSPHRASE_FILE
export ALBUMFS_LIBRARY=$S/lib

# A test's own sqlite3 waits for a daemon's or albumctl's write to finish (a
# mount's watcher writes on its own schedule) instead of failing "database is
# locked" at once.
sqlite3() { command sqlite3 -cmd '.timeout 10000' "$@"; }
# Sanitizer builds (scripts/test.sh): reports go to files that the test
# checks (sanitizer_check), since a background daemon has no stderr.
for v in ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
    [ -z "${!v:-}" ] || export "$v=${!v}:log_path=$S/sanitizer"
done

declare -A DAEMON_PID=()   # mountpoint -> pid of its albumfs
declare -A DAEMON_CHILD=() # mountpoint -> 1 when that albumfs is a job of this shell (-f)
declare -A DAEMON_ALLOW=() # mountpoint -> regex of stderr lines it may print
MOUNTS=()                  # every mountpoint we mounted (for the trap)
CREATED_USERS=()           # Unix users this test created
EXTRA_PIDS=()              # other servers this test started (smbd, sshd)
T0=$(date +%s%N)
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# stop_servers: stop the other servers this test started (EXTRA_PIDS), so
# that no session of theirs keeps a mount busy.
stop_servers() {
    local pid
    for pid in "${EXTRA_PIDS[@]}"; do
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true # killed: status 143
    done
    EXTRA_PIDS=()
}

cleanup() {
    local m pid u i
    set +eE
    trap - ERR
    rm -f "$S/.running"
    if [ -n "${WATCHDOG:-}" ]; then # end its sleep (by parent pid); it then exits
        pkill -P "$WATCHDOG" -x sleep 2>/dev/null
        wait "$WATCHDOG" 2>/dev/null
    fi
    stop_servers
    for m in "${MOUNTS[@]}"; do
        mountpoint -q "$m" 2>/dev/null && fusermount3 -u -z "$m" 2>/dev/null
        # a mount whose daemon died answers ENOTCONN to mountpoint(1)
        grep -qF " $m fuse" /proc/mounts 2>/dev/null && fusermount3 -u -z "$m" 2>/dev/null
    done
    for pid in "${DAEMON_PID[@]}"; do
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do running "$pid" || break; sleep 0.1; done
        running "$pid" && kill -9 "$pid" 2>/dev/null
    done
    for u in "${CREATED_USERS[@]}"; do userdel "$u" 2>/dev/null; done
    # anything else a test mounted under $S (a small tmpfs for a full disk)
    while read -r _ _ _ _ m _; do
        case $m in "$S"/*) umount -l "$m" 2>/dev/null ;; esac
    done </proc/self/mountinfo
    chmod -R u+rwX "$S" 2>/dev/null
    rm -rf --one-file-system "$S" # never into a mount that did not go
}
trap cleanup EXIT
# A test stopped by a signal (^C, the watchdog below) still cleans up.
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

# The watchdog: a test not finished within ALBUMFS_TEST_TIMEOUT seconds
# (default 540, under CTest's TIMEOUT of 600, which would SIGKILL the script
# and leave its mounts behind) force-unmounts its own mounts (those under
# $S: `umount -f` aborts a FUSE connection, so no process stays blocked on
# a hung daemon) and stops the test with SIGTERM, which runs the cleanup.
# It acts only while $S/.running exists: the cleanup removes that first.
touch "$S/.running"
watchdog() {
    local limit=$1 top=$2 mnt
    set +eE
    trap - ERR
    sleep "$limit"
    [ -e "$S/.running" ] || exit 0
    printf 'FAIL: not finished within %s s; force-unmounting this test'"'"'s mounts\n' "$limit" >&2
    while read -r _ _ _ _ mnt _; do
        case $mnt in "$S"/*) umount -f "$mnt" 2>/dev/null; fusermount3 -u -z "$mnt" 2>/dev/null ;; esac
    done </proc/self/mountinfo
    kill -TERM "$top"
}
watchdog "${ALBUMFS_TEST_TIMEOUT:-540}" $$ &
WATCHDOG=$!

fail() {
    local m
    printf 'FAIL: %s\n' "$*" >&2
    for m in "${!DAEMON_PID[@]}"; do
        if [ -s "$m.err" ]; then
            printf -- '--- albumfs stderr (%s):\n' "$m" >&2
            tail -c 3000 "$m.err" >&2
        fi
    done
    for m in "$S"/sanitizer.*; do # a daemon that died under a sanitizer
        [ -e "$m" ] || continue
        printf -- '--- sanitizer report %s:\n' "$(basename "$m")" >&2
        head -c 6000 "$m" >&2
    done
    exit 1
}

ok() { printf 'ok - %s\n' "$*"; }

ctl() { "$ALBUMCTL" "$@"; }

# ---- sample photos -------------------------------------------------------

# samples [COUNT]: sets $SAMPLES to a directory of COUNT (default 6) sample
# JPEGs, one PNG (IMG_<COUNT+1>.png) and, in $SAMPLES/bad, the bad inputs and
# document.pdf. Made once per build directory and shared (flock), since
# making them takes several seconds.
samples() {
    local count=${1:-6} cache
    cache=${ALBUMFS_TEST_CACHE:-${BUILD_DIR:-${TMPDIR:-/tmp}}/mount-test-samples}
    mkdir -p "$cache"
    SAMPLES=$cache/$count
    (
        flock 9
        if [ ! -e "$SAMPLES/.done" ]; then
            rm -rf "$SAMPLES.tmp"
            mkdir -p "$SAMPLES.tmp/bad"
            "$SCRIPTS_DIR/make-samples.sh" "$SAMPLES.tmp" "$count" >/dev/null
            "$SCRIPTS_DIR/make-samples.sh" --bad "$SAMPLES.tmp/bad" >/dev/null
            touch "$SAMPLES.tmp/.done"
            rm -rf "$SAMPLES"
            mv "$SAMPLES.tmp" "$SAMPLES"
        fi
    ) 9>"$cache/.lock"
}

# ---- the standard library ------------------------------------------------

# standard_library: the library most tests use, in $ALBUMFS_LIBRARY.
#   album "$W" (Smith Wedding 2026):
#     Ceremony        public: IMG_0001 (GPS), IMG_0002 (orientation 6),
#                     IMG_0005 (marked private), IMG_0006, IMG_0007.png,
#                     contract.pdf (a document)
#     Getting Ready   client-only: IMG_0003
#     Outtakes        team-only:   IMG_0004
#     Photos          public, empty (made with the album)
#   album "$OTHER" (Jones Portraits): one public set with IMG_0001; only the
#     owner and client2 see it.
#   people: client@ (client), invited@ (invited), editor@ through team
#     "studio" (editor), client2@ (client of $OTHER only), nobody@ (no grant)
#   link: $TOKEN (no password), guest role.
# Grant ids: $G_CLIENT $G_INVITED $G_EDITOR $G_LINK $G_CLIENT2.
# Imports, grants and links are made with --no-prepare: no view is rendered
# ahead of time, so the mounts exercise the daemon's own rendering (views
# missing from listings until made, lookups that wait for them). Tests do
# the same with the grants they add ($NP).
NP=--no-prepare
W="Smith Wedding 2026"
OTHER="Jones Portraits"
standard_library() {
    samples 6
    ctl init >/dev/null
    ctl album create "$W" >/dev/null
    ctl set create "$W" Ceremony --visibility public >/dev/null
    ctl set create "$W" "Getting Ready" --visibility client >/dev/null
    ctl set create "$W" Outtakes --visibility team >/dev/null
    cp "$SAMPLES/bad/document.pdf" "$S/contract.pdf"
    ctl import "$W/Ceremony" "$SAMPLES/IMG_0001.jpg" "$SAMPLES/IMG_0002.jpg" \
        "$SAMPLES/IMG_0005.jpg" "$SAMPLES/IMG_0006.jpg" "$SAMPLES/IMG_0007.png" \
        "$S/contract.pdf" $NP >/dev/null
    ctl import "$W/Getting Ready" "$SAMPLES/IMG_0003.jpg" $NP >/dev/null
    ctl import "$W/Outtakes" "$SAMPLES/IMG_0004.jpg" $NP >/dev/null
    ctl photo private "$W/Ceremony/IMG_0005.jpg" on >/dev/null
    ctl album create "$OTHER" >/dev/null
    ctl set create "$OTHER" Studio --visibility public >/dev/null
    ctl import "$OTHER/Studio" "$SAMPLES/IMG_0001.jpg" $NP >/dev/null
    for p in client invited editor client2 nobody; do
        ctl user add "$p@example.com" >/dev/null
    done
    ctl team add studio >/dev/null
    ctl team add-member studio editor@example.com >/dev/null
    G_CLIENT=$(ctl grant "$W" --user client@example.com --role client $NP)
    G_INVITED=$(ctl grant "$W" --user invited@example.com --role invited $NP)
    G_EDITOR=$(ctl grant "$W" --team studio --role editor $NP)
    G_CLIENT2=$(ctl grant "$OTHER" --user client2@example.com --role client $NP)
    TOKEN=$(ctl link create "$W" $NP)
    G_LINK=$(ctl --json grant list "$W" |
        python3 -c 'import json,sys; print([g["id"] for g in json.load(sys.stdin)["grants"] if g["principal"]["kind"]=="link"][0])')
}

# unix_users NAME...: make each Unix account (no home, no login shell)
# unless it exists; the EXIT trap deletes the ones made here. Each test
# script uses names no other script uses: CTest runs scripts in parallel,
# and one that found another's account would lose it when that one ends.
unix_users() {
    local u
    for u in "$@"; do
        if ! id -u "$u" >/dev/null 2>&1; then
            useradd -M -r -s /usr/sbin/nologin "$u" || fail "cannot create user $u"
            CREATED_USERS+=("$u")
        fi
    done
}
# as_user NAME: the command prefix that runs a command as that account.
as_user() { echo "setpriv --reuid=$(id -u "$1") --regid=$(id -g "$1") --clear-groups"; }

# ---- mounting --------------------------------------------------------------

# mount_fs MNT [ARGS...]: mount the way people do — `albumfs MNT ARGS...`
# without -f, which returns once the mount is ready and leaves the daemon
# running in the background — with `--log-file MNT.err` (where a background
# daemon's messages go instead of syslog); then find the daemon's pid.
# FOREGROUND=1 mount_fs ...: `albumfs MNT -f ARGS...` as a job of this shell
# instead, its stderr in MNT.err (for tests that need the daemon's exit
# status, or a daemon in the foreground as systemd runs it).
# ALLOW_STDERR (a regex, if set when calling) names lines it may log.
mount_fs() {
    local m=$1 pid i rc=0
    shift
    mkdir -p "$m"
    DAEMON_ALLOW[$m]=${ALLOW_STDERR:-}
    MOUNTS+=("$m")
    if [ "${FOREGROUND:-0}" = 1 ]; then
        "$ALBUMFS" "$m" -f "$@" 2>"$m.err" &
        pid=$!
        DAEMON_PID[$m]=$pid
        DAEMON_CHILD[$m]=1
        for ((i = 0; i < 150; i++)); do
            if mountpoint -q "$m" && stat "$m" >/dev/null 2>&1; then
                return 0
            fi
            if ! kill -0 "$pid" 2>/dev/null; then
                fail "albumfs $m $* exited before mounting: $(cat "$m.err")"
            fi
            sleep 0.1
        done
        fail "albumfs $m $* did not mount within 15 s"
    fi
    : >"$m.err" # each mount's messages on their own, as with -f
    "$ALBUMFS" "$m" "$@" --log-file "$m.err" 2>"$m.start" || rc=$?
    [ "$rc" = 0 ] || fail "albumfs $m $* exited $rc: $(cat "$m.start" "$m.err" 2>/dev/null)"
    # What it told whoever started it (the same allowance as its log);
    # kept in MNT.err too, for the tests that read it.
    if [ -s "$m.start" ]; then
        if [ -z "${DAEMON_ALLOW[$m]}" ] || grep -vqE -- "${DAEMON_ALLOW[$m]}" "$m.start"; then
            fail "albumfs $m $* printed: $(cat "$m.start")"
        fi
        cat "$m.start" >>"$m.err"
    fi
    # Returned 0: the mount must be there now, not eventually.
    mountpoint -q "$m" || fail "albumfs $m $* returned 0 but $m is not mounted"
    stat "$m" >/dev/null || fail "albumfs $m $* returned 0 but $m does not answer"
    pid=$(daemon_pid_of "$m")
    [ -n "$pid" ] || fail "albumfs $m $*: no daemon process serves $m"
    DAEMON_PID[$m]=$pid
    DAEMON_CHILD[$m]=0
}

# daemon_pid_of MNT: the pid of the running albumfs whose command line names
# MNT (one argument exactly).
daemon_pid_of() {
    local p
    for p in $(pgrep -x albumfs); do
        if tr '\0' '\n' 2>/dev/null <"/proc/$p/cmdline" | grep -qxF -- "$1"; then
            echo "$p"
            return 0
        fi
    done
}

# running PID: the process exists and is not a zombie (a background daemon
# is nobody's child here, so nobody may reap it at once).
running() {
    local state
    state=$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# mount_refused MNT MESSAGE [ARGS...]: albumfs (started the way people do,
# without -f) must exit non-zero without mounting and say MESSAGE on stderr.
mount_refused() {
    local m=$1 msg=$2 rc=0
    shift 2
    mkdir -p "$m"
    timeout 20 "$ALBUMFS" "$m" "$@" 2>"$m.refused" || rc=$?
    [ "$rc" != 0 ] || fail "albumfs $m $* did not refuse"
    [ "$rc" != 124 ] || fail "albumfs $m $* hung"
    ! mountpoint -q "$m" || fail "albumfs $m $* refused but left a mount"
    [ -z "$(daemon_pid_of "$m")" ] || fail "albumfs $m $* refused but a daemon is still running"
    grep -qF -- "$msg" "$m.refused" || fail "albumfs $* said '$(cat "$m.refused")', not '$msg'"
    printf '  refused: %s\n' "$(head -1 "$m.refused")"
}

# What every daemon logs: its start, its stop, a SIGHUP's reload.
ROUTINE_LOG='(serving .+ on .+|stopping \(.+\)|SIGHUP: reloading .+)$'

# stderr_check MNT: the daemon's messages hold only its routine lines and
# lines matching the regex it was allowed at mount time.
stderr_check() {
    local m=$1 allow=${DAEMON_ALLOW[$1]:-} bad
    [ -f "$m.err" ] || return 0
    bad=$(grep -vE -- "$ROUTINE_LOG" "$m.err" || true)
    if [ -n "$allow" ] && [ -n "$bad" ]; then
        bad=$(grep -vE -- "$allow" <<<"$bad" || true)
    fi
    [ -z "$bad" ] || fail "unexpected albumfs messages on $m: $bad"
}

# sanitizer_check: no sanitizer report from any process of this test
# (a background daemon's stderr is /dev/null: reports go to files).
sanitizer_check() {
    local f
    for f in "$S"/sanitizer.*; do
        [ -e "$f" ] || continue
        fail "sanitizer report $(basename "$f"): $(head -c 4000 "$f")"
    done
}

# umount_fs MNT: unmount; the daemon must exit (with status 0 when it is a
# foreground job of this shell) and have logged nothing unexpected.
umount_fs() {
    local m=$1 pid=${DAEMON_PID[$1]:-} i rc=0
    fusermount3 -u "$m" || fusermount3 -u -z "$m" || fail "cannot unmount $m"
    if [ -n "$pid" ]; then
        for ((i = 0; i < 100; i++)); do running "$pid" || break; sleep 0.1; done
        running "$pid" && fail "albumfs on $m still running 10 s after unmount"
        if [ "${DAEMON_CHILD[$m]:-0}" = 1 ]; then
            wait "$pid" || rc=$?
            [ "$rc" = 0 ] || fail "albumfs on $m exited with status $rc"
        fi
        DAEMON_PID[$m]=
    fi
    stderr_check "$m"
    sanitizer_check
}

# daemon_alive MNT: the daemon serving MNT is still running.
daemon_alive() { running "${DAEMON_PID[$1]}"; }

# finish: unmount everything still mounted, check every daemon's messages
# and the sanitizers' reports, report the time taken.
finish() {
    local m
    for m in "${MOUNTS[@]}"; do
        if [ -n "${DAEMON_PID[$m]:-}" ]; then
            umount_fs "$m"
        fi
    done
    sanitizer_check
    printf 'ok - all daemons exited cleanly (%d ms)\n' "$((($(date +%s%N) - T0) / 1000000))"
}

# ---- probing ---------------------------------------------------------------


# tree_digest DIR [AS]: "size sha256 path" of every file under DIR, sorted.
tree_digest() {
    local dir=$1
    ${2:-} bash -c 'cd "$1" && find . -type f -print0 | sort -z |
        while IFS= read -r -d "" f; do
            printf "%s %s %s\n" "$(stat -c %s "$f")" "$(sha256sum <"$f" | cut -c1-64)" "$f"
        done' _ "$dir"
}

# free_port: a TCP port nothing listens on (for a server on 127.0.0.1);
# listening PORT: something listens on it now.
free_port() {
    local p
    for ((;;)); do
        p=$((20000 + RANDOM % 20000))
        ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
    done
}
listening() { ss -Hltn "sport = :$1" | grep -q .; }

# sysop OP PATH [ARG]: perform one system call, print OK or the errno name
# (ENOENT, EROFS, ...). Operations: stat lstat read listdir getxattr
# listxattr openw openrw trunc create mkdir rmdir unlink rename chmod chown
# utime truncate symlink link setxattr removexattr mknod.
# As a Unix user: AS="setpriv ..." sysop ...
# The system's python (other users cannot run root's pyenv shims).
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
SYSOP_DEFS='
import errno, os, re, sys
def rd(p):
    with open(p, "rb") as f:
        while f.read(1 << 20): pass
def run(op, p, a=None):
    ops = {
        "stat": lambda: os.stat(p), "lstat": lambda: os.lstat(p), "read": lambda: rd(p),
        "listdir": lambda: os.listdir(p), "getxattr": lambda: os.getxattr(p, a or "user.test"),
        "listxattr": lambda: os.listxattr(p),
        "openw": lambda: os.close(os.open(p, os.O_WRONLY)),
        "openrw": lambda: os.close(os.open(p, os.O_RDWR)),
        "trunc": lambda: os.close(os.open(p, os.O_WRONLY | os.O_TRUNC)),
        "create": lambda: os.close(os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)),
        "mkdir": lambda: os.mkdir(p), "rmdir": lambda: os.rmdir(p), "unlink": lambda: os.unlink(p),
        "rename": lambda: os.rename(p, a), "chmod": lambda: os.chmod(p, 0o600),
        "chown": lambda: os.chown(p, 1, 1), "utime": lambda: os.utime(p),
        "truncate": lambda: os.truncate(p, 0), "symlink": lambda: os.symlink("target", p),
        "link": lambda: os.link(p, a), "setxattr": lambda: os.setxattr(p, "user.test", b"1"),
        "removexattr": lambda: os.removexattr(p, "user.test"),
        "mknod": lambda: os.mknod(p, 0o600),
    }
    try:
        ops[op]()
        return "OK"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
'
sysop() { ${AS:-} "$PYTHON" -c "$SYSOP_DEFS"'
print(run(*sys.argv[1:]))' "$@"; }

# expect_err WANT OP PATH [ARG]: the call must give WANT, an errno name or
# an alternation (EROFS|EPERM), or OK.
expect_err() {
    local want=$1 got
    shift
    got=$(sysop "$@")
    [[ "$got" =~ ^($want)$ ]] || fail "$* gave $got, expected $want${AS:+ (as: $AS)}"
}

# Batches, for long lists: `expect_later WANT OP PATH [ARG]` adds a check
# (WANT "=OTHER": the same answer as OP gives on the path OTHER);
# `expect_now` runs every added check in one process and fails listing the
# mismatches.
BATCH=()
expect_later() { BATCH+=("$(printf '%s\t' "$@")"); }
expect_now() {
    local out
    ((${#BATCH[@]})) || return 0
    printf '%s\0' "${BATCH[@]}" >"$S/batch" # paths may hold newlines and any byte
    BATCH=()
    out=$(${AS:-} "$PYTHON" -c "$SYSOP_DEFS"'
bad = 0
for rec in open(sys.argv[1], "rb").read().split(b"\0")[:-1]:
    f = rec.split(b"\t")
    while f and f[-1] == b"": f.pop()
    want, op = f[0].decode(), f[1].decode()
    got = run(op, *f[2:])
    if want.startswith("="):  # the same answer as for another path
        want = run(op, want[1:].encode(), *f[3:])
    if not re.fullmatch(want, got):
        print(op, *[repr(x.decode(errors="replace")) for x in f[2:]], "gave", got, "expected", want)
        bad += 1
sys.exit(1 if bad else 0)' "$S/batch") || fail "${AS:+(as: $AS) }$out"
}

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds; returns 1
# if it never did within SECONDS.
wait_for() {
    local limit=$1 end
    shift
    end=$(($(now_ms) + $(awk -v s="$limit" 'BEGIN { printf "%d", s * 1000 }')))
    while :; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        if (($(now_ms) > end)); then return 1; fi
        sleep 0.05
    done
}

# count_is N DIR: DIR lists exactly N entries.
count_is() { [ "$(ls -A "$1" 2>/dev/null | wc -l)" = "$2" ] || return 1; }
# listing_complete DIR N: wait (up to 30 s) until DIR lists N entries; the
# daemon leaves views out of listings until they are rendered.
listing_complete() {
    wait_for 30 count_is "$1" "$2" || fail "$1 lists $(ls -A "$1" | wc -l) entries, not $2, after 30 s"
}

# gone PATH / there PATH: for wait_for.
gone() { ! stat "$1" >/dev/null 2>&1; }
there() { stat "$1" >/dev/null 2>&1; }
absent_from() { ! ls -A "$1" 2>/dev/null | grep -qxF -- "$2"; }
listed_in() { ls -A "$1" 2>/dev/null | grep -qxF -- "$2"; }

# dims FILE: "WIDTHxHEIGHT" of an image, from vipsheader.
dims() { vipsheader -f width "$1" | tr -d '\n'; printf x; vipsheader -f height "$1"; }

# true_size FILE: st_size equals the bytes a read returns.
true_size() {
    local st rd
    st=$(stat -c %s "$1")
    rd=$(cat "$1" | wc -c)
    [ "$st" = "$rd" ] || fail "$1: st_size $st but a read gives $rd bytes"
}

# mount_helper MNT OPTIONS CODE: the fstab way, `mount -t fuse.albumfs
# $ALBUMFS_LIBRARY MNT -o OPTIONS`, then the bash CODE (which sees $m, the
# mountpoint, and $out, a prefix for files to leave results in: MNT.helper),
# then umount. mount(8) runs /sbin/mount.fuse3, which runs `albumfs` through
# /bin/sh with no PATH of ours (the shell's default path applies), so this
# happens in a private mount namespace whose /usr/local/sbin is covered with
# a folder holding albumfs: the real mount(8) -> mount.fuse3 -> albumfs
# chain, as after `cmake --install`, without touching the system outside the
# test. Returns 77 when no private mount namespace can be made here.
mount_helper() {
    local m=$1 opts=$2 code=$3 rc=0
    mkdir -p "$m" "$S/sbin"
    [ -e "$S/sbin/albumfs" ] || ln -s "$(readlink -f "$ALBUMFS")" "$S/sbin/albumfs"
    unshare -m --propagation private true 2>/dev/null || return 77
    unshare -m --propagation private bash -c '
        set -u
        sbin=$1 lib=$2 m=$3 opts=$4 out=$5 code=$6
        trap '"'"'umount -l "$m" 2>/dev/null'"'"' EXIT
        mount --bind "$sbin" /usr/local/sbin || exit 10
        mount -t fuse.albumfs "$lib" "$m" -o "$opts" 2>"$out.err" || exit 11
        eval "$code" || exit 12
        umount "$m" || exit 13
    ' _ "$S/sbin" "$ALBUMFS_LIBRARY" "$m" "$opts" "$m.helper" "$code" || rc=$?
    case $rc in
    0) ;;
    10) fail "cannot bind a folder over /usr/local/sbin in the namespace" ;;
    11) fail "mount -t fuse.albumfs -o $opts failed: $(cat "$m.helper.err")" ;;
    *) fail "mount -t fuse.albumfs -o $opts: step $rc failed" ;;
    esac
}
