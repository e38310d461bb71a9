#!/usr/bin/env bash
# qnn4j against Brevitas 0.11, round after round on one machine: `./qnn4j bench` (compiled and tape
# paths) then benchmarks/brevitas_lenet_baseline.py, back to back, so that a load that comes and goes
# on a shared machine moves both sides of a round's ratio alike. Prints one line per round (with the
# 1-minute load average) and, at the end, each ratio's minimum, median and maximum and how many rounds
# reached the targets of issue 13 (training 4x, eval 5x). Results: BENCHMARKS.md.
#
# Usage: BREVITAS_PYTHONPATH=/path/to/brevitas/src:/path/to/dependencies/src \
#          benchmarks/side_by_side.sh [ROUNDS (default 20)] [SECONDS per phase (default 10)]
# (Brevitas is not packaged by Debian: see BENCHMARKS.md, "How to reproduce".) About 80 s a round.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
ROUNDS="${1:-20}"
SECONDS_PER_PHASE="${2:-10}"
if [ -z "${BREVITAS_PYTHONPATH:-}" ]; then
  echo "side_by_side.sh: set BREVITAS_PYTHONPATH to Brevitas 0.11's src and its dependencies' src (see BENCHMARKS.md)" >&2
  exit 2
fi
LOG="$(mktemp -d)"
trap 'rm -rf "$LOG"' EXIT

# The "images/s" column of `./qnn4j bench` for a phase ("train" or "eval") and path.
qnn4j_rate() { awk -v phase="$1" -v path="$2" '$1 == phase && $2 == path { print $4 }' "$LOG/qnn4j.txt"; }
brevitas_rate() { awk -v name="$1" '$1 == name { print $2 }' "$LOG/brevitas.txt"; }

printf '%-5s %-8s %-5s %16s %8s %6s %16s %8s %6s\n' round UTC load \
  "qnn4j train c/t" Brevitas ratio "qnn4j eval c/t" Brevitas ratio
for round in $(seq 1 "$ROUNDS"); do
  start="$(date -u +%H:%M)"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  "$ROOT/qnn4j" bench --seconds "$SECONDS_PER_PHASE" > "$LOG/qnn4j.txt" 2>&1
  (cd "$ROOT/benchmarks" && PYTHONPATH="$BREVITAS_PYTHONPATH" /usr/bin/python3 brevitas_lenet_baseline.py \
    --seconds "$SECONDS_PER_PHASE" --threads 2) > "$LOG/brevitas.txt" 2>&1
  train_compiled="$(qnn4j_rate train compiled)"
  eval_compiled="$(qnn4j_rate eval compiled)"
  brevitas_train="$(brevitas_rate brevitas_qat_train_batch64)"
  brevitas_eval="$(brevitas_rate brevitas_qat_eval_batch256)"
  if [ -z "$train_compiled" ] || [ -z "$eval_compiled" ] || [ -z "$brevitas_train" ] || [ -z "$brevitas_eval" ]; then
    echo "side_by_side.sh: round $round printed no figure; its output:" >&2
    cat "$LOG/qnn4j.txt" "$LOG/brevitas.txt" >&2
    exit 1
  fi
  awk -v r="$round" -v t="$start" -v l="$load" -v tc="$train_compiled" -v tt="$(qnn4j_rate train tape)" \
    -v bt="$brevitas_train" -v ec="$eval_compiled" -v et="$(qnn4j_rate eval tape)" -v be="$brevitas_eval" \
    'BEGIN { printf "%-5s %-8s %-5s %16s %8.0f %5.1fx %16s %8.0f %5.1fx\n", r, t, l, \
      sprintf("%.0f / %.0f", tc, tt), bt, tc / bt, sprintf("%.0f / %.0f", ec, et), be, ec / be }' \
    | tee -a "$LOG/rounds.txt"
  # The ratios unrounded, for the summary: training, then eval.
  awk -v tc="$train_compiled" -v bt="$brevitas_train" -v ec="$eval_compiled" -v be="$brevitas_eval" \
    'BEGIN { print tc / bt, ec / be }' >> "$LOG/ratios.txt"
done

summary() { # name column target
  awk -v f="$2" '{ print $f }' "$LOG/ratios.txt" | sort -g | awk -v name="$1" -v target="$3" '
    { v[NR] = $1; if ($1 >= target) met++ }
    END {
      median = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      printf "%-9s ratio min %.2fx, median %.2fx, max %.2fx; at least %gx in %d of %d rounds\n", \
        name, v[1], median, v[NR], target, met, NR
    }'
}
echo
summary training 1 4
summary eval 2 5
