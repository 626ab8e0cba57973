#!/usr/bin/env bash
# Print the absolute path of a Node.js >= 22.20 binary (what mcpb, the skills CLI and the MCP
# Inspector need), installing one into .ci/node when the machine has none.
#
# Order: $BEM_NODE if set; `node` on PATH if new enough; .ci/node from an earlier run; else the npm
# package node-<os>-<arch>@$BEM_NODE_VERSION (a plain Node build) installed with the npm on PATH into
# .ci/node. Messages go to stderr; stdout is only the path, so callers can do NODE=$(scripts/node22.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${BEM_NODE_VERSION:-22.23.3}"
prefix="$root/.ci/node"
min_major=22
min_minor=20

say() { printf 'node22: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# True when $1 runs and reports v22.20 or newer.
new_enough() {
    local reported major minor
    reported="$("$1" --version 2>/dev/null)" || return 1
    reported="${reported#v}"
    major="${reported%%.*}"
    minor="${reported#*.}"
    minor="${minor%%.*}"
    [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
    ((major > min_major || (major == min_major && minor >= min_minor)))
}

if [[ -n "${BEM_NODE:-}" ]]; then
    new_enough "$BEM_NODE" || die "BEM_NODE=$BEM_NODE is not a Node.js >= $min_major.$min_minor binary"
    command -v "$BEM_NODE"
    exit 0
fi

if system_node="$(command -v node 2>/dev/null)" && new_enough "$system_node"; then
    echo "$system_node"
    exit 0
fi

case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "no Node.js >= $min_major.$min_minor on PATH and no npm build of Node for $(uname -s); install Node $min_major or set BEM_NODE" ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "no npm build of Node for CPU $(uname -m); install Node $min_major or set BEM_NODE" ;;
esac
package="node-$os-$arch"
node="$prefix/node_modules/$package/bin/node"

if [[ -x "$node" ]] && new_enough "$node"; then
    echo "$node"
    exit 0
fi

command -v npm >/dev/null 2>&1 ||
    die "npm not found; install Node.js with npm (any version), or set BEM_NODE to a Node >= $min_major.$min_minor binary"
say "installing $package@$version into ${prefix#"$root"/}"
mkdir -p "$prefix"
log="$prefix/install.log"
if ! npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund \
    --loglevel=error "$package@$version" >"$log" 2>&1; then
    cat "$log" >&2
    die "npm install $package@$version failed (is the npm registry reachable?)"
fi
[[ -x "$node" ]] || die "$package@$version installed no $node; its layout changed?"
new_enough "$node" || die "$node does not run or is older than $min_major.$min_minor"
echo "$node"
