#!/usr/bin/env bash
# Measures `kirofile apply` of 200 independent features of four nodes each
# (800 generations) against a fake OpenAI-compatible server answering every
# request after 100 ms, with -parallelism=32, and then a second apply with
# nothing to do. The real binary, real plugin processes, real HTTP.
#
#   bash bench/apply.sh            # five runs, each on a fresh copy
#   RUNS=10 bash bench/apply.sh
#
# Each run applies a fresh copy of the generated project, and nothing is
# deleted until the last run is over: on a file system that makes new files
# skip the inodes of recently deleted ones (ext4 without a journal), a
# cleanup between runs would make the next run pay for it.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
n=${FEATURES:-200}
latency=${LATENCY:-100ms}
par=${PARALLELISM:-32}
runs=${RUNS:-5}
go build -o "$work/kirofile" ./cmd/kirofile
go build -o "$work/fakeserver" ./bench/fakeserver
go run ./bench/gen -features "$n" -apply -dir "$work/project"
"$work/fakeserver" -script "$work/project/llm.script" -latency "$latency" -url-file "$work/url" > "$work/fakeserver.log" &
server=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
export OPENAI_BASE_URL=$(cat "$work/url")

lat_ms=${latency%ms}
nodes=$((n * 4))
bound=$(( (nodes + par - 1) / par * lat_ms ))
[ "$bound" -lt $((4 * lat_ms)) ] && bound=$((4 * lat_ms))
echo "nodes: $nodes, parallelism: $par, latency: ${lat_ms} ms per reply"
echo "critical-path bound: max(4 x ${lat_ms}, ceil($nodes / $par) x ${lat_ms}) = ${bound} ms"

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
firsts=()
for run in $(seq "$runs"); do
  p="$work/run$run"
  cp -r "$work/project" "$p"
  t0=$(date +%s%N)
  if ! /usr/bin/time -o "$work/time$run" -f "user %U s, sys %S s, peak %M KiB" \
      "$work/kirofile" -chdir="$p" apply -yes -parallelism="$par" > "$work/apply$run.log"; then
    echo "apply failed; the end of its output:" >&2
    grep -v ': generat\|^  [+~-] \|never generated\|waits for' "$work/apply$run.log" | tail -20 >&2
    exit 1
  fi
  first=$(ms "$t0")
  t0=$(date +%s%N)
  "$work/kirofile" -chdir="$p" apply -yes -parallelism="$par" > "$work/again$run.log"
  second=$(ms "$t0")
  grep -q '^Apply finished: '"$nodes"' generated' "$work/apply$run.log" || { echo "run $run: not every node was generated" >&2; exit 1; }
  grep -q '^No changes' "$work/again$run.log" || { echo "run $run: the second apply found work to do" >&2; exit 1; }
  firsts+=("$first")
  echo "run $run: apply ${first} ms ($(echo "scale=2; $first / $bound" | bc)x the bound; $(cat "$work/time$run")), no-change re-apply ${second} ms"
done
median=$(printf '%s\n' "${firsts[@]}" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}')
echo "median apply: ${median} ms ($(echo "scale=2; $median / $bound" | bc)x the bound) over $runs runs"
kill "$server" && wait "$server" 2>/dev/null || true
server=""
cat "$work/fakeserver.log"
