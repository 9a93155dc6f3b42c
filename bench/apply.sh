#!/usr/bin/env bash
# Measures `kirofile apply` of 200 independent features of four nodes each
# (800 generations) against a fake OpenAI-compatible server answering every
# request after 100 ms, with -parallelism=32, and then a second apply with
# nothing to do. The real binary, real plugin processes, real HTTP.
#
#   bash bench/apply.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
n=${FEATURES:-200}
latency=${LATENCY:-100ms}
par=${PARALLELISM:-32}
go build -o "$work/kirofile" ./cmd/kirofile
go build -o "$work/fakeserver" ./bench/fakeserver
go run ./bench/gen -features "$n" -apply -dir "$work/p"
"$work/fakeserver" -script "$work/p/llm.script" -latency "$latency" -url-file "$work/url" &
server=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
export OPENAI_BASE_URL=$(cat "$work/url")
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
t0=$(date +%s%N)
if ! /usr/bin/time -f "user %U s, sys %S s, peak %M KiB" "$work/kirofile" -chdir="$work/p" apply -yes -parallelism="$par" > "$work/apply.log"; then
  echo "apply failed; the end of its output:" >&2
  grep -v ': generat\|^  [+~-] \|never generated\|waits for' "$work/apply.log" | tail -20 >&2
  exit 1
fi
first=$(ms "$t0")
t0=$(date +%s%N)
"$work/kirofile" -chdir="$work/p" apply -yes -parallelism="$par" > "$work/apply2.log"
second=$(ms "$t0")
grep '^Apply finished' "$work/apply.log"
grep -q '^No changes' "$work/apply2.log" && echo "second apply: no changes"
lat_ms=${latency%ms}
nodes=$((n * 4))
bound=$(( (nodes + par - 1) / par * lat_ms ))
[ "$bound" -lt $((4 * lat_ms)) ] && bound=$((4 * lat_ms))
echo "nodes: $nodes, parallelism: $par, latency: ${lat_ms} ms per reply"
echo "critical-path bound: max(4 x ${lat_ms}, ceil($nodes / $par) x ${lat_ms}) = ${bound} ms"
echo "apply: ${first} ms ($(echo "scale=2; $first / $bound" | bc)x the bound)"
echo "no-change re-apply: ${second} ms"
