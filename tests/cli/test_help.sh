#!/usr/bin/env bash
# test_help.sh — the CLI's conventions: --help everywhere (exit 0, usage on
# stdout, no library needed), usage errors exit 2 with one line on stderr,
# --version, --json output that parses on every data-printing command
# (before or after the subcommand), and write errors on stdout reported.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

# No library exists yet: help must not need one.
leaves=("init" "user add" "user list" "team add" "team add-member" "team list"
        "album create" "album list" "album private-marks" "set create" "set visibility"
        "set list" "import" "photo private" "grant add" "grant list" "link create"
        "revoke" "ls" "prepare" "album rename" "set rename" "set delete" "photo versions"
        "photo restore-version" "photo rename" "photo move" "photo delete" "trash list"
        "trash restore" "trash purge" "trash window")
groups=("user" "team" "album" "set" "photo" "grant" "link" "trash")

for args in "--help" "-h" "help"; do
    expect 0 $args
    out_has "usage: albumctl"
    out_has "exit status"
    err_empty
done
# every command is in a section of the top-level help
expect 0 --help
out_has "albums and photos:"
! grep -q '^other:' "$OUT" || fail "commands outside every section of --help: $(sed -n '/^other:/,/^$/p' "$OUT")"
for leaf in "${leaves[@]}"; do
    # shellcheck disable=SC2086
    expect 0 $leaf --help
    out_has "usage: albumctl $leaf"
    err_empty
    # shellcheck disable=SC2086
    expect 0 $leaf -h
    out_has "usage: albumctl $leaf"
    # shellcheck disable=SC2086
    expect 0 help $leaf
    out_has "usage: albumctl $leaf"
done
for group in "${groups[@]}"; do
    expect 0 "$group" --help
    out_has "subcommands:"
    out_has "usage: albumctl $group"
done
expect 0 grant "Some Album" --user x@example.com --help
out_has "usage: albumctl grant ALBUM"
[ ! -e "$ALBUMFS_LIBRARY" ] || fail "help created a library"
ok "--help and -h on every command and subcommand, and 'help CMD'"

# --- examples: every command (each one albumctl(1) has a section for) shows
# at least one in --help and in the manual; each example, run with --help
# added, resolves to a command (its usage printed), the command it stands
# under or, for a group, one of the group's.
expect 0 help --man
cp "$OUT" "$S/man"
"$ALBUMCTL" help --completion bash >"$S/completion"
/usr/bin/python3 - "$ALBUMCTL" "$S/man" <<'PY' >"$S/examples.out" 2>&1 || true
import re, shlex, subprocess, sys
albumctl, man = sys.argv[1], open(sys.argv[2]).read()
leaves = [l[4:].replace("[", "").replace("]", "").replace("\\-", "-")
          for l in man.splitlines() if l.startswith(".SS ")]
problems = []
def run(args):
    return subprocess.run([albumctl] + args, capture_output=True, text=True)
for leaf in leaves:
    out = run(leaf.split() + ["--help"]).stdout
    m = re.search(r"\nexamples:\n((?:  albumctl .*\n)+)", out)
    if not m:
        problems.append("%s: no examples in --help" % leaf)
        continue
    for line in m.group(1).splitlines():
        argv = shlex.split(line.strip())
        r = run(argv[1:] + ["--help"])
        usage = r.stdout.splitlines()[0] if r.stdout else ""
        if r.returncode != 0 or "subcommands:" in r.stdout:
            problems.append("%s: example does not name a command: %s" % (leaf, line.strip()))
        elif not usage.startswith("usage: albumctl " + leaf.split()[0]):
            problems.append("%s: example is another command's: %s" % (leaf, line.strip()))
if man.count("\nExamples:\n") != len(leaves):
    problems.append("the manual has %d Examples blocks for %d commands"
                    % (man.count("\nExamples:\n"), len(leaves)))
if len(leaves) < 60:
    problems.append("only %d commands in the manual" % len(leaves))
if problems:
    print("\n".join(problems))
PY
[ ! -s "$S/examples.out" ] || fail "examples: $(cat "$S/examples.out")"
grep -q 'notify/settings) words=".*--smtp-password-file' "$S/completion" ||
    fail "the completion lacks an option of the tables"
ok "every command has examples in --help and the manual; each names a command that exists"

expect 0 --version
out_match "^albumctl \(albumfs\) [0-9]+\.[0-9]+"
ok "--version"

# --- usage errors: exit 2, one line, a pointer to --help
expect 2
out_is ""
err_has "usage: albumctl"
for bad in "frobnicate" "user frobnicate" "user" "grant" "--bogus user list" "user list --bogus" \
    "user list -x" "user add" "set create" "import" "--library" "user add x@example.com --name" \
    "help frobnicate" "help user frobnicate"; do
    # shellcheck disable=SC2086
    expect 2 $bad
    err_one_line
    err_has "--help"
done
expect 2 frobnicate
err_has "unknown command 'frobnicate'; see 'albumctl --help'"
expect 2 user frobnicate
err_has "albumctl: user: unknown subcommand 'frobnicate'; see 'albumctl user --help'"
expect 2 user list --bogus
err_has "albumctl: user list: unknown option '--bogus'; see 'albumctl user list --help'"
ok "usage errors exit 2 with one line on stderr"

# --- --json everywhere that prints data, before or after the command
expect 0 init
expect 0 user add alice@example.com --name $'Alice "Quote" \\ Back'
expect 0 team add studio
expect 0 team add-member studio alice@example.com
expect 0 album create "Smith Wedding 2026"
expect 0 set create "Smith Wedding 2026" Ceremony --visibility public
mkdir -p "$S/in"
img "$S/in/IMG_0001.jpg"
expect 0 import "Smith Wedding 2026/Ceremony" "$S/in"
expect 0 grant "Smith Wedding 2026" --user alice@example.com --role client
expect 0 link create "Smith Wedding 2026"
for cmd in "user list" "team list" "album list" "set list Smith~Wedding~2026" \
    "grant list" "grant list Smith~Wedding~2026" "ls" "ls --as alice@example.com" \
    "ls Smith~Wedding~2026/Ceremony" "user add bob@example.com" "team add crew" \
    "team add-member crew bob@example.com" "album create Second" \
    "set create Second Extra" "set visibility Second Extra client" \
    "album private-marks Second off" "photo private Smith~Wedding~2026/Ceremony/IMG_0001.jpg on" \
    "import Second/Photos $S/in" "grant Second --team crew --role editor" \
    "link create Second" "revoke 2" "prepare" "prepare Second" \
    "photo versions Smith~Wedding~2026/Ceremony/IMG_0001.jpg" "trash list" "trash window" \
    "set rename Second Extra Extra~2" "album rename Second Third" "init --library $S/lib2"; do
    # Words are split on spaces; "~" stands for a space inside a name.
    read -ra words <<<"$cmd"
    words=("${words[@]//\~/ }")
    expect 0 --json "${words[@]}"
    json_ok
    [ "${words[0]}" = init ] && continue
    case "${words[*]}" in
    *list* | ls*)
        expect 0 "${words[@]}" --json
        json_ok ;;
    esac
done
expect 0 user list --json
[ "$(py 'd["users"][0]["name"]')" = 'Alice "Quote" \ Back' ] || fail "JSON string escaping"
ok "--json output parses (before and after the subcommand), strings escaped"

# --- write errors on stdout are reported, not swallowed
if [ -w /dev/full ]; then
    rc=0
    "$ALBUMCTL" user list >/dev/full 2>"$ERR" || rc=$?
    [ "$rc" = 1 ] || fail "writing to a full disk exited $rc, not 1"
    err_has "writing output"
    rc=0
    "$ALBUMCTL" --help >/dev/full 2>"$ERR" || rc=$?
    [ "$rc" = 1 ] || fail "--help to a full disk exited $rc, not 1"
    ok "stdout write errors exit 1"
fi
