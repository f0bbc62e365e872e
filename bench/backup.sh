#!/usr/bin/env bash
# backup.sh — albumctl backup and restore against restic and borg on the
# same library (bench/README.md, "Backups").
#
#   bench/backup.sh [-g GB] [-k PHOTOS] [-d WORKDIR]
#
#   -g GB       size of the photo library, at least (default 2.2)
#   -k PHOTOS   photos in the catalog of the incremental figure (default 100000)
#   -d WORKDIR  scratch space (default /var/tmp/albumfs-bench-backup): the
#               generated photos and libraries stay in data/ between runs,
#               everything measured is made afresh in run/
#
# 1. A library of real-size photos: 6000x4000 JPEGs (Q=90, film grain,
#    each of its own random content, about 10 MB), as many as make GB,
#    imported with 'albumctl import --no-prepare'.
# 2. First backup of it, a second backup after importing 10 more photos,
#    and a full restore, with albumctl (backup DEST; restore --to) and with
#    restic and borg from Debian backing up and restoring the library
#    folder itself, all to and from the same disk, with their defaults
#    (restic: a repository with a password file; borg: 'init -e
#    repokey-blake2', lz4). Page cache, dentries and inodes are dropped
#    before each measured step; every command runs under 'nice -n 10'.
#    Restores are checked: albumctl's with 'albumctl verify', restic's and
#    borg's byte for byte against the library.
# 3. The incremental backup of a catalog of PHOTOS photos after one new
#    photo: the photos are made with bench_fill_library (fill_library.c:
#    vault blobs of 1 KiB random bytes and the catalog rows an import
#    writes, without decoding JPEGs), the repository is seeded with a copy
#    of the vault's files (they are what a backup would copy) and one
#    backup, then one real photo is imported and the backup timed, warm
#    and after dropping caches.
# Prints seconds, MB/s and ratios; the report is also in run/report.txt.
# Needs root (drop_caches; apt-get when restic or borg are missing).
set -euo pipefail

GB=2.2
K=100000
WORK=/var/tmp/albumfs-bench-backup
while getopts g:k:d:h opt; do
    case $opt in
    g) GB=$OPTARG ;;
    k) K=$OPTARG ;;
    d) WORK=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
say() { printf '# %s\n' "$*" >&2; }
die() { printf 'backup.sh: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (drop_caches)"
[[ "$K" =~ ^[1-9][0-9]*$ ]] || die "-k takes a number of photos"
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$REPO/build-bench
DATA=$WORK/data
R=$WORK/run
export LC_ALL=C

# ---- tools ---------------------------------------------------------------
pkgs=()
command -v restic >/dev/null || pkgs+=(restic)
command -v borg >/dev/null || pkgs+=(borgbackup)
command -v vips >/dev/null || pkgs+=(libvips-tools)
if [ ${#pkgs[@]} -gt 0 ]; then
    say "installing ${pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$REPO" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
say "building albumctl and bench_fill_library in $BUILD"
nice -n 10 cmake --build "$BUILD" -j2 --target albumctl bench_fill_library >"$BUILD/bench-backup-build.log" 2>&1 ||
    { tail -20 "$BUILD/bench-backup-build.log" >&2; die "build failed"; }
ALBUMCTL=$BUILD/tools/albumctl
FILL=$BUILD/bench_fill_library

# ---- data (kept between runs) ---------------------------------------------
mkdir -p "$DATA"
photo() { # photo SEED FILE: a 6000x4000 JPEG of film grain
    local v
    v=$(mktemp -d /dev/shm/afbench.XXXXXX)
    nice -n 10 vips gaussnoise "$v/n.v" 6000 4000 --sigma 12 --mean 128 --seed "$1"
    nice -n 10 vips bandjoin "$v/n.v $v/n.v $v/n.v" "$v/c.v"
    nice -n 10 vips cast "$v/c.v" "$2.tmp.jpg[Q=90]" uchar
    mv "$2.tmp.jpg" "$2"
    rm -rf "$v"
}
want=$(awk -v g="$GB" 'BEGIN { printf "%d", g * 1e9 }')
if [ ! -e "$DATA/photos/.done" ]; then
    mkdir -p "$DATA/photos" "$DATA/extra"
    i=0
    while [ "$(du -sb "$DATA/photos" | cut -f1)" -lt "$want" ]; do
        say "making photos: $(du -sh "$DATA/photos" | cut -f1) of ${GB} GB"
        for j in 1 2; do
            i=$((i + 1))
            f=$(printf '%s/photos/P%04d.jpg' "$DATA" "$i")
            [ -e "$f" ] || photo "$i" "$f" &
        done
        wait
    done
    for e in $(seq 1 10); do photo $((100000 + e)) "$(printf '%s/extra/E%02d.jpg' "$DATA" "$e")"; done
    touch "$DATA/photos/.done"
fi
if [ ! -e "$DATA/lib/.done" ]; then
    say "importing the photos into $DATA/lib"
    rm -rf "$DATA/lib"
    "$ALBUMCTL" --library "$DATA/lib" init >/dev/null
    "$ALBUMCTL" --library "$DATA/lib" album create Shoot >/dev/null
    nice -n 10 "$ALBUMCTL" --library "$DATA/lib" import Shoot/Photos "$DATA"/photos/*.jpg --no-prepare >/dev/null
    touch "$DATA/lib/.done"
fi
if [ ! -e "$DATA/big/.done" ]; then
    say "filling a catalog of $K photos in $DATA/big"
    rm -rf "$DATA/big"
    mkdir -p "$DATA/big/repo"
    "$ALBUMCTL" --library "$DATA/big/lib" init >/dev/null
    "$ALBUMCTL" --library "$DATA/big/lib" backup "$DATA/big/repo" >/dev/null # the repository's config
    nice -n 10 "$FILL" "$DATA/big/lib" "$K" >/dev/null
    cp -a "$DATA/big/lib/vault/." "$DATA/big/repo/blobs/"
    rm -rf "$DATA/big/repo/blobs/tmp"/put-*
    nice -n 10 "$ALBUMCTL" --library "$DATA/big/lib" backup "$DATA/big/repo" >/dev/null
    touch "$DATA/big/.done"
fi

# ---- measuring ------------------------------------------------------------
rm -rf "$R"
mkdir -p "$R"
REPORT=$R/report.txt
declare -A T=()
drop() { sync; echo 3 >/proc/sys/vm/drop_caches; }
# timed NAME CMD...: drop caches, run CMD under nice -n 10, keep the seconds in T[NAME]
timed() {
    local name=$1 t0 t1
    shift
    drop
    t0=$(date +%s%N)
    nice -n 10 "$@" >"$R/$name.out" 2>&1 || { cat "$R/$name.out" >&2; die "$name failed: $*"; }
    t1=$(date +%s%N)
    T[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    say "$name: ${T[$name]} s"
}
LIB=$R/lib
cp -a "$DATA/lib" "$LIB"
rm -f "$LIB/.done"
export RESTIC_PASSWORD_FILE=$R/restic.pass BORG_PASSPHRASE=bench-passphrase
echo bench-password >"$RESTIC_PASSWORD_FILE"
mkdir -p "$R/a"
restic init --repo "$R/r" >/dev/null 2>&1
borg init -e repokey-blake2 "$R/b" >/dev/null 2>&1
bytes=$(du -sb "$LIB" | cut -f1)
photos=$(find "$DATA/photos" -name '*.jpg' | wc -l)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

timed albumfs-first "$ALBUMCTL" --library "$LIB" backup "$R/a"
timed restic-first restic --repo "$R/r" backup "$LIB"
timed borg-first borg create "$R/b::first" "$LIB"
"$ALBUMCTL" --library "$LIB" import Shoot/Photos "$DATA"/extra/*.jpg --no-prepare >/dev/null
bytes2=$(du -sb "$LIB" | cut -f1)
timed albumfs-second "$ALBUMCTL" --library "$LIB" backup "$R/a"
timed restic-second restic --repo "$R/r" backup "$LIB"
timed borg-second borg create "$R/b::second" "$LIB"
timed albumfs-restore "$ALBUMCTL" restore --from "$R/a" --to "$R/ra" --key-file "$LIB/key"
mkdir -p "$R/rr" "$R/rb"
timed restic-restore restic --repo "$R/r" restore latest --target "$R/rr"
timed borg-restore bash -c "cd '$R/rb' && borg extract '$R/b::second'"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

say "checking the restores"
"$ALBUMCTL" --library "$R/ra" verify >/dev/null || die "the albumctl restore does not verify"
(cd "$LIB/vault" && find . -type f ! -path './tmp/*' -exec sha256sum {} + | sort) >"$R/sums.lib"
(cd "$R/ra/vault" && find . -type f ! -path './tmp/*' -exec sha256sum {} + | sort) >"$R/sums.ra"
cmp -s "$R/sums.lib" "$R/sums.ra" || die "the albumctl restore's vault differs from the library's"
diff -r "$LIB" "$R/rr$LIB" >/dev/null || die "restic's restore differs from the library"
diff -r "$LIB" "$R/rb$LIB" >/dev/null || die "borg's restore differs from the library"

# the 100,000-photo catalog
cp -a "$DATA/big" "$R/big"
"$ALBUMCTL" --library "$R/big/lib" import Bench/Photos "$DATA/extra/E01.jpg" --no-prepare >/dev/null
t0=$(date +%s%N)
nice -n 10 "$ALBUMCTL" --library "$R/big/lib" backup "$R/big/repo" --json >"$R/big-warm.json"
T[big-warm]=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
"$ALBUMCTL" --library "$R/big/lib" import Bench/Photos "$DATA/extra/E02.jpg" --no-prepare >/dev/null
timed big-cold "$ALBUMCTL" --library "$R/big/lib" backup "$R/big/repo" --json
cp "$R/big-cold.out" "$R/big-cold.json"
big_new=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["photos"], d["new_bytes"])' "$R/big-warm.json")
catalog_mb=$(awk -v b="$(stat -c %s "$R/big/lib/catalog.db")" 'BEGIN { printf "%.1f", b / 1e6 }')

# ---- report ---------------------------------------------------------------
mbs() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / 1e6 / t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
{
    echo "machine: $(nproc) CPUs ($(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GB RAM, kernel $(uname -r)"
    echo "disk: $(df -h --output=source,fstype,size "$WORK" | tail -1 | tr -s ' ')"
    echo "load average before/after: $load_before / $load_after"
    echo "$(restic version | head -1); $(borg --version); albumctl $("$ALBUMCTL" --version | awk '{print $NF}') (Release)"
    echo "library: $photos photos of 6000x4000, $(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1e9 }') GB (the library folder); +10 photos: $(awk -v b="$bytes2" 'BEGIN { printf "%.2f", b / 1e9 }') GB"
    echo
    printf '%-28s %10s %10s %10s   %s\n' "step" "albumfs s" "restic s" "borg s" "albumfs speed-up vs restic, vs borg"
    for step in first second restore; do
        printf '%-28s %10s %10s %10s   %sx, %sx\n' "$step" "${T[albumfs-$step]}" "${T[restic-$step]}" "${T[borg-$step]}" \
            "$(ratio "${T[restic-$step]}" "${T[albumfs-$step]}")" "$(ratio "${T[borg-$step]}" "${T[albumfs-$step]}")"
    done
    echo
    echo "throughput, MB/s (library bytes / seconds):"
    printf '  first backup: albumfs %s, restic %s, borg %s\n' "$(mbs "$bytes" "${T[albumfs-first]}")" \
        "$(mbs "$bytes" "${T[restic-first]}")" "$(mbs "$bytes" "${T[borg-first]}")"
    printf '  full restore: albumfs %s, restic %s, borg %s\n' "$(mbs "$bytes2" "${T[albumfs-restore]}")" \
        "$(mbs "$bytes2" "${T[restic-restore]}")" "$(mbs "$bytes2" "${T[borg-restore]}")"
    printf '  repository sizes, bytes: albumfs %s, restic %s, borg %s\n' "$(du -sb "$R/a" | cut -f1)" \
        "$(du -sb "$R/r" | cut -f1)" "$(du -sb "$R/b" | cut -f1)"
    echo
    echo "incremental backup of a $K-photo catalog ($catalog_mb MB) after one new photo:"
    echo "  warm: ${T[big-warm]} s; caches dropped: ${T[big-cold]} s (photos, new bytes: $big_new)"
} | tee "$REPORT"
