#!/usr/bin/env bash
# test_init.sh — creating and finding libraries: --library, ALBUMFS_LIBRARY,
# the default under XDG_DATA_HOME or HOME, refusals (missing library, a
# directory that is not one, a key others can read, passphrases).
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

# --- init with --library; modes; refusing to init twice
expect 0 --library "$S/a" init
out_has "created library $S/a"
[ "$(stat -c %a "$S/a")" = 700 ] || fail "library directory is not 0700"
[ "$(stat -c %a "$S/a/key")" = 600 ] || fail "key is not 0600"
expect 0 --library "$S/a" user list
ok "init --library"

ls -A "$S/a" | sort >"$S/a.before"
expect 1 --library "$S/a" init
err_has "already exists"
err_one_line
ls -A "$S/a" | sort | diff - "$S/a.before" || fail "second init changed the library"
expect 2 --library "$S/a" init extra
ok "init refuses an existing library and stray arguments"

# --- --library given after the command, and --json
expect 0 init --library "$S/b" --json
json_ok
[ "$(py 'd["library"]')" = "$S/b" ] || fail "init --json library"
ok "options after the command"

# --- ALBUMFS_LIBRARY, and --library overriding it
ALBUMFS_LIBRARY=$S/env expect 0 init
[ -f "$S/env/key" ] || fail "ALBUMFS_LIBRARY not used by init"
ALBUMFS_LIBRARY=$S/env expect 0 user add env@example.com
ALBUMFS_LIBRARY=$S/env expect 0 --library "$S/a" user list
out_lacks "env@example.com"
ALBUMFS_LIBRARY=$S/env expect 0 user list
out_has "env@example.com"
ok "ALBUMFS_LIBRARY and --library"

# --- the default location: XDG_DATA_HOME, else ~/.local/share
(
    unset ALBUMFS_LIBRARY
    expect 0 init
    [ -f "$HOME/.local/share/albumfs/key" ] || fail "default library not in ~/.local/share/albumfs"
    expect 0 user add home@example.com
    export XDG_DATA_HOME=$S/xdg
    expect 0 init
    [ -f "$S/xdg/albumfs/key" ] || fail "default library not in \$XDG_DATA_HOME/albumfs"
    expect 0 user list
    out_lacks "home@example.com"
    unset XDG_DATA_HOME
    expect 0 user list
    out_has "home@example.com"
)
ok "default location (HOME, XDG_DATA_HOME)"

# --- a library that is missing: clear error, nothing created
expect 1 --library "$S/missing" user list
err_has "no library at $S/missing"
err_has "albumctl init"
err_one_line
[ ! -e "$S/missing" ] || fail "a failed command created the library directory"
ok "missing library"

# --- a directory that is not a library (empty, or with other files)
mkdir -p "$S/plain" "$S/emptydir"
echo hello >"$S/plain/notes.txt"
expect 1 --library "$S/plain" user list
err_has "not an albumfs library"
err_one_line
[ "$(ls -A "$S/plain")" = notes.txt ] || fail "opening a non-library changed it"
expect 1 --library "$S/emptydir" album list
err_one_line
[ -z "$(ls -A "$S/emptydir")" ] || fail "opening an empty directory changed it"
echo x >"$S/afile"
expect 1 --library "$S/afile" user list
err_one_line
ok "directories that are not libraries"

# --- a key readable by others is refused
chmod 0644 "$S/a/key"
expect 1 --library "$S/a" user list
err_has "chmod 600"
err_one_line
chmod 0600 "$S/a/key"
expect 0 --library "$S/a" user list
ok "key readable by others refused"

# --- a passphrase-protected library
printf 'correct horse battery staple\n' >"$S/pass"
printf 'wrong horse battery staple\n' >"$S/wrong"
expect 0 --library "$S/p" init --passphrase-file "$S/pass"
grep -qF 'correct horse' "$S/p/key" && fail "the passphrase is stored in the key file"
expect 0 --library "$S/p" --passphrase-file "$S/pass" user add p@example.com
expect 1 --library "$S/p" user list
err_has "passphrase"
err_has "--passphrase-file"
err_one_line
expect 1 --library "$S/p" --passphrase-file "$S/wrong" user list
err_has "wrong passphrase"
err_one_line
expect 1 --library "$S/p" --passphrase-file "$S/nonexistent" user list
err_has "cannot read passphrase file"
ALBUMFS_PASSPHRASE_FILE=$S/pass expect 0 --library "$S/p" user list
out_has "p@example.com"
expect 0 --library "$S/p" user list --passphrase-file "$S/pass"
out_has "p@example.com"
ok "passphrase: needed, wrong, missing file, from the environment"

printf 'short\n' >"$S/short"
expect 1 --library "$S/s" init --passphrase-file "$S/short"
err_has "at least 12 characters"
[ ! -e "$S/s/key" ] || fail "a refused init left a key behind"
ok "a short passphrase is refused"

expect 1 --library "$S/q" init --passphrase-file "$S/nonexistent"
err_has "cannot read passphrase file"
[ ! -e "$S/q" ] || fail "init with a missing passphrase file created the library"
ok "init with a missing passphrase file creates nothing"
