#!/usr/bin/env bash
# Trials of `kill -9` during an apply, as the security test ran them: what
# an abrupt end leaves behind. Each trial copies a project whose specs a
# person approved and whose code was generated, starts an apply that
# regenerates designs and code (new replies, hooks that run a child process
# of their own), kills kirofile with SIGKILL at a random moment of it, and
# then counts:
#
#   orphans         processes kirofile started (plugins, hooks, their
#                   children) still running 5 s after the kill; every one
#                   works in the project directory, which is how they are
#                   found (Linux: /proc/PID/cwd)
#   unreadable      a plan that fails: a lock or state that does not load
#   false drift     nodes plan reports as edited by hand, though nobody
#                   edited anything
#   lost approvals  approved specs that plan no longer finds approved
#   leftovers       temporary files plan reports (the next apply removes
#                   them)
#   unfinished      a plain apply afterwards that does not bring the
#                   project to "No changes"
#
#   bash bench/kill.sh                  # 100 trials of this tree
#   TRIALS=20 bash bench/kill.sh
#   REF=6e2fb78 bash bench/kill.sh      # the same trials of another commit
#   DELAY=0.6 bash bench/kill.sh        # always kill 0.6 s into the apply
#   KEEP=DIR bash bench/kill.sh         # keep the trials that went wrong
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${TRIALS:-100}
features=${FEATURES:-4}
work=$(mktemp -d)
servers=()
cleanup() {
  for s in "${servers[@]}"; do kill "$s" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

src=.
if [ -n "${REF:-}" ]; then
  mkdir "$work/src"
  git archive "$REF" | tar -x -C "$work/src"
  src="$work/src"
fi
(cd "$src" && go build -o "$work/kirofile" ./cmd/kirofile)
go build -o "$work/fakeserver" ./bench/fakeserver
kf="$work/kirofile"

# The project: each feature has a requirements document a person approves,
# a design approved automatically, and a codegen whose test hook starts a
# child process and waits for it.
base="$work/base"
mkdir -p "$base"
{
  echo 'provider "openai" "main" {'
  echo '  model    = "gpt-bench"'
  echo '  base_url = env("OPENAI_BASE_URL")'
  echo '}'
  echo 'hook "test" {'
  echo '  on = ["codegen.completed"]'
  echo '  action "exec" {'
  echo '    command = ["sh", "-c", "sleep 0.4 & wait"]'
  echo '  }'
  echo '}'
  for i in $(seq 0 $((features - 1))); do
    cat <<EOK
feature "f$i" {
  description = "Feature f$i."
  spec "requirements" {}
  spec "design" {
    kind     = "document"
    prompt   = "DESIGN f$i."
    approval = "auto"
  }
  codegen "svc" {
    outputs = ["services/f$i/**"]
    prompt  = "CODE f$i."
    hooks   = [hook.test]
  }
}
EOK
  done
} > "$base/Kirofile"

script() { # VERSION
  for i in $(seq 0 $((features - 1))); do
    printf 'match "DESIGN f%s."\nreply\n# Design of f%s, %s\n\nSome words.\nend\n\n' "$i" "$i" "$1"
    printf 'match "CODE f%s."\nreply\n' "$i"
    for j in 1 2 3 4 5; do
      printf 'File: services/f%s/file%s.go\n```go\npackage f%s\n\n// Version is %s.\nconst Version%s = "%s"\n```\n' "$i" "$j" "$i" "$1" "$j" "$1"
    done
    printf 'end\n\n'
  done
  cat <<'EOS'
match "Write the requirements document"
reply
# Requirements Document

## Requirements

### Requirement 1

**User Story:** As a user, I want the feature, so that it works.

#### Acceptance Criteria

1. WHEN the feature is used THEN the system SHALL work.
end
EOS
}
script v1 > "$work/v1.script"
script v2 > "$work/v2.script"

serve() { # SCRIPT LATENCY URLFILE
  "$work/fakeserver" -script "$1" -latency "$2" -url-file "$3" > /dev/null &
  servers+=($!)
  for _ in $(seq 100); do [ -s "$3" ] && return; sleep 0.05; done
  echo "the fake server did not start" >&2
  exit 1
}
serve "$work/v1.script" 0s "$work/url1"
serve "$work/v2.script" 150ms "$work/url2"

# The baseline: generated with v1, requirements approved by a person.
export OPENAI_BASE_URL=$(cat "$work/url1")
"$kf" -chdir="$base" apply -yes > "$work/base.log" || true
for i in $(seq 0 $((features - 1))); do
  "$kf" -chdir="$base" approve -by ana@example.com "feature.f$i.spec.requirements" > /dev/null
done
"$kf" -chdir="$base" apply -yes >> "$work/base.log"
"$kf" -chdir="$base" plan | grep -q '^No changes' || { echo "the baseline is not up to date" >&2; cat "$work/base.log" >&2; exit 1; }

replace=()
for i in $(seq 0 $((features - 1))); do
  replace+=("-replace=feature.f$i.spec.design" "-replace=feature.f$i.codegen.svc")
done

# orphans DIR: processes working in DIR, 5 s after the kill at most.
orphans() {
  local left=0
  for _ in $(seq 50); do
    left=0
    for p in /proc/[0-9]*; do
      [ "$(readlink "$p/cwd" 2>/dev/null)" = "$1" ] || continue
      [ "$(sed 's/.*) //' "$p/stat" 2>/dev/null | cut -c1)" = Z ] && continue
      left=$((left + 1))
    done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  # Whatever is left is killed, so that the next trial starts clean.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/cwd" 2>/dev/null)" = "$1" ] && kill -9 "${p#/proc/}" 2>/dev/null
  done
  echo "$left"
}

export OPENAI_BASE_URL=$(cat "$work/url2")
# How long the apply takes uninterrupted: kills fall anywhere in it.
cp -a "$base" "$work/timed"
t0=$(date +%s%N)
"$kf" -chdir="$work/timed" apply -yes "${replace[@]}" > "$work/timed.log" 2>&1
span=$(( ($(date +%s%N) - t0) / 1000000 ))
rm -rf "$work/timed"
echo "an uninterrupted apply takes ${span} ms; each trial kills it after a random time in [20 ms, ${span} ms]"
n_orphan=0 n_unreadable=0 n_drift=0 n_lost=0 n_leftover=0 n_unfinished=0
for t in $(seq "$trials"); do
  p="$work/trial$t"
  cp -a "$base" "$p"
  "$kf" -chdir="$p" apply -yes "${replace[@]}" > "$p.apply.log" 2>&1 &
  pid=$!
  sleep "${DELAY:-$(awk -v r="$RANDOM" -v span="$span" 'BEGIN { printf "%.3f", (20 + r / 32767 * (span - 20)) / 1000 }')}"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  o=$(orphans "$p")
  [ "$o" -gt 0 ] && n_orphan=$((n_orphan + 1))
  problems=""
  [ "$o" -gt 0 ] && problems="$problems $o orphan(s);"
  if ! "$kf" -chdir="$p" plan -json > "$p.plan.json" 2> "$p.plan.err"; then
    n_unreadable=$((n_unreadable + 1))
    problems="$problems plan failed;"
  else
    d=$(jq -r 'select(.type == "planned_change" and (.action == "drift" or (.action == "approve" and (.reasons | join(" ") | test("by hand|edited"))))) | .address' "$p.plan.json" | wc -l)
    l=$(jq -r 'select(.type == "planned_change" and (.address | test("spec.requirements$")) and .action != "no-op") | .address' "$p.plan.json" | wc -l)
    [ "$d" -gt 0 ] && { n_drift=$((n_drift + 1)); problems="$problems $d drifted;"; }
    [ "$l" -gt 0 ] && { n_lost=$((n_lost + 1)); problems="$problems $l approval(s) lost;"; }
    grep -q 'interrupted write' "$p.plan.err" && n_leftover=$((n_leftover + 1))
  fi
  if ! "$kf" -chdir="$p" apply -yes > "$p.again.log" 2>&1 || ! "$kf" -chdir="$p" plan | grep -q '^No changes'; then
    n_unfinished=$((n_unfinished + 1))
    problems="$problems not finished by a plain apply;"
  fi
  [ -n "$problems" ] && echo "trial $t:$problems"
  [ -n "$problems" ] && [ -n "${KEEP:-}" ] && cp -a "$p" "$KEEP/trial$t" && cp "$p".*.* "$KEEP/" 2>/dev/null
  rm -rf "$p"
done
echo "kill -9 trials: $trials (${REF:-this tree}); trials with orphans: $n_orphan, unreadable state: $n_unreadable, false drift: $n_drift, lost approvals: $n_lost, unfinished after a plain apply: $n_unfinished; leftovers reported (and removed): $n_leftover"
