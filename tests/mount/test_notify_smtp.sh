#!/usr/bin/env bash
# test_notify_smtp.sh — a mounted daemon (in the background, as users start
# it) delivers to an SMTP server by itself: its notifier opens the sealed
# password with the library key and hands a first-view milestone to a
# local STARTTLS + AUTH server (tests/cli/smtp-server.py, python3-aiosmtpd)
# within seconds, once. Skipped (77) without aiosmtpd or openssl.
source "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import aiosmtpd' 2>/dev/null || { echo "SKIP: no python3-aiosmtpd"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }

standard_library
export SMTP_TEST_PASSWORD="s3cret-$$"
(umask 077; printf '%s\n' "$SMTP_TEST_PASSWORD" >"$S/pw")
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$S/key.pem" -out "$S/cert.pem" 2>/dev/null ||
    fail "openssl could not make a certificate"
mkdir "$S/in"
"$PY" "$TESTS_DIR/cli/smtp-server.py" starttls "$S/in" "$S/port" "$S/cert.pem" "$S/key.pem" \
    2>"$S/smtp.log" &
EXTRA_PIDS+=($!)
port_written() { [ -s "$S/port" ]; }
wait_for 60 port_written || fail "the SMTP server did not start: $(cat "$S/smtp.log")"
received() { [ "$(find "$S/in" -name '*.eml' | wc -l)" = "$1" ]; }

ctl user add alice@example.com --name "Alice Smith" >/dev/null
ctl grant "$W" --user alice@example.com --role client --notify on $NP >/dev/null
ctl notify settings --owner owner@studio.example --from studio@studio.example \
    --smtp-host 127.0.0.1 --smtp-port "$(cat "$S/port")" --smtp-user studio \
    --smtp-password-file "$S/pw" --smtp-ca-file "$S/cert.pem" >/dev/null

M=$S/alice
mount_fs "$M" --user alice@example.com
ls "$M/$W" >/dev/null
wait_for 20 received 1 || fail "no first-view message at the SMTP server 20 s after the first view"
f=$(find "$S/in" -name '*.eml')
grep -q $'^To: owner@studio.example\r$' "$f" || fail "not to the owner"
grep -qF "Alice Smith (alice@example.com) opened “$W” for the first time." "$f" ||
    fail "first-view text: $(cat "$f")"
[ "$(tail -n 1 "${f%.eml}.env")" = owner@studio.example ] || fail "envelope recipient"
ls "$M/$W/Ceremony" >/dev/null
sleep 3
received 1 || fail "a second first-view message"
umount_fs "$M"
ok "a background daemon delivers to an SMTP server (STARTTLS, AUTH with the sealed password), once"
finish
