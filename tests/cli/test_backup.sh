#!/usr/bin/env bash
# test_backup.sh — 'albumctl backup', 'backup list', 'backup verify' and
# 'restore --to': a backup, an incremental one that writes about one photo's
# bytes, the library destroyed and restored byte for byte (grants,
# favourites and private marks included); a damaged repository (flipped
# byte, truncated or missing blob, swapped manifest) found by verify and
# refused by restore; kill -9 at several points of a backup leaves the
# earlier snapshots whole and the next backup completes; bad input.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
trap 'mountpoint -q "$S/ro" 2>/dev/null && umount "$S/ro"; chmod -R u+rwX "$S" 2>/dev/null; rm -rf "$S"' EXIT

W="Smith Wedding 2026"
R=$S/repo
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
mkdir -p "$S/in" "$R"
for i in 1 2 3; do img "$S/in/IMG_$i.jpg" 900 700; done
expect 0 import "$W/Ceremony" "$S/in"/IMG_1.jpg "$S/in"/IMG_2.jpg "$S/in"/IMG_3.jpg --no-prepare
expect 0 user add alice@example.com --name "Alice Smith"
expect 0 grant "$W" --user alice@example.com --role client
expect 0 album private-marks "$W" on
expect 0 photo private "$W/Ceremony/IMG_2.jpg" on
db "INSERT INTO favourites(user_id, photo_id, created) SELECT u.id, p.id, 1796000000 FROM users u, photos p
    WHERE u.email = 'alice@example.com' AND p.name IN ('IMG_1.jpg', 'IMG_3.jpg')"
cp "$ALBUMFS_LIBRARY/key" "$S/safe.key"   # what the photographer keeps elsewhere

# the repository's bytes, without lock and temporary files
repo_bytes() { find "$R" -type f ! -name lock ! -path "$R/blobs/tmp/*" -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }
snapshot_ids() { "$ALBUMCTL" backup list "$R" --json | python3 -c 'import json,sys; print(" ".join(s["snapshot"] for s in json.load(sys.stdin)["snapshots"]))'; }

# --- first backup, then one more photo: about that photo's bytes
expect 0 backup "$R" --json
json_ok
first=$(py 'd["snapshot"]')
[ "$(py 'd["photos"], d["new_bytes"] == d["size"]')" = "3 True" ] || fail "first backup: $(cat "$OUT")"
before=$(repo_bytes)
img "$S/in/IMG_4.jpg" 900 700
expect 0 import "$W/Ceremony" "$S/in/IMG_4.jpg" --no-prepare
blob4=$(db "SELECT v.blob FROM versions v JOIN photos p ON p.current_version = v.id WHERE p.name = 'IMG_4.jpg'")
photo_bytes=$(stat -c %s "$ALBUMFS_LIBRARY/vault/${blob4:0:2}/$blob4")
expect 0 backup run "$R" --json
second=$(py 'd["snapshot"]')
new=$(py 'd["new_bytes"]')
grown=$(( $(repo_bytes) - before ))
catalog_bytes=$(( $(stat -c %s "$ALBUMFS_LIBRARY/catalog.db") + 65536 ))
echo "# second backup: repository grew $grown bytes, reported $new new; the photo's blob is $photo_bytes bytes"
[ "$grown" -ge "$photo_bytes" ] || fail "the new photo was not copied ($grown < $photo_bytes)"
[ "$grown" -le $((photo_bytes + catalog_bytes + 8192)) ] ||
    fail "the second backup wrote $grown bytes for a photo of $photo_bytes (catalog ≤ $catalog_bytes)"
[ "$new" -le "$grown" ] || fail "new_bytes $new is more than the growth $grown"
ok "a second backup after one new photo writes that photo and the catalog ($grown bytes; photo $photo_bytes)"

expect 0 backup list "$R" --json
[ "$(py 'len(d["snapshots"]), [s["photos"] for s in d["snapshots"]], d["snapshots"][-1]["snapshot"]')" = "2 [3, 4] $second" ] ||
    fail "list: $(cat "$OUT")"
expect 0 backup list "$R"
out_has "$first"
out_match "^SNAPSHOT +TIME +PHOTOS +SIZE +NEW"
expect 0 backup verify "$R" --read-data
out_is "2 snapshots, 6 blobs checked (every byte read): 0 problems"
ok "list shows both snapshots oldest first; verify --read-data passes"

# --- destroy the library, restore it from the key kept elsewhere
find "$ALBUMFS_LIBRARY/vault" -type f ! -path "$ALBUMFS_LIBRARY/vault/tmp/*" -printf '%P\n' | sort >"$S/blobs.before"
(cd "$ALBUMFS_LIBRARY/vault" && xargs sha256sum <"$S/blobs.before") >"$S/sums.before"
kept="SELECT u.email, g.role, g.revoked FROM grants g JOIN users u ON u.id = g.user_id ORDER BY g.id;
      SELECT p.name, f.user_id FROM favourites f JOIN photos p ON p.id = f.photo_id ORDER BY p.name;
      SELECT name, is_private FROM photos ORDER BY name;
      SELECT a.name, a.clients_may_mark_private FROM albums a ORDER BY a.name"
db "$kept" >"$S/kept.before"
rm -rf "$ALBUMFS_LIBRARY"
chmod 600 "$S/safe.key"
expect 0 restore --from "$R" --to "$S/restored" --key-file "$S/safe.key" --json
[ "$(py 'd["snapshot"], d["photos"]')" = "$second 4" ] || fail "restore: $(cat "$OUT")"
export ALBUMFS_LIBRARY=$S/restored
expect 0 verify
(cd "$ALBUMFS_LIBRARY/vault" && sha256sum -c --quiet "$S/sums.before") || fail "a restored blob differs"
[ "$(find "$ALBUMFS_LIBRARY/vault" -type f ! -path "$ALBUMFS_LIBRARY/vault/tmp/*" -printf '%P\n' | sort)" = "$(cat "$S/blobs.before")" ] ||
    fail "the restored vault does not hold exactly the original blobs"
[ "$(db "$kept")" = "$(cat "$S/kept.before")" ] || fail "grants, favourites or private marks changed"
[ "$(stat -c %a "$ALBUMFS_LIBRARY") $(stat -c %a "$ALBUMFS_LIBRARY/key")" = "700 600" ] || fail "restored modes"
expect 0 activity --kind restore
out_has "snapshot $second"
ok "library destroyed and restored: every blob byte-identical, verify passes, grants/favourites/private marks intact"

expect 0 restore --from "$R" --snapshot "$first" --to "$S/older" --key-file "$S/safe.key"
ALBUMFS_LIBRARY=$S/older expect 0 --json ls "$W/Ceremony"
[ "$(py 'len(d["albums"][0]["sets"][0]["photos"])')" = 3 ] || fail "the older snapshot has 3 photos"
ok "an older snapshot restores as it was"

# --- refusals of restore: a live library, a non-empty folder, wrong key, unknown snapshot
expect 1 restore --from "$R" --to "$S/restored" --key-file "$S/safe.key"
err_has "the target is a library"
mkdir -p "$S/busy" && touch "$S/busy/notes.txt"
expect 1 restore --from "$R" --to "$S/busy" --key-file "$S/safe.key"
err_has "not empty"
[ -f "$S/busy/notes.txt" ] || fail "a refused restore touched the folder"
expect 0 --library "$S/other" init
expect 1 restore --from "$R" --to "$S/x1" --key-file "$S/other/key"
err_has "belongs to another library (or the key is wrong)"
expect 1 restore --from "$R" --snapshot 0123456789abcdef --to "$S/x2" --key-file "$S/safe.key"
err_has "no snapshot '0123456789abcdef'"
expect 2 restore --from "$R" --to "$S/x3"
err_has "--key-file"
expect 2 restore --from "$R" "$W/Ceremony" --to "$S/x4"
err_has "either --to NEW_LIBRARY_DIR or ALBUM"
[ ! -e "$S/x1" ] && [ ! -e "$S/x2" ] && [ ! -e "$S/x3" ] || fail "a refused restore left a folder"
ok "restore refuses a live library, a non-empty folder, another key, an unknown snapshot"

# --- bad destinations for backup
expect 1 backup "$S/nowhere"
err_has "does not exist"
expect 1 --library "$S/other" backup "$R"
err_has "belongs to another library"
expect 1 backup "$S/busy"
err_has "not empty and is not an albumfs backup repository"
[ "$(ls -A "$S/busy")" = notes.txt ] || fail "a refused backup wrote into a foreign folder: $(ls -A "$S/busy")"
expect 2 backup
if mkdir -p "$S/ro" && mount -t tmpfs -o ro,size=1m tmpfs "$S/ro" 2>/dev/null; then
    expect 1 backup "$S/ro"
    err_has "read-only"
    umount "$S/ro"
    mount -t tmpfs -o size=400k tmpfs "$S/ro"
    expect 1 backup "$S/ro"
    err_has "No space left on device; the earlier snapshots are intact"
    expect 0 backup list "$S/ro" --json
    [ "$(py 'len(d["snapshots"])')" = 0 ] || fail "a backup onto a full disk left a snapshot"
    [ -z "$(ls -A "$S/ro/blobs/tmp")" ] || fail "a backup onto a full disk left temporary files"
    umount "$S/ro"
    ok "a read-only destination is refused; a full one fails cleanly, leaving no snapshot and no temporary file"
else
    echo "# skipped: read-only destination (cannot mount a tmpfs here)"
fi
cp -a "$R" "$S/newer"
printf '\x02' | dd of="$S/newer/config" bs=1 seek=8 conv=notrunc status=none
expect 1 backup verify "$S/newer"
err_has "written by a newer albumfs"
expect 1 backup "$S/newer"
err_has "written by a newer albumfs"
rm -rf "$S/newer"
# two at once: the lock is held (as a running backup holds it), the second refuses
rc=0
flock "$R/lock" "$ALBUMCTL" backup "$R" >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 1 ] || fail "a second backup while one holds the lock exited $rc"
err_has "another backup is writing to this repository"
[ "$(snapshot_ids | wc -w)" = 2 ] || fail "the refused backup made a snapshot"
ok "missing, foreign, non-empty, read-only, newer and locked destinations are refused"

# --- damage in the repository: found by verify, refused by restore
damaged() { rm -rf "$S/dmg" "$S/dmg-to"; cp -a "$R" "$S/dmg"; }
blob_file() { echo "$S/dmg/blobs/${1:0:2}/$1"; }
damaged
f=$(blob_file "$blob4")
printf '\xff' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") / 2)) conv=notrunc status=none
expect 0 backup verify "$S/dmg"
expect 1 backup verify "$S/dmg" --read-data
err_has "blob ${blob4:0:16}… does not authenticate"
expect 1 restore --from "$S/dmg" --to "$S/dmg-to" --key-file "$S/safe.key"
err_has "does not authenticate"
[ ! -e "$S/dmg-to" ] || fail "a refused restore left its folder"
expect 0 activity --kind backup-verify-failed
out_has "1 problem in $S/dmg"
ok "a flipped byte: found by verify --read-data (recorded in the activity), refused by restore"

damaged
truncate -s -1 "$(blob_file "$blob4")"
expect 1 backup verify "$S/dmg"
err_has "blob ${blob4:0:16}… has the wrong size (truncated or altered)"
expect 1 restore --from "$S/dmg" --to "$S/dmg-to" --key-file "$S/safe.key"
ok "a truncated blob: found by verify, refused by restore"

damaged
rm "$(blob_file "$blob4")"
expect 1 backup verify "$S/dmg" --json
[ "$(py 'd["problems"][0]["error"], d["problems"][0]["snapshot"]')" = "missing $second" ] || fail "verify --json: $(cat "$OUT")"
expect 1 restore --from "$S/dmg" --to "$S/dmg-to" --key-file "$S/safe.key"
err_has "missing from the repository"
expect 0 restore --from "$S/dmg" --snapshot "$first" --to "$S/dmg-to" --key-file "$S/safe.key"
expect 0 backup "$S/dmg"
expect 0 backup verify "$S/dmg" --read-data
ok "a missing blob: found by verify, refused by restore; snapshots that do not need it still restore; the next backup copies it again"

damaged
cp "$S/dmg/snapshots/$first" "$S/dmg/snapshots/$second"
expect 1 backup verify "$S/dmg"
err_has "snapshot $second: the manifest does not authenticate"
expect 1 restore --from "$S/dmg" --snapshot "$second" --to "$S/dmg-to2" --key-file "$S/safe.key"
err_has "does not authenticate"
rm -rf "$S/dmg" "$S/dmg-to"
ok "a swapped manifest: found by verify, refused by restore"

# --- kill -9 at points of a backup: earlier snapshots whole, the next run completes
n=2
for point in copy catalog blob manifest; do
    img "$S/in/crash-$point.jpg" 900 700
    expect 0 import "$W/Ceremony" "$S/in/crash-$point.jpg" --no-prepare
    rc=0
    ALBUMFS_TEST_CRASH=$point "$ALBUMCTL" backup "$R" >"$OUT" 2>"$ERR" || rc=$?
    [ "$rc" = 137 ] || fail "the backup was to be killed at '$point' (exit $rc)"
    [ "$(snapshot_ids | wc -w)" = "$n" ] || fail "a killed backup ($point) left a snapshot"
    expect 0 backup verify "$R" --read-data
    expect 0 backup "$R"
    n=$((n + 1))
    [ "$(snapshot_ids | wc -w)" = "$n" ] || fail "the backup after a kill at '$point' made no snapshot"
done
expect 0 backup verify "$R" --read-data
expect 0 restore --from "$R" --to "$S/after-crashes" --key-file "$S/safe.key"
ALBUMFS_LIBRARY=$S/after-crashes expect 0 verify
ok "kill -9 while copying, after the catalog, after a blob, before the manifest: earlier snapshots intact, the next backup completes"

# --- backups while albumctl keeps importing: every snapshot consistent
mkdir -p "$S/more"
for i in 1 2 3 4 5 6; do img "$S/more/M_$i.jpg" 300 200; done
(for i in 1 2 3 4 5 6; do "$ALBUMCTL" import "$W/Ceremony" "$S/more/M_$i.jpg" --no-prepare >/dev/null || exit 1; done) &
importer=$!
for i in 1 2 3; do expect 0 backup "$R"; n=$((n + 1)); done
wait "$importer" || fail "an import failed while backups ran"
expect 0 backup "$R" --json
n=$((n + 1))
[ "$(py 'd["photos"]')" = 14 ] || fail "the last backup does not hold every photo: $(cat "$OUT")"
expect 0 backup verify "$R" --read-data
ok "backups taken while albumctl imports: each completes, every snapshot verifies"

# --- forget and prune: only the newest of today stays; its blobs stay, the others' go
expect 2 backup forget "$R"
err_has "at least one of --keep-daily"
expect 2 backup forget "$R" --keep-daily x
err_has "--keep-daily takes a whole number"
cp -a "$R" "$S/crashprune"
rc=0
ALBUMFS_TEST_CRASH=prune "$ALBUMCTL" backup forget "$S/crashprune" --keep-daily 1 >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 137 ] || fail "forget was to be killed before pruning (exit $rc)"
expect 0 backup verify "$S/crashprune" --read-data
out_match "^1 snapshot, "
expect 0 backup forget "$S/crashprune" --keep-daily 1 --json
[ "$(py 'd["kept"], len(d["forgotten"]), d["blobs_removed"] > 0')" = "1 0 True" ] ||
    fail "the forget after a crash did not prune the leftovers: $(cat "$OUT")"
rm -rf "$S/crashprune"
ok "forget killed between forgetting and pruning: the kept snapshot is whole, the next run prunes"

latest=$(snapshot_ids | awk '{print $NF}')
before=$(repo_bytes)
expect 0 backup forget "$R" --keep-daily 1 --keep-weekly 1 --keep-monthly 1 --json
[ "$(py 'd["kept"], len(d["forgotten"])')" = "1 $((n - 1))" ] || fail "forget: $(cat "$OUT")"
freed=$(py 'd["bytes_freed"]')
[ "$freed" -gt 0 ] && [ "$(( before - $(repo_bytes) ))" -ge "$freed" ] || fail "forget freed $freed bytes"
[ "$(snapshot_ids)" = "$latest" ] || fail "forget did not keep the newest snapshot"
expect 0 backup verify "$R" --read-data
out_is "1 snapshot, $((4 + 4 + 6 + 1)) blobs checked (every byte read): 0 problems"
expect 0 restore --from "$R" --to "$S/after-forget" --key-file "$S/safe.key"
ALBUMFS_LIBRARY=$S/after-forget expect 0 verify
mkdir -p "$S/bad-manifest" && cp -a "$R/." "$S/bad-manifest/"
printf 'junk' >>"$S/bad-manifest/snapshots/$latest"
expect 1 backup forget "$S/bad-manifest" --keep-daily 1
err_has "cannot be read"
[ "$(ls "$S/bad-manifest/blobs"/*/ | wc -l)" -gt 0 ] || fail "a refused forget removed blobs"
ok "forget keeps the newest snapshot of each day/week/month and prunes what only the others needed; a bad manifest stops it"

# --- the default destination
expect 0 backup settings --json
[ "$(py 'd["destination"]')" = None ] || fail "a destination before one was set"
expect 2 backup settings --destination relative/path
expect 0 backup settings --destination "$R"
out_has "destination: $R"
expect 0 backup --json
[ "$(py 'd["repository"]')" = "$R" ] || fail "backup without DEST did not use the default"
id=$(py 'd["snapshot"]')
expect 0 backup list
out_has "$id"
expect 0 backup settings --destination ''
expect 2 backup
err_has "backup settings --destination"
expect 0 activity --kind backup-settings-changed
out_has "destination"
ok "backup settings --destination: the default DEST of backup, list, verify and forget"

# --- a passphrase library restores from the passphrase alone
printf 'correct horse battery staple\n' >"$S/pass"
export ALBUMFS_LIBRARY=$S/plib
expect 0 init --passphrase-file "$S/pass"
expect 0 album create P --passphrase-file "$S/pass"
mkdir -p "$S/prepo"
expect 0 backup "$S/prepo" --passphrase-file "$S/pass"
expect 1 restore --from "$S/prepo" --to "$S/p2"
err_has "needs its passphrase"
expect 0 restore --from "$S/prepo" --to "$S/p2" --passphrase-file "$S/pass"
ALBUMFS_LIBRARY=$S/p2 expect 0 album list --passphrase-file "$S/pass"
out_has "P"
ok "a passphrase-protected library restores with its passphrase alone"
