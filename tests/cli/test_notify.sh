#!/usr/bin/env bash
# test_notify.sh — albumctl notify settings|outbox|send|test and grant
# --invite, delivering into a Maildir (maildir-deliver.sh): the headers and
# body of what arrives, a UTF-8 subject encoded; a failing command keeps the
# message with its error and retries it later; a hanging command is killed
# at the timeout; header injection is refused.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

A="Fête à Lyon"
MD=$S/Maildir
DELIVER="$TESTS_DIR/cli/maildir-deliver.sh"
DB=$ALBUMFS_LIBRARY/catalog.db

# mails: how many messages the Maildir holds.
mails() { find "$MD/new" -type f 2>/dev/null | wc -l; }
# newest_mail: the path of the newest message.
newest_mail() { ls -t "$MD/new"/* | head -n 1; }
sql() { sqlite3 "$DB" "$1"; }

expect 0 init
expect 0 album create "$A"
expect 0 user add alice@example.com --name "Alice Smith"
expect 0 user add bob@example.com --uid nobody
expect 0 team add couple
expect 0 team add-member couple alice@example.com
expect 0 team add-member couple bob@example.com

# --- settings: defaults, refusals
expect 0 notify settings
out_has "command  (none: messages wait in the outbox)"
out_match "^from +albumfs@.* \(default\)$"
out_has "timeout  30 s"
expect 0 --json notify settings
json_ok
[ "$(py 'd["command"], d["owner"], d["from"], d["timeout"]')" = "None None None 30" ] ||
    fail "default settings"
expect 2 notify settings --owner "not an address"
err_one_line
err_has "--owner 'not an address' is not an e-mail address"
expect 2 notify settings --from $'studio@example.com\nBcc: victim@example.net'
err_one_line
expect 2 notify settings --timeout 0
expect 2 notify settings --timeout 3601
expect 2 notify settings extra
expect 2 notify settings --command "$(printf '%4001s' x)"
err_has "--command is longer than 4000 bytes"
ok "settings: defaults shown; bad addresses and timeouts refused"

# --- no command yet: the invitation waits, the grant succeeds
expect 0 notify settings --owner owner@studio.example --from studio@studio.example
out_has "owner    owner@studio.example"
out_has "from     studio@studio.example"
expect 0 grant "$A" --user alice@example.com --role client --invite --no-prepare
[[ "$(cat "$OUT")" =~ ^[0-9]+$ ]] || fail "grant did not print its id"
err_has "warning: no way to deliver mail is set, so the invitation waits in the outbox"
expect 0 --json notify outbox
json_ok
[ "$(py 'len(d["messages"])')" = 1 ] || fail "one message queued"
[ "$(py 'd["messages"][0]["kind"], d["messages"][0]["recipient"], d["messages"][0]["status"], d["messages"][0]["attempts"]')" = \
    "invitation alice@example.com queued 0" ] || fail "queued invitation"
expect 1 notify send
err_has "no way to deliver mail is set"
ok "without a delivery command invitations wait in the outbox"

# --- a Maildir: the invitation is delivered
expect 0 notify settings --command "$DELIVER '$MD'" --timeout 3
out_has "timeout  3 s"
expect 0 notify send
out_has "delivered message 1 (invitation) to alice@example.com"
out_has "delivered 1, failed 0"
[ "$(mails)" = 1 ] || fail "one mail in the Maildir"
[ -z "$(ls -A "$MD/tmp")" ] || fail "Maildir tmp/ not empty"
python3 - "$(newest_mail)" "$A" "$ALBUMFS_LIBRARY" <<'PY' || fail "invitation headers or body"
import email, email.header, email.utils, re, sys
path, album, lib = sys.argv[1:]
raw = open(path, "rb").read()
head, _, body = raw.partition(b"\n\n")
for line in head.split(b"\n"):
    assert len(line) <= 78, line
    assert all(b < 0x80 for b in line), ("8-bit header", line)
m = email.message_from_bytes(raw)
assert m["From"] == "studio@studio.example", m["From"]
assert m["To"] == "alice@example.com", m["To"]
assert "=?UTF-8?B?" in m["Subject"], m["Subject"]
subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
assert subject == "Photos for you: “%s”" % album, subject
assert email.utils.parsedate_to_datetime(m["Date"]) is not None
assert re.fullmatch(r"<[0-9a-f]{32}@[A-Za-z0-9.-]+>", m["Message-ID"]), m["Message-ID"]
assert m["MIME-Version"] == "1.0"
assert m.get_content_type() == "text/plain" and m.get_content_charset() == "utf-8"
assert m["Content-Transfer-Encoding"] == "8bit"
text = body.decode("utf-8")
assert "owner@studio.example has invited you to see the photo album “%s”." % album in text, text
assert lib not in text and "albumfs " not in text and "fusermount" not in text, text
assert "Your photographer will send you the details of how to connect" in text, text
assert "You are the client of this album." in text, text
PY
expect 0 --json notify outbox
[ "$(py 'd["messages"][0]["status"], d["messages"][0]["attempts"], d["messages"][0]["next_attempt"], d["messages"][0]["last_error"]')" = \
    "delivered 1 None None" ] || fail "delivered in the outbox"
[ "$(sql "SELECT count(*) FROM activity WHERE kind = 'invitation-sent'")" = 1 ] ||
    fail "invitation-sent not in the activity log"
ok "invitation delivered: From, To, encoded UTF-8 Subject, Date, Message-ID, MIME; body says what they may do, no library path"

# --- a team: each member; a member with a uid hears of the shared mount
expect 0 grant "$A" --team couple --role invited --invite --no-prepare
err_has "warning: no SMB, WebDAV or SFTP address is set"
[ "$(mails)" = 3 ] || fail "two more mails"
bob_mail=$(grep -l '^To: bob@example.com$' "$MD"/new/*)
grep -qF -- "You are invited to see this album." "$bob_mail" || fail "bob's role"
! grep -qF -- "$ALBUMFS_LIBRARY" "$bob_mail" || fail "bob's mail names the library"
ok "team invitations: one per member, each with their own rules, no library path"

# --- notify test: plain ASCII subject to the owner
expect 0 notify test
out_has "(test) to owner@studio.example"
grep -q '^Subject: albumfs test message$' "$(newest_mail)" || fail "test subject"
grep -q '^To: owner@studio.example$' "$(newest_mail)" || fail "test recipient"
ok "notify test delivers to the owner"

# --- a failing command: queued with its error, retried later, delivered once fixed
expect 0 notify settings --command "echo 'mailer: relay refused' >&2; exit 1"
t0=$(date +%s)
expect 1 notify test
t1=$(date +%s)
err_has "(test) to owner@studio.example: exit status 1: mailer: relay refused; it stays queued, next try at"
expect 0 --json notify outbox
m='d["messages"][0]'
[ "$(py "$m[\"status\"], $m[\"attempts\"], $m[\"last_error\"]")" = \
    "queued 1 exit status 1: mailer: relay refused" ] || fail "failed message in the outbox"
id=$(py "$m[\"id\"]")
# (the attempt was made between t0 and t1, however slow the machine)
next=$(sql "SELECT next_attempt FROM outbox WHERE id = $id")
[ "$next" -ge $((t0 + 60)) ] && [ "$next" -le $((t1 + 60)) ] ||
    fail "first retry after a minute: next at $next, tried between $t0 and $t1"
expect 0 notify outbox
out_match "^$id +.* +test +owner@studio.example +queued +1 +.*exit status 1: mailer: relay refused$"
[ "$(sql "SELECT count(*) FROM activity WHERE kind = 'notification-failed'")" = 1 ] ||
    fail "notification-failed not in the activity log"
# not due yet: not tried again
expect 0 notify send
out_has "delivered 0, failed 0"
# due (as if the minute passed): fails again, and waits longer
sql "UPDATE outbox SET next_attempt = 0 WHERE id = $id"
t0=$(date +%s)
expect 1 notify send
t1=$(date +%s)
next=$(sql "SELECT next_attempt FROM outbox WHERE id = $id")
[ "$next" -ge $((t0 + 300)) ] && [ "$next" -le $((t1 + 300)) ] ||
    fail "second retry after 5 minutes: next at $next, tried between $t0 and $t1"
# fixed: delivered on the next try
expect 0 notify settings --command "$DELIVER '$MD'"
before=$(mails)
sql "UPDATE outbox SET next_attempt = 0 WHERE id = $id"
expect 0 notify send
out_has "delivered message $id (test) to owner@studio.example"
[ "$(mails)" = $((before + 1)) ] || fail "retried message not delivered"
[ "$(sql "SELECT attempts, delivered FROM outbox WHERE id = $id")" = "3|1" ] || fail "attempts"
ok "a failing command: error kept, retried after 1 min then 5 min, delivered when fixed"

# --- a command that does not exist; grant --invite still succeeds
expect 0 notify settings --command "/nonexistent/sendmail -t"
expect 0 grant "$A" --user alice@example.com --role client --invite --no-prepare --expires 1d
err_has "warning: could not deliver the invitation to alice@example.com: exit status 127"
err_has "it stays in the outbox"
ok "an undeliverable invitation is a warning; the grant stands"
sql "UPDATE outbox SET delivered = 1 WHERE delivered = 0" # out of the way

# --- a hanging command: killed at the timeout, albumctl returns promptly
marker="sleep 98.$$"
expect 0 notify settings --command "$marker & $marker" --timeout 2
start=$(date +%s)
expect 1 notify test
took=$(( $(date +%s) - start ))
[ "$took" -le 6 ] || fail "notify test took ${took}s with a 2 s timeout"
err_has "no answer within 2 s; the command was stopped"
for _ in 1 2 3 4 5 6 7 8 9 10; do
    pgrep -f "[s]${marker#s}" >/dev/null || break
    sleep 0.1
done
! pgrep -f "[s]${marker#s}" >/dev/null || fail "the hanging command was left running"
# due again ahead of a new invitation: the pass stops at it, the grant stands
sql "UPDATE outbox SET next_attempt = 0 WHERE delivered = 0"
expect 0 grant "$A" --user bob@example.com --role client --invite --no-prepare --expires 2d
err_has "warning: the invitation to bob@example.com was not tried yet (a message before it held up delivery)"
ok "a hanging command and its children are killed after notify.timeout"
sql "UPDATE outbox SET delivered = 1 WHERE delivered = 0"

# --- header injection: refused at every door
expect 0 notify settings --command "$DELIVER '$MD'" --timeout 5
before=$(mails)
queued=$(sql "SELECT count(*) FROM outbox")
sql "UPDATE settings SET value = 'studio@studio.example
Bcc: victim@example.net' WHERE key = 'notify.from'"
expect 1 notify test
err_has "the owner or sender address is not a plain e-mail address"
expect 0 notify settings
out_has "from     (not a valid address: set --from again)"
expect 0 notify settings --from studio@studio.example
sql "INSERT INTO users(email, name, created) VALUES ('eve@example.com
Bcc: victim@example.net', '', 0)"
expect 1 grant "$A" --user $'eve@example.com\nBcc: victim@example.net' --role invited --invite --no-prepare
err_has "the grant is saved, but the invitation to eve@example.com\\x0aBcc: victim@example.net could not be queued: Invalid argument"
[ "$(sql "SELECT count(*) FROM outbox")" = "$queued" ] || fail "an injected message was queued"
[ "$(mails)" = "$before" ] || fail "an injected message was delivered"
! grep -rq "victim@example.net" "$MD" || fail "the injected header reached a message"
ok "header injection refused: tampered sender, tampered recipient"

# --- help
expect 0 notify --help
out_has "albumctl notify settings [--command CMD]"
expect 0 help notify send
out_has "usage: albumctl notify send"
ok "help"
