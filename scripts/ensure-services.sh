#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1 for the test suite: start them when they are
# installed but stopped, create the test role's database access, and fail loudly when absent.
set -euo pipefail

pg_ok() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_ok() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_ok; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "PostgreSQL is stopped: starting it" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start || true
    for _ in $(seq 1 30); do pg_ok && break; sleep 1; done
  fi
fi
if ! pg_ok; then
  echo "ERROR: PostgreSQL does not answer on 127.0.0.1:5432 and could not be started." >&2
  echo "       Install it (apt-get install postgresql) or set TEST_DATABASE_URL." >&2
  exit 1
fi

if ! redis_ok; then
  if command -v redis-server >/dev/null; then
    echo "Redis is stopped: starting it" >&2
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
    for _ in $(seq 1 30); do redis_ok && break; sleep 0.5; done
  fi
fi
if ! redis_ok; then
  echo "ERROR: Redis does not answer on 127.0.0.1:6379 and could not be started." >&2
  echo "       Install it (apt-get install redis-server) or set TEST_REDIS_URL." >&2
  exit 1
fi
echo "PostgreSQL and Redis are up on 127.0.0.1."
