#!/usr/bin/env bash
# test_concurrency.sh — eight albumctl processes writing at once must all
# succeed and lose nothing: users, imports into one set, sets, grants and a
# mix of all of them. (The catalog's busy timeout and short transactions are
# what make this work.)
# shellcheck source=tests/cli/lib.sh
source "$(dirname "$0")/lib.sh"

W="Smith Wedding 2026"
N=8
expect 0 init
expect 0 album create "$W"
expect 0 set create "$W" Ceremony --visibility public

# run_all NAME CMD...: start N copies of CMD (where {} becomes 1..N) in the
# background, wait for each and insist every one succeeded.
run_all() {
    local what=$1 i pids=() rc=0
    shift
    for ((i = 1; i <= N; i++)); do
        "$ALBUMCTL" "${@//\{\}/$i}" >"$S/out.$what.$i" 2>"$S/err.$what.$i" &
        pids+=($!)
    done
    for ((i = 1; i <= N; i++)); do
        wait "${pids[$((i - 1))]}" || { rc=$?; cat "$S/err.$what.$i" >&2; fail "$what #$i exited $rc"; }
    done
}

run_all users user add "person{}@example.com"
expect 0 --json user list
[ "$(py 'len(d["users"])')" = $N ] || fail "expected $N users"
ok "$N parallel 'user add'"

for ((i = 1; i <= N; i++)); do
    mkdir -p "$S/batch$i"
    for j in 1 2 3; do img "$S/batch$i/P${i}_$j.jpg"; done
done
run_all imports import "$W/Ceremony" "$S/batch{}"
expect 0 --json ls "$W/Ceremony"
[ "$(py 'len(d["albums"][0]["sets"][0]["photos"])')" = $((N * 3)) ] || fail "expected $((N * 3)) photos"
for ((i = 1; i <= N; i++)); do
    [ "$(cat "$S/out.imports.$i")" = "imported 3, failed 0" ] || fail "import #$i summary"
done
ok "$N parallel imports into one set"

# The same names again, all at once: every one becomes a new version.
run_all reimports --json import "$W/Ceremony" "$S/batch{}"
expect 0 --json ls "$W/Ceremony"
[ "$(py 'len(d["albums"][0]["sets"][0]["photos"])')" = $((N * 3)) ] || fail "re-imports added photos"
ok "$N parallel re-imports make versions, not duplicates"

run_all sets set create "$W" "Set {}" --visibility client
run_all grants grant "$W" --user "person{}@example.com" --role client --highres original --pool shared --limit 20
expect 0 --json set list "$W"
[ "$(py 'len(d["sets"])')" = $((N + 2)) ] || fail "expected $((N + 2)) sets"
expect 0 --json grant list "$W"
[ "$(py 'len(d["grants"])')" = $N ] || fail "expected $N grants"
[ "$(py 'len({g["settings"]["pool"]["id"] for g in d["grants"]})')" = 1 ] || fail "all grants share one pool"
ok "$N parallel set creates and grants (one shared pool created once)"

# A mix of everything at once.
pids=()
"$ALBUMCTL" user add late@example.com >"$S/m1" 2>&1 & pids+=($!)
"$ALBUMCTL" album create "Second Album" >"$S/m2" 2>&1 & pids+=($!)
"$ALBUMCTL" team add studio >"$S/m3" 2>&1 & pids+=($!)
"$ALBUMCTL" link create "$W" >"$S/m4" 2>&1 & pids+=($!)
"$ALBUMCTL" import "$W/Set 1" "$S/batch1" >"$S/m5" 2>&1 & pids+=($!)
"$ALBUMCTL" set visibility "$W" "Set 2" team >"$S/m6" 2>&1 & pids+=($!)
"$ALBUMCTL" revoke 1 >"$S/m7" 2>&1 & pids+=($!)
"$ALBUMCTL" grant "$W" --user person8@example.com --role invited >"$S/m8" 2>&1 & pids+=($!)
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "mixed writer $((i + 1)) failed: $(cat "$S/m$((i + 1))")"
done
expect 0 --json ls "$W/Set 1"
[ "$(py 'len(d["albums"][0]["sets"][0]["photos"])')" = 3 ] || fail "mixed import"
expect 0 --json grant list "$W"
[ "$(py 'len(d["grants"])')" = $((N + 2)) ] || fail "mixed grants"
ok "a mix of eight different writers"
