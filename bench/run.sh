#!/usr/bin/env bash
# Runs every measurement of docs/performance.md with its floor or its peer
# side by side, in the same run, and reports ratios: kirofile is never
# timed alone. Each measurement is repeated RUNS times (default 3); the
# summary line gives the median ratio and the spread.
#
#   bash bench/run.sh                    # everything
#   ONLY="startup plan" bash bench/run.sh
#   RUNS=5 bash bench/run.sh
#
# Measurements (names for ONLY):
#   startup  kirofile version           vs a Go hello-world, and one linking go-plugin, hcl, go-cty, go-openai
#   validate kirofile validate          vs bare hclsyntax parse of the same files (1,000 and 5,000 features),
#            warm (the check cache of the documents kept) and cold (removed before each run)
#   plan     warm no-change plan        vs make -q and go-task (checksums) on the same graph and files;
#            cold plan                  vs hashing the same files (1,000 features, 14,000 files),
#                                       and vs hashing them while parsing the Kirofile (what a cold plan must do at the least)
#   chain    prompt tokens and lock size for chains of 100 and 500 specs, and across 100 and 200 features
#   apply    CPU per node, 100 vs BIG features (default 5,000);
#            per node over a bare HTTP client with atomic writes (200 features, no latency, one at a time);
#            200 features x 4 nodes at 100 ms latency, parallelism 32, vs the critical-path bound and the bare client
#   tasks    20 features x 10 tasks (each = "task", waves of 2-3) at 100 ms latency, parallelism 32,
#            vs the critical-path bound and a bare client making the same requests in the same order;
#            the re-apply with nothing changed: wall time and requests
#   cache    every single-bit flip of every cache file: plans that came out wrong
#   estimate plan of 1,000 features whose 1,000 codegens all run (-replace), with its estimates,
#            token cache cold and warm, vs the same plan without estimates (-estimate=false)
#
# It needs Go, make, awk and bc; go-task is installed from the module proxy into
# the scratch directory when it is not on PATH. Everything it writes is in
# one temporary directory, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${RUNS:-3}
only=${ONLY:-startup validate plan estimate chain apply tasks cache}
big=${BIG:-5000}
work=$(mktemp -d)
servers=()
cleanup() {
	for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

want() { [[ " $only " == *" $1 "* ]]; }
# pct A B: how much A exceeds B, in percent of B, rounded.
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf("%.0f\n", (a - b) * 100 / b) }'; }
# per TOTAL N: TOTAL / N, rounded to two decimals.
per() { awk -v a="$1" -v b="$2" 'BEGIN { printf("%.2f\n", a / b) }'; }
# ratio A B: A / B, rounded to two decimals (three under 0.1).
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf((r < 0.1) ? "%.3f\n" : "%.2f\n", r) }'; }
# summary NAME VALUES...: median and spread of ratios.
summary() {
	local name=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v name="$name" '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%s: median %.2f, spread %.2f to %.2f over %d runs\n", name, m, a[1], a[NR], NR}'
}
ms() { echo $(( $1 / 1000 )); }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sm), $(go version | cut -d' ' -f3)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "revision: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (modified)')"
echo

bin=$work/bin
mkdir -p "$bin"
go build -o "$bin/kirofile" ./cmd/kirofile
go build -o "$bin/floor" ./bench/floor
go build -o "$bin/fakeserver" ./bench/fakeserver
go build -o "$bin/gen" ./bench/gen
go build -o "$bin/hello" ./bench/hello
go build -o "$bin/hellolibs" ./bench/hellolibs
k=$bin/kirofile
floor=$bin/floor

# serve SCRIPT LATENCY: starts a fake endpoint; sets url.
serve() {
	local urlfile
	urlfile=$(mktemp "$work/url.XXXX")
	rm -f "$urlfile"
	"$bin/fakeserver" -script "$1" -latency "$2" -url-file "$urlfile" >/dev/null &
	servers+=($!)
	for _ in $(seq 200); do [ -s "$urlfile" ] && break; sleep 0.05; done
	url=$(cat "$urlfile")
}

if want startup; then
	echo "== start-up: kirofile version vs a Go hello-world, and vs a hello-world linking the libraries kirofile must use (median of 300 starts each)"
	rs=()
	ls=()
	hs=()
	for run in $(seq "$runs"); do
		read -r h _ < <("$floor" time 300 "$bin/hello")
		read -r l _ < <("$floor" time 300 "$bin/hellolibs")
		read -r v _ < <("$floor" time 300 "$k" version)
		rs+=("$(ratio "$v" "$h")")
		ls+=("$(ratio "$v" "$l")")
		hs+=("$(ratio "$l" "$h")")
		echo "run $run: hello-world $h us, hello-world with the libraries $l us, kirofile version $v us: $(ratio "$v" "$h")x the hello-world, $(ratio "$v" "$l")x the one with the libraries"
	done
	summary "start-up, kirofile version / hello-world" "${rs[@]}"
	summary "start-up, kirofile version / hello-world with the libraries" "${ls[@]}"
	summary "start-up, hello-world with the libraries / hello-world" "${hs[@]}"
	echo
fi

if want validate; then
	for n in 1000 5000; do
		d=$work/docs$n
		"$bin/gen" -features "$n" -docs -dir "$d"
		sleep 2.1 # outside the racy window: the first validate keeps the findings of every document
		"$k" -chdir="$d" validate >/dev/null
		echo "== validate, $n features ($((n * 5)) nodes, $((n * 4)) documents, Kirofile $(du -k "$d/Kirofile" | cut -f1) KiB) vs hclsyntax parse of the same Kirofile (median of 5 each);" \
			"warm: the findings of the documents in .kirofile/cache/checks; cold: that cache removed before each run"
		rs=()
		cs=()
		wp=()
		cp=()
		for run in $(seq "$runs"); do
			read -r p _ < <("$floor" time 5 "$floor" parse "$d")
			read -r v _ < <("$floor" time 5 "$k" -chdir="$d" validate)
			read -r c _ < <("$floor" time 5 sh -c "rm -rf '$d/.kirofile/cache' && exec '$k' -chdir='$d' validate")
			r=$(ratio "$v" "$p")
			rc=$(ratio "$c" "$p")
			rs+=("$r")
			cs+=("$rc")
			wp+=("$(pct "$v" "$p")")
			cp+=("$(pct "$c" "$p")")
			echo "run $run: parse $(ms "$p") ms; validate warm $(ms "$v") ms: ${r}x, work beyond the parse $(pct "$v" "$p") % of it;" \
				"cold $(ms "$c") ms: ${rc}x, $(pct "$c" "$p") %"
		done
		summary "validate $n, warm / parse" "${rs[@]}"
		summary "validate $n, cold / parse" "${cs[@]}"
		summary "validate $n, warm: work beyond the parse (%)" "${wp[@]}"
		summary "validate $n, cold: work beyond the parse (%)" "${cp[@]}"
		echo
	done
fi

if want plan; then
	d=$work/plan1000
	"$bin/gen" -features 1000 -generated -peers -dir "$d"
	if command -v task >/dev/null; then
		task=$(command -v task)
	else
		GOBIN=$bin go install github.com/go-task/task/v3/cmd/task@latest
		task=$bin/task
	fi
	(cd "$d" && make -q) || { echo "make -q finds work to do: the peers' fixture is wrong" >&2; exit 1; }
	(cd "$d" && "$task" -s all >/dev/null) # records the checksums
	"$k" -chdir="$d" validate >/dev/null || { echo "the plan fixture does not pass validate" >&2; exit 1; }
	files=$(find "$d/.kiro" "$d/services" -type f | wc -l)
	echo "== plan, 1,000 features (5,000 nodes), $files files ($(du -sm "$d/services" | cut -f1) MiB), lock $(du -k "$d/Kirofile.lock.hcl" | cut -f1) KiB"
	sleep 2.1 # outside the racy window of every file
	cold=()
	coldp=()
	hashp=()
	warm=()
	wtask=()
	full=()
	for run in $(seq "$runs"); do
		rm -rf "$d/.kirofile"
		read -r hsh _ < <("$floor" time 1 "$floor" hash "$d")
		read -r hp _ < <("$floor" time 1 "$floor" cold "$d")
		read -r c _ < <("$floor" time 1 "$k" -chdir="$d" plan)
		cold+=("$(ratio "$c" "$hsh")")
		coldp+=("$(ratio "$c" "$hp")")
		hashp+=("$(ratio "$hp" "$hsh")")
		sleep 2.1
		"$k" -chdir="$d" plan >/dev/null # the stamp
		"$k" -chdir="$d" plan -detailed-exitcode >/dev/null || { echo "the plan fixture has changes" >&2; exit 1; }
		read -r mk _ < <(cd "$d" && "$floor" time 20 make -q)
		read -r w _ < <("$floor" time 20 "$k" -chdir="$d" plan)
		read -r tk _ < <(cd "$d" && "$floor" time 3 "$task" -s all)
		# The same plan without its stamp: loading, hashing what changed
		# (nothing) and deciding every node.
		fs=()
		for _ in 1 2 3 4 5; do
			rm -f "$d/.kirofile/cache/stamp.plan"
			read -r f _ < <("$floor" time 1 "$k" -chdir="$d" plan)
			fs+=("$f")
		done
		f=$(printf '%s\n' "${fs[@]}" | sort -n | sed -n 3p)
		warm+=("$(ratio "$w" "$mk")")
		wtask+=("$(ratio "$w" "$tk")")
		full+=("$(ratio "$f" "$mk")")
		echo "run $run: cold plan $(ms "$c") ms vs hashing the same files $(ms "$hsh") ms: $(ratio "$c" "$hsh")x," \
			"vs hashing them while parsing the Kirofile $(ms "$hp") ms: $(ratio "$c" "$hp")x (that floor $(ratio "$hp" "$hsh")x the hashing);" \
			"warm plan $(ms "$w") ms vs make -q $(ms "$mk") ms: $(ratio "$w" "$mk")x, vs go-task $(ms "$tk") ms: $(ratio "$w" "$tk")x;" \
			"warm plan without its stamp $(ms "$f") ms: $(ratio "$f" "$mk")x make -q"
	done
	summary "cold plan / hashing" "${cold[@]}"
	summary "cold plan / hashing while parsing" "${coldp[@]}"
	summary "hashing while parsing / hashing" "${hashp[@]}"
	summary "warm plan / make -q" "${warm[@]}"
	summary "warm plan / go-task" "${wtask[@]}"
	summary "warm plan without its stamp / make -q" "${full[@]}"
	echo
fi

if want estimate; then
	d=$work/estimate1000
	"$bin/gen" -features 1000 -generated -dir "$d"
	replace=()
	for i in $(seq 0 999); do replace+=("-replace=feature.f$i.codegen.service"); done
	"$k" -chdir="$d" plan -estimate=false "${replace[@]}" >/dev/null # the hash cache
	"$k" -chdir="$d" plan "${replace[@]}" >"$work/estimate.txt"
	echo "== plan with estimates: 1,000 features, their 1,000 codegens to run, $(grep -m1 '^Cost:' "$work/estimate.txt")"
	cold=()
	warm=()
	for run in $(seq "$runs"); do
		read -r n _ < <("$floor" time 3 "$k" -chdir="$d" plan -estimate=false "${replace[@]}")
		rm -f "$d/.kirofile/cache/tokens"
		read -r c _ < <("$floor" time 1 "$k" -chdir="$d" plan "${replace[@]}")
		read -r w _ < <("$floor" time 3 "$k" -chdir="$d" plan "${replace[@]}")
		cold+=("$(ratio "$c" "$n")")
		warm+=("$(ratio "$w" "$n")")
		echo "run $run: without estimates $(ms "$n") ms; with estimates, token cache cold $(ms "$c") ms ($(ratio "$c" "$n")x), warm $(ms "$w") ms ($(ratio "$w" "$n")x)"
	done
	/usr/bin/time -f '%M' -o "$work/mem" "$k" -chdir="$d" plan -estimate=false "${replace[@]}" >/dev/null
	mn=$(cat "$work/mem")
	/usr/bin/time -f '%M' -o "$work/mem" "$k" -chdir="$d" plan "${replace[@]}" >/dev/null
	mw=$(cat "$work/mem")
	echo "peak memory: without estimates $((mn / 1024)) MiB, with estimates (warm) $((mw / 1024)) MiB"
	summary "plan with estimates, cold token cache / without" "${cold[@]}"
	summary "plan with estimates, warm token cache / without" "${warm[@]}"
	echo
fi

# applyrun DIR PARALLELISM: apply with the fake endpoint at $url; prints
# the wall time in ms and the CPU (user + sys, plugins included) in ms.
applyrun() {
	local t0 t1
	t0=$(date +%s%N)
	OPENAI_BASE_URL=$url /usr/bin/time -o "$work/time" -f '%U %S' "$k" -chdir="$1" apply -yes -parallelism="$2" >"$work/apply.log" || {
		tail -20 "$work/apply.log" >&2
		exit 1
	}
	t1=$(date +%s%N)
	grep -q '^Apply finished: .* 0 failed' "$work/apply.log" || { tail -5 "$work/apply.log" >&2; exit 1; }
	read -r u s <"$work/time"
	echo "$(((t1 - t0) / 1000000)) $(echo "($u + $s) * 1000 / 1" | bc)"
}

if want chain; then
	echo "== chains: prompt tokens sent and lock size"
	declare -A tokens lock
	for spec in 100 500 300across 600across; do
		n=${spec%across}
		d=$work/chain$spec
		if [ "$spec" != "$n" ]; then "$bin/gen" -chain "$n" -across -dir "$d"; else "$bin/gen" -chain "$n" -dir "$d"; fi
		serve "$d/llm.script" 0
		applyrun "$d" 4 >/dev/null
		# The provider's line is the run's total (one provider); numbers
		# are printed with thousands separators.
		tokens[$spec]=$(sed -n 's/^Tokens, provider\.[^:]*: .*(\([0-9,]*\) prompt.*/\1/p' "$work/apply.log" | tr -d , | head -1)
		[ -n "${tokens[$spec]}" ] || { echo "no token count in the apply's output:" >&2; tail -5 "$work/apply.log" >&2; exit 1; }
		lock[$spec]=$(wc -c <"$d/Kirofile.lock.hcl")
		where="one feature"
		[ "$spec" != "$n" ] && where="across $((n / 3)) features"
		echo "$n specs, $where: ${tokens[$spec]} prompt tokens, lock ${lock[$spec]} bytes"
	done
	echo "chain 500 / 100 specs: prompt tokens $(ratio "${tokens[500]}" "${tokens[100]}")x, lock $(ratio "${lock[500]}" "${lock[100]}")x (5x the specs)"
	echo "chain across 200 / 100 features: prompt tokens $(ratio "${tokens[600across]}" "${tokens[300across]}")x, lock $(ratio "${lock[600across]}" "${lock[300across]}")x (2x the specs)"
	echo
fi

if want apply; then
	echo "== apply CPU per node (user + sys, plugin processes included), no latency, parallelism 32"
	rs=()
	for run in $(seq "$runs"); do
		line="run $run:"
		per=()
		for n in 100 "$big"; do
			d=$work/apply$n.$run
			"$bin/gen" -features "$n" -apply -dir "$d"
			serve "$d/llm.script" 0
			read -r wall cpu < <(applyrun "$d" 32)
			per+=("$(awk -v a="$cpu" -v b="$((n * 4))" 'BEGIN { printf("%.4f\n", a / b) }')")
			line="$line $n features $((n * 4)) nodes: $(per "$cpu" "$((n * 4))") ms/node;"
			kill "${servers[-1]}"
			# Kept until the end: on ext4 without a journal, a file is
			# slower to create for minutes after tens of thousands were
			# deleted, which would weigh on the measurements after this.
		done
		rs+=("$(ratio "${per[1]}" "${per[0]}")")
		echo "$line ratio $(ratio "${per[1]}" "${per[0]}")x"
	done
	summary "apply CPU per node, $big / 100 features" "${rs[@]}"
	echo

	"$bin/gen" -features 200 -apply -dir "$work/apply200"
	serve "$work/apply200/llm.script" 0
	echo "== apply per node over a bare HTTP client writing each reply atomically: 200 features, 800 nodes, no latency, one at a time"
	rs=()
	for run in $(seq "$runs"); do
		d=$work/p1.$run
		cp -r "$work/apply200" "$d"
		read -r wall _ < <(applyrun "$d" 1)
		bare=$("$floor" http -url "$url" -transcripts "$d/.kirofile/transcripts" -out "$work/bare1.$run" -parallelism 1)
		over=$(per "$((wall - bare))" 800)
		rs+=("$over")
		echo "run $run: kirofile apply $wall ms, bare client $bare ms: $over ms per node over the bare client"
	done
	summary "apply per node over a bare client (ms)" "${rs[@]}"
	echo

	serve "$work/apply200/llm.script" 100ms
	bound=2500
	echo "== apply of 200 features x 4 nodes at 100 ms latency, parallelism 32; critical-path bound max(4 x 100, ceil(800 / 32) x 100) = $bound ms"
	rs=()
	bs=()
	for run in $(seq "$runs"); do
		d=$work/p32.$run
		cp -r "$work/apply200" "$d"
		read -r wall cpu < <(applyrun "$d" 32)
		bare=$("$floor" http -url "$url" -transcripts "$d/.kirofile/transcripts" -out "$work/bare32.$run" -parallelism 32)
		rs+=("$(ratio "$wall" "$bound")")
		bs+=("$(ratio "$bare" "$bound")")
		echo "run $run: kirofile apply $wall ms ($(ratio "$wall" "$bound")x the bound, CPU $cpu ms), bare client $bare ms ($(ratio "$bare" "$bound")x the bound)"
	done
	summary "apply / bound" "${rs[@]}"
	summary "bare client / bound" "${bs[@]}"
	echo
fi

# reapply DIR: apply with nothing to do; prints the wall time in ms, and
# fails when the apply sends a request.
reapply() {
	local t0 t1
	t0=$(date +%s%N)
	OPENAI_BASE_URL=$url "$k" -chdir="$1" apply -yes -parallelism=32 >"$work/apply.log" || { tail -5 "$work/apply.log" >&2; exit 1; }
	t1=$(date +%s%N)
	grep -q '^No changes' "$work/apply.log" || { echo "the re-apply had something to do:" >&2; tail -5 "$work/apply.log" >&2; exit 1; }
	echo "$(((t1 - t0) / 1000000))"
}

if want tasks; then
	d0=$work/tasks20
	"$bin/gen" -features 20 -tasks -dir "$d0"
	"$k" -chdir="$d0" validate >/dev/null || { echo "the task fixture does not pass validate" >&2; exit 1; }
	"$k" -chdir="$d0" approve -by bench@example.com $(for i in $(seq 0 19); do echo "feature.f$i"; done) >/dev/null
	serve "$d0/llm.script" 100ms
	# Each feature's ten tasks run in five waves (bench.TaskShape); 200
	# requests at 32 at once take seven rounds.
	bound=700
	echo "== tasks: 20 features x 10 tasks in waves of 2-3 at 100 ms latency, parallelism 32; critical-path bound max(5 waves, ceil(200 / 32) rounds) x 100 ms = $bound ms"
	rs=()
	bs=()
	again=()
	for run in $(seq "$runs"); do
		d=$work/t32.$run
		cp -r "$d0" "$d"
		read -r wall cpu < <(applyrun "$d" 32)
		grep -q '^Apply finished: 200 generated' "$work/apply.log" || { tail -5 "$work/apply.log" >&2; exit 1; }
		bare=$("$floor" tasks -url "$url" -transcripts "$d/.kirofile/transcripts" -out "$work/baret.$run" -parallelism 32)
		# Nothing changed: no request, and the wall time of the whole
		# command, with and without the stamp of the last plan.
		sleep 2.1 # outside the racy window of the files just written
		w2=$(reapply "$d")
		rm -f "$d/.kirofile/cache/stamp.plan"
		w3=$(reapply "$d")
		rs+=("$(ratio "$wall" "$bound")")
		bs+=("$(ratio "$bare" "$bound")")
		again+=("$w3")
		echo "run $run: kirofile apply $wall ms ($(ratio "$wall" "$bound")x the bound, CPU $cpu ms), bare client $bare ms ($(ratio "$bare" "$bound")x the bound); re-apply with nothing changed: $w2 ms, $w3 ms without the plan's stamp, 0 requests"
	done
	summary "tasks apply / bound" "${rs[@]}"
	summary "tasks bare client / bound" "${bs[@]}"
	summary "tasks re-apply without the stamp (ms)" "${again[@]}"
	echo
fi

if want cache; then
	echo "== caches: every single-bit flip of every cache file"
	KIROFILE_FLIPS=all go test -count=1 -run TestCacheBitFlips -v ./bench/ | grep 'cache bit flips'
	echo
fi
