#!/usr/bin/env bash
# test_service.sh — the daemon as a system service:
#   - as systemd runs it (Type=notify: in the foreground, $NOTIFY_SOCKET
#     set), it says READY=1 only once the mount serves, RELOADING=1 and
#     READY=1 around a SIGHUP's reload, STOPPING=1 when stopped; a listener
#     on a real datagram socket records each message with whether the mount
#     was up when it came;
#   - SIGHUP reloads instead of stopping: the log file moved away (as by
#     logrotate) is opened again by its name, the reload is logged there,
#     the mount goes on serving, a revocation still reaches it;
#   - start and stop are logged (one line each); nothing else without cause;
#   - the installed unit is Type=notify and verifies (systemd-analyze).
source "$(dirname "$0")/lib.sh"

standard_library
M=$S/client
mkdir -p "$M"
SOCK=$S/notify.sock
python3 - "$SOCK" "$S/notify.log" "$M" <<'EOF' &
import os, socket, sys
sock, log, mnt = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock)
with open(log, "a", buffering=1) as out:
    while True:
        msg = s.recv(4096).decode()
        up = any(line.split()[1] == mnt for line in open("/proc/mounts"))
        for field in msg.split("\n"):
            out.write("%s mounted=%d\n" % (field, up))
EOF
EXTRA_PIDS+=($!)
wait_for 10 there "$SOCK" || fail "the notify listener did not start"

# --- readiness, as systemd's Type=notify sees it
NOTIFY_SOCKET=$SOCK "$ALBUMFS" "$M" -f --user client@example.com --log-file "$M.err" 2>"$M.stderr" &
pid=$!
DAEMON_PID[$M]=$pid
DAEMON_CHILD[$M]=1
MOUNTS+=("$M")
wait_for 15 grep -q '^READY=1' "$S/notify.log" || fail "no READY=1 from the daemon: $(cat "$M.err")"
grep -qx 'READY=1 mounted=1' "$S/notify.log" || fail "READY=1 came before the mount was up: $(cat "$S/notify.log")"
listing_complete "$M/$W/Ceremony" 6 # five photos (one private, a client sees it) and a PDF
grep -qE "serving $ALBUMFS_LIBRARY on $M\$" "$M.err" || fail "the start is not logged: $(cat "$M.err")"
ok "Type=notify: READY=1 once the mount serves (and not before); the start logged"

# --- SIGHUP: a reload, the log file opened again by its name
mv "$M.err" "$M.err.1"
kill -HUP "$pid"
wait_for 10 grep -q 'SIGHUP: reloading' "$M.err" || fail "no reload logged in a new log file after SIGHUP"
running "$pid" || fail "SIGHUP stopped the daemon"
wait_for 10 grep -q '^RELOADING=1' "$S/notify.log" || fail "no RELOADING=1"
[ "$(grep -c '^READY=1' "$S/notify.log")" -ge 2 ] || wait_for 10 test "$(grep -c '^READY=1' "$S/notify.log")" -ge 2 ||
    fail "no READY=1 after the reload: $(cat "$S/notify.log")"
ls "$M/$W/Ceremony" | grep -q IMG_0001.jpg || fail "the mount does not serve after SIGHUP"
ctl revoke "$G_CLIENT" >/dev/null
wait_for 10 gone "$M/$W" || fail "a revocation after SIGHUP did not reach the mount"
ok "SIGHUP: reloaded, not stopped; the moved log file opened again; RELOADING=1/READY=1; revocations still arrive"

# --- stop: STOPPING=1, the stop logged, status 0
kill -TERM "$pid"
wait_for 10 gone "/proc/$pid" || fail "SIGTERM did not stop the daemon"
rc=0
wait "$pid" || rc=$?
DAEMON_PID[$M]=
[ "$rc" = 0 ] || fail "albumfs exited $rc on SIGTERM"
grep -q '^STOPPING=1' "$S/notify.log" || fail "no STOPPING=1: $(cat "$S/notify.log")"
grep -qE 'stopping \(.+\)$' "$M.err" || fail "the stop is not logged: $(cat "$M.err")"
cat "$M.err.1" >>"$M.err"
stderr_check "$M"
[ ! -s "$M.stderr" ] || ! grep -vqE -- "$ROUTINE_LOG" "$M.stderr" || fail "albumfs printed: $(cat "$M.stderr")"
ok "SIGTERM: STOPPING=1, the stop logged, exit 0; nothing else logged"

# --- without NOTIFY_SOCKET nothing is sent (the background start of every
# other test); a relative --log-file is opened again where it was, though
# the daemon moved to /
n=$(wc -l <"$S/notify.log")
mkdir -p "$S/plain"
(cd "$S" && "$ALBUMFS" plain --user client2@example.com --log-file plain.log) || fail "a background start failed"
pid=$(daemon_pid_of plain)
[ -n "$pid" ] || fail "no daemon serves $S/plain"
mv "$S/plain.log" "$S/plain.log.1"
kill -HUP "$pid"
wait_for 10 grep -q 'SIGHUP: reloading' "$S/plain.log" || fail "a relative log file was not opened again where it was"
[ ! -e /plain.log ] || { rm -f /plain.log; fail "the relative log file was opened again in /"; }
fusermount3 -u "$S/plain"
wait_for 10 gone "/proc/$pid" || fail "the daemon on $S/plain did not stop"
[ "$(wc -l <"$S/notify.log")" = "$n" ] || fail "a daemon without NOTIFY_SOCKET notified"
ok "no NOTIFY_SOCKET, no message; a relative --log-file is reopened where it was"

# --- the unit, as installed
if [ -n "${BUILD_DIR:-}" ] && command -v systemd-analyze >/dev/null; then
    unit=$S/inst/lib/systemd/system/albumfs@.service
    cmake --install "$BUILD_DIR" --prefix "$S/inst" >"$S/install.out" 2>&1 || fail "install: $(cat "$S/install.out")"
    grep -qx 'Type=notify' "$unit" || fail "the unit is not Type=notify"
    grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" || fail "the unit has no ExecReload"
    sed "s|^ExecStart=[^ ]*/albumfs|ExecStart=$ALBUMFS|" "$unit" >"$S/albumfs@.service"
    (cd "$S" && systemd-analyze verify --man=no ./albumfs@srv-galleries.service) >"$S/verify.out" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$S/verify.out")"
    ok "the installed unit: Type=notify, ExecReload sends SIGHUP, it verifies"
fi

finish
