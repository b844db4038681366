#!/usr/bin/env bash
# Runs one MPI test case and checks its outcome. Used by CTest.
#   run_case.sh [--fail] [--within SECONDS] [--expect REGEX]... [--reject REGEX]... -- command...
# --fail        the command must exit non-zero (but not by the time limit)
# --within S    the command must finish within S seconds (killed after)
# --expect RE   the combined output must match RE (grep -E)
# --reject RE   the combined output must not match RE
set -u
want_fail=0; within=600; expects=(); rejects=()
while [ $# -gt 0 ]; do
  case "$1" in
    --fail) want_fail=1; shift ;;
    --within) within=$2; shift 2 ;;
    --expect) expects+=("$2"); shift 2 ;;
    --reject) rejects+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run_case.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s%N)
timeout --kill-after=10 "$within" "$@" >"$out" 2>&1
rc=$?
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 )); elapsed="$((elapsed_ms / 1000)).$(printf %03d $((elapsed_ms % 1000)))"
cat "$out"
echo "run_case.sh: exit status $rc after ${elapsed}s"
status=0
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "run_case.sh: FAILED: still running after ${within}s (hang)"; status=1
elif [ $want_fail -eq 1 ] && [ $rc -eq 0 ]; then
  echo "run_case.sh: FAILED: expected a non-zero exit status"; status=1
elif [ $want_fail -eq 0 ] && [ $rc -ne 0 ]; then
  echo "run_case.sh: FAILED: exit status $rc"; status=1
fi
for re in "${expects[@]}"; do
  grep -Eq -- "$re" "$out" || { echo "run_case.sh: FAILED: output does not match /$re/"; status=1; }
done
for re in "${rejects[@]}"; do
  if grep -Eq -- "$re" "$out"; then echo "run_case.sh: FAILED: output matches /$re/"; status=1; fi
done
exit $status
