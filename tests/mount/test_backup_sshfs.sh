#!/usr/bin/env bash
# test_backup_sshfs.sh — backups to a remote folder mounted with sshfs (an
# SFTP server on loopback: sshd with internal-sftp, as docs/backup.md
# suggests for a NAS or another machine), the way a studio keeps its
# repository off the machine:
#   - `albumctl backup DEST` onto the sshfs mount, a second backup after one
#     new photo copies about one photo's bytes, `backup list` and
#     `backup verify --read-data` pass;
#   - the remote going away in the middle of a backup (sshd and the sshfs
#     connection killed): the command fails with a clear message, and once
#     the remote is back the earlier snapshots verify and the next backup
#     completes;
#   - the library deleted, then restored from the sshfs repository with the
#     key file kept elsewhere: every original byte for byte.
# Skipped (exit 77) without sshd, sftp, sshfs and vips
# (scripts/install-deps.sh installs them).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/reexport_lib.sh"

for tool in /usr/sbin/sshd sftp sshfs ssh-keygen vips; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

U=albumfs-bk # an account of this test's own (tests run in parallel)
reexport_user $U
standard_library
cp "$ALBUMFS_LIBRARY/key" "$S/safe.key"
# The remote side: sshd serves REMOTE/<user> to the account, as a NAS would.
REMOTE=$S/remote
mkdir -p "$REMOTE/$U"
chown $U: "$REMOTE/$U"
chmod 0755 "$S" "$REMOTE"
sshd_start "$REMOTE" $U
DEST=$S/nas
sshfs_mount $U "$DEST"
mkdir "$DEST/albumfs-repo"
REPO=$DEST/albumfs-repo

# Photos of noise (2000x2000 PNG, 12 MB, incompressible), new to the vault.
for i in $(seq 0 6); do
    vips gaussnoise "$S/late$i.v" 2000 2000 --mean 128 --sigma 60 --seed "$i" >/dev/null
    vips bandjoin "$S/late$i.v $S/late$i.v $S/late$i.v" "$S/late$i.b.v" >/dev/null
    vips cast "$S/late$i.b.v" "$S/late$i.png" uchar >/dev/null
    rm -f "$S/late$i.v" "$S/late$i.b.v"
done

# repo_bytes: bytes the repository holds, as the remote's disk sees them.
repo_bytes() { du -sb "$REMOTE/$U/albumfs-repo" | cut -f1; }

ctl backup "$REPO" >"$S/first.out" || fail "the first backup onto sshfs failed: $(cat "$S/first.out")"
first=$(repo_bytes)
[ "$(stat -c %U "$REMOTE/$U/albumfs-repo/config" 2>/dev/null)" = $U ] ||
    fail "the repository is not the remote account's: $(ls -la "$REMOTE/$U/albumfs-repo")"
ctl import "$W/Ceremony" "$S/late0.png" --no-prepare >/dev/null
ctl backup "$REPO" >/dev/null || fail "the second backup onto sshfs failed"
grew=$(($(repo_bytes) - first))
photo=$(stat -c %s "$S/late0.png")
# one photo's blob, plus the sealed catalog copy and manifest (both small here)
[ "$grew" -ge "$photo" ] && [ "$grew" -le $((photo + 2 * 1024 * 1024)) ] ||
    fail "the second backup wrote $grew bytes for one new photo of $photo bytes"
[ "$(ctl --json backup list "$REPO" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))')" = 2 ] ||
    fail "backup list: $(ctl backup list "$REPO")"
ctl backup verify "$REPO" --read-data >/dev/null || fail "backup verify --read-data over sshfs failed"
ok "two backups onto an sshfs mount: the second wrote $grew bytes for one new photo ($photo bytes); list and verify --read-data pass"

# --- the remote goes away in the middle of a backup
# Six photos of noise (12 MB each): the backup is still copying them when
# the remote goes, as soon as the first new file shows up on its disk.
ctl import "$W/Ceremony" "$S"/late?.png --no-prepare >/dev/null
touch "$S/marker"
rc=0
(
    for i in $(seq 600); do
        [ -n "$(find "$REMOTE/$U/albumfs-repo" -type f -newer "$S/marker" -print -quit)" ] && break
        sleep 0.05
    done
    stop_servers # sshd goes...
    pkill -KILL -f "sshfs -p $SSHPORT" || true # ...and the connection with it
) &
killer=$!
ctl backup "$REPO" >"$S/cut.out" 2>&1 || rc=$?
wait $killer
if [ "$rc" = 0 ]; then
    echo "(the backup finished before the remote went away)"
else
    grep -q "^albumctl: backup: " "$S/cut.out" || fail "a backup cut off says: $(cat "$S/cut.out")"
fi
fusermount3 -u -z "$DEST" 2>/dev/null || true
sshd_start "$REMOTE" $U
sshfs_mount $U "$DEST"
ctl backup verify "$REPO" >/dev/null || fail "the snapshots do not verify after the remote went away mid-backup"
ctl backup "$REPO" >/dev/null || fail "the backup after the remote came back failed"
ctl backup verify "$REPO" --read-data >/dev/null || fail "verify --read-data after the remote came back"
ok "the remote gone mid-backup (status $rc: $(head -1 "$S/cut.out")): the earlier snapshots verify, the next backup completes"

# --- restore from the remote repository
rm -rf "$ALBUMFS_LIBRARY"
ctl restore --from "$REPO" --to "$S/restored" --key-file "$S/safe.key" >/dev/null ||
    fail "restore from the sshfs repository failed"
export ALBUMFS_LIBRARY=$S/restored
M=$S/owner
mount_fs "$M"
for f in IMG_0001.jpg IMG_0002.jpg IMG_0005.jpg IMG_0006.jpg; do
    cmp "$M/$W/Ceremony/$f" "$SAMPLES/$f" || fail "restored $f differs"
done
for i in $(seq 0 6); do
    cmp "$M/$W/Ceremony/late$i.png" "$S/late$i.png" || fail "restored late$i.png differs"
done
umount_fs "$M"
ok "the library deleted and restored from the sshfs repository: every original byte for byte"
finish
