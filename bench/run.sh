#!/usr/bin/env bash
# run.sh — albumfs against its peers, measured in one run (bench/README.md).
#
#   bench/run.sh [-n RUNS] [-d WORKDIR] [-t TESTS] [-w SECONDS]
#
#   -n RUNS     repetitions of every measurement (default 5); the systems of
#               a test alternate within each round, rotating which goes first
#   -d WORKDIR  scratch space, about 2.5 GB (default /var/tmp/albumfs-bench);
#               generated inputs are kept in WORKDIR/data between invocations,
#               libraries and mounts are made afresh under WORKDIR/run
#   -t TESTS    any of: large proof list mount upload scale remote crowd
#               (default: the first five; the others are asked for by name)
#   -w SECONDS  before each sample wait up to SECONDS for the machine to be
#               quiet (under 25% of the CPUs busy for half a second); the CPU
#               use seen just before each sample is reported either way
#               (default 0: no waiting)
#
# Tests (each prints medians and ratios at the end; raw samples go to
# WORKDIR/run/samples.tsv, the printed report to WORKDIR/run/report.txt):
#   large  dd bs=1M of a 504 MB original (14000x12000 RGB TIFF of random
#          bytes) through albumfs (owner view), gocryptfs and bindfs; cold
#          (page cache dropped, then every backing file read once, so only
#          the FUSE side is cold) and warm (read again at once)
#   proof  first read of the proof of a 24 MP JPEG through a client mount
#          (rendered on lookup: the watermark text changes every round, so
#          the proof is new), against vipsthumbnail -s 2048 and against a
#          one-process libvips thumbnail + watermark (bench/proofpeer.c);
#          then the cached proof re-read, warm and with caches dropped;
#          and where a warm in-process render's time goes (decode,
#          thumbnail, encode: proofpeer parts)
#   list   ls -lR and find -printf '%s\n' over an album of 10 sets x 1,000
#          photos (owner view: originals) vs bindfs over the same tree of
#          plain files and the tree itself (plain-dir: no FUSE), cold and
#          warm; then find 20 times in a row (the time of one)
#   mount  mount time (start until the mount answers stat) with a catalog of
#          100,000 photos (warm: binaries and catalog in the page cache; and
#          cold: caches dropped), ls -lR of the 100 sets, then the daemon's
#          peak RSS after ls -lR of everything (the owner's Web-size folders
#          too), with bindfs over 100,000 plain files for reference
#   upload cp of 50 camera JPEGs (24 MP, about 7.5 MB each) into a set
#          through an editor's mount against cp into gocryptfs; the time
#          from cp's end (its last close()) until a client's live mount
#          lists all 50 proofs and reads them, against vipsthumbnail -s 2048
#          of the same files two at a time; the time from cp's start to
#          the same point; the CPU time per photo of the daemons (both
#          albumfs mounts; gocryptfs) and of vipsthumbnail; rsync -a of the
#          folder into each (page cache warm for the sources); "durable
#          cp": a copy whose every file is on the disk when it is closed,
#          as SPEC §7 asks of albumfs's close() (albumfs: its cp; gocryptfs
#          and a plain folder of the same disk: each file copied, then
#          fsync'd, by one process). Each round
#          copies other bytes (the photos with a comment segment naming the
#          round; the rsync another): the vault would otherwise find the
#          same blobs, and the renderer the same proofs, as in round one
#   scale  how albumfs grows from 1,000 to 100,000 to 1,000,000 photos
#          (1 album of 1 set; 10 albums of 10 sets; 100 albums of 10 sets;
#          1,000 photos a set): mount time, RSS after mount and after
#          ls -lR of everything (and the peak), ls -lR of one set (first
#          and again), albumctl ls of one set, grant (--no-prepare),
#          prepare of one album and verify of the library; the ratios are
#          to the 1,000-photo catalog, and the "per 1,000 photos" rows show
#          whether a command that must visit every photo grows linearly
#   remote a client on another machine (loopback) copying its 50 proofs
#          (Bench/Ceremony) and 10 high-res photos (watermarked full size,
#          Bench/High-res/Portraits) through Samba (smbclient's recursive
#          mget, SMB3) and WebDAV (rclone copy), each served by the recipe
#          of docs/reexport.md over albumfs's multi-user mount, against the
#          same servers sharing a plain folder of the same bytes; cold
#          (page cache dropped) and then warm (copied again at once); and,
#          over Samba, "first": albumfs's daemon started afresh before the
#          cold copy (nothing of its own kept from earlier rounds; the plain
#          share's sample is another cold one). The client is the account
#          albumfs-bench (made, and deleted at the end, if missing)
#   crowd  16 clients (accounts albumfs-bc01..16 of one multi-user mount,
#          as behind Samba) each reading the 500 proofs of one set at once,
#          every file opened, read whole and closed in an order of its own
#          (bench/read_latency.c), caches dropped first: per-file latency
#          p50, p99 and maximum over the 8,000 reads, and the time until
#          all are done; "albumfs+upload" the same while an editor
#          (albumfs-be) copies 20 camera JPEGs into another set of the same
#          mount, whose proofs render in the same daemon; against bindfs
#          of a plain folder of the same proofs
# The 10,000 and 100,000 photo catalogs hold one imported JPEG; the other
# rows are inserted with the sqlite3 CLI and point at the same version blob.
#
# Needs root (drop_caches, mounts) and /dev/fuse. Installs missing peers
# and tools from Debian with apt-get; builds albumfs (Release) into
# build-bench if needed. Every mount is unmounted (fusermount3 -u -z) and
# every daemon it started is stopped by pid on exit, whatever happened.
set -euo pipefail
export LC_ALL=C

RUNS=5
QUIET_WAIT=0
WORK=${BENCH_DIR:-/var/tmp/albumfs-bench}
TESTS="large proof list mount upload"
ALL_TESTS="$TESTS scale remote crowd"
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$REPO/build-bench}

die() { printf 'run.sh: %s\n' "$*" >&2; exit 1; }
say() { printf '== %s\n' "$*" >&2; }

while getopts "n:d:t:w:h" opt; do
    case $opt in
    n) RUNS=$OPTARG ;;
    w) QUIET_WAIT=$OPTARG ;;
    d) WORK=$OPTARG ;;
    t) TESTS=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
    esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive number"
[[ "$QUIET_WAIT" =~ ^[0-9]+$ ]] || die "-w takes a number of seconds"
for t in $TESTS; do
    [[ " $ALL_TESTS " == *" $t "* ]] || die "unknown test '$t'"
done
# shellcheck source=bench/lib.sh
source "$REPO/bench/lib.sh"

rm -rf "$R"
mkdir -p "$DATA" "$R/out"
SAMPLES=$R/samples.tsv
: >"$SAMPLES"

# ---- helpers -----------------------------------------------------------------

# timeit CMD...: run CMD (stdout to /dev/null); DT = wall time in µs.
timeit() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    "$@" >/dev/null
    t1=${EPOCHREALTIME/./}
    DT=$((10#$t1 - 10#$t0))
}

# rec TEST METRIC SYSTEM VALUE
rec() {
    printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$SAMPLES"
    printf '   %-6s %-28s %-16s %s\n' "$1" "$2" "$3" "$4" >&2
}

ms() { awk -v us="$1" 'BEGIN { printf "%.1f", us / 1000 }'; }
mbps() { awk -v b="$1" -v us="$2" 'BEGIN { printf "%.0f", b / us }'; }

# cold FILE...: drop the page cache (and dentries/inodes), then read each
# FILE once so the backing stores are warm and only the FUSE side is cold.
cold() {
    sync
    echo 3 >/proc/sys/vm/drop_caches
    [ $# -eq 0 ] || cat "$@" >/dev/null
}

# cpu_ticks PID: user + system CPU time of a process (all its threads), ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# children_ticks: the same for this shell's children that it has waited for.
children_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
HZ=$(getconf CLK_TCK)
# per_photo TICKS: CPU seconds per photo of the upload test's 50.
per_photo() { awk -v t="$1" -v hz="$HZ" 'BEGIN { printf "%.3f", t / hz / 50 }'; }

# busy_pct: percentage of all CPUs busy over the next half second.
busy_pct() {
    local a b
    a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat)
    sleep 0.5
    b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat)
    awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " ")
        busy = y[1] - x[1]; idle = y[2] - x[2]
        printf "%.0f", (busy + idle > 0 ? 100 * busy / (busy + idle) : 0) }'
}

# quiet TEST: before a sample, wait (up to -w seconds) for a quiet
# machine, and record how busy it was (other people's work shares the CPUs).
quiet() {
    local pct end=$((SECONDS + QUIET_WAIT))
    pct=$(busy_pct)
    while ((pct >= 25 && SECONDS < end)); do
        sleep 2
        pct=$(busy_pct)
    done
    rec "$1" "CPU busy before sample %" machine "$pct"
}

ctl() { "$ALBUMCTL" --library "$LIB" "$@" >/dev/null; }

# order ROUND SYSTEM...: the systems rotated by ROUND (A B C, B C A, ...).
order() {
    local r=$1
    shift
    local a=("$@") n=$# i
    for ((i = 0; i < n; i++)); do printf '%s ' "${a[$(((i + r) % n))]}"; done
}

# ---- inputs (kept between invocations) -------------------------------------

# A 504 MB original: 14000x12000 RGB (168 MP, under MEDIA_MAX_PIXELS 200 MP
# and MEDIA_MAX_FILE_BYTES 512 MiB), uncompressed TIFF of random bytes.
make_big() {
    [ -s "$DATA/big.tif" ] && return 0
    say "making $DATA/big.tif (504 MB)"
    head -c 504000000 /dev/urandom >"$DATA/big.raw"
    vips rawload "$DATA/big.raw" "$DATA/big.v" 14000 12000 3
    vips copy "$DATA/big.v" "$DATA/big.tif.tmp.tif"
    rm -f "$DATA/big.raw" "$DATA/big.v"
    mv "$DATA/big.tif.tmp.tif" "$DATA/big.tif"
}

# A 24 MP camera-like baseline JPEG (6000x4000, Q=92, ~7.5 MB): smooth
# colour fields, film grain and a caption.
make_photo() {
    local t
    [ -s "$DATA/photo24.jpg" ] && return 0
    say "making $DATA/photo24.jpg (6000x4000)"
    t=$(mktemp -d)
    for b in 1 2 3; do
        vips gaussnoise "$t/n$b.v" 600 400 --mean 128 --sigma 80 --seed "$b"
        vips gaussblur "$t/n$b.v" "$t/b$b.v" 6
        vips linear -- "$t/b$b.v" "$t/l$b.v" 6 -640
    done
    vips bandjoin "$t/l1.v $t/l2.v $t/l3.v" "$t/n.v"
    vips resize "$t/n.v" "$t/big.v" 10 --kernel cubic
    vips gaussnoise "$t/g.v" 6000 4000 --mean 0 --sigma 5
    vips add "$t/big.v" "$t/g.v" "$t/s.v"
    vips cast "$t/s.v" "$t/s8.v" uchar
    vips copy "$t/s8.v" "$t/rgb.v" --interpretation srgb
    vips text "$t/cap.v" '<span foreground="white">IMG_2024 · Ceremony</span>' \
        --font "Sans Bold 24" --dpi 600 --rgba
    vips composite "$t/rgb.v $t/cap.v" "$t/photo.jpg[Q=92]" 2 --x 240 --y 3500
    mv "$t/photo.jpg" "$DATA/photo24.jpg"
    rm -rf "$t"
}

# The seed of the big catalogs: a 1200x800 JPEG.
make_small() {
    [ -s "$DATA/small.jpg" ] && return 0
    make_photo
    vips resize "$DATA/photo24.jpg" "$DATA/small.jpg[Q=90]" 0.2
}

# ---- systems -----------------------------------------------------------------

# many_photos LIB TREE NALBUMS NSETS PER_SET: a library whose albums
# (Bench, or Album01..) hold sets Set01.. of PER_SET photos each, and a
# plain tree TREE/<album>/<set>/<photo> of sparse files of the same names
# and sizes (no tree when TREE is -). One photo is imported; the rest are catalog rows (photos and
# versions) inserted with sqlite3, pointing at that photo's version blob.
many_photos() {
    local lib=$1 tree=$2 nalb=$3 nset=$4 per=$5 a s an sql
    LIB=$lib
    ctl init
    for ((a = 1; a <= nalb; a++)); do
        an=Bench
        ((nalb > 1)) && an=$(printf 'Album%02d' "$a")
        ctl album create "$an"
        for ((s = 1; s <= nset; s++)); do
            ctl set create "$an" "$(printf 'Set%02d' "$s")" --visibility public
        done
    done
    mkdir -p "$R/seed"
    cp "$DATA/small.jpg" "$R/seed/IMG_000001.jpg"
    an=Bench
    ((nalb > 1)) && an=Album01
    ctl import "$an/Set01" "$R/seed/IMG_000001.jpg"
    sql=$R/bulk.sql
    {
        echo "BEGIN;"
        sqlite3 -separator ' ' "$lib/catalog.db" \
            "SELECT s.id, s.album_id FROM sets s JOIN albums a ON a.id = s.album_id
             WHERE s.name LIKE 'Set__' ORDER BY a.name, s.name" |
            awk -v per="$per" '{
                k0 = NR == 1 ? 2 : (NR - 1) * per + 1; k1 = NR * per
                printf "WITH RECURSIVE n(k) AS (SELECT %d UNION ALL SELECT k + 1 FROM n WHERE k < %d) " \
                       "INSERT INTO photos(id, album_id, set_id, name, view_name, kind, current_version, created) " \
                       "SELECT 1000000 + k, %d, %d, printf(\x27IMG_%%06d.jpg\x27, k), printf(\x27IMG_%%06d.jpg\x27, k), " \
                       "1, 1000000 + k, " \
                       "(SELECT created FROM photos WHERE id = 1) FROM n;\n", k0, k1, $2, $1
            }'
        echo "WITH RECURSIVE n(k) AS (SELECT 2 UNION ALL SELECT k + 1 FROM n WHERE k < $((nalb * nset * per)))
              INSERT INTO versions(id, photo_id, blob, size, width, height, orientation, mime, created, uploaded_by)
              SELECT 1000000 + k, 1000000 + k, v.blob, v.size, v.width, v.height, v.orientation, v.mime,
                     v.created, v.uploaded_by FROM n, (SELECT * FROM versions WHERE id = 1) v;"
        echo "COMMIT;"
    } >"$sql"
    sqlite3 "$lib/catalog.db" ".timeout 10000" ".read $sql"
    local got
    got=$(sqlite3 "$lib/catalog.db" "SELECT count(*) FROM photos WHERE trashed = 0")
    [ "$got" = $((nalb * nset * per)) ] || die "$lib holds $got photos, not $((nalb * nset * per))"
    [ "$tree" != - ] || return 0
    python3 - "$tree" "$nalb" "$nset" "$per" "$(stat -c %s "$DATA/small.jpg")" <<'EOF'
import os, sys
tree, nalb, nset, per, size = sys.argv[1], *map(int, sys.argv[2:])
k = 0
for a in range(1, nalb + 1):
    an = "Bench" if nalb == 1 else "Album%02d" % a
    for s in range(1, nset + 1):
        d = os.path.join(tree, an, "Set%02d" % s)
        os.makedirs(d)
        for _ in range(per):
            k += 1
            with open(os.path.join(d, "IMG_%06d.jpg" % k), "wb") as f:
                f.truncate(size)
EOF
}

# ---- test 1: a large original, sequential read ---------------------------

test_large() {
    local lib=$R/lib-large blob am gm bm r sys path bytes pid c0
    make_big
    bytes=$(stat -c %s "$DATA/big.tif")
    say "large: albumfs library, gocryptfs and bindfs copies of big.tif"
    LIB=$lib
    ctl init
    ctl album create Bench
    ctl set create Bench Large --visibility public
    ctl import Bench/Large "$DATA/big.tif"
    blob=$(sqlite3 "$lib/catalog.db" "SELECT blob FROM versions WHERE photo_id = 1")
    blob=$lib/vault/${blob:0:2}/$blob

    head -c 32 /dev/urandom | base64 >"$R/gc.pass"
    mkdir -p "$R/gc.cipher"
    gocryptfs -init -q -passfile "$R/gc.pass" "$R/gc.cipher" >/dev/null
    gm=$R/gc.m
    start_fs "$gm" gocryptfs -fg -q -nosyslog -passfile "$R/gc.pass" "$R/gc.cipher" "$gm"
    cp "$DATA/big.tif" "$gm/big.tif"
    mkdir -p "$R/bf.src"
    ln "$DATA/big.tif" "$R/bf.src/big.tif" 2>/dev/null || cp "$DATA/big.tif" "$R/bf.src/big.tif"
    bm=$R/bf.m
    start_fs "$bm" bindfs -f "$R/bf.src" "$bm"
    am=$R/a-large.m
    start_fs "$am" "$ALBUMFS" --library "$lib" "$am" -f
    sync
    local backing=("$blob" "$(find "$R/gc.cipher" -type f -size +100M)" "$R/bf.src/big.tif")
    cmp -s "$am/Bench/Large/big.tif" "$DATA/big.tif" || die "albumfs returns other bytes"
    cmp -s "$gm/big.tif" "$DATA/big.tif" || die "gocryptfs returns other bytes"

    for ((r = 0; r < RUNS; r++)); do
        for sys in $(order "$r" albumfs gocryptfs bindfs plain-file); do
            quiet large
            case $sys in
            albumfs) path=$am/Bench/Large/big.tif ;;
            gocryptfs) path=$gm/big.tif ;;
            bindfs) path=$bm/big.tif ;;
            plain-file) path=$R/bf.src/big.tif ;;
            esac
            case $sys in
            albumfs) pid=${FS_PID[$am]} ;;
            gocryptfs) pid=${FS_PID[$gm]} ;;
            bindfs) pid=${FS_PID[$bm]} ;;
            plain-file) pid= ;;
            esac
            cold "${backing[@]}"
            [ -z "$pid" ] || c0=$(cpu_ticks "$pid")
            timeit dd if="$path" of=/dev/null bs=1M status=none
            rec large "cold read MB/s" "$sys" "$(mbps "$bytes" "$DT")"
            [ -z "$pid" ] || rec large "daemon CPU s per GB, cold" "$sys" \
                "$(awk -v t=$(($(cpu_ticks "$pid") - c0)) -v hz="$HZ" -v b="$bytes" \
                    'BEGIN { printf "%.2f", t / hz / (b / 1e9) }')"
            timeit dd if="$path" of=/dev/null bs=1M status=none
            rec large "warm re-read MB/s" "$sys" "$(mbps "$bytes" "$DT")"
        done
    done
    stop_fs "$am"
    stop_fs "$gm"
    stop_fs "$bm"
    rm -rf "$R/gc.cipher" "$R/bf.src" "$lib"
}

# ---- test 2: first read of a proof -------------------------------------------

test_proof() {
    local lib=$R/lib-proof m r sys text path peer=$R/proofpeer size parts part t
    make_photo
    make_small
    say "proof: building bench/proofpeer"
    cc -O2 -std=gnu17 -Wall -Wextra -I"$REPO" -o "$peer" "$REPO/bench/proofpeer.c" \
        "$BUILD/libalbummedia.a" $(pkg-config --cflags --libs vips glib-2.0) \
        -lpthread -lm
    say "proof: a client grant with default settings (2048 px, watermarked)"
    LIB=$lib
    ctl init
    ctl album create Bench
    ctl set create Bench Proofs --visibility public
    ctl import Bench/Proofs "$DATA/photo24.jpg"
    ctl user add client@example.com
    ctl grant Bench --user client@example.com --role client
    m=$R/a-proof.m
    start_fs "$m" "$ALBUMFS" --library "$lib" "$m" --user client@example.com -f
    path=$m/Bench/Proofs/photo24.jpg
    cat "$DATA/photo24.jpg" >/dev/null
    sync

    for ((r = 0; r < RUNS; r++)); do
        text=$(printf 'PROOF %02d' "$((r + 1))")
        for sys in $(order "$r" albumfs vipsthumbnail vips+watermark); do
            quiet proof
            case $sys in
            albumfs)
                # A new watermark is a new proof: the next lookup renders it.
                sqlite3 "$lib/catalog.db" ".timeout 10000" \
                    "INSERT OR REPLACE INTO settings(key, value) VALUES ('watermark.text', '$text')"
                sync
                sleep 0.5 # the watcher (100 ms tick) reloads and invalidates
                timeit cat "$path"
                rec proof "first read ms" albumfs "$(ms "$DT")"
                size=$(stat -c %s "$path")
                [ "$(cat "$path" | wc -c)" = "$size" ] || die "the proof's st_size is not its length"
                timeit cat "$path"
                rec proof "re-read, page cache ms" albumfs "$(ms "$DT")"
                cold "$lib"/catalog.db* "$lib"/cache/??/*
                timeit cat "$path"
                rec proof "re-read, caches dropped ms" albumfs "$(ms "$DT")"
                ;;
            vipsthumbnail)
                timeit vipsthumbnail -s 2048 "$DATA/photo24.jpg" -o "$R/out/vt.jpg[Q=85,strip]"
                rec proof "first read ms" vipsthumbnail "$(ms "$DT")"
                ;;
            vips+watermark)
                timeit "$peer" vips "$DATA/photo24.jpg" "$R/out/vw.jpg" "$text"
                rec proof "first read ms" vips+watermark "$(ms "$DT")"
                ;;
            esac
        done
        # Diagnostics, not peers: albumfs's render in one process (no
        # FUSE, vault or catalog), ImageMagick, and what starting a libvips
        # command costs (vipsheader of a small JPEG: load libraries and
        # modules, read one header).
        quiet proof
        timeit vipsheader "$DATA/small.jpg"
        rec proof "first read ms" "vips CLI start-up" "$(ms "$DT")"
        timeit "$peer" albumfs "$DATA/photo24.jpg" "$R/out/ar.jpg" "$text"
        rec proof "first read ms" "render in-process" "$(ms "$DT")"
        # Where a warm render's time goes (one process, libvips started
        # and one render done first, as in the daemon): media_render, the
        # decode at shrink-on-load 2, vips_thumbnail (vipsthumbnail's
        # decode and resize), the encode.
        parts=$("$peer" parts "$DATA/photo24.jpg") || die "proofpeer parts failed"
        while read -r part t; do
            rec proof "first read ms" "warm: $part" "$t"
        done <<<"$parts"
        if [ -x /usr/bin/convert ]; then
            timeit /usr/bin/convert "$DATA/photo24.jpg" -resize 2048x2048 -quality 85 -strip "$R/out/im.jpg"
            rec proof "first read ms" "convert -resize" "$(ms "$DT")"
        fi
        # What storing a rendition durably costs on this disk, done as the
        # vault and the catalog do it: a 1 MB file written, fsync'd, renamed,
        # its directory fsync'd; one small SQLite commit (WAL, synchronous=FULL).
        rec proof "durable store ms" "fsync probe" "$(python3 - "$R/out" <<'PY'
import os, sqlite3, sys, time
d = sys.argv[1]
t = time.perf_counter()
fd = os.open(os.path.join(d, "probe.tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.write(fd, os.urandom(1 << 20)); os.fsync(fd); os.close(fd)
os.rename(os.path.join(d, "probe.tmp"), os.path.join(d, "probe.blob"))
fd = os.open(d, os.O_RDONLY); os.fsync(fd); os.close(fd)
db = sqlite3.connect(os.path.join(d, "probe.db"), isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
db.execute("CREATE TABLE IF NOT EXISTS t (x)")
db.execute("BEGIN IMMEDIATE"); db.execute("INSERT INTO t VALUES (?)", (t,)); db.execute("COMMIT")
print("%.1f" % ((time.perf_counter() - t) * 1000))
PY
)"
    done
    PROOF_BYTES=$size
    stop_fs "$m"
}

# ---- test 3: listing 10,000 photos -------------------------------------------

test_list() {
    local lib=$R/lib-10k tree=$R/tree-10k am bm r sys n dirs pid
    make_small
    say "list: 10 sets x 1,000 photos (catalog rows) and the same plain tree"
    many_photos "$lib" "$tree" 1 10 1000
    am=$R/a-10k.m
    bm=$R/b-10k.m
    start_fs "$am" "$ALBUMFS" --library "$lib" "$am" -f
    start_fs "$bm" bindfs -f "$tree" "$bm"
    sync
    # The sets only: the owner's Web-size/ folder would queue renders.
    # plain-dir: the same tree without FUSE (what the tools themselves cost).
    set_dirs() {
        case $1 in
        albumfs) dirs=("$am"/Bench/Set??) ;;
        bindfs) dirs=("$bm"/Bench/Set??) ;;
        plain-dir) dirs=("$tree"/Bench/Set??) ;;
        esac
    }
    for sys in albumfs bindfs plain-dir; do
        set_dirs "$sys"
        n=$(find "${dirs[@]}" -type f | wc -l)
        [ "$n" = 10000 ] || die "$sys lists $n files, not 10000"
    done
    warm_backing() {
        cold "$lib"/catalog.db*
        ls -lR "$tree" >/dev/null
    }
    finds() { # finds N DIR...: find -printf N times in a row
        local k=$1
        shift
        for ((; k > 0; k--)); do find "$@" -printf '%s\n' >/dev/null; done
    }
    for ((r = 0; r < RUNS; r++)); do
        for sys in $(order "$r" albumfs bindfs plain-dir); do
            quiet list
            set_dirs "$sys"
            warm_backing
            timeit ls -lR "${dirs[@]}"
            rec list "ls -lR cold ms" "$sys" "$(ms "$DT")"
            timeit ls -lR "${dirs[@]}"
            rec list "ls -lR warm ms" "$sys" "$(ms "$DT")"
            warm_backing
            timeit find "${dirs[@]}" -printf '%s\n'
            rec list "find -printf cold ms" "$sys" "$(ms "$DT")"
            timeit find "${dirs[@]}" -printf '%s\n'
            rec list "find -printf warm ms" "$sys" "$(ms "$DT")"
            timeit finds 20 "${dirs[@]}"
            rec list "find -printf warm, 20 in a row, ms each" "$sys" "$(ms $((DT / 20)))"
        done
    done
    pid=${FS_PID[$am]}
    LIST_HWM=$(vm_status "$pid" VmHWM)
    stop_fs "$am"
    stop_fs "$bm"
}

# ---- test 4: mount time and memory with 100,000 photos ---------------------

test_mount() {
    local lib=$R/lib-100k tree=$R/tree-100k m r sys pid n dirs
    make_small
    say "mount: 10 albums x 10 sets x 1,000 photos (catalog rows) and the same plain tree"
    many_photos "$lib" "$tree" 10 10 1000
    MOUNT_CATALOG_BYTES=$(stat -c %s "$lib/catalog.db")
    sync
    mount_one() { # mount_one SYSTEM MNT
        if [ "$1" = albumfs ]; then
            start_fs "$2" "$ALBUMFS" --library "$lib" "$2" -f
        else
            start_fs "$2" bindfs -f "$tree" "$2"
        fi
    }
    for sys in albumfs bindfs; do # once, untimed: binaries into the page cache
        mount_one "$sys" "$R/m-100k.$sys"
        stop_fs "$R/m-100k.$sys"
    done
    for ((r = 0; r < RUNS; r++)); do
        for sys in $(order "$r" albumfs bindfs); do
            quiet mount
            m=$R/m-100k.$sys
            mount_one "$sys" "$m"
            rec mount "mount until stat, warm ms" "$sys" "$(ms "$MOUNT_US")"
            stop_fs "$m"
            cold
            mount_one "$sys" "$m"
            rec mount "mount until stat, caches dropped ms" "$sys" "$(ms "$MOUNT_US")"
            stop_fs "$m"
        done
    done
    for sys in albumfs bindfs; do
        quiet mount
        m=$R/m-100k.$sys
        cold "$lib"/catalog.db*
        ls -lR "$tree" >/dev/null
        mount_one "$sys" "$m"
        pid=${FS_PID[$m]}
        rec mount "RSS after mount KB" "$sys" "$(vm_status "$pid" VmRSS)"
        dirs=("$m"/*/Set??)
        timeit ls -lR "${dirs[@]}"
        rec mount "ls -lR of the 100 sets, cold ms" "$sys" "$(ms "$DT")"
        rec mount "RSS after ls -lR of the sets KB" "$sys" "$(vm_status "$pid" VmRSS)"
        timeit ls -lR "$m"
        rec mount "ls -lR of everything ms" "$sys" "$(ms "$DT")"
        sleep 1 # the owner's Web-size views, queued by that listing
        n=$(ls -lR "$m" | grep -c '^-' || true)
        rec mount "files in ls -lR of everything" "$sys" "$n"
        rec mount "RSS after ls -lR of everything KB" "$sys" "$(vm_status "$pid" VmRSS)"
        rec mount "peak RSS (VmHWM) KB" "$sys" "$(vm_status "$pid" VmHWM)"
        rec mount "daemon threads" "$sys" "$(vm_status "$pid" Threads)"
        stop_fs "$m"
    done
}

# ---- test 6: from 1,000 to 1,000,000 photos ----------------------------------

test_scale() {
    local size lib m r pid n dt total shape a1 u=0
    make_small
    for size in 1k 100k 1M; do
        lib=$R/lib-scale-$size
        case $size in
        1k) total=1000 shape="1 1" a1=Bench ;;
        100k) total=100000 shape="10 10" a1=Album01 ;;
        1M) total=1000000 shape="100 10" a1=Album01 ;;
        esac
        # Made once and kept in DATA (the 1M one takes minutes); each
        # invocation measures a copy, which its grants change.
        if [ ! -s "$DATA/scale-$size/catalog.db" ]; then
            rm -rf "$DATA/scale-$size.tmp"
            # shellcheck disable=SC2086 # shape is two numbers
            many_photos "$DATA/scale-$size.tmp" - $shape 1000
            mv "$DATA/scale-$size.tmp" "$DATA/scale-$size"
        fi
        rm -rf "$lib"
        cp -a "$DATA/scale-$size" "$lib"
        say "scale: $size photos, catalog $(stat -c %s "$lib/catalog.db") bytes"
        rec scale "catalog bytes" "$size" "$(stat -c %s "$lib/catalog.db")"
        m=$R/m-scale-$size
        start_fs "$m" "$ALBUMFS" --library "$lib" "$m" -f # untimed: page cache
        stop_fs "$m"
        for ((r = 0; r < RUNS; r++)); do
            quiet scale
            start_fs "$m" "$ALBUMFS" --library "$lib" "$m" -f
            rec scale "mount until stat, warm ms" "$size" "$(ms "$MOUNT_US")"
            stop_fs "$m"
        done
        start_fs "$m" "$ALBUMFS" --library "$lib" "$m" -f
        pid=${FS_PID[$m]}
        rec scale "RSS after mount KB" "$size" "$(vm_status "$pid" VmRSS)"
        timeit ls -lR "$m/$a1/Set01"
        rec scale "ls -lR of one set (1,000), first ms" "$size" "$(ms "$DT")"
        for ((r = 0; r < RUNS; r++)); do
            timeit ls -lR "$m/$a1/Set01"
            rec scale "ls -lR of one set (1,000), again ms" "$size" "$(ms "$DT")"
        done
        timeit ls -lR "$m"
        rec scale "ls -lR of everything, s" "$size" "$(awk -v us="$DT" 'BEGIN { printf "%.2f", us / 1e6 }')"
        rec scale "ls -lR of everything, ms per 1,000 photos" "$size" \
            "$(awk -v us="$DT" -v n="$total" 'BEGIN { printf "%.1f", us / n }')"
        rec scale "RSS after ls -lR of everything KB" "$size" "$(vm_status "$pid" VmRSS)"
        rec scale "peak RSS (VmHWM) KB" "$size" "$(vm_status "$pid" VmHWM)"
        stop_fs "$m"
        LIB=$lib
        for ((r = 0; r < RUNS; r++)); do
            quiet scale
            timeit "$ALBUMCTL" --library "$lib" ls "$a1/Set01"
            rec scale "albumctl ls of one set ms" "$size" "$(ms "$DT")"
            u=$((u + 1))
            ctl user add "scale$u@example.com"
            timeit "$ALBUMCTL" --library "$lib" grant "$a1" --user "scale$u@example.com" \
                --role client --no-prepare
            rec scale "albumctl grant --no-prepare ms" "$size" "$(ms "$DT")"
        done
        n=$(sqlite3 "$lib/catalog.db" "SELECT count(*) FROM photos p JOIN albums a ON a.id = p.album_id
                                        WHERE a.name = '$a1'")
        timeit "$ALBUMCTL" --library "$lib" prepare "$a1"
        rec scale "albumctl prepare of one album ($n photos), s" "$size" \
            "$(awk -v us="$DT" 'BEGIN { printf "%.2f", us / 1e6 }')"
        rec scale "albumctl prepare, ms per 1,000 photos" "$size" \
            "$(awk -v us="$DT" -v n="$n" 'BEGIN { printf "%.1f", us / n }')"
        timeit "$ALBUMCTL" --library "$lib" verify
        rec scale "albumctl verify, s" "$size" "$(awk -v us="$DT" 'BEGIN { printf "%.2f", us / 1e6 }')"
        rec scale "albumctl verify, ms per 1,000 photos" "$size" \
            "$(awk -v us="$DT" -v n="$total" 'BEGIN { printf "%.1f", us / n }')"
        rm -rf "$lib"
    done
}

# ---- test 5: uploads through an editor's mount --------------------------------

# 50 distinct camera JPEGs: photo24.jpg with a different caption each.
make_uploads() {
    local i t
    [ -s "$DATA/up/IMG_5050.jpg" ] && return 0
    make_photo
    say "making $DATA/up/IMG_5001..5050.jpg (24 MP each)"
    t=$(mktemp -d)
    mkdir -p "$DATA/up"
    for ((i = 5001; i <= 5050; i++)); do
        vips text "$t/cap.v" "<span foreground=\"white\">frame $i</span>" --font "Sans 20" \
            --dpi 300 --rgba
        vips composite "$DATA/photo24.jpg $t/cap.v" "$t/u.jpg[Q=92]" 2 --x 300 --y 300
        mv "$t/u.jpg" "$DATA/up/IMG_$i.jpg"
    done
    rm -rf "$t"
}

# variant TAG: DATA/up-TAG/, the 50 photos each with a comment segment
# naming TAG after the SOI marker: the same pictures as other bytes, so no
# round finds the vault's blobs or the proofs of an earlier one (made once,
# kept between invocations). The files are then read once (page cache warm).
variant() {
    local d=$DATA/up-$1
    if [ ! -s "$d/IMG_5050.jpg" ]; then
        rm -rf "$d.tmp"
        python3 - "$DATA/up" "$d.tmp" "$1" <<'PY'
import os, sys
src, dst, tag = sys.argv[1:]
os.makedirs(dst)
com = ("albumfs bench variant " + tag).encode()
seg = b"\xff\xfe" + (len(com) + 2).to_bytes(2, "big") + com
for n in sorted(os.listdir(src)):
    data = open(os.path.join(src, n), "rb").read()
    assert data[:2] == b"\xff\xd8", n
    open(os.path.join(dst, n), "wb").write(data[:2] + seg + data[2:])
PY
        mv "$d.tmp" "$d"
    fi
    cat "$d"/*.jpg >/dev/null
    echo "$d"
}

# durable_cp SRC DST: each file of SRC copied into DST and fsync'd before
# the next, by one process.
durable_cp() {
    python3 - "$1" "$2" <<'PY'
import os, shutil, sys
src, dst = sys.argv[1:]
for name in sorted(os.listdir(src)):
    target = os.path.join(dst, name)
    shutil.copyfile(os.path.join(src, name), target)
    fd = os.open(target, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
PY
}

test_upload() {
    local lib=$R/lib-up em cm gm r sys set n bytes t0 t1 c c0 cp_us epid cpid gpid src rsrc
    make_uploads
    bytes=$(du -cb "$DATA"/up/*.jpg | awk 'END { print $1 }')
    say "upload: an editor's mount and a client's mount of one library; gocryptfs"
    LIB=$lib
    ctl init
    ctl album create Bench
    ctl user add editor@example.com
    ctl user add client@example.com
    ctl grant Bench --user editor@example.com --role editor
    ctl grant Bench --user client@example.com --role client
    em=$R/a-editor.m
    cm=$R/a-client.m
    start_fs "$em" "$ALBUMFS" --library "$lib" "$em" --user editor@example.com -f
    start_fs "$cm" "$ALBUMFS" --library "$lib" "$cm" --user client@example.com -f
    head -c 32 /dev/urandom | base64 >"$R/gc.pass"
    mkdir -p "$R/gc.cipher"
    gocryptfs -init -q -passfile "$R/gc.pass" "$R/gc.cipher" >/dev/null
    gm=$R/gc.m
    start_fs "$gm" gocryptfs -fg -q -nosyslog -passfile "$R/gc.pass" "$R/gc.cipher" "$gm"
    epid=${FS_PID[$em]} cpid=${FS_PID[$cm]} gpid=${FS_PID[$gm]}

    for ((r = 0; r < RUNS; r++)); do
        for sys in $(order "$r" albumfs gocryptfs vipsthumbnail); do
            src=$(variant "cp$r")
            rsrc=$(variant "rs$r")
            quiet upload
            case $sys in
            albumfs)
                set=$(printf 'Cp%02d' "$r")
                ctl set create Bench "$set" --visibility public
                wait_for_dir "$em/Bench/$set"
                wait_for_dir "$cm/Bench/$set"
                c0=$(($(cpu_ticks "$epid") + $(cpu_ticks "$cpid")))
                timeit cp "$src"/*.jpg "$em/Bench/$set/"
                rec upload "cp MB/s" albumfs "$(mbps "$bytes" "$DT")"
                rec upload "durable cp MB/s" albumfs "$(mbps "$bytes" "$DT")"
                cp_us=$DT
                t0=${EPOCHREALTIME/./}
                # every proof listed and read by the client
                for ((c = 0; c < 60000; c++)); do
                    n=$(ls "$cm/Bench/$set" | wc -l)
                    ((n == 50)) && break
                    sleep 0.01
                done
                ((n == 50)) || die "the client saw $n of 50 proofs after 10 minutes"
                cat "$cm/Bench/$set"/* >/dev/null
                t1=${EPOCHREALTIME/./}
                rec upload "last close to 50 proofs read, s" albumfs \
                    "$(awk -v us=$((10#$t1 - 10#$t0)) 'BEGIN { printf "%.2f", us / 1e6 }')"
                rec upload "cp start to 50 proofs read, s" albumfs \
                    "$(awk -v us=$((cp_us + 10#$t1 - 10#$t0)) 'BEGIN { printf "%.2f", us / 1e6 }')"
                rec upload "CPU s per photo (cp and proofs)" albumfs \
                    "$(per_photo $(($(cpu_ticks "$epid") + $(cpu_ticks "$cpid") - c0)))"
                set=$(printf 'Rs%02d' "$r")
                ctl set create Bench "$set" --visibility public
                wait_for_dir "$em/Bench/$set"
                timeit rsync -a "$rsrc/" "$em/Bench/$set/"
                rec upload "rsync -a MB/s" albumfs "$(mbps "$bytes" "$DT")"
                ;;
            gocryptfs)
                mkdir -p "$gm/cp$r" "$gm/rs$r"
                c0=$(cpu_ticks "$gpid")
                timeit cp "$src"/*.jpg "$gm/cp$r/"
                rec upload "cp MB/s" gocryptfs "$(mbps "$bytes" "$DT")"
                rec upload "CPU s per photo (cp and proofs)" gocryptfs \
                    "$(per_photo $(($(cpu_ticks "$gpid") - c0)))"
                timeit rsync -a "$rsrc/" "$gm/rs$r/"
                rec upload "rsync -a MB/s" gocryptfs "$(mbps "$bytes" "$DT")"
                mkdir -p "$gm/fs$r" "$R/plain-fs$r"
                timeit durable_cp "$src" "$gm/fs$r"
                rec upload "durable cp MB/s" gocryptfs "$(mbps "$bytes" "$DT")"
                timeit durable_cp "$src" "$R/plain-fs$r"
                rec upload "durable cp MB/s" "plain folder" "$(mbps "$bytes" "$DT")"
                rm -rf "$gm/cp$r" "$gm/rs$r" "$gm/fs$r" "$R/plain-fs$r"
                ;;
            vipsthumbnail)
                rm -rf "$R/out/vt" && mkdir -p "$R/out/vt"
                c0=$(children_ticks)
                timeit sh -c 'ls "$1"/*.jpg | xargs -P2 -n1 sh -c "vipsthumbnail -s 2048 \"\$0\" -o \"$2/%s.jpg[Q=85,strip]\""' \
                    sh "$src" "$R/out/vt"
                rec upload "last close to 50 proofs read, s" vipsthumbnail \
                    "$(awk -v us="$DT" 'BEGIN { printf "%.2f", us / 1e6 }')"
                rec upload "CPU s per photo (cp and proofs)" vipsthumbnail \
                    "$(per_photo $(($(children_ticks) - c0)))"
                ;;
            esac
        done
    done
    stop_fs "$em"
    stop_fs "$cm"
    stop_fs "$gm"
    rm -rf "$R/gc.cipher" "$lib"
}

# ---- test 7: a client's copies through Samba and WebDAV -----------------------

# free_port: a TCP port on 127.0.0.1 nobody listens on now.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_listen PORT: until something listens on 127.0.0.1:PORT (30 s).
wait_listen() {
    local i
    for ((i = 0; i < 300; i++)); do
        python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
            "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "nothing listens on port $1"
}

# remote_get PROTO SYSTEM WHAT DEST: copy a folder of the client's gallery
# (WHAT: proofs = Bench/Ceremony, highres = Bench/High-res/Portraits) from
# SYSTEM's server into DEST with the protocol's own client, as a person on
# another machine would: smbclient's recursive mget, rclone copy.
remote_get() {
    local proto=$1 sys=$2 what=$3 dest=$4 dir name
    case $what in
    proofs) dir=Bench name=Ceremony ;;
    highres) dir=Bench/High-res name=Portraits ;;
    esac
    rm -rf "$dest" && mkdir -p "$dest"
    case $proto in
    smb)
        smbclient "//127.0.0.1/$sys" -p "$SMBPORT" -m SMB3 -U "$RUSER%$RPASS" \
            -c "prompt OFF; recurse ON; cd \"$dir\"; lcd \"$dest\"; mget \"$name\"" >/dev/null
        ;;
    webdav)
        rclone copy --config /dev/null --webdav-url "http://127.0.0.1:${DAVPORT[$sys]}" \
            --webdav-user "$RUSER" --webdav-pass "$(rclone obscure "$RPASS")" \
            ":webdav:$dir/$name" "$dest/$name"
        ;;
    esac
}

# start_remote_fs LIB M: albumfs's multi-user mount of LIB at M, waited for
# until the client's mount lists all its views (made ahead: the grant
# prepared them).
start_remote_fs() {
    local lib=$1 m=$2 n
    start_fs "$m" "$ALBUMFS" --library "$lib" "$m" --multi-user -f
    for ((n = 0; n < 3000; n++)); do
        [ "$(ls "$m/$RUSER/Bench/Ceremony" 2>/dev/null | wc -l)" = 50 ] &&
            [ "$(ls "$m/$RUSER/Bench/High-res/Portraits" 2>/dev/null | wc -l)" = 10 ] && return 0
        sleep 0.1
    done
    die "the client's views did not list within 5 minutes"
}

# A client's 50 proofs and 10 high-res photos copied from another machine
# (loopback) through Samba and WebDAV served over albumfs's multi-user
# mount, against the same servers sharing a plain folder of the same bytes.
test_remote() {
    local lib=$R/lib-remote m=$R/remote.m plain=$R/remote-plain dav=$R/remote-dav
    local r sys proto what temp temps bytes n sums pkgs=()
    command -v smbd >/dev/null || pkgs+=(samba)
    command -v smbclient >/dev/null || pkgs+=(smbclient)
    command -v rclone >/dev/null || pkgs+=(rclone)
    command -v openssl >/dev/null || pkgs+=(openssl)
    if [ ${#pkgs[@]} -gt 0 ]; then
        say "installing ${pkgs[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${pkgs[@]}" >/dev/null
    fi
    make_uploads
    RUSER=albumfs-bench RPASS=bench-$RANDOM-$RANDOM
    bench_user "$RUSER"
    say "remote: a client's gallery (50 proofs, 10 high-res) served by smbd and rclone"
    LIB=$lib
    ctl init
    ctl album create Bench
    ctl set create Bench Ceremony --visibility public
    ctl set create Bench Portraits --visibility public
    ctl import Bench/Ceremony "$DATA"/up/*.jpg --no-prepare
    ctl import Bench/Portraits $(ls "$DATA"/up/*.jpg | head -10) --no-prepare
    ctl user add client@example.com --uid "$RUSER"
    ctl grant Bench --user client@example.com --role client --highres original
    start_remote_fs "$lib" "$m"
    # The plain share: the same bytes, as the client reads them.
    rm -rf "$plain" && mkdir -p "$plain/$RUSER/Bench/High-res"
    cp -r "$m/$RUSER/Bench/Ceremony" "$plain/$RUSER/Bench/"
    cp -r "$m/$RUSER/Bench/High-res/Portraits" "$plain/$RUSER/Bench/High-res/"
    chown -R "$RUSER:" "$plain/$RUSER"
    chmod 0755 "$plain"

    # smbd: two shares, the albumfs mount and the plain folder (both with
    # the recipe's two lines: smb-loopback.conf.sh).
    SMBPORT=$(free_port)
    rm -rf "$R/smb" && mkdir -p "$R/smb"
    {
        "$REPO/scripts/smb-loopback.conf.sh" "$R/smb" "$SMBPORT"
        cat <<EOF2
[albumfs]
    path = $m/%U
    read only = yes
    valid users = $RUSER
[plain]
    path = $plain/%U
    read only = yes
    valid users = $RUSER
EOF2
    } >"$R/smb/smb.conf"
    printf '%s\n%s\n' "$RPASS" "$RPASS" | smbpasswd -c "$R/smb/smb.conf" -s -a "$RUSER" >/dev/null
    setsid smbd --foreground --no-process-group -s "$R/smb/smb.conf" >"$R/smb/smbd.out" 2>&1 &
    SERVER_PIDS+=("$!")
    wait_listen "$SMBPORT"

    # rclone serve webdav as the client's account, the recipe of
    # docs/reexport.md, once over each folder.
    rm -rf "$dav" && mkdir -p "$dav"
    printf '%s:%s\n' "$RUSER" "$(openssl passwd -apr1 "$RPASS")" >"$dav/htpasswd"
    chown -R "$RUSER:" "$dav" && chmod 0700 "$dav"
    declare -gA DAVPORT=()
    for sys in albumfs plain; do
        DAVPORT[$sys]=$(free_port)
        temp=$m/$RUSER
        [ "$sys" = plain ] && temp=$plain/$RUSER
        setsid setpriv --reuid="$RUSER" --regid="$(id -g "$RUSER")" --clear-groups \
            env HOME="$dav" rclone serve webdav "$temp" --addr "127.0.0.1:${DAVPORT[$sys]}" \
            --htpasswd "$dav/htpasswd" --cache-dir "$dav/cache-$sys" --size-only --ignore-size \
            >"$dav/$sys.log" 2>&1 &
        SERVER_PIDS+=("$!")
        wait_listen "${DAVPORT[$sys]}"
    done

    # Both servers give the same bytes through both protocols.
    sums=
    for proto in smb webdav; do
        for sys in albumfs plain; do
            for what in proofs highres; do
                remote_get "$proto" "$sys" "$what" "$R/out/remote"
                n=$(cd "$R/out/remote" && find . -type f -exec sha256sum {} + | sort | sha256sum)
                sums+="$what $n"$'\n'
            done
        done
    done
    [ "$(sort -u <<<"$sums" | grep -c .)" = 2 ] || die "the copies differ between servers: $sums"

    for ((r = 0; r < RUNS; r++)); do
        for proto in smb webdav; do
            for what in proofs highres; do
                # cold (page cache dropped), then warm at once: a later
                # drop for the other system would make a warm sample cold
                for sys in $(order "$r" albumfs plain); do
                    quiet remote
                    temps="cold warm"
                    [ "$proto" = smb ] && temps="first cold warm"
                    for temp in $temps; do
                        if [ "$temp" = first ] && [ "$sys" = albumfs ]; then
                            stop_fs "$m"
                            start_remote_fs "$lib" "$m"
                            quiet remote
                        fi
                        [ "$temp" != warm ] && cold
                        timeit remote_get "$proto" "$sys" "$what" "$R/out/remote"
                        bytes=$(du -sb "$R/out/remote" | cut -f1)
                        rec remote "$proto $what $temp MB/s" "$sys" "$(mbps "$bytes" "$DT")"
                    done
                done
            done
        done
    done
    REMOTE_BYTES="proofs $(du -sb "$plain/$RUSER/Bench/Ceremony" | cut -f1), high-res $(du -sb "$plain/$RUSER/Bench/High-res/Portraits" | cut -f1)"
    for sys in "${SERVER_PIDS[@]}"; do kill "$sys" 2>/dev/null || true; done
    for sys in "${SERVER_PIDS[@]}"; do wait "$sys" 2>/dev/null || true; done
    SERVER_PIDS=()
    stop_fs "$m"
    rm -rf "$lib" "$plain" "$dav" "$R/out/remote"
}

# ---- test 8: sixteen clients reading one set at once ----------------------------

# 500 distinct 3000x2000 JPEGs (~2 MB): photo24.jpg halved, each with a
# comment segment naming its number (the same picture as other bytes).
make_crowd() {
    local d=$DATA/crowd
    [ -s "$d/IMG_0500.jpg" ] && return 0
    make_photo
    say "making $d/IMG_0001..0500.jpg (3000x2000 each)"
    rm -rf "$d.tmp" && mkdir -p "$d.tmp"
    vips resize "$DATA/photo24.jpg" "$d.tmp/base.jpg[Q=90]" 0.5
    python3 - "$d.tmp" <<'PY'
import os, sys
d = sys.argv[1]
data = open(os.path.join(d, "base.jpg"), "rb").read()
for i in range(1, 501):
    com = ("albumfs bench crowd %d" % i).encode()
    seg = b"\xff\xfe" + (len(com) + 2).to_bytes(2, "big") + com
    open(os.path.join(d, "IMG_%04d.jpg" % i), "wb").write(data[:2] + seg + data[2:])
os.remove(os.path.join(d, "base.jpg"))
PY
    mv "$d.tmp" "$d"
}

# crowd_sample SYSTEM DIR_OF ROUND: 16 readers at once, reader i as account
# albumfs-bc<i> reading DIR_OF(i) whole in its own order; records the
# per-file latency's median, p99 and maximum, and the wall time until the
# last reader is done.
crowd_sample() {
    local sys=$1 dirof=$2 r=$3 i pids=() t0 t1
    rm -f "$R/out/lat-"*
    t0=${EPOCHREALTIME/./}
    for ((i = 1; i <= 16; i++)); do
        as_account "$(printf 'albumfs-bc%02d' "$i")" "$R/read_latency" "$($dirof "$i")" "$((r * 100 + i))" \
            >"$R/out/lat-$i" &
        pids+=("$!")
    done
    for i in "${pids[@]}"; do wait "$i" || die "a $sys reader failed"; done
    t1=${EPOCHREALTIME/./}
    sort -n "$R/out/lat-"* >"$R/out/lat-all"
    [ "$(wc -l <"$R/out/lat-all")" = 8000 ] || die "$sys: $(wc -l <"$R/out/lat-all") of 8,000 files read"
    rec crowd "per-file read p50 ms" "$sys" "$(ms "$(sed -n 4000p "$R/out/lat-all")")"
    rec crowd "per-file read p99 ms" "$sys" "$(ms "$(sed -n 7920p "$R/out/lat-all")")"
    rec crowd "per-file read max ms" "$sys" "$(ms "$(tail -1 "$R/out/lat-all")")"
    rec crowd "all 16 done, s" "$sys" "$(awk -v us=$((10#$t1 - 10#$t0)) 'BEGIN { printf "%.2f", us / 1e6 }')"
}

albumfs_proofs() { printf '%s/albumfs-bc%02d/Crowd/Ceremony' "$CROWD_M" "$1"; }
bindfs_proofs() { echo "$CROWD_B"; }

# Sixteen clients (accounts of a multi-user mount, as behind Samba) reading
# the 500 proofs of one set at once, cold; again while an editor copies 20
# camera JPEGs into another set of the same mount (their proofs render in
# the same daemon); and the same readers over bindfs of a plain folder
# holding the same proofs.
test_crowd() {
    local lib=$R/lib-crowd i r sys n up
    make_crowd
    make_uploads
    cc -O2 -o "$R/read_latency" "$REPO/bench/read_latency.c"
    for ((i = 1; i <= 16; i++)); do bench_user "$(printf 'albumfs-bc%02d' "$i")"; done
    bench_user albumfs-be
    say "crowd: a library of 500 photos, 16 clients and an editor on one multi-user mount"
    LIB=$lib
    ctl init
    ctl album create Crowd
    ctl set create Crowd Ceremony --visibility public
    ctl import Crowd/Ceremony "$DATA/crowd" --no-prepare
    ctl user add editor@example.com --uid albumfs-be
    ctl grant Crowd --user editor@example.com --role editor --no-prepare
    for ((i = 1; i <= 16; i++)); do
        ctl user add "c$i@example.com" --uid "$(printf 'albumfs-bc%02d' "$i")"
        ctl grant Crowd --user "c$i@example.com" --role client
    done
    CROWD_M=$R/crowd.m CROWD_B=$R/crowd-bindfs.m
    start_fs "$CROWD_M" "$ALBUMFS" --library "$lib" "$CROWD_M" --multi-user -f
    n=$(ls "$(albumfs_proofs 1)" | wc -l)
    [ "$n" = 500 ] || die "client 1 sees $n of 500 proofs"
    rm -rf "$R/crowd-plain" && mkdir -p "$R/crowd-plain"
    cp "$(albumfs_proofs 1)"/* "$R/crowd-plain/"
    chmod -R a+rX "$R/crowd-plain"
    start_fs "$CROWD_B" bindfs -f -o allow_other "$R/crowd-plain" "$CROWD_B"

    for ((r = 0; r < RUNS; r++)); do
        for sys in $(order "$r" albumfs albumfs+upload bindfs); do
            quiet crowd
            cold
            case $sys in
            albumfs) crowd_sample albumfs albumfs_proofs "$r" ;;
            bindfs) crowd_sample bindfs bindfs_proofs "$r" ;;
            albumfs+upload)
                ctl set create Crowd "Late$r" --visibility public
                wait_for_dir "$CROWD_M/albumfs-be/Crowd/Late$r"
                as_account albumfs-be cp $(ls "$(variant "crowd$r")"/*.jpg | head -20) \
                    "$CROWD_M/albumfs-be/Crowd/Late$r/" &
                up=$!
                crowd_sample albumfs+upload albumfs_proofs "$r"
                wait "$up" || die "the editor's copy failed"
                ;;
            esac
        done
    done
    stop_fs "$CROWD_B"
    stop_fs "$CROWD_M"
    rm -rf "$lib" "$R/crowd-plain"
}

# wait_for_dir DIR: a live mount shows a new folder within 10 s.
wait_for_dir() {
    local i
    for ((i = 0; i < 1000; i++)); do
        [ -d "$1" ] && return 0
        sleep 0.01
    done
    die "$1 did not appear"
}

# ---- the report ----------------------------------------------------------------

# The machine and versions, as markdown lines.
machine() {
    local mem
    mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    printf -- '- machine: %s cores, %s, %s RAM, kernel %s, %s\n' "$(nproc)" \
        "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" "$mem" "$(uname -r)" \
        "$(. /etc/os-release && echo "$PRETTY_NAME")"
    printf -- '- storage: %s\n' "$(df -T "$WORK" | awk 'NR == 2 { print $2 " on " $1 }')"
    printf -- '- versions: %s\n' "$(dpkg-query -W -f='${Package} ${Version}, ' \
        libfuse3-3 libsodium23 libvips42 libsqlite3-0 gocryptfs bindfs imagemagick-6.q16 2>/dev/null |
        sed 's/, $//')"
    printf -- '- albumfs: %s at %s%s\n' "$("$ALBUMFS" --version 2>/dev/null | head -1)" \
        "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)" \
        "$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
    printf -- '- load average before/after: %s / %s (other work on the machine shares its\n  CPUs: see "CPU busy before sample %%" in each table)\n' "$LOAD0" "$LOAD1"
}

# table TEST REFERENCE: per metric and system the median, the best run
# (highest MB/s, else lowest), every run, and the ratios of median and best
# to REFERENCE's.
table() {
    awk -F'\t' -v test="$1" -v ref="$2" '
    $1 == test { k = $2 SUBSEP $3; v[k, ++n[k]] = $4 + 0; raw[k] = raw[k] (raw[k] == "" ? "" : " ") $4
                 if (!($2 in seenm)) { seenm[$2] = 1; metrics[++nm] = $2 }
                 if (!($3 in seens)) { seens[$3] = 1; systems[++ns] = $3 } }
    function best(k, hi,   i, b) {
        b = v[k, 1]
        for (i = 2; i <= n[k]; i++) if (hi ? v[k, i] > b : v[k, i] < b) b = v[k, i]
        return b
    }
    function median(k,   i, j, t, a, c) {
        c = n[k]; for (i = 1; i <= c; i++) a[i] = v[k, i]
        for (i = 2; i <= c; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return c % 2 ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
    }
    END {
        printf "| %s | system | median | best | runs | median ÷ %s | best ÷ %s |\n", "measurement", ref, ref
        printf "|---|---|---:|---:|---|---:|---:|\n"
        for (i = 1; i <= nm; i++) for (j = 1; j <= ns; j++) {
            k = metrics[i] SUBSEP systems[j]
            if (!(k in n)) continue
            med = median(k); rk = metrics[i] SUBSEP ref
            hi = metrics[i] ~ /MB\/s/
            b = best(k, hi)
            ratio = (rk in n && median(rk) > 0) ? sprintf("%.2f", med / median(rk)) : ""
            bratio = (rk in n && best(rk, hi) > 0) ? sprintf("%.2f", b / best(rk, hi)) : ""
            if (systems[j] == "machine") { ratio = bratio = ""; b = "" } else b = sprintf("%.6g", b)
            printf "| %s | %s | %.6g | %s | %s | %s | %s |\n", metrics[i], systems[j], med, b, raw[k], ratio, bratio
        }
    }' "$SAMPLES"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for t in $TESTS; do
    say "test $t ($RUNS runs)"
    "test_$t"
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

{
    printf '# albumfs bench, %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
    printf 'command: bench/run.sh -n %s -t "%s" -w %s\n\n' "$RUNS" "$TESTS" "$QUIET_WAIT"
    machine
    for t in $TESTS; do
        echo
        case $t in
        large)
            printf '## 1. sequential read of a %s-byte original (dd bs=1M)\n\n' "$(stat -c %s "$DATA/big.tif")"
            table large gocryptfs
            ;;
        proof)
            printf '## 2. proof of a 24 MP JPEG (6000x4000, %s bytes) -> 2048 px, %s bytes\n\n' \
                "$(stat -c %s "$DATA/photo24.jpg")" "${PROOF_BYTES:-?}"
            table proof vipsthumbnail
            ;;
        list)
            printf '## 3. listing 10 sets x 1,000 photos\n\n'
            table list bindfs
            printf '\nalbumfs peak RSS after the listings: %s KB\n' "${LIST_HWM:-?}"
            ;;
        mount)
            printf '## 4. 100,000 photos (catalog %s bytes): mount time and memory\n\n' "${MOUNT_CATALOG_BYTES:-?}"
            table mount bindfs
            ;;
        upload)
            printf '## 5. uploads: 50 camera JPEGs (%s bytes) through an editor'"'"'s mount\n\n' \
                "$(du -cb "$DATA"/up/*.jpg | awk 'END { print $1 }')"
            table upload gocryptfs
            printf '\n("last close to 50 proofs read": vipsthumbnail is its reference)\n'
            ;;
        scale)
            printf '## 6. from 1,000 to 1,000,000 photos\n\n'
            table scale 1k
            ;;
        crowd)
            printf '## 8. 16 clients reading the 500 proofs of one set at once\n\n'
            table crowd bindfs
            ;;
        remote)
            printf '## 7. a client copying from another machine (loopback): %s bytes\n\n' "${REMOTE_BYTES:-?}"
            table remote plain
            ;;
        esac
    done
} | tee "$R/report.txt"
