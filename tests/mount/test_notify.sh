#!/usr/bin/env bash
# test_notify.sh — a mounted daemon delivers notifications by itself
# (fs/notifier.c): a client whose grant says --notify on opens an album for
# the first time; the milestone is queued by the mount and filed in the
# owner's Maildir within seconds, once. A delivery command that hangs holds
# up neither the mount nor unmounting for longer than notify.timeout, and
# the message waits in the outbox with its error.
source "$(dirname "$0")/lib.sh"

standard_library
MD=$S/Maildir
mails() { [ "$(find "$MD/new" -type f 2>/dev/null | wc -l)" = "$1" ]; }
# attempted N: the outbox holds N messages and the newest was tried.
attempted() {
    ctl --json notify outbox | python3 -c '
import json, sys
m = json.load(sys.stdin)["messages"]
sys.exit(not (len(m) == int(sys.argv[1]) and m[0]["attempts"] >= 1))' "$1"
}

ctl user add alice@example.com --name "Alice Smith" >/dev/null
ctl grant "$W" --user alice@example.com --role client --notify on $NP >/dev/null
ctl notify settings --owner owner@studio.example \
    --command "$TESTS_DIR/cli/maildir-deliver.sh '$MD'" >/dev/null

M=$S/alice
mount_fs "$M" --user alice@example.com
ls "$M/$W" >/dev/null
wait_for 10 mails 1 || fail "no first-view message in the Maildir 10 s after the first view"
f=$(find "$MD/new" -type f)
grep -q '^To: owner@studio.example$' "$f" || fail "not to the owner"
grep -qF "Alice Smith (alice@example.com) opened “$W” for the first time." "$f" ||
    fail "first-view text: $(cat "$f")"
ls "$M/$W/Ceremony" >/dev/null
sleep 3
mails 1 || fail "a second first-view message"
ok "the daemon delivers the first-view milestone to the owner, once"

# --- a hanging command: the mount keeps answering; unmounting waits at most
# about one timeout (the notifier's last pass)
ctl notify settings --command "sleep 60" --timeout 2 >/dev/null
ctl grant "$W" --user client2@example.com --role client --notify on $NP >/dev/null
M2=$S/client2
mount_fs "$M2" --user client2@example.com
ls "$M2/$W" >/dev/null
wait_for 15 attempted 2 || fail "the hanging delivery was never given up"
ls "$M2/$W/Ceremony" >/dev/null || fail "the mount stopped answering"
ctl --json notify outbox >"$S/outbox.json"
python3 - "$S/outbox.json" <<'PY' || fail "outbox after a hanging command: $(cat "$S/outbox.json")"
import json, sys
m = json.load(open(sys.argv[1]))["messages"][0]
assert m["status"] == "queued" and m["kind"] == "first-view", m
assert m["last_error"] == "no answer within 2 s; the command was stopped", m
PY
start=$(now_ms)
umount_fs "$M2"
umount_fs "$M"
took=$(($(now_ms) - start))
[ "$took" -lt 8000 ] || fail "unmounting took $took ms with a 2 s delivery timeout"
ok "a hanging command is stopped after notify.timeout; the mount answers; unmount is prompt"

finish
