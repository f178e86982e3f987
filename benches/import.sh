#!/usr/bin/env bash
# Import benchmark: `nashr import wordpress` of a generated WordPress
# export (benches/wxr.py: POSTS posts of ~400 words, a featured picture
# every fifth post, 20 nested categories, 200 tags, comments, a menu) into
# a fresh database of each kind, then the same file again (every record
# unchanged). Elapsed time and peak memory (max RSS) by /usr/bin/time -v.
#
#   bash benches/import.sh                  # 10,000 posts, both databases
#   POSTS=1000 DBS=sqlite bash benches/import.sh
#
# Output: bench-out/import-<UTC time>/ with each run's output and
# summary.md (also printed).
set -euo pipefail
cd "$(dirname "$0")/.."

POSTS=${POSTS:-10000}
DBS=${DBS:-sqlite postgres}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/nashr-target}"

cargo build --release --locked --quiet
BIN="$CARGO_TARGET_DIR/release/nashr"
OUT="bench-out/import-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 benches/wxr.py "$POSTS" > "$WORK/site.xml"
size=$(du -m "$WORK/site.xml" | cut -f1)
echo "| database | run | posts in file | file MB | elapsed s | peak RSS MB |" > "$OUT/summary.md"
echo "| --- | --- | --- | --- | --- | --- |" >> "$OUT/summary.md"

for db in $DBS; do
  case $db in
    sqlite)
      url="$WORK/bench.db" ;;
    postgres)
      name=nashr_import_bench
      psql "$PG_URL/postgres" -qc "DROP DATABASE IF EXISTS $name" >/dev/null
      psql "$PG_URL/postgres" -qc "CREATE DATABASE $name" >/dev/null
      url="$PG_URL/$name" ;;
  esac
  DATABASE_URL="$url" "$BIN" migrate >/dev/null
  edition="INSERT INTO editions (code, name, native_name, direction, is_default, position, created_at, updated_at, revision) VALUES ('en', 'English', 'English', 'ltr', true, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
  case $db in
    sqlite) sqlite3 "$url" "$edition" ;;
    postgres) psql "$url" -qc "$edition" >/dev/null ;;
  esac
  for run in first again; do
    DATABASE_URL="$url" NASHR_MEDIA_DIR="$WORK/media" RUST_LOG=warn \
      /usr/bin/time -v "$BIN" import wordpress "$WORK/site.xml" --edition en \
      > "$OUT/$db-$run.txt" 2> "$OUT/$db-$run.time"
    elapsed=$(grep "Elapsed (wall clock)" "$OUT/$db-$run.time" | awk '{print $NF}')
    rss=$(grep "Maximum resident set size" "$OUT/$db-$run.time" | awk '{print int($NF/1024)}')
    echo "| $db | $run | $POSTS | $size | $elapsed | $rss |" >> "$OUT/summary.md"
    head -14 "$OUT/$db-$run.txt"
  done
  [ "$db" = postgres ] && psql "$PG_URL/postgres" -qc "DROP DATABASE $name" >/dev/null
done
cat "$OUT/summary.md"
