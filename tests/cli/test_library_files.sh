# test_library_files.sh — every file of a library is its owner's alone
# (issue 7, finding 8; docs/security.md "Who can reach the library").
# After init, import and prepare (which renders views into the cache), the
# folder and every folder in it are 0700 and every file 0600, the catalog's
# -wal and -shm included, whatever the umask; a catalog an older build left
# 0644 is narrowed on the next open; a library folder that group or others
# can enter is refused with the fix (chmod 700 DIR); a wide key's message
# names the real key file; and an account without access is told
# "permission denied ... owned by root", not "not an albumfs library".
source "$(dirname "$0")/lib.sh"

umask 022 # what people have: SQLite alone would make the catalog 0644
L=$ALBUMFS_LIBRARY
mkdir -p "$S/in"
img "$S/in/a.jpg"
img "$S/in/b.png"
expect 0 init

# SQLite removes -wal and -shm when the last connection closes: a reader
# holds the catalog open meanwhile, under umask 000, so the files keep the
# mode SQLite gives them (the catalog's), not one the umask narrowed.
mkfifo "$S/hold"
(umask 000; exec sqlite3 "$L/catalog.db" <"$S/hold" >/dev/null 2>&1) &
HOLDER=$!
exec 3>"$S/hold"
printf '.timeout 10000\nSELECT count(*) FROM albums;\n' >&3
release_holder() { exec 3>&-; wait "$HOLDER" || true; }

expect 0 album create A
expect 0 set create A S
expect 0 import A/S "$S/in"
expect 0 prepare A
for f in catalog.db-wal catalog.db-shm; do
    [ -e "$L/$f" ] || fail "no $f to check (WAL mode is expected)"
done
[ -n "$(find "$L/cache" -type f ! -path "$L/cache/tmp/*")" ] || fail "prepare rendered nothing"
[ -n "$(find "$L/vault" -type f ! -path "$L/vault/tmp/*")" ] || fail "import stored nothing"

# modes_ok: every folder 0700, every file 0600.
modes_ok() {
    local wide
    wide=$(find "$L" \( -type d ! -perm 0700 \) -o \( -type f ! -perm 0600 \) \
        -printf '%m %p\n')
    [ -z "$wide" ] || fail "library files open to others after $1:
$wide"
}
modes_ok "init, import and prepare"
ok "every folder 0700, every file 0600 (catalog -wal/-shm included)"

# --- a catalog left 0644 (by an older build) is narrowed on the next open
chmod 0644 "$L/catalog.db" "$L/catalog.db-wal" "$L/catalog.db-shm"
expect 0 album list
modes_ok "opening a catalog left 0644"
release_holder
ok "a catalog left 0644 is made 0600"

# --- a library folder that others can enter is refused, with the fix
snapshot
chmod 0755 "$L"
expect 1 album list
err_has "is open to group or others (mode 0755)"
err_has "chmod 700 $L"
err_one_line
chmod 0740 "$L" # readable by the group, though not enterable: refused too
expect 1 user list
err_has "(mode 0740)"
err_has "chmod 700 $L"
chmod 0700 "$L"
expect 0 album list
unchanged "refusing a library folder others can enter"
ok "a library folder others can enter is refused"

# --- a key readable by others: the message names the key file itself
chmod 0644 "$L/key"
expect 1 album list
err_has "chmod 600 $L/key"
err_lacks "KEY"
chmod 0600 "$L/key"
ok "the wide key's message names the key file"

# --- an account without access is told so, with the owner's name
chmod 0711 "$S" # others may pass through to the library folder, no further
NB=$(id -u nobody) NG=$(id -g nobody)
rc=0
setpriv --reuid="$NB" --regid="$NG" --clear-groups "$ALBUMCTL" --library "$L" album list \
    >"$OUT" 2>"$ERR" || rc=$?
[ "$rc" = 1 ] || fail "nobody opening root's library exited $rc, expected 1"
err_has "permission denied: $L is owned by root"
err_lacks "not an albumfs library"
err_one_line
ok "an account without access is told permission denied and the owner"
