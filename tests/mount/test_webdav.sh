#!/usr/bin/env bash
# test_webdav.sh — a share link from anywhere, over WebDAV (issue 10 item
# 1; docs/reexport.md "Share links over WebDAV"). dist/albumfs-webdav, the
# recipe itself, runs a link gateway and `rclone serve webdav` as an
# account of its own on 127.0.0.1; guests log in with the link's token as
# user name and its password.
#   - curl (PROPFIND Depth 1, GET) and a davfs2 mount: the link's albums,
#     every file byte for byte what a local `--link-file` mount gives;
#   - a wrong password: 401, recorded; wrong passwords in a loop wait
#     their turns (albumfs's back-off); a token with a character changed,
#     a link without a password: 401;
#   - a second link on the same server sees only its own gallery;
#   - hidden things (client-only and team sets, a private photo, another
#     album, download folders) and `..`, %2F, %2e%2e: never a listing or a
#     file;
#   - one link, two doors (issue 12): TOKEN logs in at the guest door,
#     TOKEN-client at the client door (each its own session and view); the
#     other door's password is refused and recorded as a wrong password
#     with the door tried; revoking the link ends both sessions;
#   - revoking a link, or its expiry, ends its remote session within
#     seconds (polled);
#   - the token and the password in no log (rclone's, albumfs's), in the
#     activity only as link:ID, not in ps, not in files others can read;
#   - another local user cannot enter the gateway mount or use its socket;
#     the mount's root lists nothing; albumfs-link-login refuses bad input
#     and a socket it cannot trust; a stale socket is replaced at start.
# Skipped (exit 77) without rclone, mount.davfs and curl
# (scripts/install-deps.sh installs them).
source "$(dirname "$0")/lib.sh"

for tool in rclone mount.davfs curl setpriv; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed (scripts/install-deps.sh installs it)"
        exit 77
    fi
done

GW_USER=albumfs-wd OTHER_USER=albumfs-wo
unix_users $GW_USER $OTHER_USER
AS_GW=$(as_user $GW_USER) AS_OTHER=$(as_user $OTHER_USER)
LOGIN=$(dirname "$ALBUMFS")/albumfs-link-login
WEBDAV=$TESTS_DIR/../dist/albumfs-webdav

standard_library
CAT=$ALBUMFS_LIBRARY/catalog.db
secret_file() { (umask 077 && printf '%s\n' "$2" >"$S/$1") && echo "$S/$1"; }
PW_A='correct horse battery' PW_B='another staple 42'
TOKEN_A=$(ctl link create "$W" --password-file "$(secret_file pw-a "$PW_A")")
TOKEN_B=$(ctl link create "$OTHER" --password-file "$(secret_file pw-b "$PW_B")")
TOKEN_C=$(ctl link create "$W" --password-file "$(secret_file pw-c "$PW_A")")
link_id() { # link_id TOKEN-ORDER: the id of the Nth link made (1: $TOKEN)
    sqlite3 "$CAT" "SELECT id FROM links ORDER BY id LIMIT 1 OFFSET $(($1 - 1))"
}
LINK_A=$(link_id 2) LINK_B=$(link_id 3) LINK_C=$(link_id 4)
grant_of() { sqlite3 "$CAT" "SELECT id FROM grants WHERE link_id = $1"; }

# What a local link mount gives: the reference.
secret_file tok-a "$TOKEN_A" >/dev/null
mount_fs "$S/local-a" --link-file "$S/tok-a" --password-file "$S/pw-a"
tree_digest "$S/local-a" >"$S/local-a.digest"
[ "$(wc -l <"$S/local-a.digest")" -ge 5 ] || fail "the local link mount holds too little: $(cat "$S/local-a.digest")"
umount_fs "$S/local-a"

# ---- the recipe: gateway + rclone ------------------------------------------
GW=$S/gw PORT=$(free_port)
URL=http://127.0.0.1:$PORT
MOUNTS+=("$GW/links")
setsid env ALBUMFS="$ALBUMFS" ALBUMFS_LINK_LOGIN="$LOGIN" "$WEBDAV" --user $GW_USER \
    --listen "127.0.0.1:$PORT" --dir "$GW" --log-file "$S/gateway.log" >"$S/webdav.out" 2>&1 &
EXTRA_PIDS+=("$!")
wait_for 30 listening "$PORT" || fail "rclone did not listen: $(cat "$S/webdav.out" "$S/gateway.log")"
GW_PID=$(daemon_pid_of "$GW/links")
[ -n "$GW_PID" ] || fail "no gateway daemon serves $GW/links"
[ "$(stat -c '%U %a %F' "$GW/login.sock")" = "$GW_USER 600 socket" ] ||
    fail "the socket is $(stat -c '%U %a %F' "$GW/login.sock")"
ok "albumfs-webdav: a gateway on $GW/links and rclone on $URL, as $GW_USER"

# dav USER:PASS METHOD PATH [curl args]: the HTTP status; the body in $S/body.
dav() {
    local auth=$1 method=$2 path=$3
    shift 3
    curl -s --path-as-is -o "$S/body" -w '%{http_code}' -u "$auth" -X "$method" "$@" "$URL$path"
}
propfind() { dav "$1" PROPFIND "$2" -H 'Depth: 1'; }
hrefs() { grep -o '<D:href>[^<]*' "$S/body" | sed 's/<D:href>//' | sort; }
urlpath() { "$PYTHON" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
WQ=$(urlpath "$W")

# ---- a guest with the token and the password ---------------------------------
st=$(propfind "$TOKEN_A:$PW_A" /)
[ "$st" = 207 ] || fail "PROPFIND / as link A: $st $(head -c 300 "$S/body")"
[ "$(hrefs | tr '\n' ' ')" = "/ /$WQ/ " ] || fail "link A's root lists $(hrefs | tr '\n' ' ')"
st=$(propfind "$TOKEN_A:$PW_A" "/$WQ/")
[ "$(hrefs | tr '\n' ' ')" = "/$WQ/ /$WQ/Ceremony/ /$WQ/Photos/ /$WQ/READ%20ME.txt " ] || fail "the album lists $(hrefs | tr '\n' ' ')"
# Every file, byte for byte, with GET.
while read -r size sum path; do
    st=$(dav "$TOKEN_A:$PW_A" GET "/$(urlpath "${path#./}")")
    [ "$st" = 200 ] || fail "GET $path: $st"
    [ "$(stat -c %s "$S/body") $(sha256sum <"$S/body" | cut -c1-64)" = "$size $sum" ] ||
        fail "GET $path gives other bytes than the local mount"
done <"$S/local-a.digest"
ok "curl: PROPFIND lists link A's album, GET gives every file byte for byte ($(wc -l <"$S/local-a.digest") files)"

# The session folder: one per link, the same on a new login.
SESSION_A=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_A" "$PW_A" | $AS_GW "$LOGIN" "$GW/login.sock")
[[ $SESSION_A =~ ^\{\"type\":\"local\",\"_root\":\"$GW/links/[0-9a-f]{32}\"\}$ ]] ||
    fail "albumfs-link-login answered $SESSION_A"
again=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_A" "$PW_A" | $AS_GW "$LOGIN" "$GW/login.sock")
[ "$again" = "$SESSION_A" ] || fail "a second login got another folder: $again"
SDIR_A=$(sed -E 's/.*"_root":"([^"]*)".*/\1/' <<<"$SESSION_A")
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-login' AND actor = 'link:$LINK_A' AND detail = 'WebDAV'")" -ge 2 ] ||
    fail "logins not recorded: $(sqlite3 "$CAT" "SELECT kind, actor, detail FROM activity WHERE kind LIKE 'link-login%'")"
ok "one session folder per link ($(basename "$SDIR_A")), the same on every login; logins recorded"

# ---- davfs2: a real WebDAV client mount -------------------------------------
DAV=$S/dav
mkdir -p "$DAV"
secret_file davfs2.secrets "$URL/ $TOKEN_A \"$PW_A\"" >/dev/null
# buf_size 64: with the default (16 KiB) davfs2 1.6 cannot list a folder on
# Linux 6.16 and later ("reading directory: Invalid argument";
# github.com/alisarctl/davfs2 issue 22).
cat >"$S/davfs2.conf" <<EOF
secrets $S/davfs2.secrets
ask_auth 0
use_locks 0
buf_size 64
EOF
MOUNTS+=("$DAV")
mount -t davfs "$URL/" "$DAV" -o ro,conf="$S/davfs2.conf" </dev/null >"$S/davfs.out" 2>&1 ||
    fail "mount -t davfs: $(cat "$S/davfs.out")"
rm -rf "$S/dav-copy"
cp -r "$DAV" "$S/dav-copy"
tree_digest "$S/dav-copy" >"$S/dav.digest"
umount "$DAV"
diff "$S/local-a.digest" "$S/dav.digest" >/dev/null ||
    fail "davfs2 gives other files: $(diff "$S/local-a.digest" "$S/dav.digest" | head -5)"
ok "davfs2: mount -t davfs with the token and password in a secrets file; cp -r equals the local link mount"

# ---- refusals -----------------------------------------------------------------
wrong_count() { sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-password-wrong' AND actor = 'link:$1'"; }
st=$(propfind "$TOKEN_C:wrong password" /)
[ "$st" = 401 ] || fail "a wrong password: $st"
[ "$(wrong_count "$LINK_C")" = 1 ] || fail "the wrong password is not recorded"
# In a loop: each try waits its turn, 0.25 s after the one before, doubling
# per recent failure; the 2nd to 5th turns are at least 0.5 + 1 + 2 s apart
# (a lower bound: a slow machine only adds to it).
t0=$(now_ms)
for i in 1 2 3 4; do
    st=$(propfind "$TOKEN_C:wrong password $i" /)
    [ "$st" = 401 ] || fail "wrong password $i: $st"
done
elapsed=$(($(now_ms) - t0))
[ "$elapsed" -ge 3500 ] || fail "four wrong passwords took only $elapsed ms: no back-off"
[ "$(wrong_count "$LINK_C")" = 5 ] || fail "$(wrong_count "$LINK_C") of 5 wrong passwords recorded"
ok "wrong passwords: 401, each recorded, in a loop they wait their turns ($elapsed ms for four)"

# While link A's login is cached by rclone (5 minutes after its last use),
# rclone checks a repeated login's password itself (a SHA-256 of the one
# that logged in): a wrong one is still refused, though albumfs does not
# see it (docs/reexport.md, "rclone's own limits").
before=$(wrong_count "$LINK_A")
st=$(propfind "$TOKEN_A:$PW_A but wrong" /)
[ "$st" = 401 ] || fail "a wrong password for a logged-in link: $st"
[ "$(wrong_count "$LINK_A")" = "$before" ] || fail "rclone passed a cached link's wrong password on (docs say it does not)"

changed=${TOKEN_A:0:10}$([ "${TOKEN_A:10:1}" = a ] && echo b || echo a)${TOKEN_A:11}
for auth in "$changed:$PW_A" "${TOKEN_A}x:$PW_A" "${TOKEN_A:1}:$PW_A" "$TOKEN:anything1" \
    "$TOKEN:" ":$PW_A" "$(printf 'x%.0s' {1..300}):$PW_A"; do
    st=$(propfind "$auth" /)
    [ "$st" = 401 ] || fail "PROPFIND with a bad login (${auth:0:12}...): $st"
done
st=$(curl -s -o /dev/null -w '%{http_code}' -X PROPFIND -H 'Depth: 1' "$URL/")
[ "$st" = 401 ] || fail "no credentials: $st"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-login-refused' AND actor = 'link:1'")" -ge 1 ] ||
    fail "the password-less link's refusal is not recorded"
ok "a wrong password for a logged-in link, a token with a character changed, cut or lengthened, a link without a password, no credentials: 401"

# ---- a second link: its own gallery only -----------------------------------------
st=$(propfind "$TOKEN_B:$PW_B" /)
[ "$(hrefs | tr '\n' ' ')" = "/ /$(urlpath "$OTHER")/ " ] || fail "link B's root lists $(hrefs | tr '\n' ' ')"
st=$(propfind "$TOKEN_B:$PW_B" "/$WQ/")
[ "$st" = 404 ] || fail "link B reaches link A's album: $st"
ok "a second link on the same server sees only its own album"

# ---- hidden things and paths that climb -------------------------------------------
for p in "/$WQ/Getting%20Ready/" "/$WQ/Outtakes/" "/$WQ/Getting%20Ready/IMG_0003.jpg" \
    "/$WQ/Ceremony/IMG_0005.jpg" "/$WQ/Outtakes/IMG_0004.jpg" "/$(urlpath "$OTHER")/" \
    "/$WQ/Favourites/" "/$WQ/High-res/" "/$WQ/Web-size/" "/$(basename "$SDIR_A")/"; do
    for m in PROPFIND GET; do
        st=$(dav "$TOKEN_A:$PW_A" $m "$p" -H 'Depth: 1')
        [ "$st" = 404 ] || fail "$m $p: $st"
    done
done
# Climbing out: never another session, the mount's root or the host.
for p in "/../" "/%2e%2e/" "/%2e%2e%2f" "/$WQ/..%2f..%2f" "/$WQ%2f..%2f..%2f" \
    "/..%2F$(basename "$SDIR_A")/" "/%2F/" "/../../../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd"; do
    st=$(dav "$TOKEN_A:$PW_A" PROPFIND "$p" -H 'Depth: 1')
    case $st in
    207) # the path cleaned to the session's own root: nothing beyond it
        [ "$(hrefs | tr '\n' ' ')" = "/ /$WQ/ " ] || fail "PROPFIND $p lists $(hrefs | tr '\n' ' ')" ;;
    400 | 403 | 404) ;;
    *) fail "PROPFIND $p: $st" ;;
    esac
    st=$(dav "$TOKEN_A:$PW_A" GET "$p")
    ! grep -q "root:" "$S/body" || fail "GET $p gave /etc/passwd"
done
long=$(printf 'n%.0s' {1..300})
st=$(dav "$TOKEN_A:$PW_A" PROPFIND "/$WQ/$long" -H 'Depth: 1')
[ "$st" = 404 ] || fail "an over-long name: $st"
for m in PUT MKCOL DELETE; do
    st=$(dav "$TOKEN_A:$PW_A" $m "/$WQ/Ceremony/.DS_Store" --data x)
    [ "$st" -ge 400 ] || fail "$m of junk: $st"
done
ok "hidden sets, photos, albums and folders: 404 by name; .., %2F, %2e%2e stay in the session; writes refused"

# ---- the secrets: in no log, not in ps, not in files others can read ---------------
secrets_absent() { # secrets_absent WHAT FILE...
    local what=$1 s
    shift
    for s in "$TOKEN_A" "$PW_A" "$TOKEN_B" "$PW_B" "$TOKEN_C"; do
        ! grep -qaF -- "$s" "$@" || fail "a token or password in $what"
    done
}
secrets_absent "rclone's output" "$S/webdav.out"
secrets_absent "the gateway's log" "$S/gateway.log"
sqlite3 "$CAT" ".dump activity" >"$S/activity.sql"
secrets_absent "the activity" "$S/activity.sql"
ps -eo args >"$S/ps.txt"
secrets_absent "ps" "$S/ps.txt"
cat /proc/[0-9]*/environ >"$S/environ.txt" 2>/dev/null || true
secrets_absent "a process's environment" "$S/environ.txt"
find "$S" -type f -perm -o=r -size -1M -print0 | xargs -r -0 grep -laF -e "$TOKEN_A" -e "$PW_A" \
    >"$S/readable.txt" 2>/dev/null || true
[ ! -s "$S/readable.txt" ] || fail "files others can read hold a secret: $(cat "$S/readable.txt")"
ok "tokens and passwords: not in rclone's or albumfs's log, the activity, ps, environments or readable files"

# ---- other local users; the mount's root ---------------------------------------------
out=$(AS="$AS_OTHER" sysop stat "$SDIR_A")
[ "$out" = EACCES ] || fail "another user's stat of a session folder: $out"
out=$(AS="$AS_OTHER" sysop listdir "$GW/links")
[ "$out" = EACCES ] || fail "another user lists the gateway: $out"
out=$(AS="$AS_GW" sysop listdir "$GW/links")
[ "$out" = EACCES ] || fail "the gateway's account lists the mount's root: $out"
[ "$(ls -A "$GW/links")" = "" ] || fail "root lists the gateway's root: $(ls -A "$GW/links")"
out=$($AS_OTHER "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1]); print("connected")
except OSError as e:
    print(e.errno)' "$GW/login.sock")
[ "$out" = 13 ] || fail "another user connecting to the socket: $out"
out=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_A" "$PW_A" | $AS_OTHER "$LOGIN" "$GW/login.sock" 2>&1) &&
    fail "albumfs-link-login as another user: $out"
grep -q "not to be trusted" <<<"$out" || fail "albumfs-link-login as another user said: $out"
ok "another user cannot enter the gateway mount or use its socket; its root lists nothing"

# ---- albumfs-link-login's bad input ----------------------------------------------------
login_refused() { # login_refused INPUT
    local out rc=0
    out=$(printf '%s' "$1" | $AS_GW "$LOGIN" "$GW/login.sock" 2>&1) || rc=$?
    [ "$rc" = 1 ] || fail "albumfs-link-login accepted (${1:0:40}...): $out"
    ! grep -qF -e "$TOKEN_A" -e "$PW_A" <<<"$out" || fail "albumfs-link-login printed a secret"
}
for input in "" "{" "[]" '{"user": "'"$TOKEN_A"'"}' '{"pass": "'"$PW_A"'"}' \
    '{"user": "'"$TOKEN_A"'", "public_key": "AAAA"}' \
    '{"user": "'"$TOKEN_A"'", "pass": "'"$PW_A"'", "user": "'"$TOKEN_A"'"}' \
    '{"user": "'"$TOKEN_A"'", "pass": "'"$PW_A"'"} trailing' \
    '{"user": "'"$TOKEN_A"'", "pass": "correct\u0000horse"}' \
    '{"user": "'"$TOKEN_A"'", "pass": "\ud800"}' \
    '{"user": "'"$TOKEN_A"'", "pass": "'"$(printf 'p%.0s' {1..1100})"'"}' \
    '{"user": 1, "pass": "'"$PW_A"'"}'; do
    login_refused "$input"
done
# Escapes decode: the password with "\u0020" for its blanks still logs in.
esc=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_A" "${PW_A// /\\u0020}")
[ "$(printf '%s' "$esc" | $AS_GW "$LOGIN" "$GW/login.sock")" = "$SESSION_A" ] ||
    fail "an escaped password did not log in"
# The daemon's side: requests the program would never send are answered NO.
out=$($AS_GW "$PYTHON" -c '
import socket, sys
t, p = sys.argv[2].encode(), sys.argv[3].encode()
for req in [b"", t, t + b"\0", t + b"\0" + p, t + b"\0" + p + b"\0x", b"\0" + p + b"\0",
            t + b"\0" + p + b"\0\0", t + b"\0" + b"p" * 1100 + b"\0", b"x" * 5000]:
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    try:
        s.sendall(req)
        s.shutdown(socket.SHUT_WR)
        print(s.recv(100).decode().strip() or "closed")
    except OSError:
        print("NO")
    s.close()' "$GW/login.sock" "$TOKEN_A" "$PW_A" | sort -u)
[ "$out" = NO ] || fail "malformed requests on the socket were answered: $out"
# A socket it cannot trust: missing, or a file of another owner (root runs
# it here: the socket is the gateway account's).
out=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_A" "$PW_A" | $AS_GW "$LOGIN" "$S/no-such.sock" 2>&1) &&
    fail "a missing socket: $out"
out=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_A" "$PW_A" | "$LOGIN" "$GW/login.sock" 2>&1) &&
    fail "a socket owned by another account was trusted: $out"
ok "albumfs-link-login and the socket: malformed, partial, duplicate, over-long input and untrusted sockets refused"

# ---- revocation and expiry end the remote session ----------------------------------------
session_ended() { # session_ended USER:PASS: PROPFIND of the root no longer lists an album
    local st
    st=$(propfind "$1" /)
    [ "$st" != 207 ] || ! grep -q "$WQ\|$(urlpath "$OTHER")" "$S/body"
}
# ---- one link, two doors (issue 12): the user name names the door ---------------------------
PW_E='the client door 77'
TOKEN_E=$(ctl link create "$W" --password-file "$S/pw-a" --client-password-file "$(secret_file pw-e "$PW_E")")
LINK_E=$(sqlite3 "$CAT" "SELECT link_id FROM link_doors") DOOR_E=$(sqlite3 "$CAT" "SELECT client_link_id FROM link_doors")
st=$(propfind "$TOKEN_E:$PW_A" "/$WQ/")
[ "$(hrefs | tr '\n' ' ')" = "/$WQ/ /$WQ/Ceremony/ /$WQ/Photos/ /$WQ/READ%20ME.txt " ] ||
    fail "link E's guest door lists $(hrefs | tr '\n' ' ')"
st=$(propfind "$TOKEN_E-client:$PW_E" "/$WQ/")
[ "$(hrefs | tr '\n' ' ')" = "/$WQ/ /$WQ/Ceremony/ /$WQ/Favourites/ /$WQ/Getting%20Ready/ /$WQ/Photos/ /$WQ/Private/ /$WQ/READ%20ME.txt " ] ||
    fail "link E's client door lists $(hrefs | tr '\n' ' ')"
st=$(dav "$TOKEN_E-client:$PW_E" GET "/$WQ/Ceremony/IMG_0005.jpg")
[ "$st" = 200 ] || fail "the client door cannot GET the private photo: $st"
for p in "/$WQ/Getting%20Ready/" "/$WQ/Ceremony/IMG_0005.jpg" "/$WQ/Favourites/"; do
    st=$(dav "$TOKEN_E:$PW_A" GET "$p")
    [ "$st" = 404 ] || fail "the guest door reaches $p: $st"
done
SESSION_EG=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_E" "$PW_A" | $AS_GW "$LOGIN" "$GW/login.sock")
SESSION_EC=$(printf '{"user": "%s-client", "pass": "%s"}' "$TOKEN_E" "$PW_E" | $AS_GW "$LOGIN" "$GW/login.sock")
[ -n "$SESSION_EG" ] && [ -n "$SESSION_EC" ] && [ "$SESSION_EG" != "$SESSION_EC" ] ||
    fail "the two doors share a session folder: $SESSION_EG $SESSION_EC"
[ "$(sqlite3 "$CAT" "SELECT count(*) FROM activity WHERE kind = 'link-login' AND actor = 'link:$DOOR_E'")" -ge 1 ] ||
    fail "the client door's login is not recorded as link:$DOOR_E"
# The other door's password, at either door, is a wrong password: 401 and
# recorded on the link, saying which door was tried (fresh logins: a user
# name rclone has not cached).
before=$(wrong_count "$LINK_E")
for auth in "$TOKEN_E:$PW_E" "$TOKEN_E-client:$PW_A" "$TOKEN_E-client:wrong password"; do
    out=$(printf '{"user": "%s", "pass": "%s"}' "${auth%%:*}" "${auth#*:}" | $AS_GW "$LOGIN" "$GW/login.sock" 2>&1) &&
        fail "a wrong door's login was let in (${auth:50:10}...): $out"
    [ "$out" = "albumfs-link-login: login refused" ] || fail "a wrong door's login said: $out"
done
[ "$(wrong_count "$LINK_E")" = $((before + 3)) ] || fail "wrong doors recorded: $(wrong_count "$LINK_E") (before: $before)"
[ "$(sqlite3 "$CAT" "SELECT detail FROM activity WHERE kind = 'link-password-wrong' AND actor = 'link:$LINK_E' ORDER BY id" | sort | uniq -c | sed 's/^ *//' | tr '\n' ';')" = \
  "2 link:$LINK_E, tried on the client door;1 link:$LINK_E, tried on the guest door;" ] ||
    fail "wrong doors recorded as: $(sqlite3 "$CAT" "SELECT detail FROM activity WHERE kind = 'link-password-wrong' AND actor = 'link:$LINK_E'")"
ok "two doors over WebDAV: TOKEN the guest door, TOKEN-client the client door, each its own session; the other door's password refused and recorded as wrong"
# Revoking link E ends both doors' sessions.
ctl revoke "$(grant_of "$LINK_E")" >/dev/null
t0=$(now_ms)
wait_for 30 session_ended "$TOKEN_E:$PW_A" || fail "link E's guest session still lists its album 30 s after revoke"
wait_for 30 session_ended "$TOKEN_E-client:$PW_E" || fail "link E's client session still lists its album 30 s after revoke"
ok "revoked: both doors' remote sessions ended after $(($(now_ms) - t0)) ms (polled)"

propfind "$TOKEN_A:$PW_A" "/$WQ/Ceremony/" >/dev/null
ctl revoke "$(grant_of "$LINK_A")" >/dev/null
t0=$(now_ms)
wait_for 30 session_ended "$TOKEN_A:$PW_A" || fail "link A's session still lists its album 30 s after revoke"
ok "revoked: link A's remote session ended after $(($(now_ms) - t0)) ms (polled)"
st=$(dav "$TOKEN_A:$PW_A" GET "/$WQ/Ceremony/IMG_0001.jpg")
[ "$st" != 200 ] || fail "a photo still downloads after revoke"
out=$(printf '{"user": "%s", "pass": "%s"}' "$TOKEN_A" "$PW_A" | $AS_GW "$LOGIN" "$GW/login.sock" 2>&1) &&
    fail "a revoked link logs in: $out"
[ ! -e "$SDIR_A" ] || fail "the revoked session's folder is still there (for root)"

TOKEN_D=$(ctl link create "$W" --password-file "$S/pw-a" --expires 25s)
st=$(propfind "$TOKEN_D:$PW_A" "/$WQ/")
[ "$st" = 207 ] || fail "link D before its expiry: $st"
t0=$(now_ms)
wait_for 60 session_ended "$TOKEN_D:$PW_A" || fail "link D's session still lists its album 60 s after creation"
ok "expired: link D's remote session ended $(($(now_ms) - t0)) ms after the check (polled)"
st=$(propfind "$TOKEN_B:$PW_B" /)
[ "$st" = 207 ] || fail "link B lost its session too: $st"

# ---- TLS: rclone terminates it (--cert/--key) ----------------------------------------------
if command -v openssl >/dev/null; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -addext "subjectAltName=IP:127.0.0.1" -keyout "$S/tls.key" -out "$S/tls.crt" 2>/dev/null
    chown $GW_USER "$S/tls.key" # rclone reads it as the gateway's account
    TLSPORT=$(free_port)
    MOUNTS+=("$S/gw2/links")
    setsid env ALBUMFS="$ALBUMFS" ALBUMFS_LINK_LOGIN="$LOGIN" "$WEBDAV" --user $GW_USER \
        --listen "127.0.0.1:$TLSPORT" --dir "$S/gw2" --cert "$S/tls.crt" --key "$S/tls.key" \
        --log-file "$S/gateway2.log" >"$S/webdav2.out" 2>&1 &
    EXTRA_PIDS+=("$!")
    wait_for 30 listening "$TLSPORT" || fail "rclone with TLS did not listen: $(cat "$S/webdav2.out")"
    st=$(curl -s --cacert "$S/tls.crt" -o "$S/body" -w '%{http_code}' -u "$TOKEN_B:$PW_B" \
        -X PROPFIND -H 'Depth: 1' "https://127.0.0.1:$TLSPORT/")
    [ "$st" = 207 ] && [ "$(hrefs | tr '\n' ' ')" = "/ /$(urlpath "$OTHER")/ " ] ||
        fail "PROPFIND over HTTPS: $st $(hrefs | tr '\n' ' ')"
    st=$(curl -s -o /dev/null -w '%{http_code}' -u "$TOKEN_B:$PW_B" -X PROPFIND \
        "http://127.0.0.1:$TLSPORT/" || true) # curl fails: no HTTP answer
    [ "$st" != 207 ] || fail "plain HTTP answered on the TLS port"
    ok "albumfs-webdav --cert/--key: HTTPS with the link's credentials; plain HTTP is not served there"
fi

# ---- stop, a stale socket, restart ---------------------------------------------------------
stop_servers
for ((i = 0; i < 100; i++)); do mountpoint -q "$S/gw2/links" 2>/dev/null || break; sleep 0.1; done
for ((i = 0; i < 100; i++)); do running "$GW_PID" || break; sleep 0.1; done
running "$GW_PID" && fail "the gateway daemon still runs after albumfs-webdav stopped"
! mountpoint -q "$GW/links" || fail "albumfs-webdav left its mount"
[ ! -e "$GW/login.sock" ] || fail "the socket was left behind"
bad=$(grep -vE -- "$ROUTINE_LOG" "$S/gateway.log" || true)
[ -z "$bad" ] || fail "the gateway logged: $bad"
"$PYTHON" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$GW/login.sock"
mount_fs "$GW/links" --link-gateway --gateway-user $GW_USER --gateway-socket "$GW/login.sock"
[ "$(stat -c '%U %a' "$GW/login.sock")" = "$GW_USER 600" ] || fail "the stale socket was not replaced"
mount_refused "$S/second" "another albumfs gateway answers on its socket" \
    --link-gateway --gateway-user $GW_USER --gateway-socket "$GW/login.sock"
umount_fs "$GW/links"
touch "$GW/login.sock"
mount_refused "$GW/links" "holds something else than a socket" --link-gateway --gateway-user $GW_USER \
    --gateway-socket "$GW/login.sock"
rm "$GW/login.sock"
mkdir -m 0777 "$S/open"
mount_refused "$GW/links" "may be changed by other users" --link-gateway --gateway-user $GW_USER \
    --gateway-socket "$S/open/login.sock"
mount_refused "$GW/links" "must not be root" --link-gateway --gateway-user root
mount_refused "$GW/links" "needs --gateway-user" --link-gateway
mount_refused "$GW/links" "no such account" --link-gateway --gateway-user no-such-account-here
mount_refused "$GW/links" "go with --link-gateway" --gateway-user $GW_USER
mount_refused "$GW/links" "choose one of" --link-gateway --gateway-user $GW_USER --multi-user
ok "a stale socket is replaced, a live one or a non-socket stops a second daemon; bad options refused"

finish
