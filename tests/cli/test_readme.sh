# test_readme.sh — the README's "Using it" example works as written
# (issue 7, finding 12): its albumctl commands are taken verbatim from the
# first fenced block under "## Using it" and run in order, in a fresh home
# (the library in the default place, ~/.local/share/albumfs) with sample
# photos in ~/shoots/smith/ceremony/; the client's preview at the end must
# list photos.
source "$(dirname "$0")/lib.sh"

README=$TESTS_DIR/../README.md
unset ALBUMFS_LIBRARY # the example relies on the default place
mkdir -p "$S/bin" "$HOME/shoots/smith/ceremony"
ln -s "$ALBUMCTL" "$S/bin/albumctl"
export PATH=$S/bin:$PATH
for n in 1 2 3; do img "$HOME/shoots/smith/ceremony/IMG_000$n.jpg"; done

# The albumctl lines of the first fenced block after "## Using it".
awk '/^## /{inside = ($0 == "## Using it")}
     inside && /^```/{fence++; next}
     inside && fence == 1 && /^albumctl /{print}' "$README" >"$S/commands"
[ "$(wc -l <"$S/commands")" -ge 5 ] || fail "found no albumctl example under '## Using it'"
last=$(tail -n 1 "$S/commands")
case $last in
albumctl\ ls\ --as\ *) ;;
*) fail "the example no longer ends with a client's preview (albumctl ls --as): $last" ;;
esac

while IFS= read -r line; do
    rc=0
    (cd "$HOME" && eval "$line") >"$OUT" 2>"$ERR" || rc=$?
    [ "$rc" = 0 ] || fail "README command exited $rc: $line"
done <"$S/commands"
ok "every albumctl command of the example runs"

# The preview (the last command's output) shows the imported photos.
for n in 1 2 3; do out_has "IMG_000$n.jpg"; done
ok "the client in the example sees the photos"
