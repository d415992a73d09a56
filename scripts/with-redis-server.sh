#!/usr/bin/env bash
# Runs a command against a real, throwaway redis-server: starts Debian's redis-server on loopback on a
# free port with no persistence and 64 databases (checkers borrow one each, and a lab's secured() Redis
# one more), runs the command with REDIS_URL set, stops the server, and exits with
# the command's exit code.   Usage: bash scripts/with-redis-server.sh npm run labs:verify
set -u
if [ $# -eq 0 ]; then echo "usage: $0 <command> [args…]" >&2; exit 64; fi
SERVER=$(command -v redis-server || true)
if [ -z "$SERVER" ]; then echo "redis-server is not installed (Debian: apt-get install redis-server)." >&2; exit 69; fi

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
PORT=$(free_port)
DIR=$(mktemp -d)
"$SERVER" --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --databases 64 --dir "$DIR" --daemonize no --logfile "$DIR/redis.log" &
PID=$!
cleanup() { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then echo "redis-server failed to start:" >&2; cat "$DIR/redis.log" >&2; exit 70; fi
  sleep 0.05
done
echo "redis-server $("$SERVER" --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p') on 127.0.0.1:$PORT (pid $PID)"

REDIS_URL="redis://127.0.0.1:$PORT" "$@"
exit $?
