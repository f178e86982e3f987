#!/usr/bin/env bash
# Read benchmark: Nashr on SQLite and on PostgreSQL, with wrk, loopback only.
#
#   bash benches/reads.sh                 # 10,000 posts, both databases
#   POSTS=100000 DBS=sqlite bash benches/reads.sh
#
# For each database: builds the release binary, fills a fresh database with
# `nashr bench-data --posts $POSTS`, starts `nashr serve` (2 workers, logs
# at warn), checks every endpoint once (status 200 and the number of items),
# then runs wrk (THREADS threads, CONNS connections, DURATION each, after a
# WARMUP) against each endpoint, twice: with the response cache (the
# default) and without it (NASHR_RESPONSE_CACHE_MB=0), so the numbers say
# what the database and the code cost, not only what memory does; then
# with the cache while an editor writes: `editing` PATCHes the title of a
# published post twice a second, `drafting` saves a draft twice a second
# (what a newsroom does all day); `bare` keeps nothing at all (response
# cache and kept post views, totals and rankings off: every request built
# from the database). The server logs at warn (no line per
# request). Server memory (RSS) is sampled during the runs.
# Last, the ceiling: a bare actix-web handler (examples/ceiling.rs)
# answering the bytes of list page 1, the most any server could do here.
#
# Knobs: POSTS=10000 DBS="sqlite postgres" CONNS=64 THREADS=2 DURATION=10s
#        WARMUP=2s PG_URL=postgres://postgres@127.0.0.1:5432
#        MODES="cached uncached editing drafting" (also: bare) CEILING=1
#        ENDPOINTS="list_page_1 post_by_slug ..." (default: all)
# Output: target-independent folder bench-out/reads-<UTC time>/ with one wrk
# report per run, summary.tsv and summary.md (also printed).
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=${POSTS:-10000}
DBS=${DBS:-sqlite postgres}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-2s}
MODES=${MODES:-cached uncached editing drafting}
CEILING=${CEILING:-1}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nashr-target}"
command -v wrk >/dev/null || { echo "wrk is missing (apt-get install wrk)" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is missing (apt-get install jq)" >&2; exit 1; }

# BIN=path/to/nashr measures that binary instead (to compare two builds).
if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --quiet
  BIN="$CARGO_TARGET_DIR/release/nashr"
fi
if [ "$CEILING" = 1 ]; then
  cargo build --release --locked --quiet --example ceiling
fi
OUT="bench-out/reads-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
WORK=$(mktemp -d)
server=""
writer=""
cleanup() {
  [ -n "$writer" ] && kill "$writer" 2>/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# wrk scripts: rotating paths (many distinct pages), and a conditional GET.
cat > "$WORK/rotate.lua" <<'EOF'
-- Each request asks for the next path of PATHS (one per line).
local paths = {}
for line in io.lines(os.getenv("PATHS")) do paths[#paths + 1] = line end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1])
end
EOF
cat > "$WORK/etag.lua" <<'EOF'
wrk.headers["If-None-Match"] = os.getenv("ETAG")
EOF

urlencode() { jq -rn --arg s "$1" '$s|@uri'; }

printf 'db\tmode\tendpoint\treq_per_s\tp50_ms\tp99_ms\tnon2xx\terrors\tmax_rss_mb\n' > "$OUT/summary.tsv"

to_ms() {  # wrk latency (812.00us, 12.34ms, 1.02s) -> ms
  awk -v v="$1" 'BEGIN{
    if (v ~ /us$/) {sub(/us$/,"",v); printf "%.2f", v/1000}
    else if (v ~ /ms$/) {sub(/ms$/,"",v); printf "%.2f", v}
    else if (v ~ /s$/) {sub(/s$/,"",v); printf "%.2f", v*1000}
    else printf "%s", v }'
}

# Highest RSS of the server while a command runs, in MiB.
with_rss() {
  local peak=0 rss
  "$@" &
  local job=$!
  while kill -0 "$job" 2>/dev/null; do
    rss=$(awk '/VmRSS/{print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
    [ "${rss:-0}" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait "$job"
  echo $((peak / 1024)) > "$WORK/rss"
}

# One measured run: wrk against $4 (more args: a wrk script), a line in
# summary.tsv, and the server's peak RSS.
run() {
  local db=$1 mode=$2 n=$3 target=$4; shift 4
  local f="$OUT/$db-$mode-$n.txt"
  with_rss wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency "$@" "$target" > "$f"
  local rss rps p50 p99 non2xx errs
  rss=$(cat "$WORK/rss")
  rps=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$f")
  p50=$(to_ms "$(awk '$1=="50%"{print $2}' "$f")")
  p99=$(to_ms "$(awk '$1=="99%"{print $2}' "$f")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/{print $NF}' "$f"); non2xx=${non2xx:-0}
  errs=$(awk '/Socket errors:/{s=0; for(i=3;i<=NF;i++) if ($i ~ /^[0-9]+,?$/) s+=$i; print s}' "$f"); errs=${errs:-0}
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$mode" "$n" "$rps" "$p50" "$p99" "$non2xx" "$errs" "$rss" >> "$OUT/summary.tsv"
  printf '%-8s %-8s %-20s %8s req/s  p50 %7s ms  p99 %7s ms  non-2xx %s  errors %s  rss %s MiB\n' \
    "$db" "$mode" "$n" "$rps" "$p50" "$p99" "$non2xx" "$errs" "$rss"
}

for db in $DBS; do
  case "$db" in
    sqlite) url="$WORK/bench.db" ;;
    postgres)
      name="nashr_bench_$$"
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null
      psql "$PG_URL/postgres" -qc "CREATE DATABASE $name" >/dev/null
      url="$PG_URL/$name" ;;
    *) echo "unknown database $db" >&2; exit 1 ;;
  esac
  echo "== $db: bench-data --posts $POSTS"
  /usr/bin/time -f '%e s, %M KiB max RSS' -o "$OUT/$db-bench-data.time" \
    env DATABASE_URL="$url" NASHR_MEDIA_DIR="$WORK/media" RUST_LOG=warn \
    "$BIN" bench-data --posts "$POSTS" | tee "$OUT/$db-bench-data.txt"
  cat "$OUT/$db-bench-data.time"

  # An editor for the writing runs.
  printf 'bench-writer-password\n' | DATABASE_URL="$url" RUST_LOG=warn \
    "$BIN" user create benchwriter --role editor --password-stdin > /dev/null

  for mode in $MODES; do
    cache_mb=64
    views_mb=32
    [ "$mode" = uncached ] && cache_mb=0
    [ "$mode" = bare ] && cache_mb=0 && views_mb=0
    # Logs at warn: no line per request.
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    addr="127.0.0.1:$port"
    DATABASE_URL="$url" NASHR_MEDIA_DIR="$WORK/media" NASHR_ADDR="$addr" NASHR_WORKERS=2 \
      NASHR_RESPONSE_CACHE_MB=$cache_mb NASHR_VIEW_CACHE_MB=$views_mb NASHR_RATE_LIMIT_READS=0 NASHR_RATE_LIMIT_WRITES=0 \
      RUST_LOG=warn "$BIN" serve 2>"$WORK/server.log" &
    server=$!
    for _ in $(seq 1 600); do
      curl -sf -o /dev/null "http://$addr/healthz" && break
      sleep 0.1
    done
    curl -sf -o /dev/null "http://$addr/healthz" || { cat "$WORK/server.log"; exit 1; }
    base="http://$addr"
    total=$(curl -sf "$base/api/v1/posts?per_page=1" | jq .meta.total)
    deep=$(( total / 20 > 2000 ? 2000 : total / 20 ))
    slug=$(curl -sf "$base/api/v1/posts?edition=en&per_page=1&page=$((total / 8))" | jq -r '.data[0].slug')
    cursor=$(curl -sf "$base/api/v1/posts?per_page=20&page=$((deep - 1))&fields=id" | jq -r .meta.next_cursor)
    etag=$(curl -sf -D - -o /dev/null "$base/api/v1/posts?per_page=20" | awk -F': ' 'tolower($1)=="etag"{gsub("\r","",$2);print $2}')
    [ "$CEILING" = 1 ] && [ ! -f "$WORK/page1.json" ] && curl -sf -o "$WORK/page1.json" "$base/api/v1/posts?per_page=20"
    # Rotating terms: the common and the rare word of each edition, and
    # words of the generated text.
    curl -sf "$base/api/v1/posts?edition=en&per_page=50&fields=title" | jq -r '.data[].title' | tr ' ' '\n' | awk 'length($0) > 3' | sort -u | head -n 40 > "$WORK/terms-en"
    curl -sf "$base/api/v1/posts?edition=fa&per_page=50&fields=title" | jq -r '.data[].title' | tr ' ' '\n' | awk 'length($0) > 3' | sort -u | head -n 40 > "$WORK/terms-fa"
    for lang in en fa; do
      while read -r t; do echo "/api/v1/posts?per_page=20&edition=$lang&search=$(urlencode "$t")"; done \
        < "$WORK/terms-$lang" > "$WORK/paths-search-$lang"
    done
    # The long tail: 500 distinct articles by slug, spread over the site.
    : > "$WORK/paths-tail"
    for page in 1 2 3 4 5; do
      curl -sf "$base/api/v1/posts?edition=en&per_page=100&page=$(( 1 + (page - 1) * (total / 400) / 5 ))&fields=slug" \
        | jq -r '.data[].slug' | sed 's|^|/api/v1/posts/by-slug/|; s|$|?edition=en|' >> "$WORK/paths-tail"
    done
    fa_common=$(urlencode آزادی); fa_rare=$(urlencode زفیر)
    declare -A URLS=(
      [list_page_1]="/api/v1/posts?per_page=20"
      [list_page_deep]="/api/v1/posts?per_page=20&page=$deep"
      [list_cursor_deep]="/api/v1/posts?per_page=20&cursor=$cursor"
      [post_by_slug]="/api/v1/posts/by-slug/$slug?edition=en"
      [posts_500_rotating]="rotate:tail"
      [search_en_common]="/api/v1/posts?per_page=20&search=freedom"
      [search_en_rare]="/api/v1/posts?per_page=20&search=zephyr"
      [search_fa_common]="/api/v1/posts?per_page=20&search=$fa_common"
      [search_fa_rare]="/api/v1/posts?per_page=20&search=$fa_rare"
      [search_en_rotating]="rotate:search-en"
      [search_fa_rotating]="rotate:search-fa"
      [category_tree]="/api/v1/categories?tree=true&per_page=100"
      [revalidate_304]="etag:/api/v1/posts?per_page=20"
    )
    NAMES=(${ENDPOINTS:-list_page_1 list_page_deep list_cursor_deep post_by_slug posts_500_rotating
           search_en_common search_en_rare search_fa_common search_fa_rare search_en_rotating
           search_fa_rotating category_tree revalidate_304})
    echo "== $db, $mode: $total posts at $base; deep page $deep; slug $slug; $(wc -l < "$WORK/paths-tail") tail pages"

    # The editor of the writing runs: a published article in the middle
    # of the English edition, a third of the way in (not one the runs read
    # by slug), or a draft of its own.
    if [ "$mode" = editing ] || [ "$mode" = drafting ]; then
      token=$(curl -sf -X POST -H 'Content-Type: application/json' \
        -d '{"username":"benchwriter","password":"bench-writer-password"}' "$base/api/v1/auth/token" | jq -r .access_token)
      if [ "$mode" = editing ]; then
        target=$(curl -sf "$base/api/v1/posts?edition=en&per_page=1&page=$((total / 12))&fields=id" | jq -r '.data[0].id')
      else
        target=$(curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
          -d '{"edition":"en","title":"A draft in the works","content":"<p>First words.</p>","status":"draft"}' \
          "$base/api/v1/posts" | jq -r .id)
      fi
      [[ "$target" =~ ^[0-9]+$ ]] || { echo "no post for the editor to write" >&2; exit 1; }
      ( n=0
        while :; do
          n=$((n + 1))
          if [ "$mode" = editing ]; then body="{\"title\":\"Edited while readers read, take $n\"}"
          else body="{\"content\":\"<p>Draft words, take $n.</p>\"}"; fi
          code=$(curl -s -o "$WORK/write.json" -w '%{http_code}' -X PATCH -H "Authorization: Bearer $token" \
            -H 'Content-Type: application/json' -H 'If-Match: *' -d "$body" "$base/api/v1/posts/$target")
          echo "$code" >> "$WORK/writes"
          [ "$code" = 200 ] || { echo "write $n: $code $(head -c 300 "$WORK/write.json")" >&2; }
          sleep 0.5
        done ) &
      writer=$!
    fi
    : > "$WORK/writes"

    for n in "${NAMES[@]}"; do
      u=${URLS[$n]}
      args=()
      case "$u" in
        rotate:*)
          export PATHS="$WORK/paths-${u#rotate:}"
          args=(-s "$WORK/rotate.lua"); u="$(head -n 1 "$PATHS")" ;;
        etag:*)
          export ETAG="$etag"; args=(-s "$WORK/etag.lua"); u=${u#etag:} ;;
      esac
      if [ "$n" != revalidate_304 ]; then
        code=$(curl -s -o "$WORK/sample.json" -w '%{http_code}' "$base$u")
        [ "$code" = 200 ] || { echo "$n: HTTP $code for $u" >&2; head -c 500 "$WORK/sample.json" >&2; exit 1; }
      fi
      wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${args[@]}" "$base$u" > /dev/null
      run "$db" "$mode" "$n" "$base$u" "${args[@]}"
    done
    if [ -n "$writer" ]; then
      kill "$writer"; wait "$writer" 2>/dev/null || true; writer=""
      echo "   writes during the run: $(sort "$WORK/writes" | uniq -c | tr '\n' ' ')"
      grep -qv '^200$' "$WORK/writes" && { echo "a write failed" >&2; exit 1; }
    fi
    kill "$server"; wait "$server" 2>/dev/null || true; server=""
  done
  [ "$db" = postgres ] && psql "$PG_URL/postgres" -qc "DROP DATABASE $name" >/dev/null
done

if [ "$CEILING" = 1 ] && [ -f "$WORK/page1.json" ]; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$CARGO_TARGET_DIR/release/examples/ceiling" "$WORK/page1.json" "127.0.0.1:$port" &
  server=$!
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "http://127.0.0.1:$port/" > /dev/null
  run none ceiling list_page_1 "http://127.0.0.1:$port/api/v1/posts?per_page=20"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
fi

{
  echo "### Nashr reads, $POSTS posts, $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "    $(uname -srm), $(nproc) cores; wrk -t$THREADS -c$CONNS -d$DURATION; $(cat "$OUT"/*-bench-data.time | tr '\n' ';')"
  echo
  echo "| database | cache | endpoint | req/s | p50 ms | p99 ms | non-2xx | errors | max RSS MiB |"
  echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
  tail -n +2 "$OUT/summary.tsv" | while IFS=$'\t' read -r d m n r p50 p99 nx e rss; do
    echo "| $d | $m | $n | $r | $p50 | $p99 | $nx | $e | $rss |"
  done
} > "$OUT/summary.md"
echo
cat "$OUT/summary.md"
echo "(in $OUT)"
