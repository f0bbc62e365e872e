#!/usr/bin/env bash
# fuzz.sh — fuzz every parser albumfs has for bytes or text from outside
# (the libFuzzer harnesses of tests/fuzz; docs/fuzzing.md) for a long time.
#   scripts/fuzz.sh [SECONDS]     default 3600: an hour in all
# Builds build/fuzz with clang, then runs the harnesses FUZZ_JOBS at a time
# (default: one per CPU), SECONDS split evenly between them, so the whole
# run takes about SECONDS. Each harness starts from its seeds
# (tests/fuzz/corpus/), its past crashes (tests/fuzz/regressions/) and what
# earlier runs found (build/fuzz/corpus/<name>/, kept between runs, never in
# the source tree). Prints per harness the executions, coverage (cov: and
# ft: from libFuzzer's final status) and crashes, and exits 1 if any
# harness crashed; inputs that crash are in build/fuzz/fuzz-artifacts/<name>/
# and the full logs in build/fuzz/logs/<name>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

total=${1:-3600}
case $total in
'' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2 ;;
esac
scripts/install-deps.sh
cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DALBUMFS_FUZZ=ON -DALBUMFS_WERROR=ON >/dev/null
cmake --build build/fuzz -j"$(nproc)"

harnesses=(names timefmt probe vault key links notify manifest login)
jobs=${FUZZ_JOBS:-$(nproc)}
[ "$jobs" -ge 1 ] || jobs=1
[ "$jobs" -le ${#harnesses[@]} ] || jobs=${#harnesses[@]}
each=$((total * jobs / ${#harnesses[@]}))
[ "$each" -ge 1 ] || each=1
echo "fuzz.sh: ${#harnesses[@]} harnesses, $each s each, $jobs at a time (about $total s)"

bin=build/fuzz/tests/fuzz
mkdir -p build/fuzz/logs
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
failed=0 running=0
for name in "${harnesses[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  mkdir -p "build/fuzz/corpus/$name"
  FUZZ_CORPUS=build/fuzz/corpus/$name FUZZ_LOG=build/fuzz/logs/$name.log \
    bash tests/fuzz/run.sh "$bin/fuzz_$name" "$each" "build/fuzz/fuzz-artifacts/$name" \
      "tests/fuzz/corpus/$name" "tests/fuzz/regressions/$name" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz.sh: a harness crashed (see above); add the input to tests/fuzz/regressions/<name>/ with the fix" >&2
  exit 1
fi
echo "fuzz.sh: no crash"
