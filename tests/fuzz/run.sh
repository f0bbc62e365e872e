#!/usr/bin/env bash
# run.sh — run one libFuzzer harness for a bounded time and summarise it.
#   run.sh HARNESS SECONDS ARTIFACT_DIR SEED_DIR...
# The harness starts from every input in the SEED_DIRs that exist (its
# seeds and past crashes: read, never written) and writes what it finds to
# $FUZZ_CORPUS (default: a scratch folder removed afterwards). A crash,
# leak, timeout or broken invariant fails the run (exit status 1) and its
# input is saved in ARTIFACT_DIR. Prints one line:
#   fuzz_NAME: N runs in S s, cov C, ft F, corpus K, crashes 0
# and, on failure, the end of libFuzzer's log ($FUZZ_LOG keeps all of it).
set -uo pipefail

harness=$1 seconds=$2 artifacts=$3
shift 3
name=$(basename "$harness")
scratch=$(mktemp -d "${TMPDIR:-/tmp}/albumfs-fuzzrun-XXXXXX")
trap 'rm -rf "$scratch"' EXIT
corpus=${FUZZ_CORPUS:-$scratch/corpus}
log=${FUZZ_LOG:-$scratch/log}
mkdir -p "$corpus" "$artifacts"
seeds=()
for d in "$@"; do
  [ -d "$d" ] && seeds+=("$d")
done

# The harness's own scratch files go under $scratch too (fuzz_util.c).
# VIPS_NOVECTOR: liborc's code generator faults under ASan (scripts/test.sh).
TMPDIR=$scratch VIPS_NOVECTOR=1 \
ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  "$harness" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "${seeds[@]}" \
    >"$log" 2>&1
rc=$?

# libFuzzer's last status line ("#N DONE cov: C ft: F corp: K/...") and its
# final stats ("stat::number_of_executed_units: N").
last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
runs=$(sed -nE 's/^stat::number_of_executed_units: ([0-9]+)/\1/p' "$log" | tail -n 1)
# What libFuzzer saved from this run (slow-unit-* files are not failures).
crashes=$(find "$artifacts" -maxdepth 1 -type f -newer "$scratch" \
  \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
echo "$name: ${runs:-?} runs in $seconds s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, crashes $crashes"
if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
  echo "$name: FAILED (exit status $rc); the input is in $artifacts/" >&2
  tail -n 60 "$log" >&2
  exit 1
fi
