#!/usr/bin/env bash
# Measures a no-change `kirofile plan` of 1,000 features with a full lock
# and 10,000 generated files of 10 KB (100 MB), with the real binary: the
# first run (cold: parses the lock, hashes every file, fills .kirofile/cache)
# and the median of the next runs (cached), plus -rehash (full refresh).
#
#   bash bench/plan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/kirofile" ./cmd/kirofile
dir="$work/project"
go run ./bench/gen -features "${FEATURES:-1000}" -generated -dir "$dir"
# Files written a moment ago are inside the hash cache's racy window.
find "$dir" -type f -exec touch -d '1 hour ago' {} +
sleep 2.1
measure() { /usr/bin/time -f '%e s, %M KiB peak' "$work/kirofile" -chdir="$dir" "$@" 2>&1 >/dev/null | tail -1; }
echo "files: $(find "$dir/services" -type f | wc -l), $(du -sm "$dir/services" | cut -f1) MiB; lock: $(du -k "$dir/Kirofile.lock.hcl" | cut -f1) KiB"
echo "cold:    $(measure plan)"
for i in 1 2 3 4 5; do echo "cached:  $(measure plan)"; done
echo "rehash:  $(measure plan -rehash)"
"$work/kirofile" -chdir="$dir" plan -detailed-exitcode >/dev/null && echo "exit 0: no changes"
