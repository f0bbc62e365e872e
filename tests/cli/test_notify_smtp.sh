#!/usr/bin/env bash
# test_notify_smtp.sh — notifications delivered to an SMTP submission server
# (albumctl notify settings --smtp-*): a real local server on 127.0.0.1
# (tests/cli/smtp-server.py, Debian's python3-aiosmtpd) started and stopped
# here, with STARTTLS and AUTH, a self-signed certificate made by openssl
# and trusted through --smtp-ca-file. Checks the delivered message (headers,
# body, envelope sender and recipient), implicit TLS, no encryption on
# loopback; and the bad inputs: malformed settings refused and nothing
# saved, a wrong password, the server down, STARTTLS required but not
# offered, an untrusted certificate (each: the message stays queued with
# a clear error, retried later, delivered once fixed). The password is
# never shown, never in the catalog or the activity in clear.
# Skipped (77) without /usr/bin/python3's aiosmtpd or openssl.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }
PY=/usr/bin/python3
"$PY" -c 'import aiosmtpd' 2>/dev/null || skip "no python3-aiosmtpd (scripts/install-deps.sh)"
command -v openssl >/dev/null || skip "no openssl"

SERVER="$TESTS_DIR/cli/smtp-server.py"
DB=$ALBUMFS_LIBRARY/catalog.db
sql() { sqlite3 "$DB" "$1"; }
PASSWORD="c0rrect-h0rse-$$"
export SMTP_TEST_PASSWORD=$PASSWORD

pids=()
smtp_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    chmod -R u+rwX "$S" 2>/dev/null
    rm -rf "$S"
}
trap smtp_cleanup EXIT

# start_server NAME MODE: a server in $S/NAME (messages in $S/NAME/in);
# sets PORT and SPID once it accepts connections.
start_server() {
    mkdir -p "$S/$1/in"
    "$PY" "$SERVER" "$2" "$S/$1/in" "$S/$1/port" "$S/cert.pem" "$S/key.pem" \
        2>"$S/$1/log" &
    SPID=$!
    pids+=("$SPID")
    for _ in $(seq 600); do
        [ -s "$S/$1/port" ] && break
        kill -0 "$SPID" 2>/dev/null || { cat "$S/$1/log" >&2; fail "the $2 server died"; }
        sleep 0.1
    done
    [ -s "$S/$1/port" ] || fail "the $2 server did not start within 60 s"
    PORT=$(cat "$S/$1/port")
}
stop_server() { kill "$1"; wait "$1" 2>/dev/null || true; }
# received NAME: how many messages server NAME accepted.
received() { find "$S/$1/in" -name '*.eml' | wc -l; }
# logins NAME: the logins server NAME saw, one a line (mechanism tls=True|False).
logins() { cat "$S/$1/in/logins"; }
# make_due: every queued message is due now.
make_due() { sql "UPDATE outbox SET next_attempt = 0 WHERE delivered = 0"; }
settings_json() { ctl --json notify settings; cat "$OUT"; }

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$S/key.pem" -out "$S/cert.pem" 2>/dev/null || fail "openssl could not make a certificate"
(umask 077; printf '%s\n' "$PASSWORD" >"$S/pw"; printf 'wrong-password\n' >"$S/wrong"; : >"$S/empty")

expect 0 init
expect 0 album create "Wedding"
expect 0 user add alice@example.com --name "Alice Smith"
expect 0 notify settings --owner owner@studio.example --from studio@studio.example

# --- bad inputs: refused, nothing saved
before=$(settings_json)
expect 2 notify settings --smtp-host 'bad host!'
err_one_line
err_has "--smtp-host 'bad host!' is not a host name"
expect 2 notify settings --smtp-host -smtp.example.com
expect 2 notify settings --smtp-host smtp..example.com
expect 2 notify settings --smtp-host "$(printf 'a%.0s' $(seq 64)).example.com"
expect 2 notify settings --smtp-host $'smtp.example.com\r\nRCPT TO:<x@y.z>'
expect 2 notify settings --smtp-host smtp.example.com --smtp-port 0
expect 2 notify settings --smtp-host smtp.example.com --smtp-port 65536
expect 2 notify settings --smtp-host smtp.example.com --smtp-port 25x
expect 2 notify settings --smtp-host smtp.example.com --smtp-security ssl
err_has "--smtp-security 'ssl' is not starttls, tls or none"
expect 2 notify settings --smtp-host smtp.example.com --smtp-security none
err_has "security none (no encryption) is only allowed to this machine"
expect 2 notify settings --smtp-host 192.0.2.1 --smtp-security none
expect 2 notify settings --smtp-port 2525
err_has "the SMTP settings need a host"
expect 2 notify settings --smtp-host smtp.example.com --smtp-user studio
err_has "a user is set but no password"
expect 2 notify settings --smtp-host smtp.example.com --smtp-password-file "$S/pw"
err_has "a password is set but no user"
expect 2 notify settings --smtp-host smtp.example.com --smtp-user studio \
    --smtp-password-file "$S/empty"
err_has "the first line is empty"
expect 1 notify settings --smtp-host smtp.example.com --smtp-user studio \
    --smtp-password-file "$S/missing"
expect 2 notify settings --smtp-host smtp.example.com --smtp-ca-file cert.pem
err_has "is not an absolute path"
expect 1 notify settings --smtp-host smtp.example.com --smtp-ca-file "$S/missing.pem"
expect 2 notify settings --smtp-host smtp.example.com --smtp-user $'studio\r\nQUIT' \
    --smtp-password-file "$S/pw"
err_has "the user has control characters"
expect 2 notify settings --smtp-host smtp.example.com --command "/usr/sbin/sendmail -t"
err_has "both an SMTP server and a delivery command would be set"
[ "$(settings_json)" = "$before" ] || fail "a refused setting changed the settings"
[ "$(sql "SELECT count(*) FROM settings WHERE key LIKE 'notify.smtp.%'")" = 0 ] ||
    fail "a refused setting was saved"
ok "malformed SMTP settings refused (host, port, security, none off loopback, user/password, CA file, both ways); nothing saved"

# --- STARTTLS with AUTH: the message arrives whole
start_server starttls starttls
ST_PID=$SPID ST_PORT=$PORT
expect 0 notify settings --smtp-host 127.0.0.1 --smtp-port "$ST_PORT" --smtp-user studio \
    --smtp-password-file "$S/pw" --smtp-ca-file "$S/cert.pem"
out_has "smtp     127.0.0.1 port $ST_PORT, STARTTLS"
out_has "smtp password (set)"
out_lacks "$PASSWORD"
expect 0 --json notify settings
json_ok
[ "$(py 'd["delivery"], d["smtp"]["host"], d["smtp"]["port"], d["smtp"]["security"], d["smtp"]["user"], d["smtp"]["password_set"], d["smtp"]["ca_file"] == sys.argv[0] or d["smtp"]["ca_file"]')" \
    = "smtp 127.0.0.1 $ST_PORT starttls studio True $S/cert.pem" ] || fail "settings as JSON"
[ "$(py 'type(d["smtp"]["port"]).__name__')" = int ] || fail "the port is not a JSON number"
out_lacks "$PASSWORD"
! grep -qaF "$PASSWORD" "$DB" "$DB-wal" 2>/dev/null || fail "the password is in the catalog in clear"
[ "$(sql "SELECT substr(value, 1, 3) FROM settings WHERE key = 'notify.smtp.password'")" = "s1:" ] ||
    fail "the password is not stored sealed"
sql "SELECT detail FROM activity" | grep -qF "$PASSWORD" && fail "the password is in the activity"
sql "SELECT detail FROM activity WHERE kind = 'notify-settings'" | grep -qF "smtp.password" ||
    fail "the change of password is not recorded"
expect 0 notify test
out_has "delivered 1, failed 0"
[ "$(received starttls)" = 1 ] || fail "the server did not get the test message"
logins starttls | grep -qv 'tls=True' && fail "a login without TLS"
m=$S/starttls/in/1
[ "$(cat "$m.env")" = "$(printf 'studio@studio.example\nowner@studio.example')" ] ||
    fail "envelope: $(cat "$m.env")"
grep -q $'^From: studio@studio.example\r$' "$m.eml" || fail "From header"
grep -q $'^To: owner@studio.example\r$' "$m.eml" || fail "To header"
grep -q $'^Subject: albumfs test message\r$' "$m.eml" || fail "Subject header"
grep -q $'^Message-ID: <[0-9a-f]*@' "$m.eml" || fail "Message-ID header"
grep -q '^Notifications reach you at this address.' "$m.eml" || fail "body"
! grep -q $'[^\r]$' <(sed -n '1,/^\r$/p' "$m.eml") || fail "headers without CRLF"
expect 0 grant Wedding --user alice@example.com --role client --invite --no-prepare
[ "$(received starttls)" = 2 ] || fail "the invitation did not arrive"
m=$S/starttls/in/2
[ "$(tail -n 1 "$m.env")" = alice@example.com ] || fail "invitation recipient"
grep -q '^Subject: =?UTF-8?B?' "$m.eml" || fail "the invitation's subject is not encoded"
grep -q '^What you can do' "$m.eml" || fail "the invitation's body"
[ "$(sql "SELECT count(*) FROM outbox WHERE delivered = 0")" = 0 ] || fail "something left queued"
ok "STARTTLS + AUTH: test message and invitation delivered with their headers, body, envelope; password sealed, never shown"

# --- a wrong password: queued with the reason, retried, delivered once fixed
expect 0 notify settings --smtp-password-file "$S/wrong"
expect 1 notify test
err_has "SMTP server 127.0.0.1:$ST_PORT"
err_has "it stays queued, next try at"
err_lacks "wrong-password"
expect 0 --json notify outbox
[ "$(py 'd["messages"][0]["status"], d["messages"][0]["attempts"]')" = "queued 1" ] ||
    fail "the message is not queued after a wrong password"
[ "$(py 'd["messages"][0]["last_error"] is not None')" = True ] || fail "no error kept"
grep -qi "login denied\|authentication\|535" <<<"$(py 'd["messages"][0]["last_error"]')" ||
    fail "the error does not say the login failed: $(py 'd["messages"][0]["last_error"]')"
id=$(py 'd["messages"][0]["id"]')
expect 0 notify send
out_has "delivered 0, failed 0" # not due yet: waits for its next try
expect 0 notify settings --smtp-password-file "$S/pw"
make_due
expect 0 notify send
out_has "delivered message $id"
[ "$(received starttls)" = 3 ] || fail "not delivered after the password was fixed"
ok "a wrong password: the message stays queued with the server's refusal, waits its back-off, goes once fixed"

# --- an untrusted certificate (no --smtp-ca-file): refused, not sent
expect 0 notify settings --smtp-ca-file ''
expect 1 notify test
err_has "SMTP server 127.0.0.1:$ST_PORT"
[ "$(received starttls)" = 3 ] || fail "sent despite an untrusted certificate"
expect 0 notify settings --smtp-ca-file "$S/cert.pem"
make_due
expect 0 notify send
[ "$(received starttls)" = 4 ] || fail "not delivered once the CA was set"
ok "an untrusted certificate: nothing sent, delivered once the CA file is set"

# --- the server down
stop_server "$ST_PID"
expect 1 notify test
err_has "SMTP server 127.0.0.1:$ST_PORT"
expect 0 --json notify outbox
[ "$(py 'd["messages"][0]["status"]')" = queued ] || fail "not queued with the server down"
ok "the server down: queued with the error"

# --- STARTTLS required, the server offers none: nothing sent in clear
start_server plain plain
PL_PORT=$PORT
expect 0 notify settings --smtp-port "$PL_PORT"
make_due
expect 1 notify send
err_has "SMTP server 127.0.0.1:$PL_PORT"
[ "$(received plain)" = 0 ] || fail "a message went in clear although STARTTLS is required"
[ ! -e "$S/plain/in/logins" ] || fail "the login was tried without TLS"
ok "STARTTLS required but not offered: refused before any login or mail"

# --- no encryption, on loopback only: delivered
expect 0 notify settings --smtp-security none
out_has "no encryption (this machine only)"
make_due
expect 0 notify send
[ "$(received plain)" = 1 ] || fail "security none to 127.0.0.1 did not deliver"
[ "$(sql "SELECT count(*) FROM outbox WHERE delivered = 0")" = 0 ] || fail "something left queued"
ok "security none to 127.0.0.1 delivers (refused for other hosts above)"

# --- implicit TLS
start_server tls tls
expect 0 notify settings --smtp-security tls --smtp-port "$PORT"
expect 0 notify test
[ "$(received tls)" = 1 ] || fail "implicit TLS did not deliver"
ok "implicit TLS (smtps) delivers"

# --- back to a command; removing the server removes its password
expect 2 notify settings --command "cat >/dev/null"
expect 0 notify settings --smtp-host '' --command "cat >/dev/null"
out_has "smtp     (none)"
[ "$(sql "SELECT count(*) FROM settings WHERE key LIKE 'notify.smtp.%' AND value <> ''")" = 0 ] ||
    fail "the server's settings outlived it"
expect 0 --json notify settings
[ "$(py 'd["delivery"], d["smtp"]')" = "command None" ] || fail "delivery after removing the server"
ok "--smtp-host '' removes the server and its password; a command can take over"
