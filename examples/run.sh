#!/bin/sh
# run.sh [EXAMPLE [DIR]]: runs an example's whole cycle offline, from specs
# to code: copies examples/EXAMPLE (default go-service) to DIR (default a
# new temporary directory), then validates, applies, approves each spec
# document as it is generated and applies again until nothing is left, with
# the answers replayed from the example's cassette. The repository is left
# untouched; the generated project stays in DIR for you to read.
#
#   go build -o kirofile ./cmd/kirofile
#   sh examples/run.sh go-service
#
# It uses ./kirofile at the repository root when there is one, else
# `kirofile` on PATH, else it builds one for this run and removes it after.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
ex=${1:-go-service}
src=$root/examples/$ex
if [ ! -f "$src/Kirofile" ] && [ ! -f "$src/Kirofile.json" ]; then
	echo "run.sh: no example at examples/$ex" >&2
	exit 1
fi
dir=${2:-$(mktemp -d "${TMPDIR:-/tmp}/kirofile-example.XXXXXX")}

if [ -x "$root/kirofile" ]; then
	kf=$root/kirofile
elif command -v kirofile >/dev/null 2>&1; then
	kf=$(command -v kirofile)
else
	echo "building kirofile"
	# In a directory of its own, removed on exit: only the generated
	# project is left behind.
	bin=$(mktemp -d "${TMPDIR:-/tmp}/kirofile-bin.XXXXXX")
	trap 'rm -rf "$bin"' EXIT
	trap 'exit 130' INT TERM
	kf=$bin/kirofile
	(cd "$root" && go build -o "$kf" ./cmd/kirofile)
fi

mkdir -p "$dir"
cp -R "$src/." "$dir/"
if [ "$ex" = plugin-action-wordcount/project ]; then
	echo "building the wordcount plugin"
	(cd "$root" && go build -o "$dir/bin/kirofile-action-wordcount" ./examples/plugin-action-wordcount)
fi

# Replay only: never reach a network, whatever the shell exports.
unset OPENAI_BASE_URL OPENAI_API_KEY KIROFILE_REPLAY_MODE
sh "$root/examples/cycle.sh" "$kf" "$dir"

if [ -f "$dir/go.mod" ]; then
	echo
	echo "\$ go test ./...   # the generated code's own tests"
	(cd "$dir" && go test -count=1 ./...)
fi
echo
echo "Done. The generated project is in $dir"
