#!/usr/bin/env bash
# test_multiuser.sh — one daemon, many people (SPEC §4 "multi-user
# (allow_other) ... unmapped users see nothing").
# Two Unix users (albumfs-ta, albumfs-tb, made for the test) are mapped to
# catalog users with different grants; root mounts --multi-user. Each user
# sees only their own folder at the root and cannot list, stat or read the
# other's folder or files even by full path — also right after the other
# has just looked them up and read them (nothing the kernel caches for one
# is served to the other). Files and folders belong to their person with
# owner-only permission bits. An unmapped user sees an empty root, and sees
# their folder within a second of being mapped. The library itself is
# readable by the daemon's account only.
source "$(dirname "$0")/lib.sh"

UA_NAME=albumfs-ta UB_NAME=albumfs-tb
unix_users $UA_NAME $UB_NAME
UA=$(id -u $UA_NAME) GA=$(id -g $UA_NAME)
UB=$(id -u $UB_NAME) GB=$(id -g $UB_NAME)
UN=$(id -u nobody) GN=$(id -g nobody)
AS_A=$(as_user $UA_NAME)
AS_B=$(as_user $UB_NAME)
AS_N=$(as_user nobody)

standard_library
ctl user add ta@example.com --uid $UA_NAME >/dev/null
ctl user add tb@example.com --uid "$UB" >/dev/null
ctl grant "$W" --user ta@example.com --role client $NP >/dev/null
ctl grant "$W" --user tb@example.com --role invited $NP >/dev/null
ctl grant "$OTHER" --user tb@example.com --role client $NP >/dev/null

# --- the library: the daemon's account only
[ "$(stat -c '%a %U' "$ALBUMFS_LIBRARY")" = "700 root" ] ||
    fail "library is $(stat -c '%a %U' "$ALBUMFS_LIBRARY")"
[ "$(stat -c %a "$ALBUMFS_LIBRARY/key")" = 600 ] || fail "key is $(stat -c %a "$ALBUMFS_LIBRARY/key")"
for as in "$AS_A" "$AS_B" "$AS_N"; do
    AS=$as expect_later EACCES listdir "$ALBUMFS_LIBRARY"
    AS=$as expect_later EACCES read "$ALBUMFS_LIBRARY/catalog.db"
    AS=$as expect_later EACCES read "$ALBUMFS_LIBRARY/key"
    AS=$as expect_now
done
ok "the library is 0700 root; other accounts cannot read the catalog or the key"

M=$S/multi
mount_fs "$M" --multi-user
grep -q "^albumfs $M fuse.albumfs .*default_permissions,allow_other" /proc/mounts || fail "not allow_other: $(grep " $M " /proc/mounts)"
A=$M/$UA_NAME B=$M/$UB_NAME

# --- the root: each sees their own folder only
[ "$($AS_A ls "$M")" = "$UA_NAME" ] || fail "ta's root: $($AS_A ls "$M" 2>&1)"
[ "$($AS_B ls "$M")" = "$UB_NAME" ] || fail "tb's root: $($AS_B ls "$M" 2>&1)"
[ -z "$($AS_N ls -A "$M")" ] || fail "an unmapped user sees: $($AS_N ls "$M")"
ls "$M" >"$S/root-view"
grep -qx "$UA_NAME" "$S/root-view" && grep -qx "$UB_NAME" "$S/root-view" || fail "root sees: $(cat "$S/root-view")"
[ "$($AS_A ls "$A")" = "$W" ] || fail "ta's folder: $($AS_A ls "$A" 2>&1)"
[ "$($AS_B ls "$B")" = "$(printf '%s\n' "$OTHER" "$W")" ] || fail "tb's folder: $($AS_B ls "$B" 2>&1)"
[ "$($AS_A ls "$A/$W")" = "$(printf '%s\n' Ceremony Favourites "Getting Ready" Photos Private "READ ME.txt")" ] || fail "ta's album"
[ "$($AS_B ls "$B/$W")" = "$(printf '%s\n' Ceremony Favourites Photos "READ ME.txt")" ] || fail "tb's album"
ok "each user sees only their own folder; the unmapped user an empty root"

# --- ownership and permission bits: the person's, owner-only
[ "$(stat -c '%u %a' "$A")" = "$UA 500" ] || fail "ta's folder: $(stat -c '%u %a' "$A")"
f=$A/$W/Ceremony/IMG_0001.jpg
[ "$($AS_A stat -c '%u %g %a' "$f")" = "$UA $GA 444" ] || fail "ta's file: $($AS_A stat -c '%u %g %a' "$f")"
[ "$(stat -c '%u %g %a' "$B/$W")" = "$UB $GB 555" ] || fail "tb's album folder: $(stat -c '%u %g %a' "$B/$W")"
ok "everything in a person's folder belongs to them; the folder itself is theirs alone (0500)"

# --- no way into the other's world, even right after they used it
for round in 1 2; do
    # ta looks up, lists, stats and reads; then tb tries the very same paths
    $AS_A ls -lR "$A" >/dev/null
    $AS_A cat "$f" "$A/$W/Getting Ready/IMG_0003.jpg" >/dev/null
    $AS_A stat "$A/$W/Getting Ready" >/dev/null
    for p in "$A" "$A/$W" "$A/$W/Ceremony" "$A/$W/Getting Ready" "$f" \
        "$A/$W/Getting Ready/IMG_0003.jpg" "$M/root" "$M/root/$W/Outtakes/IMG_0004.jpg"; do
        for op in stat listdir read getxattr listxattr; do
            AS=$AS_B expect_later "ENOENT" "$op" "$p"
            AS=$AS_N expect_later "ENOENT" "$op" "$p"
        done
    done
    AS=$AS_B expect_now
    AS=$AS_N expect_now
    # and the other way round
    $AS_B cat "$B/$OTHER/Studio/IMG_0001.jpg" "$B/$W/Ceremony/IMG_0002.jpg" >/dev/null
    for p in "$B" "$B/$OTHER" "$B/$OTHER/Studio/IMG_0001.jpg" "$B/$W/Ceremony/IMG_0002.jpg"; do
        for op in stat listdir read; do AS=$AS_A expect_later "ENOENT" "$op" "$p"; done
    done
    AS=$AS_A expect_now
done
out=$(LC_ALL=C $AS_B cat "$f" 2>&1 || true)
[[ "$out" == *"No such file or directory"* ]] || fail "tb reading ta's file: $out"
# an open file cannot be handed over by path either: tb opening while ta holds it
$AS_A sh -c 'exec 3<"$1"; sleep 1' _ "$f" &
holder=$!
sleep 0.2
AS=$AS_B expect_err ENOENT read "$f"
wait $holder
# ta's own client-only photo: still there for ta, never for tb (in tb's own album too)
AS=$AS_A expect_err OK read "$A/$W/Getting Ready/IMG_0003.jpg"
AS=$AS_B expect_err ENOENT read "$B/$W/Getting Ready/IMG_0003.jpg"
AS=$AS_B expect_err ENOENT stat "$B/$W/Ceremony/IMG_0005.jpg"
ok "neither user can stat, list or read the other's folder or files, even just after the other read them"

# --- root sees everyone's folder, and the owner's
expect_err OK read "$f"
[ "$(ls "$M/root")" = "$(printf '%s\n' "$OTHER" "$W")" ] || fail "owner folder: $(ls "$M/root")"
ok "root reads any folder; the library owner's folder shows everything"

# --- a client's own move onto a drop folder (a file manager's drag) acts
# as a copy: the set's folder shows u+w for it, and takes nothing else
[ "$($AS_A stat -c %a "$A/$W/Ceremony")" = 755 ] || fail "ta's set: $($AS_A stat -c %a "$A/$W/Ceremony")"
AS=$AS_A expect_err OK rename "$A/$W/Ceremony/IMG_0002.jpg" "$A/$W/Favourites/Ceremony/IMG_0002.jpg"
ctl favourites "$W" --person ta@example.com | grep -q IMG_0002.jpg || fail "ta's move did not favourite"
wait_for 5 there "$A/$W/Ceremony/IMG_0002.jpg" || fail "ta's favourite left its set"
AS=$AS_A expect_err EPERM create "$A/$W/Ceremony/new.jpg"
AS=$AS_A expect_err EPERM rename "$A/$W/Ceremony/IMG_0002.jpg" "$A/$W/Ceremony/renamed.jpg"
AS=$AS_A expect_err EPERM unlink "$A/$W/Ceremony/IMG_0002.jpg"
AS=$AS_B expect_err OK rename "$B/$W/Ceremony/IMG_0001.jpg" "$B/$W/Favourites/Ceremony/IMG_0001.jpg"
ctl favourites "$W" --person tb@example.com | grep -q IMG_0001.jpg || fail "tb's move did not favourite"
ok "a client's move of a photo onto Favourites/ favourites it and leaves it in its set; nothing else is written there"

# --- mapping a user on a live mount: their folder appears
[ -z "$($AS_N ls -A "$M")" ] || fail "unmapped user sees something"
t=$(now_ms)
ctl user add late@example.com --uid "$UN" >/dev/null
ctl grant "$W" --user late@example.com --role invited $NP >/dev/null
nobody_sees() { [ "$($AS_N ls "$M" 2>/dev/null)" = nobody ] && [ "$($AS_N ls "$M/nobody" 2>/dev/null)" = "$W" ]; }
wait_for 1.5 nobody_sees ||
    fail "newly mapped user sees '$($AS_N ls -R "$M" 2>&1)' after $(($(now_ms) - t)) ms"
AS=$AS_N expect_err ENOENT stat "$A"
ok "a user mapped on a live mount sees their folder within $(($(now_ms) - t)) ms, and only theirs"

# --- inode numbers: what one person sees never depends on what another
# does (issue 7 finding 5). tb's numbers, taken, then taken again after ta
# walked everything tb cannot see (client-only sets included) and after the
# kernel forgot every entry (drop_caches: every name is looked up anew),
# are the same; so are the numbers a plain listing gives (d_ino).
fb=$B/$W/Ceremony/IMG_0006.jpg
inos_b() { $AS_B stat -c %i "$B/$W" "$B/$W/Ceremony" "$fb"; $AS_B ls -i "$B/$W/Ceremony" | sort; }
inos_b >"$S/ino-1"
for i in 1 2 3; do
    sync
    echo 2 >/proc/sys/vm/drop_caches
    $AS_A ls -lRi "$A" >/dev/null
    $AS_A stat "$A/$W/Getting Ready/IMG_0003.jpg" >/dev/null
done
sync
echo 2 >/proc/sys/vm/drop_caches
inos_b >"$S/ino-2"
cmp -s "$S/ino-1" "$S/ino-2" || fail "tb's inode numbers moved after ta's listing: $(diff "$S/ino-1" "$S/ino-2" | head -5)"
[ "$($AS_B stat -c %i "$fb")" != "$($AS_A stat -c %i "$A/$W/Ceremony/IMG_0006.jpg")" ] ||
    fail "ta and tb see one inode number for the same photo"
ok "a person's inode numbers depend on nothing another person does (stable across forgets)"

daemon_alive "$M" || fail "daemon died"
finish
