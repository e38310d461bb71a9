#!/usr/bin/env bash
# Training throughput (images/s) of QuantWeightActBiasLeNet on Fashion-MNIST: single process against
# Spark's synchronous and parameter-averaging modes, on local[1] and local[2], global batch 64 and 1024.
# Prints one line per configuration (with the machine's 1-minute load average before and after it, since
# the machine may be shared) and the driver's time split of each Spark run. Results: BENCHMARKS.md.
# Usage: benchmarks/spark_throughput.sh [OUT_DIR]   (about 15 minutes on 2 cores)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
# Images/s of the last step line: the run's images so far over its training time (calibration excluded).
rate() { grep '"event":"step"' "$1" | tail -n 1 | sed 's/.*"images_per_s":\([0-9.]*\).*/\1/'; }

run() { # name batch steps [extra args...]
  local name="$1" batch="$2" steps="$3"
  shift 3
  rm -f "$OUT/$name.safetensors" "$OUT/$name.jsonl"
  local load_before
  load_before="$(cut -d' ' -f1 /proc/loadavg)"
  "$ROOT/qnn4j" train --model QuantWeightActBiasLeNet --data fashion-mnist --test-limit 256 --epochs 1 \
    --batch-size "$batch" --max-steps "$steps" --metrics "$OUT/$name.jsonl" --out "$OUT/$name.safetensors" "$@" \
    > "$OUT/$name.log" 2>&1
  LAST_RATE="$(rate "$OUT/$name.jsonl")"
  printf '%-36s batch %5d  %8s images/s  load %s..%s  %s\n' "$name" "$batch" "$LAST_RATE" \
    "$load_before" "$(cut -d' ' -f1 /proc/loadavg)" "$(grep -h 'driver time' "$OUT/$name.log" || true)"
}

# A/B back to back: each Spark configuration runs right after a single-process run of the same
# batch size, and its ratio to that run is printed, so a load that changes between configurations
# (a shared machine) moves both sides of a ratio alike.
for batch in 64 1024; do
  steps=$(( batch == 64 ? 80 : 10 ))
  for mode in sync-local1 sync-local2 avg8-local1 avg8-local2; do
    case "$mode" in
      sync-local1) args=(--spark 'local[1]' --partitions 1) ;;
      sync-local2) args=(--spark 'local[2]' --partitions 2) ;;
      avg8-local1) args=(--spark 'local[1]' --partitions 1 --average-every 8) ;;
      avg8-local2) args=(--spark 'local[2]' --partitions 2 --average-every 8) ;;
    esac
    run "single-$batch-before-$mode" "$batch" "$steps"
    single="$LAST_RATE"
    run "$mode-$batch" "$batch" "$steps" "${args[@]}"
    awk -v a="$LAST_RATE" -v b="$single" -v m="$mode-$batch" \
      'BEGIN { if (b > 0) printf "  %s / single process just before: %.2f\n", m, a / b }'
  done
done
