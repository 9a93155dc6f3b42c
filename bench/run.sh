#!/usr/bin/env bash
# Measures `kirofile validate` and `kirofile graph` on generated projects of
# 100, 1,000 and 5,000 features (five nodes each): median wall time over
# several runs and peak resident memory, with the real binary.
#
#   bash bench/run.sh            # figures go to stdout
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/kirofile" ./cmd/kirofile
runs=${RUNS:-7}

# peak_kb CMD... prints the peak RSS in KiB of one run of CMD.
peak_kb() {
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1
}

# median_ms CMD... prints the median wall time in ms over $runs runs.
median_ms() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

printf '| features | nodes | Kirofile size | validate (median ms) | validate peak RSS (MiB) | graph (median ms) | graph peak RSS (MiB) |\n'
printf '|---|---|---|---|---|---|---|\n'
for n in 100 1000 5000; do
  dir="$work/p$n"
  go run ./bench/gen -features "$n" -dir "$dir"
  size=$(du -k "$dir/Kirofile" | cut -f1)
  v_ms=$(median_ms "$work/kirofile" -chdir="$dir" validate)
  v_kb=$(peak_kb "$work/kirofile" -chdir="$dir" validate)
  g_ms=$(median_ms "$work/kirofile" -chdir="$dir" graph)
  g_kb=$(peak_kb "$work/kirofile" -chdir="$dir" graph)
  printf '| %d | %d | %d KiB | %d | %.0f | %d | %.0f |\n' "$n" $((n * 5)) "$size" "$v_ms" "$(echo "$v_kb/1024" | bc -l)" "$g_ms" "$(echo "$g_kb/1024" | bc -l)"
done
