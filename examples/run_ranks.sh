#!/bin/sh
# Runs N ranks of a gloompi program on this host and fails if any rank fails.
#   run_ranks.sh N PROGRAM [ARGS...]
# Each rank is started as `PROGRAM [ARGS...] RANK N DIR`, DIR being a fresh
# temporary store directory shared by the ranks and removed afterwards.
# A rank still running after $RUN_RANKS_LIMIT seconds (default 60) is killed.
set -u
n=$1; shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/gloompi-example.XXXXXX")
limit=${RUN_RANKS_LIMIT:-60}
pids=""
r=0
while [ "$r" -lt "$n" ]; do
  timeout "$limit" "$@" "$r" "$n" "$dir" &
  pids="$pids $!"
  r=$((r + 1))
done
status=0
r=0
for p in $pids; do
  if ! wait "$p"; then
    echo "run_ranks: rank $r failed" >&2
    status=1
  fi
  r=$((r + 1))
done
rm -rf "$dir"
exit $status
