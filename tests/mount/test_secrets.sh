#!/usr/bin/env bash
# test_secrets.sh — no secret on the command line (issue 7 finding 7) and no
# one-person mount open to others (finding 12).
# Daemons started the way people start them (no -f: albumfs returns once
# mounted and keeps running in the background): with --link-file the token
# never reaches argv; with --link TOKEN, -o link=TOKEN and --user EMAIL the
# daemon overwrites the values, so neither /proc/PID/cmdline nor `ps -eo
# args` shows the token or the address. `mount -t fuse.albumfs LIBRARY MNT
# -o link_file=F` (the fstab form) mounts the link. A token file others may
# read, an empty one, and --link with --link-file are refused; -o
# allow_other is refused on every one-person mount, -o allow_root on every
# mount, and --multi-user still takes allow_other.
source "$(dirname "$0")/lib.sh"

standard_library
EXE=$(readlink -f "$ALBUMFS")
# An address no other process on this machine names (other tests may run
# with the standard library's addresses on their command lines).
EMAIL=secret-$$-$RANDOM@example.com
ctl user add "$EMAIL" >/dev/null
ctl grant "$W" --user "$EMAIL" --role client $NP >/dev/null
TF=$S/token
(umask 077 && printf '%s\n' "$TOKEN" >"$TF")

# daemon_of MNT: the pid of the albumfs process serving MNT (its argv names
# MNT; its executable is ours).
daemon_of() {
    local p
    for p in /proc/[0-9]*; do
        if [ "$(readlink "$p/exe" 2>/dev/null)" = "$EXE" ] &&
            tr '\0' '\n' <"$p/cmdline" 2>/dev/null | grep -qxF -- "$1"; then
            echo "${p#/proc/}"
            return 0
        fi
    done
    return 1
}

# mount_bg MNT ARGS...: albumfs MNT ARGS... without -f; it must return 0
# with MNT mounted. Sets PID to the daemon left running.
mount_bg() {
    local m=$1
    shift
    mkdir -p "$m"
    MOUNTS+=("$m")
    "$ALBUMFS" "$m" "$@" 2>"$m.err" || fail "albumfs $m (background) failed: $(cat "$m.err")"
    mountpoint -q "$m" || fail "albumfs returned but $m is not mounted"
    PID=$(daemon_of "$m") || fail "no albumfs process serves $m"
    DAEMON_PID[$m]=$PID # the EXIT trap stops it whatever happens
}

# umount_bg MNT: unmount and wait for the daemon to go.
umount_bg() {
    local m=$1
    fusermount3 -u "$m" || fail "cannot unmount $m"
    wait_for 20 gone "/proc/${DAEMON_PID[$m]}" || fail "albumfs on $m still running after unmount"
    DAEMON_PID[$m]=
    ! grep -vqE -- "$ROUTINE_LOG" "$m.err" || fail "albumfs on $m said: $(cat "$m.err")"
}

# hidden PID SECRET...: neither the process's cmdline nor any line of
# `ps -eo args` (read into a file first: a grep for the secret would show
# it in its own argv) holds any SECRET.
hidden() {
    local pid=$1 s
    shift
    tr '\0' ' ' <"/proc/$pid/cmdline" >"$S/cmdline"
    ps -eo args >"$S/ps"
    for s in "$@"; do
        ! grep -qF -- "$s" "$S/cmdline" || fail "/proc/$pid/cmdline shows a secret: $(cat "$S/cmdline")"
        ! grep -qF -- "$s" "$S/ps" || fail "ps shows a secret: $(grep -F -- "$s" "$S/ps")"
    done
}

# --- --link-file: the token is read from a private file, never in argv
M=$S/linkfile
mount_bg "$M" --link-file "$TF"
[ "$(ls "$M")" = "$W" ] || fail "link root through --link-file: $(ls "$M")"
[ "$(ls "$M/$W")" = "$(printf '%s\n' Ceremony Photos "READ ME.txt")" ] || fail "link album: $(ls "$M/$W")"
hidden "$PID" "$TOKEN"
umount_bg "$M"
ok "--link-file F: the link's view; the token is in no process's arguments"

# --- secrets given on the command line are overwritten once parsed
M=$S/linkarg
mount_bg "$M" --link "$TOKEN"
[ "$(ls "$M")" = "$W" ] || fail "link root through --link: $(ls "$M")"
hidden "$PID" "$TOKEN"
grep -qF -- "--link xxxxxxxx" "$S/cmdline" || fail "--link's value not overwritten: $(cat "$S/cmdline")"
umount_bg "$M"
M=$S/linkopt
mount_bg "$M" -o "readahead=0,link=$TOKEN"
[ "$(ls "$M")" = "$W" ] || fail "link root through -o link=: $(ls "$M")"
hidden "$PID" "$TOKEN"
grep -qF -- "readahead=0,link=xxxx" "$S/cmdline" || fail "-o link= not overwritten: $(cat "$S/cmdline")"
umount_bg "$M"
M=$S/user
mount_bg "$M" --user="$EMAIL"
[ "$(ls "$M")" = "$W" ] || fail "client root through --user=: $(ls "$M")"
hidden "$PID" "$EMAIL"
umount_bg "$M"
M=$S/person
mount_bg "$M" -o "person=$EMAIL"
hidden "$PID" "$EMAIL"
umount_bg "$M"
ok "--link TOKEN, -o link=, --user=EMAIL, -o person=: ps and /proc/PID/cmdline show none of them"

# --- token files that are not private, empty or given twice: refused
cp "$TF" "$S/token644" && chmod 0644 "$S/token644"
mount_refused "$S/tf644" "may be read or changed by others" --link-file "$S/token644"
grep -qF "chmod 600 $S/token644" "$S/tf644.refused" || fail "no fix given: $(cat "$S/tf644.refused")"
cp "$TF" "$S/token640" && chmod 0640 "$S/token640"
mount_refused "$S/tf640" "may be read or changed by others" --link-file "$S/token640"
(umask 077 && : >"$S/token-empty")
mount_refused "$S/tfempty" "holds no token on its first line" --link-file "$S/token-empty"
mount_refused "$S/tfnone" "cannot read the link file" --link-file "$S/no-such-file"
mount_refused "$S/tftwice" "give the link once" --link "$TOKEN" --link-file "$TF"
mount_refused "$S/tfuser" "choose one of" --user "$EMAIL" --link-file "$TF"
(umask 077 && printf '  %s  \r\nsecond line\n' "${TOKEN%????}aaaa" >"$S/token-bad")
mount_refused "$S/tfbad" "no such link" --link-file "$S/token-bad"
ok "token files others can read, empty, missing or wrong, and a token given twice: refused"

# --- allow_other only on --multi-user; allow_root never
mount_refused "$S/ao-owner" "allow_other would let every local user" -o allow_other
mount_refused "$S/ao-user" "allow_other would let every local user" --user "$EMAIL" -o allow_other
mount_refused "$S/ao-link" "allow_other would let every local user" --link-file "$TF" -o ro,allow_other
mount_refused "$S/ar-user" "allow_root is refused" --user "$EMAIL" -o allow_root
mount_refused "$S/ar-multi" "allow_root is refused" --multi-user -o allow_root
M=$S/multi
mount_bg "$M" --multi-user -o allow_other
grep -q "^albumfs $M fuse.albumfs .*allow_other" /proc/mounts || fail "multi-user mount without allow_other"
umount_bg "$M"
ok "-o allow_other refused on owner, user and link mounts; allow_root refused; --multi-user keeps allow_other"

# --- the fstab form: mount -t fuse.albumfs LIBRARY MNT -o link_file=F
M=$S/fstab
rc=0
mount_helper "$M" "link_file=$TF" 'ls "$m" >"$out.ls" && ps -eo args >"$out.ps"' || rc=$?
if [ "$rc" = 77 ]; then
    echo "SKIP: mount -t fuse.albumfs: cannot make a private mount namespace here (unshare -m)"
else
    [ "$(cat "$M.helper.ls")" = "$W" ] || fail "fstab-form link mount root: $(cat "$M.helper.ls")"
    ! grep -qF -- "$TOKEN" "$M.helper.ps" || fail "ps shows the token: $(grep -F -- "$TOKEN" "$M.helper.ps")"
    wait_for 20 eval '! pgrep -f -- "$M" >/dev/null' || fail "albumfs did not exit after umount"
    ok "mount -t fuse.albumfs LIBRARY MNT -o link_file=F: the link's view, no token in ps"
fi

finish
