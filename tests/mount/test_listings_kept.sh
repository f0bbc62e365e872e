#!/usr/bin/env bash
# test_listings_kept.sh — the kernel keeps folder listings (docs/filesystem.md
# "What the kernel keeps"; fs/ops_dir.c), and a kept listing follows every
# change. Daemons in the background, except one run with -f -d whose log
# shows which requests reach it. Checked:
#   - a second ls -l and a find of a set are answered by the kernel: no
#     READDIR reaches the daemon;
#   - a photo imported with albumctl: once it is found by name, it is
#     listed at once, by the owner and by a client (a kept listing is not
#     used while the watcher has yet to drop it);
#   - a photo whose proof was not rendered when a client listed its set
#     (left out then): listed once rendered, with no catalog change between;
#   - a file being written is listed for its writer, and leaves the
#     listing after a refused close (nothing in the catalog changed);
#   - a photo marked private leaves an invited person's kept listing;
#     a client-only set leaves a guest's kept album listing.
source "$(dirname "$0")/lib.sh"

standard_library
MO=$S/owner MC=$S/client MI=$S/invited MG=$S/guest MD=$S/debug
ALLOW_STDERR='did not become a photo' mount_fs "$MO"
mount_fs "$MC" --user client@example.com
mount_fs "$MI" --user invited@example.com
mount_fs "$MG" --link "$TOKEN"
o=$MO/$W/Ceremony c=$MC/$W/Ceremony i=$MI/$W/Ceremony
listing_complete "$o" 6
listing_complete "$c" 6
listing_complete "$i" 5

# --- kept: the second listing never reaches the daemon
ALLOW_STDERR='.' FOREGROUND=1 mount_fs "$MD" -d
ls -l "$MD/$W/Ceremony" >/dev/null
readdirs() { grep -c 'opcode: READDIR' "$MD.err" || true; }
before=$(readdirs)
((before > 0)) || fail "the first listing sent no READDIR: $(grep -o 'opcode: [A-Z]*' "$MD.err" | sort | uniq -c)"
ls -l "$MD/$W/Ceremony" >/dev/null
find "$MD/$W/Ceremony" -printf '%s\n' >/dev/null
after=$(readdirs)
[ "$after" = "$before" ] || fail "listing the set again sent $((after - before)) READDIR requests"
grep -q 'opcode: OPENDIR' "$MD.err" || fail "no OPENDIR in the daemon's log"
umount_fs "$MD"
ok "a set listed again is answered by the kernel (OPENDIR only)"

# --- imported: found by name, then listed at once
ls "$o" "$c" >/dev/null # kept listings of the set as it was
ctl import "$W/Ceremony" "$SAMPLES/IMG_0003.jpg" $NP >/dev/null
wait_for 30 there "$o/IMG_0003.jpg" || fail "the imported photo is not found by the owner"
listed_in "$o" IMG_0003.jpg || fail "the owner finds IMG_0003.jpg by name but does not list it"
wait_for 30 there "$c/IMG_0003.jpg" || fail "the imported photo's proof is not found by the client"
listed_in "$c" IMG_0003.jpg || fail "the client finds IMG_0003.jpg by name but does not list it"
ok "an imported photo, once found by name, is listed at once"

# --- a proof left out while it was rendered: listed once it is
ctl import "$W/Ceremony" "$SAMPLES/IMG_0004.jpg" $NP >/dev/null
wait_for 30 there "$o/IMG_0004.jpg" || fail "IMG_0004.jpg not imported"
sleep 0.5 # the watcher's drop after the import is done: the next listing is kept
ls "$c" >/dev/null # queues the proof, leaves it out for now
wait_for 30 there "$c/IMG_0004.jpg" || fail "the proof of IMG_0004.jpg is not rendered"
wait_for 10 listed_in "$c" IMG_0004.jpg ||
    fail "a rendered proof is still left out of the client's listing 10 s later"
ok "a proof left out of a listing while rendered is listed once rendered"

# --- a file being written: listed for its writer, gone after a refused close
exec 3>"$o/draft.jpg"
printf 'not a photo yet' >&3
listed_in "$o" draft.jpg || fail "a file being written is not listed for its writer"
absent_from "$c" draft.jpg || fail "a client lists a file being written"
exec 3>&- # does not decode: refused at close, nothing kept
wait_for 10 absent_from "$o" draft.jpg || fail "a refused upload is still listed 10 s after its close"
gone "$o/draft.jpg" || fail "a refused upload is still found by name"
ok "a file being written is listed for its writer and leaves the listing when refused"

# --- hidden: a private mark and a client-only set leave kept listings
listed_in "$i" IMG_0002.jpg || fail "invited does not list IMG_0002.jpg"
listed_in "$MG/$W" Ceremony || fail "the guest does not list Ceremony"
ctl photo private "$W/Ceremony/IMG_0002.jpg" on >/dev/null
wait_for 5 absent_from "$i" IMG_0002.jpg || fail "a private photo is still listed for invited after 5 s"
listed_in "$c" IMG_0002.jpg || fail "the client no longer lists the private photo"
ctl set visibility "$W" Ceremony client >/dev/null
wait_for 5 absent_from "$MG/$W" Ceremony || fail "a client-only set is still listed for the guest after 5 s"
expect_err ENOENT stat "$MG/$W/Ceremony"
ok "a private mark and a client-only set leave kept listings"

finish
