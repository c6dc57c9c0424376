#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Runs every libFuzzer target of tests/fuzz for a bounded time (default 60 s each; first argument
# or LENS_FUZZ_SECONDS; libFuzzer seed LENS_FUZZ_SEED, 1 by default so CI runs repeat), from a copy
# of its seed corpus, in an empty working folder; as many targets at once as there are cores
# (LENS_FUZZ_JOBS), each a single-threaded libFuzzer process. Needs the sanitizer build
# (scripts/sanitize.sh builds it).
# Writes build-asan/fuzz/summary.tsv (target, seconds, executions, corpus size, crashes) and
# exits non-zero when any target crashes or breaks a property: the input is saved as
# build-asan/fuzz/<target>/crash-*; add it to tests/fuzz/regressions/<target>/ with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECONDS_EACH=${1:-${LENS_FUZZ_SECONDS:-60}}
JOBS=${LENS_FUZZ_JOBS:-$(nproc)}
BUILD_DIR=${LENS_ASAN_BUILD_DIR:-build-asan}
TARGETS=(safetensors config tokenizer_json tokenizer_encode math_jsonl answer spec)
if [ ! -x "$BUILD_DIR/tests/fuzz/fuzz_spec" ]; then
  echo "fuzz: no fuzz targets in $BUILD_DIR; run scripts/sanitize.sh first" >&2
  exit 2
fi
OUT="$ROOT/$BUILD_DIR/fuzz"
rm -rf "$OUT"
mkdir -p "$OUT"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# fuzz_one TARGET: runs it and writes its exit status to $OUT/TARGET/rc.
fuzz_one() {
  local t=$1 rc
  mkdir -p "$OUT/$t/corpus" "$OUT/$t/cwd"
  cp -r "tests/fuzz/corpus/$t/." "$OUT/$t/corpus/"
  if [ -d "tests/fuzz/regressions/$t" ]; then cp -r "tests/fuzz/regressions/$t/." "$OUT/$t/corpus/"; fi
  set +e
  (cd "$OUT/$t/cwd" && "$ROOT/$BUILD_DIR/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=20 \
     -seed="${LENS_FUZZ_SEED:-1}" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 -artifact_prefix="$OUT/$t/" "$OUT/$t/corpus") \
     > "$OUT/$t/log.txt" 2>&1
  rc=$?
  set -e
  echo "$rc" > "$OUT/$t/rc"
}

running=0
for t in "${TARGETS[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  fuzz_one "$t" &
  running=$((running + 1))
done
wait

printf 'target\tseconds\texecutions\tcorpus\tcrashes\n' > "$OUT/summary.tsv"
failed=0
for t in "${TARGETS[@]}"; do
  rc=$(cat "$OUT/$t/rc" 2>/dev/null || echo 1)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$t/log.txt" | grep -o '[0-9]*$' || echo 0)
  crashes=$(find "$OUT/$t" -maxdepth 1 \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | wc -l)
  corpus=$(find "$OUT/$t/corpus" -type f | wc -l)
  printf '%s\t%s\t%s\t%s\t%s\n' "$t" "$SECONDS_EACH" "${execs:-0}" "$corpus" "$crashes" >> "$OUT/summary.tsv"
  if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
    failed=1
    echo "fuzz: $t FAILED (exit $rc); the input and log are in $OUT/$t/" >&2
    grep -E 'ERROR|property broken|SUMMARY' "$OUT/$t/log.txt" | head -5 >&2 || true
  else
    echo "fuzz: $t: ${execs:-0} executions in ${SECONDS_EACH}s, corpus $corpus, no crash"
  fi
done
column -t "$OUT/summary.tsv"
exit $failed
