#!/usr/bin/env bash
# make-samples.sh — sample photos for demos and tests, made from nothing.
#
#   scripts/make-samples.sh OUTDIR [COUNT]   COUNT (default 12) JPEGs
#                                            IMG_0001.jpg.. plus one PNG
#   scripts/make-samples.sh --bad OUTDIR     files that must be refused
#                                            (and one PDF that must not)
#
# Good samples are ~3000x2000 (every fourth one 2000x3000 portrait) colour
# fields with film grain and a caption, so they look and weigh like real
# photos (1.2-1.6 MB each). Every JPEG carries camera Make/Model and a
# capture date; IMG_0001 and every fourth after it carry GPS; IMG_0002 is
# stored landscape with EXIF Orientation=6 (it displays portrait, caption
# upright). The PNG has an alpha channel (transparent corners).
#
# Needs the vips CLI (libvips-tools), exiftool and awk. Takes a few seconds.
set -euo pipefail
export LC_ALL=C

die() { printf 'make-samples: %s\n' "$*" >&2; exit 1; }
usage() { die "usage: $0 OUTDIR [COUNT] | $0 --bad OUTDIR"; }

for tool in vips exiftool awk; do
    command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install libvips-tools libimage-exiftool-perl)"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

scenes=(Ceremony "Getting Ready" "First Dance" Portraits Details Reception
        "Golden Hour" Confetti Cake Venue Speeches Farewell)

# pattern W H INDEX: a small P3 image; the pattern and palette vary with
# INDEX. Printed to stdout.
pattern() {
    awk -v W="$1" -v H="$2" -v I="$3" '
    function pal(t, k) { return 255 * (0.6 + 0.3 * cos(6.2831853 * (t + hue + k / 3))) }
    BEGIN {
        printf "P3\n%d %d\n255\n", W, H
        kind = I % 6; hue = (I * 0.137) % 1
        srand(I)
        for (k = 0; k < 7; k++) { cx[k] = rand(); cy[k] = rand(); cr[k] = 0.05 + 0.1 * rand() }
        for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
            u = x / (W - 1); v = y / (H - 1); light = 1
            if (kind == 0) {              # dusk over hills
                t = 0.45 * v
                if (v > 0.68 + 0.06 * sin(7 * u + I)) { t = 0.6 + 0.2 * v; light = 0.35 }
            } else if (kind == 1) {       # warm glow with vignette
                d = sqrt((u - 0.4) ^ 2 + (v - 0.45) ^ 2)
                t = d * 0.8; light = 1.1 - 0.6 * d
            } else if (kind == 2) {       # plasma
                t = 0.15 * (sin(9 * u) + sin(7 * v + I) + sin(11 * (u + v)))
            } else if (kind == 3) {       # ripples
                d = sqrt((u - 0.5) ^ 2 + (v - 0.5) ^ 2)
                t = 0.3 * d + 0.08 * sin(40 * d)
            } else if (kind == 4) {       # diagonal soft stripes
                t = 0.5 * (u + v) / 2 + 0.05 * sin(25 * (u - v))
            } else {                      # bokeh
                t = 0.3 * v
                for (k = 0; k < 7; k++) {
                    d = sqrt((u - cx[k]) ^ 2 + ((v - cy[k]) * H / W) ^ 2)
                    if (d < cr[k]) light += 0.35 * (1 - d / cr[k])
                }
            }
            r = pal(t, 0) * light; g = pal(t, 1) * light; b = pal(t, 2) * light
            printf "%d %d %d\n", (r > 255 ? 255 : r), (g > 255 ? 255 : g), (b > 255 ? 255 : b)
        }
    }'
}

# caption TEXT OUT: white caption with an alpha channel.
caption() {
    vips text "$2" "<span foreground=\"white\">$1</span>" \
        --font "Sans Bold 24" --dpi 300 --rgba
}

# photo INDEX OUTFILE W H [ROTATE]: a grainy, captioned photo.
photo() {
    local i=$1 out=$2 w=$3 h=$4 rot=${5:-} name
    name=$(printf 'IMG_%04d' "$i")
    pattern $((w / 10)) $((h / 10)) "$i" >"$tmp/$name.ppm"
    vips resize "$tmp/$name.ppm" "$tmp/$name.v" 10 --kernel linear
    caption "$name · ${scenes[$(((i - 1) % ${#scenes[@]}))]}" "$tmp/$name-cap.v"
    vips composite "$tmp/$name.v $tmp/$name-cap.v" "$tmp/$name-c.v" 2 \
        --x $((w / 25)) --y $((h - h / 12))
    local grain="$tmp/grain-$w.v"
    if [ -n "$rot" ]; then
        vips rot "$tmp/$name-c.v" "$tmp/$name-r.v" "$rot"
        mv "$tmp/$name-r.v" "$tmp/$name-c.v"
        grain="$tmp/grain-$h.v"
    fi
    # Film grain: darken each pixel by its grain value (a few percent).
    vips ifthenelse "$grain" "$grain" "$tmp/$name-c.v" "${out}[Q=90]" --blend
    rm -f "$tmp/$name".* "$tmp/$name"-*
}

# grain W H: monochrome noise, mostly 0..12, as 8-bit blend weights;
# W identifies it (3000x2000, 2000x3000 and 1200x800 are used).
grain() {
    vips gaussnoise "$tmp/g.v" "$1" "$2" --mean 6 --sigma 4
    vips cast "$tmp/g.v" "$tmp/grain-$1.v" uchar
    rm -f "$tmp/g.v"
}

make_good() {
    local out=$1 count=$2 i pids=() gps=() png
    grain 3000 2000
    grain 2000 3000
    for ((i = 1; i <= count; i++)); do
        local f
        f=$(printf '%s/IMG_%04d.jpg' "$out" "$i")
        if ((i == 2)); then
            photo "$i" "$f" 2000 3000 d270 &  # shown portrait via Orientation=6
        elif ((i % 4 == 3)); then
            photo "$i" "$f" 2000 3000 &
        else
            photo "$i" "$f" 3000 2000 &
        fi
        pids+=($!)
        ((i % 4 == 1)) && gps+=("$f")
        if ((${#pids[@]} >= 2)); then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
    done
    for p in "${pids[@]}"; do wait "$p"; done

    # PNG with transparent corners: colour field + rounded alpha mask.
    png=$(printf '%s/IMG_%04d.png' "$out" $((count + 1)))
    pattern 240 160 $((count + 1)) >"$tmp/png.ppm"
    awk 'BEGIN { W = 240; H = 160; printf "P2\n%d %d\n255\n", W, H
         for (y = 0; y < H; y++) for (x = 0; x < W; x++) {
             dx = (x < 40 ? 40 - x : (x > W - 41 ? x - (W - 41) : 0))
             dy = (y < 40 ? 40 - y : (y > H - 41 ? y - (H - 41) : 0))
             a = 40.5 - sqrt(dx * dx + dy * dy)     # soft rounded corner
             print int(255 * (a < 0 ? 0 : (a > 1 ? 1 : a))) } }' >"$tmp/png.pgm"
    vips bandjoin "$tmp/png.ppm $tmp/png.pgm" "$tmp/png.v"
    vips resize "$tmp/png.v" "$tmp/png-big.v" 10 --kernel linear
    caption "$(basename "$png" .png) · Studio card" "$tmp/png-cap.v"
    vips composite "$tmp/png-big.v $tmp/png-cap.v" "$png" 2 --x 200 --y 1400

    # One exiftool run (perl starts once): camera on all, GPS on some,
    # Orientation=6 on IMG_0002.
    exiftool -q -overwrite_original -Make=Canon -Model="Canon EOS R5" \
        -LensModel="RF24-70mm F2.8 L IS USM" -Artist="Studio Example" \
        -DateTimeOriginal="2026:06:13 15:42:07" -ISO=400 -FNumber=2.8 \
        -ExposureTime=1/250 "$out"/IMG_*.jpg \
        -execute -q -overwrite_original -GPSLatitude=48.858370 \
        -GPSLatitudeRef=N -GPSLongitude=2.294481 -GPSLongitudeRef=E \
        -GPSAltitude=35 -GPSAltitudeRef=0 "${gps[@]}" \
        -execute -q -overwrite_original -n -Orientation=6 "$out/IMG_0002.jpg"
    printf 'make-samples: %d JPEGs and 1 PNG in %s\n' "$count" "$out"
}

# A minimal valid one-page PDF, xref offsets computed.
tiny_pdf() {
    local objs=("<< /Type /Catalog /Pages 2 0 R >>"
                "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
                "<< /Length 0 >>
stream
endstream")
    local body="%PDF-1.4"$'\n' offsets=() n
    for n in "${!objs[@]}"; do
        offsets+=("${#body}")
        body+="$((n + 1)) 0 obj"$'\n'"${objs[$n]}"$'\n'"endobj"$'\n'
    done
    local xref=${#body}
    body+="xref"$'\n'"0 $((${#objs[@]} + 1))"$'\n'"0000000000 65535 f "$'\n'
    for n in "${offsets[@]}"; do body+=$(printf '%010d 00000 n ' "$n")$'\n'; done
    body+="trailer"$'\n'"<< /Size $((${#objs[@]} + 1)) /Root 1 0 R >>"$'\n'
    body+="startxref"$'\n'"$xref"$'\n'"%%EOF"$'\n'
    printf '%s' "$body" >"$1"
}

# sof_offset JPEG: byte offset of the first start-of-frame marker, found by
# walking the marker segments.
sof_offset() {
    local b i=2 m
    read -ra b < <(head -c 65536 "$1" | od -An -tu1 -v | tr -s ' \n' '  ')
    while ((i + 3 < ${#b[@]})); do
        ((b[i] == 255)) || return 1
        m=${b[i + 1]}
        if ((m >= 192 && m <= 207 && m != 196 && m != 200 && m != 204)); then
            echo "$i"
            return 0
        fi
        i=$((i + 2 + b[i + 2] * 256 + b[i + 3]))
    done
    return 1
}

make_bad() {
    local out=$1 size off
    vips black "$out/bomb.png[compression=9,bitdepth=1]" 30000 30000 &
    local bomb=$!

    printf 'Meeting notes: confirm the ceremony shot list by Friday.\n' >"$out/fake.jpg"
    : >"$out/empty.jpg"
    head -c 4096 /dev/urandom >"$out/random.jpg"

    grain 1200 800
    photo 1 "$tmp/good.jpg" 1200 800
    size=$(stat -c %s "$tmp/good.jpg")
    head -c $((size / 2)) "$tmp/good.jpg" >"$out/truncated.jpg"

    # A JPEG whose frame header claims 65000x65000 pixels.
    cp "$tmp/good.jpg" "$out/huge-header.jpg"
    off=$(sof_offset "$out/huge-header.jpg") || die "no frame header in good.jpg"
    printf '\xfd\xe8\xfd\xe8' |
        dd of="$out/huge-header.jpg" bs=1 seek=$((off + 5)) conv=notrunc status=none

    vips black "$tmp/small.png" 64 64
    head -c 33 "$tmp/small.png" >"$out/header-only.png"
    vips black "$out/unsupported.gif" 64 64
    tiny_pdf "$out/document.pdf"

    wait "$bomb"
    printf 'make-samples: bad inputs (and document.pdf, which is valid) in %s\n' "$out"
}

if [ "${1:-}" = "--bad" ]; then
    [ $# -eq 2 ] || usage
    mkdir -p "$2"
    make_bad "$2"
else
    if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
    count=${2:-12}
    [[ "$count" =~ ^[1-9][0-9]{0,3}$ ]] || die "COUNT must be a number from 1 to 9999"
    mkdir -p "$1"
    make_good "$1" "$count"
fi
