#!/usr/bin/env bash
# Install the pinned JavaScript tools the checks and the packager use into .ci/js (once), run by the
# Node from scripts/node22.sh. Prints the directory holding their commands (.ci/js/node_modules/.bin).
#
#   scripts/js-tools.sh                 all of them
#   scripts/js-tools.sh mcpb            only @anthropic-ai/mcpb (what scripts/package.sh needs)
#
# Versions are pinned so a check means the same thing on every machine; bump them here, deliberately.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.ci/js"

# (A function, not an associative array: macOS still ships bash 3.2.)
pinned() {
    case "$1" in
        mcpb) echo "@anthropic-ai/mcpb@2.1.2" ;;
        skills) echo "skills@1.7.4" ;;
        inspector) echo "@modelcontextprotocol/inspector@2.12.0" ;;
        *) return 1 ;;
    esac
}

say() { printf 'js-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

node="$("$root/scripts/node22.sh")" || die "no Node.js 22 (see the message above)"
# npm and the tools' `#!/usr/bin/env node` lines must find this Node first.
node_dir="$(dirname "$node")"
export PATH="$node_dir:$PATH"

if [[ $# -gt 0 ]]; then wanted=("$@"); else wanted=(mcpb skills inspector); fi

missing=()
for tool in "${wanted[@]}"; do
    spec="$(pinned "$tool")" || die "unknown tool '$tool' (known: mcpb, skills, inspector)"
    name="${spec%@*}"
    want="${spec##*@}"
    manifest="$prefix/node_modules/$name/package.json"
    have=""
    if [[ -f "$manifest" ]]; then
        have="$("$node" -e 'process.stdout.write(require(process.argv[1]).version)' "$manifest" 2>/dev/null || true)"
    fi
    [[ "$have" == "$want" ]] || missing+=("$spec")
done

if [[ ${#missing[@]} -gt 0 ]]; then
    command -v npm >/dev/null 2>&1 || die "npm not found; install Node.js with npm"
    # Install every wanted tool together, so the prefix's package.json lists them all (installing only
    # the missing ones can prune the others), and retry: a registry hiccup or another npm using the same
    # cache at the same time fails an install now and then, with nothing in the log.
    all=()
    for tool in "${wanted[@]}"; do all+=("$(pinned "$tool")"); done
    say "installing ${all[*]} into ${prefix#"$root"/}"
    mkdir -p "$prefix"
    log="$prefix/install.log"
    installed=""
    for attempt in 1 2 3; do
        # --ignore-scripts: none of these tools needs an install script (npm 11 skips them anyway).
        if npm install --prefix "$prefix" --no-audit --no-fund --ignore-scripts --loglevel=error \
            "${all[@]}" >"$log" 2>&1; then
            installed=yes
            break
        fi
        say "npm install failed (attempt $attempt of 3)"
        rm -rf "$prefix/node_modules" "$prefix/package-lock.json"
        sleep $((attempt * 5))
    done
    if [[ -z "$installed" ]]; then
        cat "$log" >&2
        die "npm install ${all[*]} failed three times (is the npm registry reachable?)"
    fi
fi

bin="$prefix/node_modules/.bin"
for tool in "${wanted[@]}"; do
    [[ -x "$bin/$tool" ]] || die "$bin/$tool missing after install"
done
echo "$bin"
