#!/usr/bin/env bash
# test_reexport_actions.sh — a client's every action from another machine
# (issue 10 items 2 and 6; docs/reexport.md, docs/clients.md), with real
# clients on loopback:
#   - Samba (the read-write recipe, a multi-user mount, smbclient as the
#     client's mapped Unix account): a favourite added and removed; the
#     junk Finder and Explorer write along (._IMG, .DS_Store, Thumbs.db,
#     desktop.ini) accepted and never an action; high-res photos taken until
#     the allowance is used up, the next take NT_STATUS_DISK_FULL ("not
#     enough space") with nothing charged twice, what was taken still
#     fetched byte for byte, deleting it refused; READ ME.txt says how many
#     are left and what "not enough space" means; a photo marked private
#     through Private/<Set>/ and a live guest mount losing it within
#     seconds, unmarked again; a move (SMB rename: a drag onto the folder)
#     into Private/ acts the same and leaves the photo in its set, while a
#     put or rename in the set itself is refused (NT_STATUS_ACCESS_DENIED);
#     an unmapped account gets no share; names hidden from the
#     client answer as names never used, for reads and for puts;
#   - WebDAV (rclone serve webdav as the client's mapped account over the
#     multi-user mount, an htpasswd file, --size-only --ignore-size, as
#     docs/reexport.md says; curl as
#     the client): PUT into Favourites/ and DELETE there, PUT junk, PUT
#     into High-res/ (taken, GET gives the high-res bytes), the next PUT
#     past the allowance refused and not charged, COPY and MOVE into
#     Private/ (a live guest loses it, the photo stays in its set) and
#     DELETE there; a wrong password 401.
# Servers on 127.0.0.1 only, started and stopped here. Skipped (exit 77)
# when smbd, smbclient, sshd, rclone, curl or openssl is missing
# (scripts/install-deps.sh installs them).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/reexport_lib.sh"
reexport_tools
for tool in rclone curl openssl; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

UA=albumfs-aa UC=albumfs-ac UD=albumfs-ad # ac: never mapped; ad: WebDAV
for u in $UA $UC $UD; do reexport_user "$u"; done
standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
charges() { sqlite3 "$CAT" "SELECT count(*) FROM pool_charges"; }
private_of() { sqlite3 "$CAT" "SELECT is_private FROM photos WHERE name = '$1' AND set_id = (SELECT id FROM sets WHERE name = 'Ceremony')"; }
favourites_of() { ctl favourites "$W" --person "$1"; }
ctl user add aa@example.com --uid $UA >/dev/null
ctl grant "$W" --user aa@example.com --role client --highres original --limit 2 >/dev/null

M=$S/multi MG=$S/guest
mount_fs "$M" --multi-user
mount_fs "$MG" --link "$TOKEN"
A=$M/$UA gg=$MG/$W/Ceremony/IMG_0006.jpg
listing_complete "$MG/$W/Ceremony" 5
smb_start "$M" no $UA $UC
# ok_smb USER COMMANDS: a session that must succeed and report no NT_STATUS.
ok_smb() {
    local out
    out=$(smb "$1" "$2" 2>&1) || fail "smbclient as $1, '$2': $out"
    ! grep -q NT_STATUS <<<"$out" || fail "smbclient as $1, '$2': $out"
}
# status_of USER COMMANDS: the NT_STATUS a session that must fail gives
# (smbclient's exit status says nothing for some commands, del and rename).
status_of() {
    local out
    out=$(smb "$1" "$2" 2>&1) || true
    grep -q 'NT_STATUS_' <<<"$out" || fail "smbclient as $1, '$2' succeeded: $out"
    grep -o 'NT_STATUS_[A-Z_]*' <<<"$out" | head -1
}

# smb_lists USER FOLDER NAME: NAME is in FOLDER's listing over Samba; a
# listing that is not is noted in $S/smb-relists. Waited for (wait_for 5),
# not asked once: under ThreadSanitizer, a listing asked right after a put
# into a drop folder was refused once (NT_STATUS_ACCESS_DENIED) in 3 of
# about 27 runs, and listed on the next try; the cause is not found yet
# (docs/reexport.md, "Known glitches"), so each refusal is printed.
smb_lists() {
    local out
    out=$(smb "$1" "ls \"$2/*\"" 2>&1) || true
    grep -q "$3" <<<"$out" && return 0
    echo "# listing $2 over Samba: $(grep -o 'NT_STATUS_[A-Z_]*' <<<"$out" | head -1)" >>"$S/smb-relists"
    return 1
}
relisted() { [ ! -s "$S/smb-relists" ] || { cat "$S/smb-relists"; rm -f "$S/smb-relists"; }; }

# ---- Samba: favourites, and the junk that comes along --------------------
ok_smb $UA "put $SAMPLES/IMG_0002.jpg \"$W/Favourites/Ceremony/IMG_0002.jpg\""
favourites_of aa@example.com | grep -q IMG_0002.jpg || fail "the favourite put over Samba is not recorded"
wait_for 5 smb_lists $UA "$W/Favourites/Ceremony" IMG_0002.jpg || fail "Favourites/ over Samba does not list it"
relisted
echo junk >"$S/junk"
for j in ._IMG_0002.jpg .DS_Store Thumbs.db desktop.ini; do
    ok_smb $UA "put $S/junk \"$W/Favourites/Ceremony/$j\""
    ok_smb $UA "put $S/junk \"$W/Private/Ceremony/$j\""
done
[ "$(favourites_of aa@example.com | grep -c 'Ceremony/')" = 1 ] ||
    fail "junk became favourites: $(favourites_of aa@example.com)"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM photos WHERE is_private = 1")" = 1 ] || fail "junk marked a photo"
for j in ._IMG_0002.jpg .DS_Store Thumbs.db desktop.ini; do
    ok_smb $UA "del \"$W/Favourites/Ceremony/$j\"; del \"$W/Private/Ceremony/$j\""
done
ok_smb $UA "del \"$W/Favourites/Ceremony/IMG_0002.jpg\""
! favourites_of aa@example.com | grep -q IMG_0002.jpg || fail "a favourite deleted over Samba is still recorded"
[ -e "$A/$W/Ceremony/IMG_0002.jpg" ] || fail "deleting the favourite deleted the photo"
ok "Samba: a favourite added and removed; junk written along is accepted and never an action"

# ---- Samba: taking until the allowance is used up -------------------------
ok_smb $UA "put $SAMPLES/IMG_0001.jpg \"$W/High-res/Ceremony/IMG_0001.jpg\""
[ "$(charges)" = 1 ] || fail "the first take charged $(charges)"
ok_smb $UA "put $SAMPLES/IMG_0001.jpg \"$W/High-res/Ceremony/IMG_0001.jpg\""
[ "$(charges)" = 1 ] || fail "taking again charged: $(charges)"
ok_smb $UA "put $SAMPLES/IMG_0002.jpg \"$W/High-res/Ceremony/IMG_0002.jpg\""
[ "$(charges)" = 2 ] || fail "the second take charged $(charges)"
st=$(status_of $UA "put $SAMPLES/IMG_0006.jpg \"$W/High-res/Ceremony/IMG_0006.jpg\"")
[ "$st" = NT_STATUS_DISK_FULL ] || fail "a take past the allowance gave $st, not NT_STATUS_DISK_FULL"
[ "$(charges)" = 2 ] || fail "a refused take charged: $(charges)"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'download-refused'")" -ge 1 ] ||
    fail "the refused take is not in the activity"
ok_smb $UA "lcd $S; get \"$W/High-res/Ceremony/IMG_0001.jpg\" taken.jpg"
cmp "$S/taken.jpg" "$A/$W/High-res/Ceremony/IMG_0001.jpg" || fail "the taken photo over Samba differs"
[ "$(vipsheader -f width "$S/taken.jpg")" = "$(vipsheader -f width "$SAMPLES/IMG_0001.jpg")" ] ||
    fail "the taken photo is not full size"
st=$(status_of $UA "del \"$W/High-res/Ceremony/IMG_0001.jpg\"")
[ -n "$st" ] && [ "$(charges)" = 2 ] || fail "deleting a take: $st, $(charges) charges"
ok_smb $UA "lcd $S; get \"$W/READ ME.txt\" readme.txt"
grep -q "0 of 2 are left right now" "$S/readme.txt" || fail "READ ME.txt over Samba: $(cat "$S/readme.txt")"
grep -q '"not enough space"' "$S/readme.txt" || fail "READ ME.txt does not explain 'not enough space'"
grep -q "Private/FOLDER" "$S/readme.txt" || fail "READ ME.txt does not say how to hide"
ok "Samba: takes until used up, then NT_STATUS_DISK_FULL and nothing charged; READ ME.txt explains"

# ---- Samba: private through Private/<Set>/ --------------------------------
cat "$gg" >/dev/null || fail "the guest cannot read IMG_0006"
ok_smb $UA "put $SAMPLES/IMG_0006.jpg \"$W/Private/Ceremony/IMG_0006.jpg\""
[ "$(private_of IMG_0006.jpg)" = 1 ] || fail "the put into Private/ did not mark"
wait_for 10 gone "$gg" || fail "the live guest still sees IMG_0006 10 s after it was marked over Samba"
wait_for 5 smb_lists $UA "$W/Private/Ceremony" IMG_0006.jpg || fail "Private/ over Samba does not list it"
relisted
smb $UA "ls \"$W/Ceremony/*\"" 2>&1 | grep -q IMG_0006.jpg || fail "the client lost IMG_0006 from its set"
ok_smb $UA "del \"$W/Private/Ceremony/IMG_0006.jpg\""
[ "$(private_of IMG_0006.jpg)" = 0 ] || fail "deleting from Private/ did not unmark"
wait_for 10 there "$gg" || fail "the live guest did not get IMG_0006 back"
# A move into Private/ (what Explorer and Finder do when a photo is dragged
# onto the folder: an SMB rename) marks it too; the photo stays in its set.
ok_smb $UA "rename \"$W/Ceremony/IMG_0002.jpg\" \"$W/Private/Ceremony/IMG_0002.jpg\""
[ "$(private_of IMG_0002.jpg)" = 1 ] || fail "a move into Private/ over Samba did not mark"
wait_for 5 smb_lists $UA "$W/Ceremony" IMG_0002.jpg || fail "the moved photo left its set over Samba"
relisted
ok_smb $UA "del \"$W/Private/Ceremony/IMG_0002.jpg\""
[ "$(private_of IMG_0002.jpg)" = 0 ] || fail "deleting the moved photo from Private/ did not unmark"
# Nothing else is written in the set's folder, which shows u+w for moves.
st=$(status_of $UA "put $SAMPLES/IMG_0003.jpg \"$W/Ceremony/new.jpg\"")
[ "$st" = NT_STATUS_ACCESS_DENIED ] || fail "a client's put into its set gave $st"
st=$(status_of $UA "rename \"$W/Ceremony/IMG_0002.jpg\" \"$W/Ceremony/renamed.jpg\"")
[ "$st" = NT_STATUS_ACCESS_DENIED ] || fail "a client's rename in its set gave $st"
ok "Samba: Private/<Set>/ hides a photo from a live guest within seconds, and unhides it; a move there acts as a copy"

# ---- Samba: nobody else, nothing hidden -----------------------------------
st=$(status_of $UC "ls")
[[ $st =~ NT_STATUS_(BAD_NETWORK_NAME|OBJECT_NAME_NOT_FOUND|ACCESS_DENIED) ]] || fail "unmapped account: $st"
# Hidden from the client (the team-only set Outtakes and its IMG_0004)
# against never used: the same answers.
same() { # same 'COMMAND with %s' HIDDEN NEVER
    local h n
    h=$(status_of $UA "$(printf "$1" "$2")") n=$(status_of $UA "$(printf "$1" "$3")")
    [ "$h" = "$n" ] || fail "'$1': hidden $2 gives $h, never used $3 gives $n"
}
same "get \"$W/%s\" $S/guess" "Outtakes/IMG_0004.jpg" "Nowhere/IMG_0004.jpg"
same "get \"$W/Ceremony/%s\" $S/guess" "IMG_0004.jpg" "NOPE.jpg"
same "ls \"$W/%s/*\"" "Outtakes" "Nowhere"
same "ls \"$W/Private/%s/*\"" "Outtakes" "Nowhere"
same "put $S/junk \"$W/Private/Ceremony/%s\"" "IMG_0004.jpg" "NOPE.jpg"
same "put $S/junk \"$W/Favourites/Ceremony/%s\"" "IMG_0004.jpg" "NOPE.jpg"
same "put $S/junk \"$W/High-res/%s/IMG_0004.jpg\"" "Outtakes" "Nowhere"
same "put $S/junk \"$W/Private/%s/IMG_0004.jpg\"" "Outtakes" "Nowhere"
[ ! -e "$S/guess" ] || fail "a guessed name gave a file"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM photos WHERE is_private = 1")" = 1 ] || fail "a guess marked a photo"
ok "Samba: an unmapped account gets no share; hidden names answer as names never used"
stop_servers

# ---- WebDAV: rclone serve webdav over the client's own mount ---------------
# The recipe: rclone as the person's account over the multi-user mount,
# the password in an htpasswd file, never on the command line.
ctl user add dav@example.com --uid $UD >/dev/null
ctl grant "$W" --user dav@example.com --role client --highres original --limit 1 >/dev/null
MD=$M/$UD
wait_for 10 there "$MD/$W/High-res/Ceremony" || fail "dav's world has no High-res/Ceremony"
mkdir -p "$S/davhome"
printf 'dav:%s\n' "$(openssl passwd -apr1 dav-secret)" >"$S/davhome/htpasswd"
chown -R $UD: "$S/davhome"
chmod 0700 "$S/davhome"
PORT=$(free_port)
setsid $(as_user $UD) env HOME="$S/davhome" rclone serve webdav "$MD" --addr "127.0.0.1:$PORT" \
    --htpasswd "$S/davhome/htpasswd" --cache-dir "$S/davhome/cache" \
    --size-only --ignore-size >"$S/rclone.log" 2>&1 &
EXTRA_PIDS+=("$!")
wait_for 20 listening "$PORT" || fail "rclone did not listen: $(cat "$S/rclone.log")"
U=http://127.0.0.1:$PORT/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$W")
dav() { curl -sS -u dav:dav-secret -o "$S/body" -w '%{http_code}' "$@"; }
code=$(dav -T "$SAMPLES/IMG_0001.jpg" "$U/Favourites/Ceremony/IMG_0001.jpg")
[[ $code =~ ^20[14]$ ]] || fail "PUT into Favourites/: $code $(cat "$S/body")"
favourites_of dav@example.com | grep -q IMG_0001.jpg || fail "the WebDAV PUT did not favourite"
code=$(dav -T "$S/junk" "$U/Favourites/Ceremony/._IMG_0001.jpg")
[[ $code =~ ^20[14]$ ]] || fail "PUT of junk: $code"
code=$(dav -X DELETE "$U/Favourites/Ceremony/._IMG_0001.jpg")
[ "$code" = 204 ] || fail "DELETE of junk: $code"
code=$(dav -X DELETE "$U/Favourites/Ceremony/IMG_0001.jpg")
[ "$code" = 204 ] || fail "DELETE in Favourites/: $code"
! favourites_of dav@example.com | grep -q IMG_0001.jpg || fail "the WebDAV DELETE did not unfavourite"
ok "WebDAV: PUT into Favourites/ picks, DELETE there unpicks; junk accepted"

before=$(charges)
code=$(dav -T "$SAMPLES/IMG_0006.jpg" "$U/High-res/Ceremony/IMG_0006.jpg")
[[ $code =~ ^20[14]$ ]] || fail "PUT into High-res/: $code"
[ "$(charges)" = $((before + 1)) ] || fail "the WebDAV take charged $(($(charges) - before))"
code=$(dav "$U/High-res/Ceremony/IMG_0006.jpg")
[ "$code" = 200 ] && cmp -s "$S/body" "$MD/$W/High-res/Ceremony/IMG_0006.jpg" || fail "GET of the take: $code"
code=$(dav -T "$SAMPLES/IMG_0002.jpg" "$U/High-res/Ceremony/IMG_0002.jpg")
[[ $code =~ ^(4|5) ]] || fail "a PUT past the allowance gave $code"
[ "$(charges)" = $((before + 1)) ] || fail "a refused WebDAV take charged"
ok "WebDAV: PUT into High-res/ takes (GET gives it); past the allowance refused ($code), nothing charged"

# COPY (what a file manager's copy and paste on the server is) and MOVE
# (its drag onto the folder) mark it; the photo stays in its set.
for method in COPY MOVE; do
    code=$(dav -X $method -H "Destination: $U/Private/Ceremony/IMG_0006.jpg" "$U/Ceremony/IMG_0006.jpg")
    [[ $code =~ ^20[14]$ ]] || fail "$method into Private/: $code $(cat "$S/body")"
    [ "$(private_of IMG_0006.jpg)" = 1 ] || fail "the WebDAV $method did not mark"
    wait_for 10 gone "$gg" || fail "the live guest still sees IMG_0006 after the WebDAV $method"
    wait_for 5 there "$MD/$W/Ceremony/IMG_0006.jpg" || fail "the photo left its set after $method"
    code=$(dav -X DELETE "$U/Private/Ceremony/IMG_0006.jpg")
    [ "$code" = 204 ] || fail "DELETE in Private/: $code"
    [ "$(private_of IMG_0006.jpg)" = 0 ] || fail "the WebDAV DELETE did not unmark"
    wait_for 10 there "$gg" || fail "the live guest did not get IMG_0006 back"
done
code=$(curl -sS -u dav:wrong -o /dev/null -w '%{http_code}' -T "$SAMPLES/IMG_0002.jpg" "$U/Favourites/Ceremony/IMG_0002.jpg")
[ "$code" = 401 ] || fail "a wrong WebDAV password gave $code"
! favourites_of dav@example.com | grep -q IMG_0002.jpg || fail "a wrong password favourited"
ok "WebDAV: COPY or MOVE into Private/ hides from a live guest, DELETE unhides; a wrong password 401"

stop_servers
finish
