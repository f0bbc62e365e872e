#!/usr/bin/env bash
# test_reexport.sh — serving other machines (SPEC §4): a multi-user mount
# re-exported with Samba and with SFTP, on loopback, as docs/reexport.md
# describes. Each remote account is a Unix account mapped to a catalog user
# (`albumctl user add --uid`); the file servers run every session as that
# account, so the daemon shows each session its own folder and nothing else.
#   - Samba (smbd with a private smb.conf, share path MOUNT/%U): smbclient
#     as each person lists and downloads exactly what that person sees on
#     the mount, byte for byte; the other person's folder, a path climbing
#     out of the share and an unmapped account get nothing; the share is
#     read-write, but a client's put is refused by the mount, except a photo
#     put into Favourites/<set>/ (a favourite, deleted again); a revoked grant disappears
#     from the next session.
#   - SFTP (sshd with a private sshd_config, ForceCommand internal-sftp
#     starting in MOUNT/%u): sshfs as each person gives the same bytes with
#     cp -r and tar; the other person's folder is unreachable from there.
# The servers: reexport_lib.sh. Skipped (exit 77) when smbd, smbclient,
# sshd or sshfs is missing (scripts/install-deps.sh installs them).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/reexport_lib.sh"
reexport_tools

UA_NAME=albumfs-ra UB_NAME=albumfs-rb UC_NAME=albumfs-rc # rc: never mapped
for u in $UA_NAME $UB_NAME $UC_NAME; do reexport_user "$u"; done
AS_A=$(as_user $UA_NAME)
AS_B=$(as_user $UB_NAME)

standard_library
ctl user add ra@example.com --uid $UA_NAME >/dev/null
ctl user add rb@example.com --uid $UB_NAME >/dev/null
# (without --no-prepare: every view is rendered now, so listings are whole)
GA=$(ctl grant "$W" --user ra@example.com --role client)
ctl grant "$OTHER" --user rb@example.com --role client >/dev/null

M=$S/multi
mount_fs "$M" --multi-user
A=$M/$UA_NAME B=$M/$UB_NAME

tree_digest "$A" "$AS_A" >"$S/local-a"
tree_digest "$B" "$AS_B" >"$S/local-b"
[ -s "$S/local-a" ] && [ -s "$S/local-b" ] || fail "nothing to compare: $(wc -l "$S"/local-*)"
! grep -q "$OTHER" "$S/local-a" || fail "ra sees $OTHER on the mount"

# ---- Samba ---------------------------------------------------------------
smb_start "$M" no $UA_NAME $UB_NAME $UC_NAME

smb_fetch() { # smb_fetch USER DIR: every file of the share into DIR
    mkdir -p "$2"
    smb "$1" "prompt off; recurse on; lcd $2; mget *" >"$2.log" 2>&1 ||
        fail "smbclient mget as $1: $(tail -3 "$2.log")"
}
smb_fetch $UA_NAME "$S/smb-a"
tree_digest "$S/smb-a" >"$S/smb-a.digest"
diff "$S/local-a" "$S/smb-a.digest" >/dev/null ||
    fail "Samba gives ra other files than the mount: $(diff "$S/local-a" "$S/smb-a.digest" | head -5)"
smb_fetch $UB_NAME "$S/smb-b"
tree_digest "$S/smb-b" >"$S/smb-b.digest"
diff "$S/local-b" "$S/smb-b.digest" >/dev/null ||
    fail "Samba gives rb other files than the mount: $(diff "$S/local-b" "$S/smb-b.digest" | head -5)"
ok "Samba: each person's share is their own world, every file byte for byte ($(wc -l <"$S/local-a") and $(wc -l <"$S/local-b") files)"

# Climbing out of the share, naming the other's folder: nothing.
for path in "../$UB_NAME" "..\\$UB_NAME" "../$UB_NAME/$OTHER" "/../$UB_NAME"; do
    out=$(smb $UA_NAME "ls \"$path\\*\"" 2>&1) && fail "ra listed $path over Samba: $out"
    grep -q "NT_STATUS_OBJECT_\(NAME\|PATH\)_NOT_FOUND" <<<"$out" || fail "ra, $path over Samba: $out"
done
out=$(smb $UA_NAME "ls" 2>&1)
! grep -q "$OTHER" <<<"$out" || fail "ra's share lists $OTHER: $out"
# An account the catalog does not know: its share has no folder at all.
out=$(smb $UC_NAME "ls" 2>&1) && fail "an unmapped account got a share: $out"
grep -q "NT_STATUS_BAD_NETWORK_NAME\|NT_STATUS_OBJECT_NAME_NOT_FOUND\|NT_STATUS_ACCESS_DENIED" <<<"$out" ||
    fail "unmapped account: $out"
# A wrong password: refused.
out=$(smbclient "//127.0.0.1/albums" -p "$SMBPORT" -m SMB3 -U "$UA_NAME%wrong" -c ls 2>&1) &&
    fail "a wrong Samba password was accepted"
grep -q "NT_STATUS_LOGON_FAILURE" <<<"$out" || fail "wrong password: $out"
ok "Samba: '..', the other's folder, an unmapped account and a wrong password get nothing"

# The share is read-write (the recipe); the mount refuses a client's put,
# and a photo put into Favourites/<set>/ is a favourite.
echo x >"$S/put.txt"
out=$(smb $UA_NAME "put $S/put.txt \"$W/Ceremony/new.txt\"" 2>&1) || true
grep -q "NT_STATUS_ACCESS_DENIED\|NT_STATUS_MEDIA_WRITE_PROTECTED" <<<"$out" || fail "put over Samba: $out"
[ ! -e "$A/$W/Ceremony/new.txt" ] || fail "a put over Samba made a file"
out=$(smb $UA_NAME "put $SAMPLES/IMG_0002.jpg \"$W/Favourites/Ceremony/IMG_0002.jpg\"" 2>&1) ||
    fail "smbclient put into Favourites/: $out"
! grep -q NT_STATUS <<<"$out" || fail "smbclient put into Favourites/: $out"
ctl favourites "$W" --person ra@example.com | grep -q "IMG_0002.jpg" ||
    fail "the favourite picked over Samba is not recorded: $(ctl favourites "$W" --person ra@example.com)"
out=$(smb $UA_NAME "del \"$W/Favourites/Ceremony/IMG_0002.jpg\"" 2>&1) || fail "smbclient del of a favourite: $out"
! ctl favourites "$W" --person ra@example.com | grep -q "IMG_0002.jpg" ||
    fail "a favourite deleted over Samba is still recorded"

# Live: a revoked grant is gone from the next session.
ctl revoke "$GA" >/dev/null
gone_over_smb() { ! smb $UA_NAME "ls" 2>/dev/null | grep -q "$W"; }
wait_for 5 gone_over_smb || fail "ra still sees $W over Samba after the revocation"
ok "Samba: writes refused, favourites picked; a revoked album is gone from the next session"
ctl grant "$W" --user ra@example.com --role client >/dev/null
back_over_smb() { smb $UA_NAME "ls" 2>/dev/null | grep -q "$W"; }
wait_for 5 back_over_smb || fail "ra's new grant did not show over Samba"

# ---- SFTP ------------------------------------------------------------------
sshd_start "$M" $UA_NAME $UB_NAME
sshfs_mount $UA_NAME "$S/sftp-a"
sshfs_mount $UB_NAME "$S/sftp-b"
tree_digest "$S/sftp-a" >"$S/sftp-a.digest"
diff "$S/local-a" "$S/sftp-a.digest" >/dev/null ||
    fail "sshfs gives ra other files than the mount: $(diff "$S/local-a" "$S/sftp-a.digest" | head -5)"
cp -r "$S/sftp-b" "$S/copy-b"
tree_digest "$S/copy-b" >"$S/copy-b.digest"
diff "$S/local-b" "$S/copy-b.digest" >/dev/null || fail "cp -r over sshfs differs for rb"
tar -C "$S/sftp-a" -cf "$S/a.tar" . && mkdir "$S/untar-a" && tar -C "$S/untar-a" -xf "$S/a.tar"
tree_digest "$S/untar-a" >"$S/untar-a.digest"
diff "$S/local-a" "$S/untar-a.digest" >/dev/null || fail "tar over sshfs differs for ra"
ok "SFTP: sshfs, cp -r and tar give each person their own world, byte for byte"

# The session starts in the person's folder; the mount's root shows only it,
# and the other's folder does not exist for them.
out=$(sftp_as $UA_NAME "ls -1 ..") || fail "sftp ls .. as ra: $out"
[ "$(grep -v '^sftp>' <<<"$out" | sed 's|.*/||')" = "$UA_NAME" ] || fail "ra's mount root over SFTP: $out"
out=$(sftp_as $UA_NAME "ls ../$UB_NAME" 2>&1) && fail "ra listed rb's folder over SFTP: $out"
theirs=$(head -1 "$S/local-b" | cut -d' ' -f3- | sed 's|^\./||')
[ -n "$theirs" ] || fail "rb has no file to try"
out=$(sftp_as $UA_NAME "get \"../$UB_NAME/$theirs\" $S/stolen.jpg" 2>&1) &&
    fail "ra fetched rb's photo over SFTP"
[ ! -e "$S/stolen.jpg" ] || fail "a file of rb's arrived for ra"
out=$(sftp_as $UA_NAME "put $S/put.txt $W/Ceremony/new.txt" 2>&1) && fail "sftp put: $out"
[ ! -e "$A/$W/Ceremony/new.txt" ] || fail "a put over SFTP made a file"
ok "SFTP: the session starts in the person's folder; the other's folder, and writes, refused"

# Picking a favourite over SFTP: a copy into Favourites/<set>/, as on the mount.
out=$(sftp_as $UA_NAME "put $SAMPLES/IMG_0001.jpg \"$W/Favourites/Ceremony/IMG_0001.jpg\"" 2>&1) ||
    fail "sftp put into Favourites/: $out"
ctl favourites "$W" --person ra@example.com | grep -q "IMG_0001.jpg" ||
    fail "the favourite picked over SFTP is not recorded: $(ctl favourites "$W" --person ra@example.com)"
out=$(sftp_as $UA_NAME "ls \"$W/Favourites/Ceremony\"") || fail "sftp ls Favourites: $out"
grep -q IMG_0001.jpg <<<"$out" || fail "ra's Favourites over SFTP: $out"
ok "SFTP: a photo put into Favourites/<set>/ is a favourite, listed there"

for d in "$S/sftp-a" "$S/sftp-b"; do fusermount3 -u "$d" || fail "cannot unmount $d"; done
stop_servers
finish
