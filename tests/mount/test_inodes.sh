#!/usr/bin/env bash
# test_inodes.sh — a bounded inode table (-o max_inodes; fs/nodes.c):
#   - beyond the bound the daemon hands the oldest photo files back to the
#     kernel and says so once in its log; a mount without the bound reached
#     says nothing;
#   - what people see does not change: listings complete and the same on
#     every pass, every file's inode number (st_ino) the same before and
#     after it was handed back, its bytes the same (cmp), an open file
#     readable to its end while its entry is handed back;
#   - a bound below 100 is refused with a clear message.
source "$(dirname "$0")/lib.sh"

standard_library
# 130 more photos (one sample under 130 names: the vault keeps one blob),
# so the owner meets 130 originals in one set
mkdir -p "$S/many"
for ((i = 1; i <= 130; i++)); do
    cp "$SAMPLES/IMG_0006.jpg" "$(printf '%s/many/P%03d.jpg' "$S" "$i")"
done
ctl set create "$W" Many --visibility public >/dev/null
ctl import "$W/Many" "$S/many" $NP >/dev/null

NOTE='more than 100 files met: the oldest are handed back to the kernel \(-o max_inodes\)$'
M=$S/bounded
ALLOW_STDERR=$NOTE mount_fs "$M" -o max_inodes=100
U=$S/unbounded
mount_fs "$U"

# inodes MNT: "ino path" of every original, sorted by path (Web-size/ is
# left out: the owner's listing asks for its views, which then appear).
inodes() { (cd "$1" && find . -name Web-size -prune -o -type f -printf '%i %p\n' | sort -k2); }
first=$(inodes "$M")
[ "$(grep -c '/Many/' <<<"$first")" -ge 130 ] || fail "the set lists $(grep -c '/Many/' <<<"$first") files"
# an open file keeps reading while its entry is handed back
exec 7<"$M/$W/Many/P001.jpg"
for pass in 1 2 3; do
    for ((i = 0; i < 100; i++)); do
        grep -qE "$NOTE" "$M.err" && break
        sleep 0.1
    done
    again=$(inodes "$M")
    [ "$again" = "$first" ] || fail "pass $pass: listing or inode numbers changed: $(diff <(echo "$first") <(echo "$again") | head -5)"
done
grep -qE "$NOTE" "$M.err" || fail "the bound was never reached: $(cat "$M.err")"
[ "$(grep -cE "$NOTE" "$M.err")" = 1 ] || fail "said more than once: $(cat "$M.err")"
cmp -s <(cat <&7) "$SAMPLES/IMG_0006.jpg" || fail "an open file read differently after its entry went"
exec 7<&-
for f in "$M/$W/Many"/P0??.jpg; do
    cmp -s "$f" "$SAMPLES/IMG_0006.jpg" || fail "$f: bytes differ after it was handed back"
done
[ "$(inodes "$U")" = "$first" ] || fail "an unbounded mount numbers the files differently"
! grep -q max_inodes "$U.err" || fail "the unbounded mount spoke of the bound: $(cat "$U.err")"
ok "beyond -o max_inodes files are handed back; listings, inode numbers and bytes unchanged"

mount_refused "$S/tiny" "max_inodes must be 0 (no bound) or at least 100" -o max_inodes=99
ok "a bound below 100 is refused"
finish
