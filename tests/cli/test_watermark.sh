#!/usr/bin/env bash
# test_watermark.sh — albumctl watermark and albumctl cache: showing and
# setting the studio's mark (text, logo, placement, opacity) and the bound of
# the rendered-view cache; a new mark gives watermarked views new renditions
# (views without a mark are untouched); trimming keeps sizes known; every
# bad input is refused with nothing changed.
source "$(dirname "$0")/lib.sh"

expect 0 init
expect 0 album create A
img "$S/p1.jpg" 900 600
expect 0 import A/Photos "$S/p1.jpg"
expect 0 user add c@example.com
expect 0 grant A --user c@example.com --role client --web on --watermark-downloads off

# --- showing: defaults
expect 0 --json watermark
json_ok
[ "$(py '[d["text"], d["position"], d["opacity"], d["logo"]]')" = "['PROOF', 'center', 0.35, '']" ] ||
    fail "defaults: $(cat "$OUT")"
ok "watermark shows its defaults"

# --- a new mark: watermarked renditions are made anew, unmarked ones kept
rend() { db "SELECT count(*) FROM renditions"; }
before=$(rend)
((before >= 2)) || fail "grant prepared $before renditions"
expect 0 watermark --text "Studio Lumière" --position bottom-right --opacity 0.5
out_has "Studio Lumière"
after=$(rend)
[ "$after" = $((before + 1)) ] || fail "a new text made $((after - before)) renditions, expected 1 (the proof)"
[ "$(db "SELECT value FROM settings WHERE key = 'watermark.opacity'")" = 0.500 ] || fail "opacity not stored"
[ "$(db "SELECT count(*) FROM activity WHERE kind = 'watermark-changed'")" = 1 ] || fail "no activity"
ok "a new mark renders the watermarked proof again; the unwatermarked web view stays"

# --- a logo: an image stored in the vault; a non-image refused
img "$S/logo.png" 120 60
expect 0 watermark --logo "$S/logo.png" --no-prepare
logo=$(db "SELECT value FROM settings WHERE key = 'watermark.logo'")
[ ${#logo} = 64 ] && [ -f "$ALBUMFS_LIBRARY/vault/${logo:0:2}/$logo" ] || fail "logo not in the vault: '$logo'"
db_snapshot
bad_images "$S/bad"
for f in "$S/bad"/*; do
    expect 1 watermark --logo "$f"
    err_has "use a PNG"
    err_one_line
done
expect 1 watermark --logo "$S/missing.png"
err_has "cannot read the logo"
db_unchanged "bad logos"
expect 0 watermark --no-logo --no-text --no-prepare
[ "$(db "SELECT value FROM settings WHERE key = 'watermark.logo'")" = "" ] || fail "--no-logo"
ok "logo stored in the vault; non-images, empty and truncated files refused; --no-logo, --no-text"

# --- bad values: usage errors, nothing changed
db_snapshot
expect 2 watermark --position middle
err_has "--position must be"
expect 2 watermark --opacity 1.5
expect 2 watermark --opacity -0.1
expect 2 watermark --opacity abc
expect 2 watermark --opacity ''
expect 2 watermark --text $'bad\x01text'
expect 2 watermark --text "$(printf 'x%.0s' $(seq 1 201))"
expect 2 watermark --logo "$S/logo.png" --no-logo
expect 2 watermark extra
db_unchanged "bad watermark values"
ok "bad positions, opacities, texts and contradictions refused with exit 2"

# --- the cache: use, bound, trim
expect 0 --json cache
json_ok
used=$(py 'd["used_bytes"]')
[ "$(py 'd["max_bytes"]')" = $((2 << 30)) ] || fail "default bound"
((used > 0)) || fail "nothing cached"
expect 0 cache --max-size 16M
[ "$(db "SELECT value FROM settings WHERE key = 'cache.max_bytes'")" = $((16 << 20)) ] || fail "bound not stored"
db_snapshot
for bad in 1M 0 -5G 12X "" 99999999999999999999T; do
    expect 2 cache --max-size "$bad"
done
db_unchanged "bad cache bounds"
# trim to a bound below what is cached: least recently used go, sizes stay known
db "UPDATE settings SET value = '1' WHERE key = 'cache.max_bytes'"
n=$(db "SELECT count(*) FROM renditions")
expect 0 cache trim
[ "$(db "SELECT count(*) FROM renditions WHERE cached = 1")" = 0 ] || fail "trim kept bytes over the bound"
[ "$(db "SELECT count(*) FROM renditions")" = "$n" ] || fail "trim forgot sizes"
[ -z "$(find "$ALBUMFS_LIBRARY/cache" -path '*/tmp' -prune -o -type f -print)" ] || fail "trimmed blobs remain"
ok "cache: use and bound shown, bound set, bad sizes refused, trim drops bytes but keeps sizes"

