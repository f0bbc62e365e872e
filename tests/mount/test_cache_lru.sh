#!/usr/bin/env bash
# test_cache_lru.sh — the rendition cache is trimmed least recently *read*
# first (issue 7, finding 12). Before the fix nothing recorded that a view
# was read: last_used stayed the time it was made, so trimming threw away
# the oldest-made view even if people were reading it all day.
#   - reading a client's proof through the mount advances that rendition's
#     last_used in the catalog (within a generous deadline: the daemon
#     writes reads every few seconds, from its watcher thread);
#   - with a cache bound that holds only that one view, a trim keeps it and
#     evicts every view read longer ago, even those made after it.
source "$(dirname "$0")/lib.sh"

samples 3
CAT=$ALBUMFS_LIBRARY/catalog.db
db() { sqlite3 -cmd '.timeout 10000' "$CAT" "$@"; }
# after: wait until the clock's whole second has moved past now (last_used
# has whole seconds).
after() { local t; t=$(date +%s); while [ "$(date +%s)" -le "$t" ]; do sleep 0.1; done; }

ctl init >/dev/null
ctl album create "$W" >/dev/null
ctl set create "$W" Ceremony --visibility client >/dev/null
ctl import "$W/Ceremony" "$SAMPLES/IMG_0001.jpg" >/dev/null
ctl user add client@example.com >/dev/null
ctl grant "$W" --user client@example.com --role client >/dev/null # renders IMG_0001's proof
after
ctl import "$W/Ceremony" "$SAMPLES/IMG_0002.jpg" "$SAMPLES/IMG_0003.jpg" >/dev/null
MADE=$(db "SELECT max(last_used) FROM renditions")
[ "$(db "SELECT count(*) FROM renditions WHERE cached = 1")" -ge 3 ] ||
    fail "the views were not made ahead of time"

M=$S/client
mount_fs "$M" --user client@example.com
after
cmp -s "$M/$W/Ceremony/IMG_0001.jpg" "$SAMPLES/IMG_0001.jpg" &&
    fail "the client read the original, not a proof"
cat "$M/$W/Ceremony/IMG_0001.jpg" >/dev/null

# read_one: the id of IMG_0001's rendition used after every view was made.
read_one() {
    db "SELECT r.id FROM renditions r JOIN versions v ON v.id = r.version_id
        JOIN photos p ON p.id = v.photo_id
        WHERE p.name = 'IMG_0001.jpg' AND r.last_used > $MADE"
}
has_read_one() { [ -n "$(read_one)" ]; }
wait_for 30 has_read_one || fail "reading IMG_0001's proof did not advance its last_used in 30 s"
READ=$(read_one)
ok "a proof read through the mount is recorded as used"

# A bound that holds the read view alone: trimming keeps it, evicts the rest.
db "INSERT INTO settings(key, value) VALUES ('cache.max_bytes',
        (SELECT CAST(size AS TEXT) FROM renditions WHERE id = '$READ'))
    ON CONFLICT(key) DO UPDATE SET value = excluded.value"
ctl cache trim >/dev/null
[ "$(db "SELECT cached FROM renditions WHERE id = '$READ'")" = 1 ] ||
    fail "the trim evicted the view read most recently"
[ "$(db "SELECT count(*) FROM renditions WHERE cached = 1")" = 1 ] ||
    fail "the trim kept views read longer ago: $(db "SELECT id, last_used, cached FROM renditions")"
[ -e "$ALBUMFS_LIBRARY/cache/${READ:0:2}/$READ" ] || fail "the kept view's bytes are gone"
cat "$M/$W/Ceremony/IMG_0001.jpg" >/dev/null || fail "the kept view does not read"
ok "trimming keeps the view read most recently and evicts the rest"

finish
