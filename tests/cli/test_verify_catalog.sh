# test_verify_catalog.sh — 'albumctl verify' checks the catalog itself
# (issue 7, finding 9): SQLite's integrity and foreign-key checks, the
# references foreign keys cannot state, and the vaults against the catalog
# both ways. A healthy library (photos, a pool, a watermark logo replaced
# after views were made with it) passes; in copies of it, an index page
# overwritten with garbage, a dangling foreign key, a current version of
# another photo, a deleted blob, and orphan blobs in vault/ and cache/ are
# each reported in plain words, with status 1; so are a missing logo and a
# view recorded as cached whose bytes are gone.
source "$(dirname "$0")/lib.sh"

mkdir -p "$S/in"
for n in 1 2 3; do img "$S/in/IMG_$n.jpg"; done
img "$S/logo1.png" 40 20
img "$S/logo2.png" 30 30
expect 0 init
expect 0 album create A
expect 0 set create A S --visibility client
expect 0 import A/S "$S/in"
expect 0 user add c@example.com
expect 0 grant A --user c@example.com --role client --web on --highres original --limit 2
expect 0 watermark --logo "$S/logo1.png"
logo1=$(sqlite3 "$ALBUMFS_LIBRARY/catalog.db" "SELECT value FROM settings WHERE key = 'watermark.logo'")
expect 0 watermark --logo "$S/logo2.png"
# a replaced logo leaves the vault (nothing names it any more)
[ ! -e "$ALBUMFS_LIBRARY/vault/${logo1:0:2}/$logo1" ] || fail "the replaced logo stayed in the vault"

# --- a healthy library passes
expect 0 verify
out_has "catalog: sound (0 problems)"
err_empty
expect 0 --json verify
[ "$(py 'd["catalog"]')" = "{'sound': True, 'problems': [], 'leftovers': 0, 'leftovers_removed': 0}" ] ||
    fail "catalog JSON"
ok "a healthy library passes"

# broken NAME: a copy of the library at $S/NAME, quiesced (no -wal).
broken() {
    cp -a "$S/lib" "$S/$1"
    sqlite3 "$S/$1/catalog.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    B=$S/$1
}
# sql_off SQL: run SQL on the copy with foreign keys off (as a careless
# hand edit would).
sql_off() { sqlite3 "$B/catalog.db" "PRAGMA foreign_keys = OFF; $1"; }
# verify_reports TEXT...: verify on the copy exits 1 and names each TEXT.
verify_reports() {
    expect 1 --library "$B" verify
    out_has "catalog: NOT sound"
    local t
    for t in "$@"; do err_has "$t"; done
}

# --- garbage in an index page
broken index
ps=$(sqlite3 "$B/catalog.db" "PRAGMA page_size")
root=$(sqlite3 "$B/catalog.db" "SELECT rootpage FROM sqlite_master WHERE name = 'versions_blob'")
[ "$root" -gt 1 ] || fail "no root page for versions_blob"
head -c "$ps" /dev/urandom | dd of="$B/catalog.db" bs="$ps" seek=$((root - 1)) conv=notrunc \
    status=none
verify_reports "catalog: the catalog file is damaged"
ok "an index page of garbage is reported"

# --- a foreign key left dangling
broken fk
sql_off "UPDATE photos SET set_id = 999 WHERE name = 'IMG_1.jpg'"
verify_reports "catalog: photos row" "its set_id refers to a row of sets that does not exist"
ok "a dangling foreign key is reported"

# --- a current version that is another photo's
broken current
sql_off "UPDATE photos SET current_version = (SELECT current_version FROM photos
                                               WHERE name = 'IMG_2.jpg')
         WHERE name = 'IMG_1.jpg'"
verify_reports "photo A/S/IMG_1.jpg" "is not one of its own versions"
ok "a current version of another photo is reported"

# --- a blob deleted from the vault
broken deleted
blob=$(sqlite3 "$B/catalog.db" "SELECT v.blob FROM versions v JOIN photos p ON p.id = v.photo_id
                                WHERE p.name = 'IMG_3.jpg'")
rm "$B/vault/${blob:0:2}/$blob"
expect 1 --library "$B" verify
err_has "A/S/IMG_3.jpg"
err_has "missing from the vault"
ok "a deleted blob is reported"

# --- leftovers (blobs nothing names: an import stopped between storing a
# blob and recording it) in the vault and in the rendition cache: counted,
# not problems; --remove-leftovers removes those over an hour old only
broken orphan
one=$(find "$B/vault" -type f ! -path "$B/vault/tmp/*" | head -n 1)
old_left=$(printf '%064d' 0 | tr 0 e)
young=$(printf '%064d' 0 | tr 0 d)
mkdir -p "$B/vault/ee" "$B/cache/ee" "$B/vault/dd"
cp "$one" "$B/vault/ee/$old_left"
cp "$one" "$B/cache/ee/$old_left"
cp "$one" "$B/vault/dd/$young"
touch -d '2 hours ago' "$B/vault/ee/$old_left" "$B/cache/ee/$old_left"
expect 0 --library "$B" verify
out_has "catalog: sound (0 problems)"
out_has "leftovers: 3 blobs no photo or view uses"
err_empty
expect 0 --library "$B" --json verify
[ "$(py 'd["catalog"]["leftovers"]')" = 3 ] || fail "three leftovers in JSON"
expect 2 --library "$B" verify --audit --remove-leftovers
expect 0 --library "$B" verify --remove-leftovers
out_has "leftovers: 2 of 3 removed (the rest are less than an hour old)"
[ ! -e "$B/vault/ee/$old_left" ] && [ ! -e "$B/cache/ee/$old_left" ] || fail "old leftovers kept"
[ -e "$B/vault/dd/$young" ] || fail "a leftover younger than an hour was removed"
ok "leftovers in vault/ and cache/ are counted, not problems; only those over an hour old are removed"

# --- named by the catalog but gone: the logo, a view recorded as cached
broken gone
logo=$(sqlite3 "$B/catalog.db" "SELECT value FROM settings WHERE key = 'watermark.logo'")
view=$(sqlite3 "$B/catalog.db" "SELECT id FROM renditions WHERE cached = 1 LIMIT 1")
rm "$B/vault/${logo:0:2}/$logo" "$B/cache/${view:0:2}/$view"
verify_reports "the watermark logo ${logo:0:16}… is missing from the vault" \
    "rendered view ${view:0:16}… is recorded as cached but is missing from cache/"
ok "a missing logo and a missing cached view are reported"

# --- verify --audit does not look at the catalog's structure
expect 0 --library "$S/fk" verify --audit
ok "verify --audit checks the activity log only"
