#!/usr/bin/env bash
# test_json_types.sh — the same JSON types for the same things in every
# command's --json output (docs/cli.md, "JSON types"): each command that
# prints data is run on a library that has users, a team, grants with and
# without pools, a link, a revoked grant, photos and pool charges, and
# every value anywhere in its output under one of these keys is checked
# (by /usr/bin/python3): "principal" an object {kind, id, name}; "pool"
# null or an object {id, name, limit, used, left}; "sets" an array;
# "expires" null or a UTC time string; "grant" an object; "id" and every
# "*_id" a number (or null); times ("created", "expires", ...) strings
# ending in Z.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding"
mkdir "$S/in"
img "$S/in/IMG_1.jpg"
img "$S/in/IMG_2.jpg"
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public
expect 0 import "$W/Ceremony" "$S/in" --no-prepare
expect 0 user add alice@example.com --name "Alice Smith"
expect 0 user add tom@example.com
expect 0 team add studio
expect 0 team add-member studio tom@example.com
expect 0 grant "$W" --user alice@example.com --role client --highres original --pool couple \
    --limit 10 --expires 30d --no-prepare
alice=$(cat "$OUT")
expect 0 grant "$W" --team studio --role editor --no-prepare
expect 0 user add bob@example.com
expect 0 grant "$W" --user bob@example.com --role client --highres original --no-prepare
bob=$(cat "$OUT")
expect 0 grant "$W" --user tom@example.com --role invited --no-prepare
tom=$(cat "$OUT")
(umask 077; printf 'guest-password\n' >"$S/pw")
expect 0 link create "$W" --label Guests --password-file "$S/pw" --no-prepare
expect 0 pool add "$W" family --limit 3
expect 0 notify settings --owner owner@example.com
# a high-res photo taken from the pool (what a mount writes)
sqlite3 "$ALBUMFS_LIBRARY/catalog.db" "INSERT INTO pool_charges(pool_id, photo_id, grant_id, at)
    SELECT (SELECT id FROM pools WHERE name = 'couple'), min(id), $alice, 1790000000 FROM photos"

# check FILE...: every key's type checked across the outputs given (each
# FILE.cmd says which command wrote it).
check() {
    /usr/bin/python3 - "$@" <<'PY'
import json, re, sys
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
problems = []
def bad(where, key, v, want):
    problems.append("%s: %s is %r, not %s" % (where, key, v, want))
def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)
def walk(where, v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            p = path + "." + k
            if k == "principal":
                if not (isinstance(x, dict) and set(x) == {"kind", "id", "name"}
                        and x["kind"] in ("user", "team", "link") and is_int(x["id"])
                        and isinstance(x["name"], str)):
                    bad(where, p, x, "an object {kind, id, name}")
            elif k == "pool":
                if x is not None and not (isinstance(x, dict)
                        and set(x) == {"id", "name", "limit", "used", "left"}
                        and is_int(x["id"]) and isinstance(x["name"], str)
                        and (x["limit"] is None or is_int(x["limit"])) and is_int(x["used"])
                        and (x["left"] is None or is_int(x["left"]))):
                    bad(where, p, x, "null or an object {id, name, limit, used, left}")
            elif k == "sets" and not isinstance(x, list):
                bad(where, p, x, "an array")
            elif k == "grant" and not isinstance(x, dict):
                bad(where, p, x, "an object")
            elif (k == "id" or k.endswith("_id")) and not (x is None or is_int(x)):
                bad(where, p, x, "a number")
            elif k in ("expires", "created", "revoked", "last_use", "next_attempt") and not (
                    x is None or (isinstance(x, str) and TIME.match(x))):
                bad(where, p, x, "null or a UTC time")
            walk(where, x, p)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(where, x, "%s[%d]" % (path, i))
for f in sys.argv[1:]:
    text = open(f).read()
    try:
        walk(open(f + ".cmd").read().strip(), json.loads(text), "")
    except ValueError as e:
        problems.append("%s: not JSON: %s" % (open(f + ".cmd").read().strip(), e))
if problems:
    print("\n".join(problems))
    sys.exit(1)
PY
}

n=0
outs=()
# j ARGS...: albumctl --json ARGS, its output kept for the check.
j() {
    n=$((n + 1))
    expect 0 --json "$@"
    cp "$OUT" "$S/out$n"
    printf '%s\n' "$*" >"$S/out$n.cmd"
    outs+=("$S/out$n")
}
j status
j user list
j team list
j album list
j set list "$W"
j grant list
j grant list "$W"
j grant change "$alice" --expires 60d
j link list
j link list "$W"
j ls --as alice@example.com
j pool list "$W"
j pool join "$W" family "$bob"
j pool charges "$W" couple
j activity
j activity "$W" --person alice@example.com
j favourites "$W"
j private list "$W"
j photo versions "$W/Ceremony/IMG_1.jpg"
j trash list
j trash window
j notify settings
j notify outbox
j cache
j backup settings
j revoke "$tom"
j grant list "$W"
j verify
grep -q '"principal"' "$S/out14" || fail "pool charges shows no charge"
check "${outs[@]}" >"$S/problems" || fail "JSON types: $(cat "$S/problems")"
ok "principal, pool, sets, grant, expires, ids and times have one JSON type in ${#outs[@]} outputs"
