#!/usr/bin/env bash
# test_reexport_upload.sh — uploads over the re-export (issue 8; SPEC §4;
# docs/reexport.md): the Samba and SFTP recipe, read-write, over a
# multi-user mount, with an editor's account and a client's.
#   - Samba (smbclient as the editor): put of one photo, put over a photo's
#     name (a new version), a temporary name renamed to a photo's, DOS
#     attributes and times set afterwards (setmode, utimes), and a recursive
#     mput of a folder of photos holding macOS and Windows junk (._x.jpg,
#     .DS_Store, Thumbs.db, desktop.ini): a new team-only set, a photo per
#     file, the junk accepted and never a photo;
#   - SFTP (sftp in batch mode as the editor): put, and put -r of the same
#     kind of folder;
#   - the editor deletes (to the trash) over Samba and renames over SFTP;
#   - every photo reads back byte for byte on the owner's mount, and
#     albumctl verify passes;
#   - the client's account: put, mkdir and rename refused over both, in the
#     client's terms (NT_STATUS_ACCESS_DENIED / MEDIA_WRITE_PROTECTED;
#     sftp "Permission denied"), and nothing stored.
# The servers: reexport_lib.sh. Skipped (exit 77) when smbd, smbclient,
# sshd, sftp or sshfs is missing (scripts/install-deps.sh installs them).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/reexport_lib.sh"
reexport_tools

UE=albumfs-re UC=albumfs-rc2
for u in $UE $UC; do reexport_user "$u"; done

standard_library
ctl user add re@example.com --uid $UE >/dev/null
ctl user add rc@example.com --uid $UC >/dev/null
ctl grant "$W" --user re@example.com --role editor >/dev/null
ctl grant "$W" --user rc@example.com --role client >/dev/null

M=$S/multi MO=$S/owner
mount_fs "$M" --multi-user
mount_fs "$MO"
o=$MO/$W

# photos_in SET: the photos albumctl lists in SET of $W, one a line, sorted.
photos_in() {
    ctl --json ls "$W/$1" | "$PYTHON" -c '
import json, sys
s = json.load(sys.stdin)["albums"][0]["sets"][0]
print("\n".join(sorted(p["name"] for p in s["photos"])))'
}
# same_as_owner SET NAME SRC: the owner's mount shows SET/NAME, with SRC's bytes.
same_as_owner() {
    wait_for 10 there "$o/$1/$2" || fail "the owner's mount has no $1/$2"
    cmp -s "$o/$1/$2" "$3" || fail "$1/$2 reads otherwise on the owner's mount"
}
nversions() {
    ctl --json photo versions "$1" | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["versions"]))'
}
# A folder of photos as a camera card or a Mac leaves it: junk included.
shoot() {
    mkdir -p "$1"
    cp "$SAMPLES/IMG_0001.jpg" "$SAMPLES/IMG_0002.jpg" "$SAMPLES/IMG_0007.png" "$1/"
    cp "$SAMPLES/IMG_0006.jpg" "$1/late one.jpg"
    echo mac >"$1/._IMG_0001.jpg"
    echo mac >"$1/.DS_Store"
    echo win >"$1/Thumbs.db"
    printf '[.ShellClassInfo]\r\n' >"$1/desktop.ini"
}
GOOD=(IMG_0001.jpg IMG_0002.jpg IMG_0007.png "late one.jpg")
# shot_whole SET: SET holds the folder's photos and nothing else, byte for byte.
shot_whole() {
    local f
    [ "$(photos_in "$1")" = "$(printf '%s\n' "${GOOD[@]}")" ] || fail "$1 holds: $(photos_in "$1")"
    for f in "${GOOD[@]}"; do same_as_owner "$1" "$f" "$S/$1/$f"; done
}

# Samba's own defaults, not the recipe's two lines (smb-loopback.conf.sh): Samba
# then also stores DOS attributes in user.DOSATTRIB, which must not fail an
# upload (test_reexport and test_reexport_actions run the recipe as written).
SMB_SAMBA_DEFAULTS=1 smb_start "$M" no $UE $UC
sshd_start "$M" $UE $UC
before=$(photos_in Ceremony)

# ---- Samba, the editor ----------------------------------------------------
out=$(smb $UE "cd \"$W/Ceremony\"; put $SAMPLES/IMG_0003.jpg smb-one.jpg" 2>&1) ||
    fail "smbclient put as the editor: $out"
same_as_owner Ceremony smb-one.jpg "$SAMPLES/IMG_0003.jpg"
ok "Samba: an editor's put is a photo, byte for byte"

out=$(smb $UE "cd \"$W/Ceremony\"; put $SAMPLES/IMG_0004.jpg smb-one.jpg" 2>&1) ||
    fail "smbclient put over a photo: $out"
same_as_owner Ceremony smb-one.jpg "$SAMPLES/IMG_0004.jpg"
[ "$(nversions "$W/Ceremony/smb-one.jpg")" = 2 ] || fail "a put over a photo made no second version"
ok "Samba: a put over a photo's name is a new version"

out=$(smb $UE "cd \"$W/Ceremony\"; put $SAMPLES/IMG_0005.jpg .smb-tmp.Ab12; rename .smb-tmp.Ab12 smb-renamed.jpg" 2>&1) ||
    fail "smbclient put then rename: $out"
same_as_owner Ceremony smb-renamed.jpg "$SAMPLES/IMG_0005.jpg"
expect_err ENOENT stat "$o/Ceremony/.smb-tmp.Ab12"
out=$(smb $UE "cd \"$W/Ceremony\"; setmode smb-renamed.jpg +a; setmode smb-renamed.jpg -a; utimes smb-renamed.jpg -1 -1 2026-06-01-12:00:00 -1; allinfo smb-renamed.jpg" 2>&1) ||
    fail "smbclient setmode / utimes on a photo: $out"
! grep -q NT_STATUS <<<"$out" || fail "smbclient setmode / utimes on a photo: $out"
same_as_owner Ceremony smb-renamed.jpg "$SAMPLES/IMG_0005.jpg"
[ "$(nversions "$W/Ceremony/smb-renamed.jpg")" = 1 ] || fail "setting attributes made a new version"
ok "Samba: a temporary name renamed is a photo; DOS attributes and times are accepted"

shoot "$S/Card A"
out=$(smb $UE "prompt off; recurse on; lcd $S; cd \"$W\"; mput \"Card A\"" 2>&1) ||
    fail "smbclient mput of a folder as the editor: $out"
grep -q NT_STATUS <<<"$out" && fail "smbclient mput reported an error: $out"
shot_whole "Card A"
ctl --json set list "$W" | "$PYTHON" -c '
import json, sys
assert [s for s in json.load(sys.stdin)["sets"] if s["name"] == "Card A" and s["visibility"] == "team"]' ||
    fail "the folder did not become a team-only set"
ok "Samba: mput of a folder is a team-only set, a photo per file, the junk accepted and no photo"

# ---- SFTP, the editor -----------------------------------------------------
out=$(sftp_as $UE "put $SAMPLES/IMG_0006.jpg \"$W/Ceremony/sftp-one.jpg\"" 2>&1) ||
    fail "sftp put as the editor: $out"
same_as_owner Ceremony sftp-one.jpg "$SAMPLES/IMG_0006.jpg"
shoot "$S/Card B"
out=$(sftp_as $UE "lcd $S
cd \"$W\"
put -r \"Card B\"" 2>&1) || fail "sftp put -r of a folder as the editor: $out"
shot_whole "Card B"
ok "SFTP: put, and put -r of a folder: a set, a photo per file, the junk accepted and no photo"

# ---- the editor renames and deletes over both
out=$(smb $UE "cd \"$W/Ceremony\"; del smb-renamed.jpg" 2>&1) || fail "smbclient del as the editor: $out"
! grep -q NT_STATUS <<<"$out" || fail "smbclient del as the editor: $out"
ctl --json trash list "$W" | "$PYTHON" -c '
import json, sys
assert [p for p in json.load(sys.stdin)["photos"] if p["photo"] == "smb-renamed.jpg"]' ||
    fail "a photo deleted over Samba is not in the trash"
out=$(sftp_as $UE "rename \"$W/Ceremony/sftp-one.jpg\" \"$W/Ceremony/sftp-renamed.jpg\"" 2>&1) ||
    fail "sftp rename as the editor: $out"
same_as_owner Ceremony sftp-renamed.jpg "$SAMPLES/IMG_0006.jpg"
ok "an editor renames and deletes (to the trash) over Samba and SFTP"

# ---- the client: refused over both, nothing stored -------------------------
for cmd in "cd \"$W/Ceremony\"; put $SAMPLES/IMG_0003.jpg client.jpg" \
    "cd \"$W\"; mkdir \"Client Set\"" \
    "cd \"$W/Ceremony\"; rename IMG_0001.jpg client.jpg"; do
    out=$(smb $UC "$cmd" 2>&1) || true # (smbclient's status is 0 after some refusals)
    grep -q "NT_STATUS_ACCESS_DENIED\|NT_STATUS_MEDIA_WRITE_PROTECTED" <<<"$out" ||
        fail "a client's '$cmd' over Samba: $out"
done
for cmd in "put $SAMPLES/IMG_0003.jpg \"$W/Ceremony/client.jpg\"" \
    "mkdir \"$W/Client Set\"" \
    "rename \"$W/Ceremony/IMG_0001.jpg\" \"$W/Ceremony/client.jpg\""; do
    out=$(sftp_as $UC "$cmd" 2>&1) && fail "a client's '$cmd' over SFTP succeeded: $out"
    grep -q "Permission denied" <<<"$out" || fail "a client's '$cmd' over SFTP: $out"
done
expect_err ENOENT stat "$o/Ceremony/client.jpg"
expect_err ENOENT stat "$o/Client Set"
there "$o/Ceremony/IMG_0001.jpg" || fail "a client's rename moved a photo"
ok "a client's put, mkdir and rename are refused over Samba and SFTP; nothing stored"

want=$(printf '%s\n' $before smb-one.jpg sftp-renamed.jpg | sort)
[ "$(photos_in Ceremony)" = "$want" ] || fail "Ceremony holds $(photos_in Ceremony), not $want"
ctl verify >/dev/null || fail "albumctl verify after the uploads: $(ctl verify 2>&1)"
# Samba's own writes (user.DOSATTRIB, times) were accepted, not refused.
refused=$(ctl --json activity "$W" --person re@example.com | "$PYTHON" -c '
import json, sys
print("\n".join(r["detail"] for r in json.load(sys.stdin)["events"] if r["kind"] == "refused"))')
[ -z "$refused" ] || fail "the editor's uploads were refused in part: $refused"
stop_servers
finish
