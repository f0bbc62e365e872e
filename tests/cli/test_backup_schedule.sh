#!/usr/bin/env bash
# test_backup_schedule.sh — automatic backups: 'backup settings --schedule
# hourly|daily|weekly|off' and the keep policy, 'backup --if-due' backing up
# once per hour, day or ISO week (local time; TZ=UTC here) and pruning by the
# policy, 'backup forget' without options using the policy, and a backup
# that has not succeeded for a whole period telling the owner through the
# notification command (a Maildir here), at most once a day. The clock is
# moved with faketime (every command runs at a fixed time of a week in
# 2030). The installed systemd units verify and their command runs.
# Skipped (77) without faketime (scripts/install-deps.sh installs it).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

command -v faketime >/dev/null || { echo "SKIP: needs faketime"; exit 77; }
export TZ=UTC
# libfaketime is preloaded before the sanitizers' runtimes
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"

R=$S/repo
MAIL=$S/mail
mkdir -p "$R"
# at TIME CODE ARGS...: albumctl at that (frozen) time, insisting on the exit status
at() {
    local when=$1 want=$2 rc=0
    shift 2
    faketime -f "$when" "$ALBUMCTL" "$@" >"$OUT" 2>"$ERR" || rc=$?
    [ "$rc" = "$want" ] || fail "at $when: albumctl $* exited $rc, expected $want"
}
snapshots() { "$ALBUMCTL" backup list "$R" --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["snapshots"]))'; }
mails() { find "$MAIL/new" -type f 2>/dev/null | wc -l; }
events() { db "SELECT count(*) FROM activity WHERE kind = '$1'"; }

at "2030-01-07 08:00:00" 0 init
at "2030-01-07 08:00:00" 0 album create A
img "$S/p1.jpg" 200 100
at "2030-01-07 08:00:00" 0 import A/Photos "$S/p1.jpg" --no-prepare

# --- settings
at "2030-01-07 08:00:00" 0 backup settings
out_is "destination: (none)
schedule: off
keep: every snapshot
last backup: never"
at "2030-01-07 08:00:00" 0 backup --if-due
out_has "no backup is due: no schedule is set"
[ -z "$(ls -A "$R")" ] || fail "a backup without a schedule"
at "2030-01-07 08:00:00" 2 backup settings --schedule sometimes
err_has "--schedule takes hourly, daily, weekly or off"
at "2030-01-07 08:00:00" 2 backup settings --keep-daily -1
at "2030-01-07 08:00:00" 2 backup settings --destination rel/dir
at "2030-01-07 08:00:00" 2 backup settings extra
at "2030-01-07 09:00:00" 0 backup settings --schedule daily --keep-daily 2
at "2030-01-07 09:00:00" 2 backup --if-due
err_has "backup settings --destination DIR"
[ "$(events backup-failed)" = 1 ] || fail "a scheduled backup without a destination was not recorded as failed"
at "2030-01-07 09:00:00" 0 backup settings --destination "$R" --json
[ "$(py 'd["destination"], d["schedule"], d["keep"], d["last_backup"], d["next_due"], d["overdue"]')" = \
  "$R daily {'daily': 2, 'weekly': 0, 'monthly': 0} None now False" ] || fail "settings JSON: $(cat "$OUT")"
at "2030-01-07 09:00:00" 0 activity --kind backup-settings-changed
out_has "schedule keep_daily"
ok "backup settings: schedule and keep policy set, shown and recorded; bad values refused"

# --- daily: once a day, at the first run of the day; the keep policy prunes
at "2030-01-07 09:00:00" 0 backup --if-due --json
[ "$(py 'd["time"], d["forget"]["kept"]')" = "2030-01-07T09:00:00Z 1" ] || fail "first: $(cat "$OUT")"
at "2030-01-07 23:59:00" 0 backup --if-due
out_is "no backup is due: the last one was at 2030-01-07T09:00:00Z; the next is due at 2030-01-08T00:00:00Z (daily)"
[ "$(snapshots)" = 1 ] || fail "a second backup the same day"
at "2030-01-08 00:05:00" 0 backup --if-due
at "2030-01-08 05:00:00" 0 backup --if-due
out_has "no backup is due"
at "2030-01-09 00:05:00" 0 backup --if-due --json
[ "$(py 'd["forget"]["kept"], len(d["forget"]["forgotten"])')" = "2 1" ] || fail "prune: $(cat "$OUT")"
[ "$(snapshots)" = 2 ] || fail "the keep policy did not prune"
[ "$(events backup)" = 3 ] && [ "$(events backup-forget)" = 3 ] || fail "backups or forgets not recorded"
ok "daily: one backup a day at the first run of the day, pruned to the newest 2 days"

# --- hourly and weekly
at "2030-01-09 00:30:00" 0 backup settings --schedule hourly
at "2030-01-09 00:59:59" 0 backup --if-due
out_has "the next is due at 2030-01-09T01:00:00Z (hourly)"
at "2030-01-09 01:00:00" 0 backup --if-due
out_match "^snapshot [0-9a-f]{16} at 2030-01-09T01:00:00Z"
at "2030-01-09 02:00:00" 0 backup settings --schedule weekly
at "2030-01-13 23:59:00" 0 backup --if-due # Sunday: same ISO week
out_has "the next is due at 2030-01-14T00:00:00Z (weekly)"
at "2030-01-14 00:30:00" 0 backup --if-due # Monday
out_match "^snapshot [0-9a-f]{16} at 2030-01-14T00:30:00Z"
ok "hourly: once an hour; weekly: once an ISO week, from Monday"

# --- forget without options uses the policy
at "2030-01-14 00:40:00" 0 backup forget --json
[ "$(py 'd["kept"]')" = 2 ] || fail "forget by the policy: $(cat "$OUT")"
at "2030-01-14 00:40:00" 0 backup settings --keep-daily 0
at "2030-01-14 00:40:00" 2 backup forget
err_has "or set a policy with 'albumctl backup settings --keep-daily N'"
ok "backup forget without --keep-* applies the policy set; none set: a usage error"

# --- overdue: the destination goes away; a whole day without a backup tells the owner, once a day
at "2030-01-14 00:45:00" 0 notify settings --owner owner@example.com \
    --command "$TESTS_DIR/cli/maildir-deliver.sh $MAIL"
at "2030-01-14 00:45:00" 0 backup settings --schedule daily --destination "$S/unplugged"
at "2030-01-15 00:30:00" 1 backup --if-due
err_has "the destination does not exist"
err_lacks "no backup has succeeded"
[ "$(mails)" = 0 ] || fail "told the owner before a whole day went by"
at "2030-01-15 23:00:00" 1 backup --if-due
[ "$(mails)" = 0 ] || fail "told the owner before a whole day went by"
at "2030-01-16 00:30:00" 1 backup --if-due
err_has "no backup has succeeded since 2030-01-14T00:45:00Z; the owner was told (notify.owner)"
[ "$(mails)" = 1 ] || fail "the owner was not told"
python3 - "$MAIL" "$S/unplugged" <<'PY' || fail "the overdue message"
import email, glob, sys
m = email.message_from_binary_file(open(glob.glob(sys.argv[1] + "/new/*")[0], "rb"))
assert m["To"] == "owner@example.com", m["To"]
assert m["Subject"] == "No backup of your photo library since 2030-01-14T00:45:00Z", m["Subject"]
body = m.get_payload(decode=True).decode()
assert "scheduled daily" in body and sys.argv[2] in body and "does not exist" in body, body
PY
at "2030-01-16 12:00:00" 1 backup --if-due
[ "$(mails)" = 1 ] || fail "told the owner twice within a day"
at "2030-01-17 00:31:00" 1 backup --if-due
[ "$(mails)" = 2 ] || fail "no reminder the next day"
[ "$(events backup-overdue)" = 2 ] || fail "backup-overdue not recorded"
at "2030-01-17 00:31:00" 0 activity --kind backup-failed
out_has "$S/unplugged: the destination does not exist"
at "2030-01-17 00:32:00" 0 backup settings --json
[ "$(py 'd["overdue"]')" = True ] || fail "settings do not show overdue"
at "2030-01-17 00:33:00" 0 notify settings --owner ''
at "2030-01-18 01:00:00" 1 backup --if-due
err_has "and no owner address is set to tell"
mkdir "$S/unplugged"
at "2030-01-18 02:00:00" 0 backup --if-due
at "2030-01-18 02:00:00" 0 backup settings --json
[ "$(py 'd["overdue"], d["last_backup"]')" = "False 2030-01-18T02:00:00Z" ] || fail "after the disk came back: $(cat "$OUT")"
ok "a scheduled backup failing for a whole day tells the owner (once a day), recorded; back to normal once one succeeds"

# --- the systemd units: they verify, and their command runs
# (as installed: `cmake --install` writes them for its prefix)
units=$S/inst/lib/systemd/system
if [ -n "${BUILD_DIR:-}" ] && command -v systemd-analyze >/dev/null; then
    cmake --install "$BUILD_DIR" --prefix "$S/inst" >"$S/install.out" 2>&1 ||
        fail "cmake --install: $(cat "$S/install.out")"
    mkdir -p "$S/units"
    sed "s|^ExecStart=[^ ]*/albumctl|ExecStart=$ALBUMCTL|" "$units/albumfs-backup.service" >"$S/units/albumfs-backup.service"
    cp "$TESTS_DIR/../dist/albumfs-backup.timer" "$S/units/"
    (cd "$S/units" && systemd-analyze verify --man=no ./albumfs-backup.timer ./albumfs-backup.service) >"$S/verify.out" 2>&1 ||
        fail "systemd-analyze verify: $(cat "$S/verify.out")"
    grep -q '^OnCalendar=hourly$' "$S/units/albumfs-backup.timer" || fail "the timer is not hourly"
    cmd=$(sed -n 's/^ExecStart=//p' "$S/units/albumfs-backup.service")
    grep -q "^ExecStart=.*/albumctl backup --if-due$" "$S/inst/lib/systemd/user/albumfs-backup.service" || fail "the user unit's command"
    rc=0
    keep=() # the sanitizers' settings, in the scripts/test.sh passes
    for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS VIPS_NOVECTOR; do
        [ -z "${!v:-}" ] || keep+=("$v=${!v}")
    done
    env -i PATH=/usr/bin:/bin TZ=UTC ALBUMFS_LIBRARY="$ALBUMFS_LIBRARY" "${keep[@]}" faketime -f "2030-01-19 03:00:00" \
        bash -c "${cmd//\$\{ALBUMFS_LIBRARY\}/\"\$ALBUMFS_LIBRARY\"}" >"$OUT" 2>"$ERR" || rc=$?
    [ "$rc" = 0 ] || fail "the service's command exited $rc"
    out_match "^snapshot [0-9a-f]{16} at 2030-01-19T03:00:00Z"
    ok "the backup service and timer verify (systemd-analyze); the service's command backs up when due"
else
    echo "# skipped: systemd unit check (no systemd-analyze or no built units)"
fi
