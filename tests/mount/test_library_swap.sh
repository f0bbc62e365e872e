#!/usr/bin/env bash
# test_library_swap.sh — a library that changes under the daemon (issue 14,
# item 3). A daemon serves from the catalog it opened only while that file
# is the library's catalog:
#   - an older catalog renamed over it (a restore, an rsync) that does not
#     know a person granted since: the daemon notices within seconds, says
#     so in its log, unmounts and exits (status 1, so a service manager
#     starts it again on the library as it is); mounted again, that person
#     is refused, as the catalog now says;
#   - the library deleted under a mount: the same, and nothing more is
#     acknowledged into the deleted catalog;
#   - (a library folder moved away and back is not a change: test_robust.)
source "$(dirname "$0")/lib.sh"

standard_library
LIB=$ALBUMFS_LIBRARY
GONE="the catalog .*/catalog.db was (replaced|removed) under this mount; stopping"

# stops_within SECS MNT WORD: the daemon on MNT exits within SECS, its mount
# is gone and its log says the catalog was WORD. It runs in the background
# (nobody's child), so its log line stands for its exit status.
stops_within() {
    local secs=$1 m=$2 pid=${DAEMON_PID[$2]} i
    for ((i = 0; i < secs * 10; i++)); do running "$pid" || break; sleep 0.1; done
    ! running "$pid" || fail "the daemon on $m still runs $secs s after its catalog was $3"
    ! mountpoint -q "$m" || fail "$m is still mounted after its daemon stopped"
    grep -q "catalog.db was $3 under this mount; stopping" "$m.err" ||
        fail "the daemon on $m did not say why it stopped: $(cat "$m.err")"
    DAEMON_PID[$m]=
    stderr_check "$m"
}

# --- an older catalog renamed over the live one
sqlite3 "$LIB/catalog.db" ".backup '$LIB/catalog.before'" "PRAGMA journal_mode=DELETE" >/dev/null
sqlite3 "$LIB/catalog.before" "PRAGMA journal_mode=DELETE" >/dev/null
chmod 600 "$LIB/catalog.before"
ctl user add late@example.com >/dev/null
ctl grant "$W" --user late@example.com --role client $NP >/dev/null
M=$S/late
ALLOW_STDERR=$GONE mount_fs "$M" --user late@example.com
[ "$(ls "$M")" = "$W" ] || fail "the late client's root: $(ls "$M")"
mv "$LIB/catalog.before" "$LIB/catalog.db"
stops_within 10 "$M" replaced
mount_refused "$S/late2" "no such person in the catalog" --user late@example.com
M=$S/owner
mount_fs "$M"
ls "$M" | grep -qxF "$W" || fail "the owner's mount of the restored catalog: $(ls "$M")"
umount_fs "$M"
[ "$(sqlite3 "$LIB/catalog.db" "PRAGMA integrity_check")" = ok ] || fail "the restored catalog is damaged"
ok "a catalog renamed over the live one: the daemon stops and says why; mounted again, the catalog's truth"

# --- the library deleted under a mount (renders that were reading it as
# its files went may say so before the catalog goes)
M=$S/client
ALLOW_STDERR="$GONE|cannot render a view of [0-9a-f]+: cannot read the original" \
    mount_fs "$M" --user client@example.com
ls "$M/$W/Ceremony" >/dev/null
rm -rf "$LIB"
stops_within 10 "$M" removed
ok "a library deleted under a mount: the daemon stops and says why"

finish
