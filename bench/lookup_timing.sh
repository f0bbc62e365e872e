#!/usr/bin/env bash
# lookup_timing.sh — does a guest's lookup tell a hidden photo's name from a
# name that was never used? (bench/README.md, "Lookup timing")
#
#   bench/lookup_timing.sh [-n ROUNDS] [-k NAMES] [-d WORKDIR]
#
#   -n ROUNDS   mounts measured, one pass over every name each (default 20)
#   -k NAMES    names of each kind (default 100)
#   -d WORKDIR  scratch space (default /var/tmp/albumfs-lookup), made afresh
#
# A library with one public set of NAMES visible PNGs (V0001.png..., shown
# to a guest as V0001.png.jpg...) and NAMES JPEGs marked private
# (H0001.jpg...), and a share link, is mounted with --link-file (a guest,
# albumfs -f as a job of this script) ROUNDS + 1 times. On each mount
# bench/lookup_timing.c stat()s, in an order shuffled per round, every
# visible name (V0001.png.jpg), every hidden one
# (H0001.jpg) and as many never-used ones (N0001.jpg), once each: distinct
# names, so the kernel's dentry cache answers none of them (an ENOENT is
# never cached by FUSE, and each visible name is looked up once per mount).
# The first round is a warm-up and is not counted. Prints, per kind, the
# count, median, 10th and 90th percentile in microseconds, and the ratios
# of the medians (hidden / never-used, visible / never-used).
#
# The binaries are $ALBUMFS and $ALBUMCTL (default: build/fs/albumfs and
# build/tools/albumctl of this checkout), so two builds can be compared.
# Needs root (mounts) and /dev/fuse; cc and the vips CLI.
set -euo pipefail

ROUNDS=20
K=100
WORK=/var/tmp/albumfs-lookup
while getopts n:k:d:h opt; do
    case $opt in
    n) ROUNDS=$OPTARG ;;
    k) K=$OPTARG ;;
    d) WORK=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done
TOP=$(cd "$(dirname "$0")/.." && pwd)
ALBUMFS=$(readlink -f "${ALBUMFS:-$TOP/build/fs/albumfs}")
ALBUMCTL=$(readlink -f "${ALBUMCTL:-$TOP/build/tools/albumctl}")
[ "$(id -u)" = 0 ] && [ -c /dev/fuse ] || { echo "lookup_timing.sh: needs root and /dev/fuse" >&2; exit 1; }
[ -x "$ALBUMFS" ] && [ -x "$ALBUMCTL" ] || { echo "lookup_timing.sh: build albumfs first (or set ALBUMFS, ALBUMCTL)" >&2; exit 1; }

M=$WORK/mnt
PID=
cleanup() {
    mountpoint -q "$M" 2>/dev/null && fusermount3 -u -z "$M"
    [ -z "$PID" ] || kill "$PID" 2>/dev/null || true
}
trap cleanup EXIT

rm -rf "$WORK"
mkdir -p "$WORK/in" "$M"
export ALBUMFS_LIBRARY=$WORK/lib
cc -O2 -o "$WORK/lookup_timing" "$TOP/bench/lookup_timing.c"

# The library: K visible PNGs and K private JPEGs (the same small image
# under every name: the vault keeps one blob), rendered for the link.
vips gaussnoise "$WORK/noise.v" 64 48 --mean 128 --sigma 40
vips cast "$WORK/noise.v" "$WORK/x.png" uchar
vips cast "$WORK/noise.v" "$WORK/x.jpg" uchar
for ((i = 1; i <= K; i++)); do
    n=$(printf %04d "$i")
    ln "$WORK/x.png" "$WORK/in/V$n.png"
    ln "$WORK/x.jpg" "$WORK/in/H$n.jpg"
done
"$ALBUMCTL" init >/dev/null
"$ALBUMCTL" album create Bench >/dev/null
"$ALBUMCTL" import Bench/Photos "$WORK/in" --no-prepare >/dev/null
for ((i = 1; i <= K; i++)); do
    "$ALBUMCTL" photo private "Bench/Photos/H$(printf %04d "$i").jpg" on >/dev/null
done
(umask 077 && "$ALBUMCTL" link create Bench >"$WORK/token")

for ((i = 1; i <= K; i++)); do
    n=$(printf %04d "$i")
    printf 'V%s.png.jpg\nH%s.jpg\nN%s.jpg\n' "$n" "$n" "$n"
done >"$WORK/names"

: >"$WORK/samples.tsv"
for ((r = 0; r <= ROUNDS; r++)); do
    # In the foreground, as a job of this script: its pid is ours to wait for.
    "$ALBUMFS" "$M" -f --link-file "$WORK/token" 2>>"$WORK/albumfs.log" &
    PID=$!
    until mountpoint -q "$M"; do
        kill -0 "$PID" 2>/dev/null || { echo "lookup_timing.sh: albumfs did not mount" >&2; exit 1; }
        sleep 0.05
    done
    stat "$M/Bench/Photos" >/dev/null
    shuf --random-source=<(yes "$r") "$WORK/names" >"$WORK/order"
    if ((r == 0)); then # warm-up: every view rendered, caches filled
        "$WORK/lookup_timing" "$M/Bench/Photos" "$WORK/order" >/dev/null
    else
        "$WORK/lookup_timing" "$M/Bench/Photos" "$WORK/order" >>"$WORK/samples.tsv"
    fi
    fusermount3 -u "$M"
    wait "$PID"
    PID=
done

echo "albumfs: $ALBUMFS"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), Linux $(uname -r)"
echo "load average before the report: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$WORK/samples.tsv" "$ROUNDS" "$K" <<'PY'
import statistics, sys
kinds = {"V": "visible", "H": "hidden", "N": "never-used"}
want = {"V": "ok", "H": "2", "N": "2"}  # 2: ENOENT
ns = {k: [] for k in kinds}
bad = 0
for line in open(sys.argv[1]):
    name, t, res = line.rstrip("\n").split("\t")
    ns[name[0]].append(int(t))
    if res != want[name[0]]:
        bad += 1
        print(f"unexpected: {name} gave {res}")
print(f"{sys.argv[2]} rounds x {sys.argv[3]} names of each kind, one stat() each (us):")
print(f"{'kind':<12}{'count':>7}{'median':>9}{'p10':>9}{'p90':>9}")
med = {}
for k, label in kinds.items():
    q = statistics.quantiles(ns[k], n=10)
    med[k] = statistics.median(ns[k])
    print(f"{label:<12}{len(ns[k]):>7}{med[k] / 1000:>9.1f}{q[0] / 1000:>9.1f}{q[-1] / 1000:>9.1f}")
print(f"hidden / never-used median: {med['H'] / med['N']:.3f}")
print(f"visible / never-used median: {med['V'] / med['N']:.3f}")
sys.exit(1 if bad else 0)
PY
