#!/usr/bin/env bash
# soak.sh — albumfs under a long, steady load (issue 13 goal 5; figures in
# bench/README.md).
#
#   bench/soak.sh [-m MINUTES] [-d WORKDIR] [-p PHOTOS]
#
#   -m MINUTES  how long the load runs (default 60)
#   -d WORKDIR  scratch space (default /var/tmp/albumfs-soak)
#   -p PHOTOS   photos in the library, 3 MP JPEGs over three sets (default 90)
#
# One library, three mounts started as users start them (in the background,
# no -f): the owner's, a client's (--user) and a guest's (--link). While
# they run:
#   8 readers   each opens a random file of its mount, reads it to the end
#               and starts again: 2 on the owner's originals, 3 on the
#               client's proofs, Web-size and High-res folders, 3 on the
#               guest's proofs; every outcome is counted by errno
#   a lister    find -printf over the client's whole mount, again and again
#   a flipper   every second, one change the mounts must follow: the
#               client's grant changed (--web and --highres on, then off)
#               and a set flipped between public and client-only (the
#               guest loses it, then finds it again)
# Every 10 s the resident memory (VmRSS) of each daemon is sampled.
#
# Expected errors: ENOENT (a folder or photo that just went away) and EACCES
# (an open file whose grant just changed). Any other errno, a daemon that
# dies, or a message in a daemon's log that is not routine fails the run
# (exit 1). At the end it prints, per mount: reads done and by outcome, and
# RSS after the warm-up (the first tenth of the run), at the end and at
# most; "flat" when the end is within 10% + 4 MiB of the warm-up figure.
# Raw RSS samples go to WORKDIR/run/rss.tsv, the report to
# WORKDIR/run/report.txt.
set -euo pipefail
export LC_ALL=C

MINUTES=60
PHOTOS=90
WORK=${BENCH_DIR:-/var/tmp/albumfs-soak}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$REPO/build-bench}

die() { printf 'soak.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }

while getopts "m:d:p:h" opt; do
    case $opt in
    m) MINUTES=$OPTARG ;;
    d) WORK=$OPTARG ;;
    p) PHOTOS=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
[[ "$MINUTES" =~ ^[1-9][0-9]*$ ]] || die "MINUTES must be a positive number"
[[ "$PHOTOS" =~ ^[1-9][0-9]*$ ]] && ((PHOTOS >= 3)) || die "PHOTOS must be 3 or more"
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

rm -rf "$R"
mkdir -p "$DATA" "$R"
LIB=$R/lib
A=Soak
ctl() { "$ALBUMCTL" --library "$LIB" "$@"; }

# ---- the library ----------------------------------------------------------------

say "making $PHOTOS photos (3 MP) in $DATA/soak"
mkdir -p "$DATA/soak"
for ((i = 1; i <= PHOTOS; i++)); do
    f=$(printf '%s/soak/IMG_%04d.jpg' "$DATA" "$i")
    [ -s "$f" ] && continue
    vips gaussnoise "$f.n.v" 2000 1500 --sigma 12 --mean 128 --seed "$i"
    vips bandjoin "$f.n.v $f.n.v $f.n.v" "$f.c.v"
    vips cast "$f.c.v" "$f.tmp.jpg[Q=90]" uchar
    mv "$f.tmp.jpg" "$f"
    rm -f "$f.n.v" "$f.c.v"
done
say "a library: album $A, sets Ceremony and Party (public) and Family (client-only)"
ctl init >/dev/null
ctl album create "$A" >/dev/null
ctl set create "$A" Ceremony --visibility public >/dev/null
ctl set create "$A" Party --visibility public >/dev/null
ctl set create "$A" Family --visibility client >/dev/null
mapfile -t files < <(ls "$DATA"/soak/IMG_*.jpg | head -n "$PHOTOS")
third=$((PHOTOS / 3))
ctl import "$A/Ceremony" "${files[@]:0:third}" --no-prepare >/dev/null
ctl import "$A/Party" "${files[@]:third:third}" --no-prepare >/dev/null
ctl import "$A/Family" "${files[@]:2*third}" --no-prepare >/dev/null
ctl user add client@example.com >/dev/null
GRANT=$(ctl grant "$A" --user client@example.com --role client --web on --highres original)
TOKEN=$(ctl link create "$A")

# ---- the mounts (background, as users start them) ---------------------------------

declare -A PID=()
mount_bg() { # mount_bg NAME ARGS...
    local name=$1 m=$R/$1 p
    shift
    mkdir -p "$m"
    "$ALBUMFS" --library "$LIB" "$m" -o log_file="$m.log" "$@"
    MOUNTS+=("$m")
    for p in $(pgrep -x albumfs); do
        if tr '\0' '\n' <"/proc/$p/cmdline" | grep -qxF -- "$m"; then
            PID[$name]=$p
            FS_PID[$m]=$p
        fi
    done
    [ -n "${PID[$name]:-}" ] || die "no daemon serves $m"
}
mount_bg owner
mount_bg client --user client@example.com
mount_bg guest --link "$TOKEN"

# ---- the load -------------------------------------------------------------------

END=$((SECONDS + MINUTES * 60))
READER=$R/reader.py
cat >"$READER" <<'PY'
# reader.py ROOT SUBDIR-REGEX UNTIL OUT: read random files under ROOT whose
# path matches the regex until the epoch time UNTIL; count outcomes.
import errno, json, os, random, re, sys, time
root, pattern, until, out = sys.argv[1], re.compile(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
counts, done, nbytes, files, listed = {}, 0, 0, [], 0.0
def outcome(name):
    counts[name] = counts.get(name, 0) + 1
while time.time() < until:
    if not files or time.time() - listed > 5:
        files, listed = [], time.time()
        for d, _, names in os.walk(root, onerror=lambda e: outcome(errno.errorcode.get(e.errno, str(e.errno)))):
            files += [os.path.join(d, n) for n in names if pattern.search(os.path.join(d, n))]
        if not files:
            outcome("nothing to read")
            time.sleep(0.2)
            continue
    try:
        with open(random.choice(files), "rb", buffering=0) as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                nbytes += len(b)
        outcome("ok")
    except OSError as e:
        outcome(errno.errorcode.get(e.errno, str(e.errno)))
        if e.errno == errno.ENOENT:
            listed = 0.0  # it went away: look again before the next read
    done += 1
json.dump({"reads": done, "bytes": nbytes, "outcomes": counts}, open(out, "w"))
PY
UNTIL=$(($(date +%s) + MINUTES * 60))
LOAD=()
trap 'kill "${LOAD[@]}" 2>/dev/null || true; cleanup' EXIT
reader() { # reader NAME MOUNT REGEX
    python3 "$READER" "$R/$2" "$3" "$UNTIL" "$R/$1.json" &
    LOAD+=($!)
}
reader owner-1 owner '\.jpg$'
reader owner-2 owner '\.jpg$'
reader client-proofs client '/(Ceremony|Party|Family)/[^/]+$'
reader client-web client '/Web-size/'
reader client-highres client '/High-res/'
for i in 1 2 3; do reader "guest-$i" guest '\.jpg$'; done

(
    n=0 bad=0
    while (($(date +%s) < UNTIL)); do
        find "$R/client" -printf '%s\n' >/dev/null 2>"$R/lister.err.last" || true
        bad=$((bad + $(grep -cvE 'No such file or directory|Permission denied' "$R/lister.err.last" || true)))
        n=$((n + 1))
    done
    printf '{"listings": %d, "unexpected": %d}\n' "$n" "$bad" >"$R/lister.json"
) &
LOAD+=($!)

(
    n=0 fails=0
    while (($(date +%s) < UNTIL)); do
        case $((n % 4)) in
        0) ctl grant change "$GRANT" --web on --highres original >/dev/null || fails=$((fails + 1)) ;;
        1) ctl set visibility "$A" Party client >/dev/null || fails=$((fails + 1)) ;;
        2) ctl grant change "$GRANT" --web off --highres off >/dev/null || fails=$((fails + 1)) ;;
        3) ctl set visibility "$A" Party public >/dev/null || fails=$((fails + 1)) ;;
        esac
        n=$((n + 1))
        sleep 1
    done
    printf '{"flips": %d, "failed": %d}\n' "$n" "$fails" >"$R/flipper.json"
) &
LOAD+=($!)

say "load running for $MINUTES min: 8 readers, a lister, a flipper; RSS every 10 s"
printf 'seconds\towner\tclient\tguest\n' >"$R/rss.tsv"
START=$SECONDS
while ((SECONDS < END)); do
    row=$((SECONDS - START))
    for n in owner client guest; do
        kill -0 "${PID[$n]}" 2>/dev/null || die "the $n daemon died: $(tail -5 "$R/$n.log")"
        row+=$'\t'$(vm_status "${PID[$n]}" VmRSS)
    done
    printf '%s\n' "$row" >>"$R/rss.tsv"
    sleep 10
done
for p in "${LOAD[@]}"; do wait "$p" || die "a load process failed"; done

# ---- the report -------------------------------------------------------------------

python3 - "$R" "$MINUTES" >"$R/report.txt" <<'PY'
import json, sys, glob, os
r, minutes = sys.argv[1], int(sys.argv[2])
bad = []
print(f"soak: {minutes} min, 8 readers, a lister, a flipper (bench/soak.sh)\n")
print("| reader | reads | MB read | outcomes |\n| --- | --- | --- | --- |")
for f in sorted(glob.glob(os.path.join(r, "*-*.json"))):
    d = json.load(open(f))
    name = os.path.basename(f)[:-5]
    print(f"| {name} | {d['reads']} | {d['bytes'] / 1e6:.0f} | "
          + ", ".join(f"{k} {v}" for k, v in sorted(d["outcomes"].items())) + " |")
    bad += [f"{name}: {k} x{v}" for k, v in d["outcomes"].items()
            if k not in ("ok", "ENOENT", "EACCES", "nothing to read")]
    if d["outcomes"].get("ok", 0) == 0:
        bad.append(f"{name}: no read succeeded")
lister, flipper = json.load(open(f"{r}/lister.json")), json.load(open(f"{r}/flipper.json"))
print(f"\nlister: {lister['listings']} listings, {lister['unexpected']} unexpected errors")
print(f"flipper: {flipper['flips']} changes, {flipper['failed']} failed")
bad += ["lister: unexpected errors"] * (lister["unexpected"] > 0)
bad += ["flipper: a change failed"] * (flipper["failed"] > 0)
rows = [l.split("\t") for l in open(f"{r}/rss.tsv").read().split("\n")[1:] if l]
warm = rows[max(0, len(rows) // 10)]
print("\n| daemon | RSS after warm-up KB | RSS at the end KB | most KB | flat |\n| --- | --- | --- | --- | --- |")
for i, name in enumerate(("owner", "client", "guest"), start=1):
    w, e, m = int(warm[i]), int(rows[-1][i]), max(int(x[i]) for x in rows)
    flat = e <= w * 1.1 + 4096
    print(f"| {name} | {w} | {e} | {m} | {'yes' if flat else 'NO'} |")
    bad += [f"{name}: RSS grew from {w} to {e} KB"] * (not flat)
print("\nresult: " + ("PASS" if not bad else "FAIL: " + "; ".join(bad)))
PY
cat "$R/report.txt"
for n in owner client guest; do
    if grep -vE 'serving .+ on .+$' "$R/$n.log" | grep -q .; then
        say "the $n daemon logged:"
        grep -vE 'serving .+ on .+$' "$R/$n.log" | head -20 >&2
        exit 1
    fi
done
grep -q '^result: PASS' "$R/report.txt"
