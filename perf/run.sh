#!/usr/bin/env bash
# Opportune's load-test harness (docs/PERFORMANCE.md).
#
#   perf/run.sh --size N --backend sqlite|postgres [--quick] [--keep] [--duration S] [--only REGEX]
#
# Builds the release binary, generates N demo opportunities into a fresh SQLite data directory or
# a throwaway PostgreSQL 15 cluster, applies the migrations, measures the server's start-up time,
# then loads every endpoint of perf/endpoints.tsv with wrk (32 connections, loopback only, a fixed
# duration each) and prints a markdown table: p50/p95/p99 latency and requests/s per endpoint,
# then the resident memory after the load and the start-up time.
#
#   --quick      2,000 deals, 1 s per endpoint: checks the harness end to end (CI), no budgets.
#   --keep       keep the dataset in $PERF_DIR/<backend>-<size> and reuse it on the next --keep run.
#   --duration   seconds of load per endpoint (default 10; a 2 s warm-up precedes each).
#   --only       measure only the endpoints whose name matches this extended regex.
#   --bin PATH   measure this opportune binary instead of building one (e.g. a saved "before").
# Environment: PERF_DIR (default /tmp/opportune-perf), CONNECTIONS (32), THREADS (2), PG_OPTS
# (more settings for the PostgreSQL cluster, e.g. "-c shared_preload_libraries=pg_stat_statements").
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

size=100000
backend=sqlite
quick=0
BIN=''
keep=0
duration=10
warmup=2
only=''
while [ $# -gt 0 ]; do
    case "$1" in
    --size) size=$2 && shift 2 ;;
    --backend) backend=$2 && shift 2 ;;
    --quick) quick=1 && shift ;;
    --keep) keep=1 && shift ;;
    --duration) duration=$2 && shift 2 ;;
    --only) only=$2 && shift 2 ;;
    --bin) BIN=$2 && shift 2 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2 && exit 2 ;;
    esac
done
case "$backend" in sqlite | postgres) ;; *) echo "--backend must be sqlite or postgres" >&2 && exit 2 ;; esac
if [ "$quick" = 1 ]; then
    size=2000
    duration=1
    warmup=0
fi
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
PG_BIN=/usr/lib/postgresql/15/bin

log() { printf '[perf %s] %s\n' "$(date +%T)" "$*" >&2; }

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2 && exit 1; }
command -v jq >/dev/null || { echo "jq is missing: apt-get install -y jq" >&2 && exit 1; }

free_port() {
    local p=$1
    while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
    echo "$p"
}

# --- Working directory, clean-up -----------------------------------------------------------
perf_root=${PERF_DIR:-/tmp/opportune-perf}
mkdir -p "$perf_root"
if [ "$keep" = 1 ]; then
    work=$perf_root/$backend-$size
    mkdir -p "$work"
else
    work=$(mktemp -d "$perf_root/run.XXXXXX")
fi
chmod 755 "$perf_root" "$work"
server_pid=''
pg_running=0
pg_data=$work/pgdata
pg_socket=$work/pgsock

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=''
    fi
}

cleanup() {
    stop_server
    if [ "$pg_running" = 1 ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [ "$keep" = 0 ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

# --- Build -----------------------------------------------------------------------------------
if [ -z "$BIN" ]; then
    log "building the release binary"
    cargo build --release --quiet -p opportune
    BIN=$ROOT/target/release/opportune
fi

# --- Database --------------------------------------------------------------------------------
db_args=(--data-dir "$work/data")
if [ "$backend" = postgres ]; then
    id postgres >/dev/null 2>&1 || { echo "needs a postgres system user (PostgreSQL 15 installed)" >&2 && exit 1; }
    # Below Linux's ephemeral range (32768-60999): wrk's sockets in TIME_WAIT use ports there,
    # and free_port only sees listeners.
    pg_port=$(free_port 25500)
    if [ ! -f "$pg_data/PG_VERSION" ]; then
        mkdir -p "$pg_data"
        chown postgres "$pg_data"
        as_postgres "$PG_BIN/initdb" -D "$pg_data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    fi
    mkdir -p "$pg_socket"
    chown postgres "$pg_socket"
    as_postgres "$PG_BIN/pg_ctl" -D "$pg_data" -l "$pg_data/server.log" -w -t 60 start \
        -o "-p $pg_port -k $pg_socket -h 127.0.0.1 -c shared_buffers=512MB -c max_connections=100 ${PG_OPTS:-}" >/dev/null ||
        { tail -n 20 "$pg_data/server.log" >&2 && exit 1; }
    pg_running=1
    if ! as_postgres psql -h "$pg_socket" -p "$pg_port" -tAc "SELECT 1 FROM pg_database WHERE datname = 'opportune'" | grep -q 1; then
        as_postgres psql -h "$pg_socket" -p "$pg_port" -qc "CREATE DATABASE opportune"
    fi
    db_args=(--database-url "postgres://postgres@127.0.0.1:$pg_port/opportune")
fi
opportune() { "$BIN" "${db_args[@]}" "$@"; }

demo_seconds=''
if [ -f "$work/dataset-ready" ]; then
    log "reusing the $backend dataset of $size deals in $work"
else
    log "generating $size demo deals on $backend"
    started=$(date +%s%N)
    OPPORTUNE_LOG=warn opportune demo --opportunities "$size" >"$work/demo.log" 2>&1
    demo_seconds=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.1f", ns / 1e9 }')
    log "demo data generated in ${demo_seconds} s"
    if [ "$backend" = postgres ]; then
        # What autovacuum does soon after a load (it vacuums and analyzes tables after many
        # inserts): statistics, and the visibility map that index-only scans need (fix 17).
        as_postgres psql -h "$pg_socket" -p "$pg_port" -d opportune -qc 'VACUUM (ANALYZE)'
    fi
    touch "$work/dataset-ready"
fi
OPPORTUNE_LOG=warn opportune migrate 2>/dev/null

# --- Server and start-up time ----------------------------------------------------------------
port=$(free_port 18080)
base=http://127.0.0.1:$port
log "starting the server on $base"
started=$(date +%s%N)
OPPORTUNE_LOG=info,opportune_web::request=warn "$BIN" "${db_args[@]}" serve --addr "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
until curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2 && exit 1; }
    sleep 0.005
done
startup_ms=$((($(date +%s%N) - started) / 1000000))
log "healthy after ${startup_ms} ms"

# --- Credentials and the deals to work on ----------------------------------------------------
# rep1 is measured; rep2 creates the new deals, so that repeated runs on a kept dataset do not
# grow rep1's board.
rep=rep1@demo.opportune
writer=rep2@demo.opportune
manager=manager1@demo.opportune
rep_token=$(OPPORTUNE_LOG=warn opportune token create --email "$rep" --name perf)
writer_token=$(OPPORTUNE_LOG=warn opportune token create --email "$writer" --name perf)
manager_token=$(OPPORTUNE_LOG=warn opportune token create --email "$manager" --name perf)
session_of() {
    curl -fsS -o /dev/null -D - "$base/login" \
        --data-urlencode "email=$1" --data-urlencode "password=opportune-demo" --data-urlencode "next=/" |
        sed -n 's/^[Ss]et-[Cc]ookie: opp_session=\([^;]*\).*/\1/p'
}
rep_cookie=$(session_of "$rep")
manager_cookie=$(session_of "$manager")
[ -n "$rep_cookie" ] && [ -n "$manager_cookie" ] || { echo "sign-in failed" >&2 && exit 1; }

api() { curl -fsS -H "Authorization: Bearer $rep_token" "$base$1"; }
processes=$(api /api/v1/processes)
process=$(jq -r '.items[0].id' <<<"$processes")
stage_a=$(jq -r '.items[0].stages | sort_by(.position) | .[0].id' <<<"$processes")
stage_b=$(jq -r '.items[0].stages | sort_by(.position) | .[1].id' <<<"$processes")
deals_json=$(api "/api/v1/opportunities?process_id=$process&status=open&limit=500")
deals=$work/deals.txt
jq -r '.items[] | "\(.id) \(.version) \(.stage_id)"' <<<"$deals_json" >"$deals"
account=$(curl -fsS -H "Authorization: Bearer $writer_token" "$base/api/v1/opportunities?limit=1" | jq -r '.items[0].account_id')
close_date=$(date -d '+60 days' +%F)
log "process $process, stages $stage_a/$stage_b, $(wc -l <"$deals") open deals of $rep to work on"

# --- Load -------------------------------------------------------------------------------------
header_for() {
    case "$1" in
    rep-token) echo "Authorization: Bearer $rep_token" ;;
    writer-token) echo "Authorization: Bearer $writer_token" ;;
    manager-token) echo "Authorization: Bearer $manager_token" ;;
    rep-cookie) echo "Cookie: opp_session=$rep_cookie" ;;
    manager-cookie) echo "Cookie: opp_session=$manager_cookie" ;;
    *) echo "unknown caller $1 in perf/endpoints.tsv" >&2 && return 1 ;;
    esac
}
fill() {
    local s=$1
    s=${s//\{process\}/$process}
    s=${s//\{account\}/$account}
    s=${s//\{date\}/$close_date}
    s=${s//\{stage_a\}/$stage_a}
    s=${s//\{stage_b\}/$stage_b}
    printf '%s' "$s"
}
run_wrk() {
    WRK_THREADS=$threads wrk -t"$threads" -c"$connections" -d"$1"s --timeout 10s -s "$ROOT/perf/request.lua" "$base" \
        -- "$2" "$3" "$4" "$5" "$deals" "$stage_a" "$stage_b"
}

rows=()
while IFS=$'\t' read -r name method who path body; do
    case "$name" in '' | '#'*) continue ;; esac
    if [ -n "$only" ] && ! [[ "$name" =~ $only ]]; then continue; fi
    header=$(header_for "$who")
    path=$(fill "$path")
    body=$(fill "${body:--}")
    if [ "$warmup" -gt 0 ] && [ "$method" = GET ]; then
        run_wrk "$warmup" "$method" "$path" "$body" "$header" >/dev/null
    fi
    log "$name: $method $path"
    result=$(run_wrk "$duration" "$method" "$path" "$body" "$header" | grep '^RESULT' || true)
    [ -n "$result" ] || { echo "wrk gave no result for $name" >&2 && exit 1; }
    IFS=$'\t' read -r _ p50 p95 p99 rps total ok conflicts other errors <<<"$result"
    note=''
    [ "$conflicts" = 0 ] || note+=" $conflicts×409"
    [ "$other" = 0 ] || note+=" $other×other"
    [ "$errors" = 0 ] || note+=" $errors socket errors"
    if [ "$total" = 0 ]; then
        rows+=("| $name | > $((duration * 1000)) | | | 0 | 0 (none finished in ${duration} s) |")
    else
        rows+=("| $name | $p50 | $p95 | $p99 | $rps | $total${note:+ ($ok ok,$note)} |")
    fi
done <"$ROOT/perf/endpoints.tsv"

rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$server_pid/status")
hwm_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$server_pid/status")
ready_ms=$(sed 's/\x1b\[[0-9;]*m//g' "$work/server.log" | sed -n 's/.* ready elapsed_ms=\([0-9]*\).*/\1/p' | head -n 1)

# --- Report -----------------------------------------------------------------------------------
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "### $backend, $size opportunities ($connections connections, ${duration} s per endpoint, $(nproc) CPUs, load before $load)"
echo
echo "| endpoint | p50 ms | p95 ms | p99 ms | req/s | requests |"
echo "|---|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "- resident memory after the load: $((rss_kb / 1024)) MB (peak $((hwm_kb / 1024)) MB)"
echo "- start-up to the first /healthz answer: $startup_ms ms (the server's own 'ready' log: ${ready_ms:-?} ms)"
if [ -n "$demo_seconds" ]; then echo "- opportune demo --opportunities $size: $demo_seconds s"; fi
