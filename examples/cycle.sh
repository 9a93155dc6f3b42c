#!/bin/sh
# cycle.sh KIROFILE DIR: runs a kirofile project's whole cycle, as a person
# would, until nothing is left to do: validate, then apply, and after every
# apply approve the spec documents it left awaiting approval (a reviewer
# would read them first), until `plan -detailed-exitcode` reports no
# changes. run.sh and record.sh use it; examples_test.go does the same in Go
# with assertions.
set -eu

kf=$1
dir=$2
# Approvals are recorded under this name instead of git's user.email, so
# that the cycle runs the same on any machine.
by=${KIROFILE_APPROVER:-reviewer@example.com}

run() {
	echo "\$ kirofile $*"
	"$kf" -no-color -chdir="$dir" "$@"
}

run init
run validate
i=0
while :; do
	i=$((i + 1))
	if [ "$i" -gt 20 ]; then
		echo "cycle.sh: still not done after 20 rounds" >&2
		exit 1
	fi
	# Exit 2 means nodes still await approval or are blocked: expected
	# until the last round.
	status=0
	run apply -yes -detailed-exitcode || status=$?
	if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
		exit "$status"
	fi
	status=0
	"$kf" -no-color -chdir="$dir" plan -detailed-exitcode >/dev/null || status=$?
	case $status in
	0) break ;;
	2) ;;
	*) exit "$status" ;;
	esac
	# The plan lists each spec awaiting approval as "  ? ADDRESS".
	pending=$("$kf" -no-color -chdir="$dir" plan | sed -n 's/^  ? \(feature\.[^ ]*\)$/\1/p')
	if [ -z "$pending" ]; then
		echo "cycle.sh: the plan has changes but nothing awaits approval:" >&2
		"$kf" -no-color -chdir="$dir" plan >&2 || true
		exit 1
	fi
	# shellcheck disable=SC2086 # one address a word
	run approve -by "$by" $pending
done
run plan -detailed-exitcode
