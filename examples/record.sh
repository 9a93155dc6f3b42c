#!/bin/sh
# record.sh [EXAMPLE...]: records the examples' cassettes again, e.g. after a
# prompt template changed (a replay then misses: the request fingerprints
# changed). With no argument, every example is recorded.
#
# Each example keeps what the model answers in recording/llm.script. For each
# example this script serves that file as an OpenAI-compatible endpoint
# (bench/fakeserver), runs the example's whole cycle (cycle.sh) in a
# temporary copy with the replay provider in record mode, and copies the
# cassettes back. Nothing leaves the machine.
#
# Run it from anywhere: sh examples/record.sh
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -gt 0 ]; then
	examples=$*
else
	examples="go-service go-tasks notifications plugin-action-wordcount/project json"
fi

tmp=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building kirofile and the fake server"
(cd "$root" && go build -o "$tmp/kirofile" ./cmd/kirofile && go build -o "$tmp/fakeserver" ./bench/fakeserver)

for ex in $examples; do
	src=$root/examples/$ex
	if [ ! -f "$src/recording/llm.script" ]; then
		echo "record.sh: $src/recording/llm.script not found" >&2
		exit 1
	fi
	echo
	echo "=== recording $ex"
	work=$tmp/work/$ex
	mkdir -p "$work"
	cp -R "$src/." "$work/"
	# Start from nothing: no old interactions, and no generated file or lock
	# left by a run in the example directory itself.
	rm -rf "$work/cassettes" "$work/.kiro/specs" "$work/.kirofile" "$work/Kirofile.lock.hcl"
	if [ "$ex" = plugin-action-wordcount/project ]; then
		(cd "$root" && go build -o "$work/bin/kirofile-action-wordcount" ./examples/plugin-action-wordcount)
	fi

	rm -f "$tmp/url"
	"$tmp/fakeserver" -script "$src/recording/llm.script" -url-file "$tmp/url" >"$tmp/server.log" 2>&1 &
	server=$!
	n=0
	until [ -s "$tmp/url" ]; do
		n=$((n + 1))
		if [ "$n" -gt 100 ]; then
			echo "record.sh: the fake server did not start:" >&2
			cat "$tmp/server.log" >&2
			exit 1
		fi
		sleep 0.1
	done

	OPENAI_BASE_URL=$(cat "$tmp/url") OPENAI_API_KEY=sk-recording KIROFILE_REPLAY_MODE=record \
		sh "$root/examples/cycle.sh" "$tmp/kirofile" "$work"

	kill "$server"
	wait "$server" 2>/dev/null || true
	server=
	cat "$tmp/server.log"

	mkdir -p "$src/cassettes"
	rm -f "$src"/cassettes/*.json
	cp "$work"/cassettes/*.json "$src/cassettes/"
	echo "=== $ex: $(ls "$src"/cassettes/*.json | sed "s|^$root/||" | tr '\n' ' ')"
done
