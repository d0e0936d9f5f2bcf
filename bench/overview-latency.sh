#!/usr/bin/env bash
# Benchmark: latency of the partnership overview for a 50-school partnership under load.
# Target (issue "Dashboards"): p99 under 50 ms at 32 concurrent connections on a 2-core machine.
#
#   bench/overview-latency.sh                    # SQLite, 4 areas = 52 schools, 30 s of load
#   DURATION=10s PATHS="/ /schools/140213" bench/overview-latency.sh
#   DATABASE=postgres://user@host:port/db bench/overview-latency.sh
#
# Builds the release binary, loads the demo generator's four-area partnership (52 schools,
# about 36,000 pupils, its measures computed and stored once), starts `cairn serve`, signs in
# as the trust leader (who sees every school) and drives each path with wrk (Debian package
# `wrk`, installed with apt-get when missing): 2 threads, 32 connections, the session cookie
# on every request. Prints wrk's latency distribution; results go to docs/benchmarks.md by
# hand, with the machine and date. Pages read stored results, so nothing is computed per
# request.
set -euo pipefail

cd "$(dirname "$0")/.."
AREAS=${AREAS:-4}
DURATION=${DURATION:-30s}
CONNECTIONS=${CONNECTIONS:-32}
PATHS=${PATHS:-/}
OUT=bench/out
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$TARGET/release/cairn
mkdir -p "$OUT"
DATABASE=${DATABASE:-sqlite:$OUT/overview-$AREAS.db}

if ! command -v wrk >/dev/null; then
    echo "== installing wrk"
    apt-get install -y wrk >/dev/null
fi
echo "== building cairn (release)"
cargo build --release -p cairn --quiet

if [[ "$DATABASE" == sqlite:* ]]; then
    rm -f "${DATABASE#sqlite:}" "${DATABASE#sqlite:}-wal" "${DATABASE#sqlite:}-shm"
fi
echo "== loading $AREAS areas into $DATABASE"
"$BIN" demo --load-only --areas "$AREAS" --database "$DATABASE" 2>/dev/null | tail -1

LOG=$(mktemp -t cairn-bench-serve.XXXXXX)
RUST_LOG=warn "$BIN" serve --addr 127.0.0.1:0 --database "$DATABASE" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f "$LOG" "$JAR"' EXIT
JAR=$(mktemp -t cairn-bench-cookies.XXXXXX)
for _ in $(seq 100); do
    URL=$(sed -n 's/^Cairn is serving at //p' "$LOG")
    [[ -n "$URL" ]] && break
    sleep 0.1
done
[[ -n "$URL" ]] || { cat "$LOG"; echo "cairn serve did not start" >&2; exit 1; }

# Sign in as the trust leader: the login form's CSRF cookie and hidden field, then the post.
FORM=$(curl -s -c "$JAR" "$URL/login")
TOKEN=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$FORM" | head -1)
curl -s -b "$JAR" -c "$JAR" -o /dev/null -w '' \
    --data-urlencode "username=trust.leader" --data-urlencode "password=cairn-demo" \
    --data-urlencode "csrf_token=$TOKEN" "$URL/login"
SESSION=$(awk '$6 == "cairn_session" { print $7 }' "$JAR")
[[ -n "$SESSION" ]] || { echo "sign-in failed" >&2; exit 1; }

for path in $PATHS; do
    STATUS=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: cairn_session=$SESSION" "$URL$path")
    [[ "$STATUS" == 200 ]] || { echo "$path answered $STATUS" >&2; exit 1; }
    BYTES=$(curl -s -H "Cookie: cairn_session=$SESSION" "$URL$path" | wc -c)
    echo "== $path ($BYTES bytes): wrk -t2 -c$CONNECTIONS -d$DURATION"
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Cookie: cairn_session=$SESSION" "$URL$path"
done
