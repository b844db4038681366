#!/usr/bin/env bash
# CTest helper: runs a command next to a private redis-server on a free
# loopback port, then stops the server.
#   with_redis.sh COMMAND [ARGS...]
# Every argument "@REDIS_PORT@" is replaced by the port. Exits 77 (CTest's
# skip code, see SKIP_RETURN_CODE) with a message when redis-server is not
# installed.
set -u
server=$(command -v redis-server || true)
if [ -z "$server" ]; then
  echo "with_redis.sh: redis-server is not installed (apt-get install redis-server); skipping"
  exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/gloompi-redis.XXXXXX")
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
port=""
for try in $(seq 1 20); do
  p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
  "$server" --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" >/dev/null 2>&1 &
  pid=$!
  # Ready when it answers PING; gone when the port was taken.
  for i in $(seq 1 50); do
    if ! kill -0 "$pid" 2>/dev/null; then pid=""; break; fi
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
    sleep 0.1
  done
  [ -n "$port" ] && break
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  pid=""
done
if [ -z "$port" ]; then
  echo "with_redis.sh: could not start redis-server on a free port"; cat "$dir/redis.log" 2>/dev/null
  exit 1
fi
args=()
for a in "$@"; do args+=("${a//@REDIS_PORT@/$port}"); done
"${args[@]}"
exit $?
