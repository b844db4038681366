#!/bin/sh
# CTest helper: runs a command and passes only if it exits 0, its output
# (stdout and stderr) matches the extended regular expression PATTERN, and
# contains no line with the word FAIL (the benchmarks' failed validation).
#   expect_output.sh PATTERN COMMAND [ARGS...]
pattern=$1
shift
out=$(mktemp "${TMPDIR:-/tmp}/gloompi-expect.XXXXXX")
"$@" > "$out" 2>&1
rc=$?
cat "$out"
status=0
if [ "$rc" -ne 0 ]; then
  echo "expect_output: command exited with status $rc" >&2
  status=1
elif ! grep -Eq -- "$pattern" "$out"; then
  echo "expect_output: output does not match /$pattern/" >&2
  status=1
elif grep -Eq '\bFAIL\b' "$out"; then
  echo "expect_output: a validation FAILed" >&2
  status=1
fi
rm -f "$out"
exit $status
