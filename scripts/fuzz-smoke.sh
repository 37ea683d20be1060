#!/usr/bin/env bash
# Runs every fuzz target in the module for a short time (default 10s each).
# Usage: scripts/fuzz-smoke.sh [FUZZTIME]
set -euo pipefail
fuzztime=${1:-10s}
cd "$(dirname "$0")/.."
status=0
count=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)\(' "$file" | sed -E 's/^func (Fuzz[A-Za-z0-9_]+)\(/\1/'); do
		count=$((count + 1))
		echo "fuzz ./$dir $target ($fuzztime)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "./$dir" >"/tmp/fuzz-$$.log" 2>&1; then
			cat "/tmp/fuzz-$$.log"
			status=1
		fi
	done
done < <(git ls-files '*_test.go' | xargs grep -l '^func Fuzz' | sort)
rm -f "/tmp/fuzz-$$.log"
echo "fuzz smoke: $count targets, $([ $status = 0 ] && echo ok || echo FAILED)"
exit $status
