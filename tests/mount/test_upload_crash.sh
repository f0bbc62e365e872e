#!/usr/bin/env bash
# test_upload_crash.sh — kill -9 of the daemon while people upload (SPEC §7,
# issue 8 item 5; docs/filesystem.md "Writing", docs/storage.md).
# 100 distinct JPEGs are copied one by one into the owner's mount (daemon in
# the background, a client's grant so that proofs render in the background
# too) while the daemon is killed with SIGKILL at random moments (seeded:
# the seed is printed) and mounted again, until all 100 were tried. Then:
#   - every file whose cp returned 0 is there, byte for byte;
#   - every photo there is whole (the bytes of one of the files);
#   - nothing of an upload is left in uploads/ once a daemon started again
#     (and a leftover staged file and commit intent, made for certain, are
#     removed with the intent's blob);
#   - `albumctl verify` passes: no orphan blob, no missing one, every byte
#     authenticates (a blob stored by a commit the kill interrupted is
#     removed by the next daemon: its commit intent says so).
source "$(dirname "$0")/lib.sh"

N=100
SEED=${ALBUMFS_CRASH_SEED:-$(( $(date +%s) % 32768 ))}
RANDOM=$SEED
echo "seed $SEED (ALBUMFS_CRASH_SEED=$SEED to repeat)"

samples 6
ctl init >/dev/null
ctl album create "$W" >/dev/null
ctl set create "$W" Ceremony --visibility public >/dev/null
ctl user add client@example.com >/dev/null
ctl grant "$W" --user client@example.com --role client $NP >/dev/null

# N distinct small JPEGs: one photo, each with its own comment segment.
mkdir -p "$S/in"
vipsthumbnail "$SAMPLES/IMG_0001.jpg" --size 1200 -o "$S/base.jpg[Q=85]"
"$PYTHON" - "$S/base.jpg" "$S/in" "$N" <<'EOF'
import struct, sys
base, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = open(base, "rb").read()
assert data[:2] == b"\xff\xd8"
for i in range(n):
    text = b"albumfs crash test %03d" % i
    com = b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text
    open("%s/u-%03d.jpg" % (out, i), "wb").write(data[:2] + com + data[2:])
EOF

M=$S/m
ALLOW='removed blob [0-9a-f]+… from the vault: an upload stored it and was interrupted'
: >"$S/acked"
echo 0 >"$S/next"

# writer DAEMON: copy the next files until all were tried or a cp fails;
# a cp that fails while DAEMON still runs is a failure of its own.
writer() {
    local daemon=$1 i f rc
    while :; do
        i=$(cat "$S/next")
        ((i < N)) || return 0
        echo $((i + 1)) >"$S/next"
        f=$(printf 'u-%03d.jpg' "$i")
        rc=0
        cp "$S/in/$f" "$M/$W/Ceremony/$f" 2>"$S/cp.err" || rc=$?
        if [ "$rc" = 0 ]; then
            echo "$f" >>"$S/acked"
        else
            # the kill has landed (the daemon is gone soon), or this is a
            # real failure (it runs on)
            wait_for 5 eval '! running "$daemon"' ||
                echo "$f: $(cat "$S/cp.err")" >>"$S/unexpected"
            return 0
        fi
    done
}

rounds=0
while (($(cat "$S/next") < N)); do
    ALLOW_STDERR=$ALLOW mount_fs "$M"
    writer "${DAEMON_PID[$M]}" &
    wpid=$!
    # a random moment: 0.1 .. 1.6 s into this round
    sleep "$(awk -v r=$((RANDOM % 1500)) 'BEGIN { printf "%.3f", 0.1 + r / 1000 }')"
    kill -9 "${DAEMON_PID[$M]}" 2>/dev/null || true
    DAEMON_PID[$M]= # killed on purpose: not one to check at unmount
    wait "$wpid" || true
    fusermount3 -u -z "$M" 2>/dev/null || true
    rounds=$((rounds + 1))
done
[ ! -s "$S/unexpected" ] || fail "uploads failed while the daemon ran: $(cat "$S/unexpected")"
echo "$rounds kills; $(wc -l <"$S/acked") of $N uploads acknowledged"
(($(wc -l <"$S/acked") > 0)) || fail "no upload was ever acknowledged"

# What a kill between storing a blob and committing its row leaves, made
# for certain: a blob no row names, with its commit intent, and a staged
# file's name (its key is gone). The next daemon removes all three.
one=$(find "$ALBUMFS_LIBRARY/vault" -path '*/tmp' -prune -o -type f -print -quit)
orphan=$(printf '%064d' 0 | tr 0 e)
mkdir -p "$ALBUMFS_LIBRARY/vault/ee"
cp -p "$one" "$ALBUMFS_LIBRARY/vault/ee/$orphan"
: >"$ALBUMFS_LIBRARY/uploads/commit-$orphan"
head -c 70000 /dev/urandom >"$ALBUMFS_LIBRARY/uploads/up-0123456789abcdef"
ALLOW_STDERR=$ALLOW mount_fs "$M"
[ ! -e "$ALBUMFS_LIBRARY/vault/ee/$orphan" ] || fail "the interrupted commit's blob is still in the vault"
grep -q "removed blob eeeeeeeeeeeeeeee… from the vault" "$M.err" || fail "no log line for the removed blob"
[ -z "$(ls -A "$ALBUMFS_LIBRARY/uploads")" ] || fail "uploads/ keeps $(ls -A "$ALBUMFS_LIBRARY/uploads")"
while read -r f; do
    cmp -s "$M/$W/Ceremony/$f" "$S/in/$f" || fail "$f was acknowledged but reads otherwise"
done <"$S/acked"
ls "$M/$W/Ceremony" >"$S/listed"
while read -r f; do
    [ -f "$S/in/$f" ] || fail "a photo no one wrote: $f"
    cmp -s "$M/$W/Ceremony/$f" "$S/in/$f" || fail "$f is there but not whole"
done <"$S/listed"
ok "every acknowledged upload is there byte for byte; every photo there is whole ($(wc -l <"$S/listed") photos)"
finish
ctl verify >"$S/verify" 2>&1 || fail "albumctl verify after $rounds kills: $(cat "$S/verify")"
ok "albumctl verify passes after $rounds kills"
