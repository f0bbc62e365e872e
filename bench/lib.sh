# lib.sh — what the benchmarks share (sourced by run.sh and soak.sh): root and
# /dev/fuse checks, the peers and tools installed from Debian, albumfs built
# (Release) into $BUILD, the scratch folders under $WORK, and daemons
# started as -f jobs (start_fs/stop_fs), all stopped by the exit trap with
# the servers a test names in SERVER_PIDS; the accounts bench_user made are
# deleted.
# The sourcing script sets REPO, BUILD and WORK and defines die and say.

WORK=$(realpath -m "$WORK")
[ "$WORK" != / ] || die "-d / would put the scratch space at /run"
[ "$(id -u)" = 0 ] || die "needs root (drop_caches and mounts)"
[ -c /dev/fuse ] || die "needs /dev/fuse"

# ---- peers and tools, from Debian ------------------------------------------

install_missing() {
    local pkgs=() need
    need() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || pkgs+=("$2"); }
    need gocryptfs gocryptfs
    need bindfs bindfs
    need vipsthumbnail libvips-tools
    need vips libvips-tools
    need /usr/bin/convert imagemagick
    need sqlite3 sqlite3
    need fusermount3 fuse3
    need cmake cmake
    need cc gcc
    need pkg-config pkg-config
    need python3 python3
    if command -v pkg-config >/dev/null; then
        pkg-config --exists fuse3 || pkgs+=(libfuse3-dev)
        pkg-config --exists sqlite3 || pkgs+=(libsqlite3-dev)
        pkg-config --exists libsodium || pkgs+=(libsodium-dev)
        pkg-config --exists vips || pkgs+=(libvips-dev)
        pkg-config --exists cmocka || pkgs+=(libcmocka-dev)
    fi
    [ ${#pkgs[@]} -eq 0 ] && return 0
    mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | sort -u)
    say "installing ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
}
install_missing

# ---- albumfs, Release -------------------------------------------------------

ALBUMFS=$BUILD/fs/albumfs
ALBUMCTL=$BUILD/tools/albumctl
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    say "configuring $BUILD (Release)"
    cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$BUILD/CMakeCache.txt" ||
    say "warning: $BUILD is not a Release build"
say "building albumfs and albumctl in $BUILD"
if ! cmake --build "$BUILD" -j"$(nproc)" --target albumfs albumctl >"$BUILD/bench-build.log" 2>&1; then
    [ -x "$ALBUMFS" ] && [ -x "$ALBUMCTL" ] || { tail -20 "$BUILD/bench-build.log" >&2; die "build failed"; }
    say "warning: the build failed (see $BUILD/bench-build.log); using the binaries already there"
fi

# ---- scratch space, mounts and the exit trap -------------------------------

DATA=$WORK/data
R=$WORK/run
declare -A FS_PID=() # mountpoint -> pid of the daemon serving it
MOUNTS=()
SERVER_PIDS=() # other servers a test started (smbd, rclone), stopped first
BENCH_USERS=() # Unix accounts bench_user made, deleted last

cleanup() {
    local m pid i
    set +e
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for m in "${MOUNTS[@]}"; do
        grep -qs " $m fuse" /proc/mounts && fusermount3 -u -z "$m" 2>/dev/null
    done
    for pid in "${FS_PID[@]}"; do
        [ -n "$pid" ] || continue
        kill "$pid" 2>/dev/null
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null
    done
    for pid in "${BENCH_USERS[@]}"; do userdel "$pid" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Anything a previous, interrupted invocation left mounted under $R.
if [ -d "$R" ]; then
    while read -r _ m _; do
        case $m in "$R"/*) fusermount3 -u -z "$m" 2>/dev/null || true ;; esac
    done </proc/mounts
fi
is_mounted() { [ "$(stat -f -c %T "$1" 2>/dev/null)" = fuseblk ] && stat "$1" >/dev/null 2>&1; }

# start_fs MNT CMD...: start a foreground FUSE daemon in the background
# (stderr to MNT.err) and wait until MNT answers stat; MOUNT_US = the time
# from starting it until then, µs.
start_fs() {
    local m=$1 t0 t1 pid i
    shift
    mkdir -p "$m"
    t0=${EPOCHREALTIME/./}
    "$@" 2>"$m.err" &
    pid=$!
    FS_PID[$m]=$pid
    MOUNTS+=("$m")
    for ((i = 0; i < 20000; i++)); do
        if is_mounted "$m"; then
            t1=${EPOCHREALTIME/./}
            MOUNT_US=$((10#$t1 - 10#$t0))
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || die "$* exited before mounting: $(cat "$m.err")"
        sleep 0.001
    done
    die "$* did not mount within 20 s"
}

stop_fs() {
    local m=$1 pid=${FS_PID[$1]:-} i
    fusermount3 -u "$m" 2>/dev/null || fusermount3 -u -z "$m" 2>/dev/null || true
    if [ -n "$pid" ]; then
        for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        FS_PID[$m]=
    fi
}

# bench_user NAME: a Unix account NAME (no home, no login shell) for a test's
# client, unless it exists; the exit trap deletes the ones made here.
bench_user() {
    if ! id -u "$1" >/dev/null 2>&1; then
        useradd -M -r -s /usr/sbin/nologin "$1"
        BENCH_USERS+=("$1")
    fi
}

# as_account NAME CMD...: run CMD as the account NAME.
as_account() {
    local u=$1
    shift
    setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups "$@"
}

vm_status() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
