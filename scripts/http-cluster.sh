# Sourced by .ci/http-checks and scripts/http-bench.sh: start and stop HTTP servers and nginx on
# loopback, each in the background with its log in $work, and check that each stops cleanly.
#
# Needs: $root (the checkout), $work (a scratch directory), $binary (the server to run).
# Every server started here is ended by cluster_stop_all (the callers trap EXIT).

cluster_pids=()
cluster_names=()

cluster_say() { printf '%s\n' "$*" >&2; }

# Fail when something already listens on a port we are about to use.
cluster_port_free() {
    if curl -s -o /dev/null -m 1 "http://127.0.0.1:$1/"; then
        cluster_say "port 127.0.0.1:$1 is already in use; stop what listens there"
        return 1
    fi
}

# Wait until URL answers 200 (at most $2 seconds, default 30), or the process $3 has exited. With
# $4 = any, any HTTP answer will do.
cluster_wait_ok() {
    local url="$1" seconds="${2:-30}" pid="${3:-}" want="${4:-200}" i code
    for ((i = 0; i < seconds * 10; i++)); do
        code="$(curl -s -o /dev/null -m 1 -w '%{http_code}' "$url" || true)"
        if [[ "$code" == 200 || ("$want" == any && "$code" != 000 && -n "$code") ]]; then
            return 0
        fi
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        sleep 0.1
    done
    return 1
}

# cluster_start NAME PORT [FLAGS...]: `$binary http --listen 127.0.0.1:PORT FLAGS...`, ready on /readyz.
cluster_start() {
    local name="$1" port="$2"
    shift 2
    cluster_port_free "$port" || return 1
    RUST_LOG=warn "$binary" http --listen "127.0.0.1:$port" "$@" >"$work/$name.log" 2>&1 &
    local pid=$!
    cluster_pids+=("$pid")
    cluster_names+=("$name")
    if ! cluster_wait_ok "http://127.0.0.1:$port/readyz" 30 "$pid"; then
        cluster_say "$name did not become ready on port $port; its log:"
        cat "$work/$name.log" >&2
        return 1
    fi
}

# cluster_start_cmd NAME PORT URL COMMAND...: any other server (the Python peer), up once URL answers.
cluster_start_cmd() {
    local name="$1" port="$2" ready="$3"
    shift 3
    cluster_port_free "$port" || return 1
    "$@" >"$work/$name.log" 2>&1 &
    local pid=$!
    cluster_pids+=("$pid")
    cluster_names+=("$name")
    if ! cluster_wait_ok "$ready" 60 "$pid" any; then
        cluster_say "$name did not answer $ready; its log:"
        cat "$work/$name.log" >&2
        return 1
    fi
}

# deploy/nginx.conf in the foreground of a background job, prefix $work/nginx.
cluster_start_nginx() {
    local port=18800
    cluster_port_free "$port" || return 1
    mkdir -p "$work/nginx"
    nginx -t -q -p "$work/nginx/" -c "$root/deploy/nginx.conf" || return 1
    nginx -p "$work/nginx/" -c "$root/deploy/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
    local pid=$!
    cluster_pids+=("$pid")
    cluster_names+=("nginx")
    if ! cluster_wait_ok "http://127.0.0.1:$port/nginx-healthz" 15 "$pid"; then
        cluster_say "nginx did not start; its log:"
        cat "$work/nginx.log" >&2
        return 1
    fi
}

# The pid of the server started as NAME.
cluster_pid() {
    local i
    for i in "${!cluster_names[@]}"; do
        if [[ "${cluster_names[$i]}" == "$1" ]]; then
            echo "${cluster_pids[$i]}"
            return 0
        fi
    done
    return 1
}

# Resident memory of a process, in KiB.
cluster_rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# SIGTERM every process started here (nginx: SIGQUIT, its graceful stop), newest first; each must
# exit 0 within 15 s (our server promises that). Returns 1 if any did not.
cluster_stop_all() {
    local failed=0 i pid name status
    for ((i = ${#cluster_pids[@]} - 1; i >= 0; i--)); do
        pid="${cluster_pids[$i]}"
        name="${cluster_names[$i]}"
        kill -0 "$pid" 2>/dev/null || {
            wait "$pid" 2>/dev/null && status=0 || status=$?
            cluster_say "$name had already exited (status $status)"
            failed=1
            continue
        }
        if [[ "$name" == nginx ]]; then kill -QUIT "$pid"; else kill -TERM "$pid"; fi
        local waited=0
        while kill -0 "$pid" 2>/dev/null && ((waited < 150)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            cluster_say "$name did not stop within 15 s of the signal"
            kill -KILL "$pid" 2>/dev/null || true
            failed=1
        fi
        wait "$pid" 2>/dev/null && status=0 || status=$?
        # uvicorn (the Python peer) re-raises the signal after its own graceful shutdown: 143.
        if [[ "$status" != 0 && ! ("$name" == python && "$status" == 143) ]]; then
            cluster_say "$name exited with status $status after the signal"
            failed=1
        fi
    done
    cluster_pids=()
    cluster_names=()
    return "$failed"
}
