# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the findings scripts: their runs as resumable jobs in one results database.
# The script sets CLI, DB, OUT_DIR and PROBLEMS, then calls jobs_init NAME. Each run is labelled by
# what it is (`--name`); `job LABEL COMMAND...` reuses a finished run of that label, resumes a
# stopped or killed one (only its missing units are computed) or starts COMMAND, and records its
# wall time and the machine in $OUT_DIR/times.tsv (label, seconds, machine). FRESH=1 starts over.

# jobs_init NAME: the prefix of progress lines; refuses a database of runs on another number of problems.
jobs_init() {
  JOBS_NAME="$1"
  JOBS_STEP=0
  # Which machine made the figures.
  MACHINE="$(nproc) CPU cores ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo))"
  if command -v nvidia-smi > /dev/null && nvidia-smi -L > /dev/null 2>&1; then
    MACHINE="$(nvidia-smi -L | awk -F' [(]' 'NR == 1 {print $1}') + $MACHINE"
  fi
  mkdir -p "$OUT_DIR"
  if [ -n "${FRESH:-}" ]; then rm -f "$DB" "$DB-wal" "$DB-shm" "$OUT_DIR/times.tsv" "$OUT_DIR/problems"; fi
  if [ -f "$DB" ] && [ ! -f "$OUT_DIR/problems" ]; then
    echo "$JOBS_NAME: $DB has no record of how many problems its runs are on (an older script made it; FRESH=1 starts over)" >&2
    exit 2
  fi
  if [ -f "$DB" ] && [ "$(cat "$OUT_DIR/problems")" != "$PROBLEMS" ]; then
    echo "$JOBS_NAME: $DB holds runs on $(cat "$OUT_DIR/problems") problems, not $PROBLEMS (FRESH=1 starts over)" >&2
    exit 2
  fi
  echo "$PROBLEMS" > "$OUT_DIR/problems"
}

# finished_runs: "label<TAB>id" of every finished run in $DB, oldest first.
finished_runs() {
  [ -f "$DB" ] || return 0
  "$CLI" list --db "$DB" --json | python3 -c '
import json, sys
for r in sorted(json.load(sys.stdin), key=lambda r: r["id"]):
    if r["status"] == "done": print(r["name"] + "\t" + str(r["id"]))'
}

# run_of LABEL: the id of the newest finished run labelled LABEL (empty when there is none).
run_of() { finished_runs | awk -F'\t' -v l="$1" '$1 == l {id = $2} END {print id}'; }

# job LABEL COMMAND...: COMMAND is a CLI command that makes one run and prints its id first; it is
# run with --name LABEL --db $DB unless the database has a run of that label.
job() {
  local label="$1" found="" id t0
  shift
  JOBS_STEP=$((JOBS_STEP + 1)); t0=$(date +%s)
  [ -f "$DB" ] && found=$("$CLI" list --db "$DB" --json | python3 -c '
import json, sys
runs = [r for r in json.load(sys.stdin) if r["name"] == sys.argv[1]]
if runs:
    r = max(runs, key=lambda r: r["id"]); print(r["id"], r["status"])' "$label")
  if [ -n "$found" ] && [ "${found#* }" = done ]; then
    echo "$JOBS_NAME: [$JOBS_STEP] $label: run ${found% *}, finished before" >&2
    return
  elif [ -n "$found" ]; then
    id="${found% *}"
    echo "$JOBS_NAME: [$JOBS_STEP] $label: resuming run $id" >&2
    "$CLI" resume "$id" --db "$DB" > /dev/null
  else
    echo "$JOBS_NAME: [$JOBS_STEP] $label: starting" >&2
    id=$("$@" --name "$label" --db "$DB" | sed -n 1p)
  fi
  echo "$JOBS_NAME: [$JOBS_STEP] $label: run $id done in $(( $(date +%s) - t0 )) s" >&2
  printf '%s\t%s\t%s\n' "$label" "$(( $(date +%s) - t0 ))" "$MACHINE" >> "$OUT_DIR/times.tsv"
}
