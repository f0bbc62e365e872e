#!/usr/bin/env bash
# test_invitation.sh — what an invitation says (issue 10 item 3):
#   - notify settings --smb/--webdav/--sftp/--signature-file: accepted forms
#     stored in their canonical form, unset with ''; bad inputs refused
#     (CR/LF and control characters, http://, bad ports and hosts, a
#     signature with CR, NUL, tabs, too many or too long lines), nothing
#     saved by a refused command;
#   - notify preview GRANT_ID prints the exact e-mail (per-OS steps for
#     each address set, the person's rules with their allowance and expiry,
#     the signature) and changes nothing; a team's grant gives one per
#     member; a link's grant and unknown ids are refused;
#   - the invitation sent by grant --invite through the Maildir of the
#     notify tests is that text, and names neither the library path nor
#     anything the person cannot see.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

A="Smith Wedding"
MD=$S/Maildir
DELIVER="$TESTS_DIR/cli/maildir-deliver.sh"
mails() { find "$MD/new" -type f 2>/dev/null | wc -l; }
settings_row() { "$ALBUMCTL" --json notify settings | python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

expect 0 init
expect 0 album create "$A"
expect 0 set create "$A" Ceremony --visibility public
expect 0 set create "$A" "Secret Outtakes" --visibility team
expect 0 set create "$A" "Client Only" --visibility client
expect 0 user add alice@example.com
expect 0 user add bob@example.com
expect 0 team add couple
expect 0 team add-member couple alice@example.com
expect 0 team add-member couple bob@example.com

# --- settings: the accepted forms, canonical
expect 0 notify settings --smb '\\studio.example\gallery' --webdav https://dav.studio.example:8443/g/ \
    --sftp studio.example
out_has "smb      smb://studio.example/gallery"
out_has "webdav   https://dav.studio.example:8443/g/"
out_has "sftp     studio.example:22"
expect 0 notify settings --smb //studio.example/gallery --sftp studio.example:2222
out_has "smb      smb://studio.example/gallery"
out_has "sftp     studio.example:2222"
printf 'Anna Light\nStudio Light · Lyon\n' >"$S/sig"
expect 0 notify settings --signature-file "$S/sig"
out_has "Studio Light · Lyon"
expect 0 --json notify settings
[ "$(py 'd["smb"], d["webdav"], d["sftp"]')" = \
    "smb://studio.example/gallery https://dav.studio.example:8443/g/ studio.example:2222" ] ||
    fail "settings as JSON"
ok "notify settings: SMB, WebDAV and SFTP addresses and a signature stored canonically"

# --- settings: bad inputs refused, nothing saved
db_snapshot
for bad in "smb://studio.example/gallery"$'\r\n'"Bcc: x@evil.example" "studio.example/gallery" \
    "smb://studio.example/" "smb://bad host/g" "smb://studio.example/a/b" \
    "smb://studio.example/g"$'\x01' "\\\\-studio\\g"; do
    expect 2 notify settings --smb "$bad"
    err_one_line
    err_has "--smb '"
done
for bad in http://dav.example/ "https://dav.example/a b" "https://dav.example/"$'\n'"Bcc: x" \
    https://dav.example:0/ https://dav.example:99999/ "https:///g" "https://dav.example/é" \
    "https://x.example/$(printf '%600s' | tr ' ' a)"; do
    expect 2 notify settings --webdav "$bad"
    err_one_line
done
for bad in "studio.example:" "studio.example:x" "studio.example:65536" "user@studio.example" \
    $'studio\n.example' "studio.example:22 -oProxyCommand=x"; do
    expect 2 notify settings --sftp "$bad"
    err_one_line
done
printf 'Anna\r\nStudio\r\n' >"$S/sig-crlf"
printf 'Anna\tStudio\n' >"$S/sig-tab"
printf 'Anna\0Studio\n' >"$S/sig-nul"
printf 'Anna \xff\n' >"$S/sig-bad"
for i in $(seq 25); do echo "line $i"; done >"$S/sig-lines"
printf '%300s\n' x >"$S/sig-wide"
head -c 5000 /dev/zero | tr '\0' x >"$S/sig-big"
for f in sig-crlf sig-tab sig-nul sig-bad sig-lines sig-wide sig-big; do
    expect 2 notify settings --signature-file "$S/$f"
    err_one_line
done
err_has "longer than 2000 bytes"
expect 1 notify settings --signature-file "$S/missing"
# one bad option among good ones: nothing of it is saved
expect 2 notify settings --sftp other.example --webdav http://x.example/
db_unchanged "refused notify settings"
[ "$(settings_row sftp)" = studio.example:2222 ] || fail "a refused command saved --sftp"
ok "notify settings: CR/LF, control characters, http, bad hosts and ports, bad signatures refused"

# --- preview: the exact e-mail, nothing changed
G=$(ctl grant "$A" --user alice@example.com --role client --highres original --limit 10 \
    --pool couple --expires 2031-06-30T18:00 --no-prepare; cat "$OUT")
db_snapshot
expect 0 notify preview "$G"
err_empty
cp "$OUT" "$S/preview"
python3 - "$S/preview" "$ALBUMFS_LIBRARY" <<'PY' || fail "the preview"
import email, email.header, sys
path, lib = sys.argv[1:]
raw = open(path, "rb").read()
m = email.message_from_bytes(raw)
assert m["To"] == "alice@example.com", m["To"]
subject = str(email.header.make_header(email.header.decode_header(m["Subject"])))
assert subject == "Photos for you: “Smith Wedding”", subject
body = raw.partition(b"\n\n")[2].decode()
for want in ("\\\\studio.example\\gallery", "Map network", "Connect to Server... (Command-K)",
             "smb://studio.example/gallery", "Other Locations",
             "gio mount smb://studio.example/gallery",
             "https://dav.studio.example:8443/g/", "gio mount davs://dav.studio.example:8443/g/",
             "Over SFTP (host studio.example, port 2222)", "sftp -P 2222",
             "You are the client of this album.", "You may take 10 high-res photos; 10 of 10",
             "Your access ends on Monday 30 June 2031, 18:00 UTC.",
             "-- \nAnna Light\nStudio Light · Lyon\n"):
    assert want in body, (want, body)
for never in (lib, "albumfs ", "fusermount", "Secret Outtakes", "Client Only", "Ceremony",
              "bob@example.com", "couple"):
    assert never not in body, (never, body)
PY
db_unchanged "notify preview"
expect 0 --json notify preview "$G"
[ "$(py 'len(d["invitations"]), d["invitations"][0]["recipient"]')" = "1 alice@example.com" ] ||
    fail "preview as JSON"
ok "notify preview prints the invitation (addresses per OS, rules, allowance, expiry, signature) and changes nothing"

T=$(ctl grant "$A" --team couple --role invited --no-prepare; cat "$OUT")
expect 0 notify preview "$T"
[ "$(grep -c '^To: ' "$OUT")" = 2 ] || fail "a team's preview: one message per member"
grep -qF "You are the client of this album." "$OUT" || fail "alice's own rules (her client grant)"
grep -qF "You are invited to see this album." "$OUT" || fail "bob's rules"
expect 0 link create "$A" --no-prepare
L=$("$ALBUMCTL" --json grant list "$A" | python3 -c 'import json,sys; print([g["id"] for g in json.load(sys.stdin)["grants"] if g["principal"]["kind"]=="link"][0])')
expect 1 notify preview "$L"
err_has "links are not invited by e-mail"
expect 1 notify preview 999
err_has "no grant 999"
expect 2 notify preview
expect 2 notify preview x
expect 2 notify preview 0
ok "preview: one per team member with their own rules; links, unknown and bad ids refused"

# --- sent: what arrives is what the preview shows (the new grant, without
# an end, makes alice's access endless)
expect 0 notify settings --command "$DELIVER '$MD'"
expect 0 grant "$A" --user alice@example.com --role client --highres original --pool couple \
    --invite --no-prepare
err_empty
G2=$(cat "$OUT")
[ "$(mails)" = 1 ] || fail "one invitation delivered"
expect 0 notify preview "$G2"
diff <(sed '/^Date: /d; /^Message-ID: /d' "$OUT") \
     <(sed '/^Date: /d; /^Message-ID: /d' "$(ls "$MD"/new/*)") >&2 ||
    fail "the invitation sent is not the preview"
grep -qF "Your access has no end date." "$OUT" || fail "a grant without an end: no end date"
! grep -qF "$ALBUMFS_LIBRARY" "$MD"/new/* || fail "the invitation names the library"
ok "grant --invite sends the previewed text, without the library path"

# --- no address: the studio will send the details, and albumctl warns
expect 0 notify settings --smb '' --webdav '' --sftp '' --signature-file ''
out_has "smb      (none)"
expect 0 grant "$A" --user bob@example.com --role client --invite --no-prepare
err_has "warning: no SMB, WebDAV or SFTP address is set, so the invitation says you will send the connection details"
grep -lF "To: bob@example.com" "$MD"/new/* | xargs grep -qF "Your photographer will send you the details" ||
    fail "no-address wording"
ok "with no address set the invitation says details follow, and albumctl warns"
