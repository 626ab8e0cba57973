#!/usr/bin/env bash
# Load test of `search_references` over streamable HTTP (stateless, 2026-07-28 requests) on loopback,
# with wrk and scripts/http-load.lua: every answer is checked (HTTP 200, a JSON-RPC result, not a
# tool error). Each run has a fixed duration and stops by itself.
#
#   scripts/http-bench.sh [--duration S] [--soak S] [--peer] [--bin PATH]
#
#   direct   one `http --stateless --rate-limit off` server on 127.0.0.1:18790
#   nginx    deploy/nginx.conf on 127.0.0.1:18800 in front of three such replicas (18801-18803)
#   python   with --peer: scripts/python_peer.py (the official `mcp` SDK, stateless JSON) on 18799,
#            installed into .ci/peer-py on first use
#   soak     with --soak S: the direct server for S seconds more, its RSS sampled every second;
#            fails unless memory stays flat (the last quarter's peak within 10% or 8 MiB of the
#            first quarter's). With mimalloc the quarter peaks of a 60 s soak move by 0-3.2 MiB
#            (five runs); musl's malloc grew 16-23 MiB in 60 s (two runs): 8 MiB keeps a margin both ways
#
# The last column is the CPU time the serving processes (not wrk, not nginx) spent during the run
# over the calls answered: steadier than calls/s on a shared machine, where wrk and the server
# compete for the same cores.
#
# The rate limit is off because one load generator is one client (the default 50/s would answer
# 429). Prints a Markdown table on stdout; exits 1 on any bad answer, socket error or timeout.
# WRK_THREADS and WRK_CONNECTIONS (default 1 and 16) shape the load.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration=10
soak=0
peer=""
binary="${BEM_BIN:-target/release/backend-engineering-mcp}"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --soak) soak="$2"; shift 2 ;;
        --peer) peer=yes; shift ;;
        --bin) binary="$2"; shift 2 ;;
        *) echo "http-bench: unknown argument $1" >&2; exit 2 ;;
    esac
done
threads="${WRK_THREADS:-1}"
connections="${WRK_CONNECTIONS:-16}"
[[ -x "$binary" ]] || { echo "http-bench: no server binary at $binary (cargo build --release, or --bin)" >&2; exit 1; }
binary="$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "http-bench: $tool not found (apt-get install wrk nginx curl)" >&2; exit 1; }
done

work="$(mktemp -d "${TMPDIR:-/tmp}/bem-http-bench.XXXXXX")"
# shellcheck source=scripts/http-cluster.sh
source "$root/scripts/http-cluster.sh"
trap 'cluster_stop_all >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

failed=0
rows=()

# CPU time (user + system) used so far by the processes PIDS, in clock ticks.
cpu_ticks() {
    local total=0 pid fields
    for pid in "$@"; do
        # Fields 14 and 15 of /proc/PID/stat, counted after the parenthesised command name.
        fields="$(sed -E 's/^.*\) //' "/proc/$pid/stat" 2>/dev/null || true)"
        [[ -n "$fields" ]] && total=$((total + $(awk '{ print $12 + $13 }' <<<"$fields")))
    done
    echo "$total"
}

# run NAME URL SECONDS PIDS...: one wrk run; adds a table row; RSS is the sum over PIDS after it,
# and the server CPU per call their CPU time during the run over the calls answered.
run() {
    local name="$1" url="$2" seconds="$3"
    shift 3
    local out="$work/wrk-$name.txt"
    local ticks_before
    ticks_before="$(cpu_ticks "$@")"
    wrk -t"$threads" -c"$connections" -d"${seconds}s" --timeout 5s -s "$root/scripts/http-load.lua" "$url" >"$out" 2>&1 || true
    local line1 line2
    line1="$(grep '^load: requests=' "$out" || true)"
    line2="$(grep '^load: p50_ms=' "$out" || true)"
    if [[ -z "$line1" || -z "$line2" ]]; then
        cat "$out" >&2
        echo "http-bench: $name: wrk printed no summary" >&2
        failed=1
        return
    fi
    local requests bad sock timeouts p50 p99 max rps rss=0 pid
    requests="$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line1")"
    bad="$(sed -E 's/.*bad_answers=([0-9]+).*/\1/' <<<"$line1")"
    sock="$(sed -E 's/.*socket_errors=([0-9]+).*/\1/' <<<"$line1")"
    timeouts="$(sed -E 's/.*timeouts=([0-9]+).*/\1/' <<<"$line1")"
    p50="$(sed -E 's/.*p50_ms=([0-9.]+).*/\1/' <<<"$line2")"
    p99="$(sed -E 's/.*p99_ms=([0-9.]+).*/\1/' <<<"$line2")"
    max="$(sed -E 's/.*max_ms=([0-9.]+).*/\1/' <<<"$line2")"
    rps="$(sed -E 's/.*rps=([0-9.]+).*/\1/' <<<"$line2")"
    local ticks=$(($(cpu_ticks "$@") - ticks_before)) hz
    hz="$(getconf CLK_TCK)"
    for pid in "$@"; do rss=$((rss + $(cluster_rss_kib "$pid"))); done
    local errors=$((bad + sock + timeouts))
    rows+=("$(printf '| %s | %ss | %s | %s | %s | %s | %s | %s | %.1f | %.1f |' "$name" "$seconds" "$requests" "$rps" "$p50" "$p99" "$max" "$errors" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" "$(awk -v t="$ticks" -v hz="$hz" -v n="$requests" 'BEGIN { print (n > 0 ? t * 1e6 / hz / n : 0) }')")")
    echo "http-bench: $name: $rps calls/s, p50 $p50 ms, p99 $p99 ms, $errors errors" >&2
    if ((errors > 0)) || ((requests == 0)); then
        grep '^load: first bad' "$out" >&2 || true
        echo "http-bench: $name: $bad bad answers, $sock socket errors, $timeouts timeouts" >&2
        failed=1
    fi
}

replica_flags=(--stateless --rate-limit off)
cluster_start direct 18790 "${replica_flags[@]}"
cluster_start replica-1 18801 "${replica_flags[@]}" --trust-proxy
cluster_start replica-2 18802 "${replica_flags[@]}" --trust-proxy
cluster_start replica-3 18803 "${replica_flags[@]}" --trust-proxy
cluster_start_nginx
if [[ -n "$peer" ]]; then
    python="$root/.ci/peer-py/bin/python"
    if ! "$python" -c 'import mcp' 2>/dev/null; then
        echo "http-bench: installing mcp==2.3.0 into .ci/peer-py" >&2
        python3 -m venv "$root/.ci/peer-py"
        "$root/.ci/peer-py/bin/pip" install -q 'mcp==2.3.0' >&2
    fi
    cluster_start_cmd python 18799 "http://127.0.0.1:18799/" "$python" "$root/scripts/python_peer.py" --port 18799
fi

run "direct (1 server)" http://127.0.0.1:18790/mcp "$duration" "$(cluster_pid direct)"
run "nginx (3 replicas)" http://127.0.0.1:18800/mcp "$duration" \
    "$(cluster_pid replica-1)" "$(cluster_pid replica-2)" "$(cluster_pid replica-3)"
if [[ -n "$peer" ]]; then
    run "Python mcp 2.3.0 peer" http://127.0.0.1:18799/mcp "$duration" "$(cluster_pid python)"
fi

if ((soak > 0)); then
    pid="$(cluster_pid direct)"
    samples="$work/rss.txt"
    : >"$samples"
    (for ((s = 0; s < soak; s++)); do cluster_rss_kib "$pid" >>"$samples"; sleep 1; done) &
    sampler=$!
    run "soak, direct" http://127.0.0.1:18790/mcp "$soak" "$pid"
    wait "$sampler" || true
    read -r first last lo hi < <(awk '
        { v[NR] = $1 }
        END {
            q = int(NR / 4); if (q < 1) q = 1
            for (i = 1; i <= q; i++) if (v[i] > f) f = v[i]
            for (i = NR - q + 1; i <= NR; i++) if (v[i] > l) l = v[i]
            lo = v[1]; hi = v[1]
            for (i = 1; i <= NR; i++) { if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
            print f, l, lo, hi
        }' "$samples")
    echo "http-bench: soak RSS over $(wc -l <"$samples") samples: $((lo / 1024))-$((hi / 1024)) MiB; peak first quarter $first KiB, last quarter $last KiB" >&2
    if ((last > first + first / 10 && last > first + 8192)); then
        echo "http-bench: soak: memory grew from $first KiB to $last KiB" >&2
        failed=1
    fi
    soak_line="Soak: ${soak} s, RSS sampled every second: $((lo / 1024))–$((hi / 1024)) MiB (peak $first KiB in the first quarter, $last KiB in the last)."
fi

echo "| target | duration | calls | calls/s | p50 ms | p99 ms | max ms | errors | RSS MiB after | server CPU µs/call |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
[[ -n "${soak_line:-}" ]] && echo && echo "$soak_line"
echo
echo "wrk -t$threads -c$connections, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end, $(date -u '+%Y-%m-%d %H:%M UTC')"

cluster_stop_all || failed=1
exit "$failed"
