#!/usr/bin/env bash
# Webhooks benchmark: does delivering webhooks slow reads, and how soon
# does a receiver hear of a publication? Loopback only.
#
#   bash benches/webhooks.sh               # 10,000 posts, SQLite
#   DB=postgres bash benches/webhooks.sh
#
# Fills a fresh database with `nashr bench-data --posts $POSTS`, starts
# `nashr serve` (2 workers, response cache on, NASHR_WEBHOOK_ALLOW_PRIVATE=1)
# and a receiver (benches/webhooks.py, answers 204). Then, ROUNDS times,
# alternately with no webhook and with HOOKS webhooks subscribed to every
# event: an editor publishes a new post twice a second while wrk reads list
# page 1 (the page every publication changes) for DURATION. Reports req/s
# of each run and the delay from each publication's answer to each of its
# post.published deliveries (p50, p99).
#
# Knobs: POSTS=10000 DB=sqlite|postgres HOOKS=10 ROUNDS=2 CONNS=64 THREADS=2
#        DURATION=10s PG_URL=postgres://postgres@127.0.0.1:5432 BIN=path/to/nashr
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=${POSTS:-10000}
DB=${DB:-sqlite}
HOOKS=${HOOKS:-10}
ROUNDS=${ROUNDS:-2}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nashr-target}"
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing (apt-get install jq)" >&2; exit 1; }
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --quiet
  BIN="$CARGO_TARGET_DIR/release/nashr"
fi
OUT="bench-out/webhooks-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
WORK=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ "$DB" = postgres ] && psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS nashr_hooks_$$" >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

case "$DB" in
  sqlite) url="$WORK/bench.db" ;;
  postgres)
    psql "$PG_URL/postgres" -qc "CREATE DATABASE nashr_hooks_$$" >/dev/null
    url="$PG_URL/nashr_hooks_$$" ;;
  *) echo "unknown database $DB" >&2; exit 1 ;;
esac
export DATABASE_URL="$url" NASHR_MEDIA_DIR="$WORK/media" RUST_LOG=warn
echo "== $DB: bench-data --posts $POSTS"
"$BIN" bench-data --posts "$POSTS" > "$OUT/bench-data.txt"
printf 'bench-admin-password\n' | "$BIN" user create benchadmin --role admin --password-stdin > /dev/null

hook_port=$(free_port)
python3 benches/webhooks.py receive "$hook_port" "$OUT/received.log" &
pids+=($!)
addr="127.0.0.1:$(free_port)"
NASHR_ADDR="$addr" NASHR_WORKERS=2 NASHR_RATE_LIMIT_READS=0 NASHR_RATE_LIMIT_WRITES=0 \
  NASHR_WEBHOOK_ALLOW_PRIVATE=1 "$BIN" serve 2>"$OUT/server.log" &
server=$!
pids+=($server)
base="http://$addr"
for _ in $(seq 1 600); do curl -sf -o /dev/null "$base/healthz" && break; sleep 0.1; done
token=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"username":"benchadmin","password":"bench-admin-password"}' "$base/api/v1/auth/token" | jq -r .access_token)
auth=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json')

printf 'round\twebhooks\treq_per_s\tp50_ms\tp99_ms\tmax_rss_mb\n' > "$OUT/summary.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for hooks in 0 "$HOOKS"; do
    for id in $(curl -sf "${auth[@]}" "$base/api/v1/webhooks?per_page=100" | jq -r '.data[].id'); do
      curl -sf -X DELETE "${auth[@]}" -H 'If-Match: *' "$base/api/v1/webhooks/$id" >/dev/null
    done
    for n in $(seq 1 "$hooks"); do
      curl -sf "${auth[@]}" -d "{\"url\":\"http://127.0.0.1:$hook_port/hook/$n\",\"events\":[\"*\"]}" \
        "$base/api/v1/webhooks" >/dev/null
    done
    python3 benches/webhooks.py edit "$base" "$token" "$OUT/edits-$hooks.log" &
    editor=$!
    pids+=($editor)
    wrk -t"$THREADS" -c"$CONNS" -d2s "$base/api/v1/posts?per_page=20" >/dev/null
    peak=0
    f="$OUT/round$round-hooks$hooks.txt"
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency "$base/api/v1/posts?per_page=20" > "$f" &
    job=$!
    while kill -0 "$job" 2>/dev/null; do
      rss=$(awk '/VmRSS/{print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss
      sleep 0.2
    done
    wait "$job"
    kill "$editor"; wait "$editor" 2>/dev/null || true
    rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$f")
    p50=$(awk '$1=="50%"{print $2}' "$f"); p99=$(awk '$1=="99%"{print $2}' "$f")
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$hooks" "$rps" "$p50" "$p99" $((peak / 1024)) | tee -a "$OUT/summary.tsv"
  done
done
sleep 2
pending=$(curl -sf "$base/metrics" | awk '/^webhook_deliveries\{status="pending"\}/{print $2}')
{
  echo "### Webhooks while reading, $POSTS posts, $DB, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "    $(uname -srm), $(nproc) cores; wrk -t$THREADS -c$CONNS -d$DURATION list page 1; an editor publishing twice a second"
  echo
  echo "| round | webhooks | req/s | p50 | p99 | max RSS MiB |"
  echo "|---:|---:|---:|---:|---:|---:|"
  tail -n +2 "$OUT/summary.tsv" | while IFS=$'\t' read -r r h rps p50 p99 rss; do
    echo "| $r | $h | $rps | $p50 | $p99 | $rss |"
  done
  echo
  echo "Commit to delivery ($HOOKS webhooks): $(python3 benches/webhooks.py report "$OUT/edits-$HOOKS.log" "$OUT/received.log"); still pending at the end: ${pending:-0}"
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
echo "(in $OUT)"
