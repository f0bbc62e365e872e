#!/usr/bin/env bash
# test_backup_faults.sh — backups and prunes that are interrupted or
# contend:
#   - 'backup forget' killed (SIGKILL, as kill -9 or a power cut) at random
#     points: after the N-th manifest removed, between forgetting and
#     pruning, after the N-th blob removed. Every time the repository still
#     verifies (--read-data: each remaining snapshot whole) and the next
#     forget completes, leaving exactly what an uninterrupted forget leaves;
#   - a backup onto a file system that fills up in the middle of it fails
#     cleanly (earlier snapshots whole, no temporary file left), and once
#     there is room the next backup completes;
#   - two backups (and a backup and a forget) started at the same moment:
#     one waits for nothing and refuses ("another backup is writing"), the
#     other completes, nothing breaks;
#   - the progress meter on a terminal (script(1)), and none without one.
# The random points come from $RANDOM, seeded by BACKUP_FAULTS_SEED (printed).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"
trap 'while read -r _ _ _ _ m _; do case $m in "$S"/*) umount -l "$m" ;; esac; done </proc/self/mountinfo
      chmod -R u+rwX "$S" 2>/dev/null; rm -rf --one-file-system "$S"' EXIT

SEED=${BACKUP_FAULTS_SEED:-$$}
RANDOM=$SEED
echo "# seed $SEED (BACKUP_FAULTS_SEED=$SEED repeats these points)"
R=$S/repo
mkdir -p "$R" "$S/in"
expect 0 init
expect 0 album create A
snapshots() { "$ALBUMCTL" backup list "$1" --json | python3 -c 'import json,sys; print(" ".join(sorted(s["snapshot"] for s in json.load(sys.stdin)["snapshots"])))'; }
blob_files() { (cd "$1/blobs" && find . -mindepth 2 -type f ! -path './tmp/*' | sort); }
killed() { # killed WHERE DEST: albumctl backup forget killed at WHERE
    local rc=0
    ALBUMFS_TEST_CRASH=$1 "$ALBUMCTL" backup forget "$2" --keep-daily 1 >"$OUT" 2>"$ERR" || rc=$?
    [ "$rc" = 137 ] || fail "forget was to be killed at $1 (exit $rc)"
}

# --- a repository of 8 snapshots, each after one more photo (same day)
for i in 1 2 3 4 5 6 7 8; do
    img "$S/in/P_$i.jpg" 160 120
    expect 0 import A/Photos "$S/in/P_$i.jpg" --no-prepare
    expect 0 backup "$R"
done
# what an uninterrupted forget leaves: the newest snapshot and its blobs
cp -a "$R" "$S/clean"
expect 0 backup forget "$S/clean" --keep-daily 1 --json
forgot=$(python3 -c 'import json,sys; print(len(json.load(sys.stdin)["forgotten"]))' <"$OUT")
removed=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["blobs_removed"])' <"$OUT")
[ "$forgot" = 7 ] && [ "$removed" -ge 7 ] || fail "forget: $(cat "$OUT")"
want_snaps=$(snapshots "$S/clean")
want_blobs=$(blob_files "$S/clean")

points=("prune")
for _ in 1 2 3; do points+=("forget:$((RANDOM % forgot + 1))" "prune-blob:$((RANDOM % removed + 1))"); done
for point in "${points[@]}"; do
    rm -rf "$S/crash" && cp -a "$R" "$S/crash"
    killed "$point" "$S/crash"
    expect 0 backup verify "$S/crash" --read-data
    [[ " $(snapshots "$S/crash") " == *" $want_snaps "* ]] || fail "killed at $point: the newest snapshot is gone"
    expect 0 backup forget "$S/crash" --keep-daily 1
    [ "$(snapshots "$S/crash")" = "$want_snaps" ] || fail "after a kill at $point, forget kept other snapshots"
    [ "$(blob_files "$S/crash")" = "$want_blobs" ] || fail "after a kill at $point, forget left other blobs"
    expect 0 backup verify "$S/crash" --read-data
done
# killed twice in a row, then completed
rm -rf "$S/crash" && cp -a "$R" "$S/crash"
killed "forget:2" "$S/crash"
killed "prune-blob:1" "$S/crash"
expect 0 backup forget "$S/crash" --keep-daily 1
[ "$(blob_files "$S/crash")" = "$want_blobs" ] || fail "after two kills, forget left other blobs"
ok "forget killed at ${points[*]} and twice in a row: the repository verifies each time, the next forget completes as an uninterrupted one"

# --- a file system that fills up during a backup
if mkdir -p "$S/small" && mount -t tmpfs -o size=1m tmpfs "$S/small" 2>/dev/null; then
    expect 0 backup "$S/small" --json
    first=$(py 'd["snapshot"]')
    for i in 1 2 3 4 5 6 7 8 9 10 11 12; do img "$S/in/big_$i.jpg" 420 420; done
    expect 0 import A/Photos "$S/in"/big_*.jpg --no-prepare
    had=$(blob_files "$S/small" | wc -l)
    expect 1 backup "$S/small"
    err_has "No space left on device; the earlier snapshots are intact"
    [ "$(snapshots "$S/small")" = "$first" ] || fail "a backup onto a full disk left a snapshot"
    [ -z "$(ls -A "$S/small/blobs/tmp")" ] || fail "a backup onto a full disk left temporary files"
    [ "$(blob_files "$S/small" | wc -l)" -gt "$had" ] ||
        fail "the failed backup copied nothing before the disk filled (the test needs it to fill mid-way)"
    expect 0 backup verify "$S/small" --read-data
    expect 0 activity --kind backup-failed
    out_has "No space left on device"
    mount -o remount,size=16m "$S/small"
    expect 0 backup "$S/small" --json
    [ "$(py 'd["photos"]')" = 20 ] || fail "the backup after the disk grew: $(cat "$OUT")"
    expect 0 backup verify "$S/small" --read-data
    expect 0 restore --from "$S/small" --to "$S/from-small" --key-file "$ALBUMFS_LIBRARY/key"
    ALBUMFS_LIBRARY=$S/from-small expect 0 verify
    umount "$S/small"
    ok "a backup that fills the disk mid-way fails cleanly (earlier snapshot whole, no temporary file); with room the next completes and restores"
else
    echo "# skipped: a full file system (cannot mount a tmpfs here)"
fi

# --- two at once
for round in 1 2 3; do
    img "$S/in/c_$round.jpg" 100 80
    expect 0 import A/Photos "$S/in/c_$round.jpg" --no-prepare
    before=$(snapshots "$R" | wc -w)
    "$ALBUMCTL" backup "$R" >"$S/a.out" 2>"$S/a.err" & a=$!
    "$ALBUMCTL" backup "$R" >"$S/b.out" 2>"$S/b.err" & b=$!
    ra=0 rb=0
    wait "$a" || ra=$?
    wait "$b" || rb=$?
    made=0
    for x in "a $ra" "b $rb"; do
        set -- $x
        case $2 in
        0) made=$((made + 1)) ;;
        1) grep -q "another backup is writing to this repository" "$S/$1.err" || fail "round $round: backup $1 failed: $(cat "$S/$1.err")" ;;
        *) fail "round $round: backup $1 exited $2: $(cat "$S/$1.err")" ;;
        esac
    done
    [ "$made" -ge 1 ] || fail "round $round: neither backup completed"
    [ "$(snapshots "$R" | wc -w)" = $((before + made)) ] || fail "round $round: $made backups made $(($(snapshots "$R" | wc -w) - before)) snapshots"
done
"$ALBUMCTL" backup "$R" >"$S/a.out" 2>"$S/a.err" & a=$!
"$ALBUMCTL" backup forget "$R" --keep-daily 1 >"$S/b.out" 2>"$S/b.err" & b=$!
ra=0 rb=0
wait "$a" || ra=$?
wait "$b" || rb=$?
[ "$ra" = 0 ] || grep -q "another backup is writing" "$S/a.err" || fail "backup beside forget: $(cat "$S/a.err")"
[ "$rb" = 0 ] || grep -q "another backup is writing" "$S/b.err" || fail "forget beside backup: $(cat "$S/b.err")"
expect 0 backup verify "$R" --read-data
ok "two backups, and a backup and a forget, started at once: one refuses or both complete in turn; the repository verifies"

# --- the progress meter: drawn on a terminal (script(1) gives one), erased at the end; none otherwise
if command -v script >/dev/null; then
    img "$S/in/meter.jpg" 300 200
    expect 0 import A/Photos "$S/in/meter.jpg" --no-prepare
    script -qec "'$ALBUMCTL' backup '$R'" "$S/typescript" >/dev/null
    grep -aqE '\[[#.]{16}\] [0-9]+/[0-9]+ files  [0-9.]+ [KMG]?i?B/[0-9.]+ [KMG]?i?B' "$S/typescript" ||
        fail "no meter on a terminal: $(tr -c '[:print:]\n' '?' <"$S/typescript")"
    grep -aq $'\r\033\[K' "$S/typescript" || fail "the meter was not erased"
    grep -aqE '^snapshot [0-9a-f]{16} ' <(tr '\r' '\n' <"$S/typescript" | sed 's/\x1b\[K//g') || fail "no summary after the meter"
    expect 0 backup "$R"
    err_empty
    ok "a meter of files and bytes on a terminal, erased before the summary; nothing on stderr otherwise"
fi
