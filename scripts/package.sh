#!/usr/bin/env bash
# Build the MCP Bundle (.mcpb) that Claude Desktop installs with one click:
#   dist/backend-engineering-mcp-<version>-<os>-<arch>.mcpb
# holding manifest.json, LICENSE and server/backend-engineering-mcp[.exe] (nothing else).
#
#   scripts/package.sh              cargo build --release --locked, then pack target/release's binary
#   scripts/package.sh --no-build   pack an existing binary: $BEM_BIN, else target/release's
#   --platform OS-ARCH              the binary's platform (linux-x64, linux-arm64, win32-x64,
#                                   darwin-universal, ...) when it is not this machine's (uname)
#   --out-dir DIR                   stage and write the bundle in DIR instead of dist/
#
# A bundle holds one platform's binary, and its manifest.json declares only that operating system
# (compatibility.platforms) and that binary: Claude Desktop then refuses it elsewhere instead of
# installing a server that cannot start. The manifest cannot name a CPU, so macOS gets one universal
# binary (scripts/cross-build.sh). Prints the bundle's path on stdout; progress goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
name=backend-engineering-mcp

say() { printf 'package: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

build=1
dist=dist
platform=""
while [[ $# -gt 0 ]]; do
    arg="$1"
    shift
    case "$arg" in
        --no-build) build=0 ;;
        --platform)
            [[ $# -gt 0 && "$1" =~ ^(linux|darwin|win32)-(x64|arm64|universal)$ ]] ||
                die "--platform needs linux|darwin|win32 - x64|arm64|universal, e.g. linux-x64"
            platform="$1"
            shift
            ;;
        --out-dir)
            [[ $# -gt 0 && -n "$1" ]] || die "--out-dir needs a directory"
            dist="$1"
            shift
            ;;
        -h | --help)
            sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$arg' (try --help)" ;;
    esac
done

if [[ -n "$platform" ]]; then
    os="${platform%-*}"
    arch="${platform#*-}"
else
    case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        MINGW* | MSYS* | CYGWIN*) os=win32 ;;
        *) die "unsupported OS $(uname -s); MCP Bundles target darwin, win32 and linux" ;;
    esac
    case "$(uname -m)" in
        x86_64 | amd64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) die "unsupported CPU $(uname -m); expected x86_64 or arm64" ;;
    esac
fi
exe=""
[[ $os == win32 ]] && exe=".exe"

[[ -f manifest.json ]] || die "manifest.json not found in $root"
[[ -f LICENSE ]] || die "LICENSE not found in $root"

if [[ $build == 1 ]]; then
    command -v cargo >/dev/null 2>&1 || die "cargo not found; install Rust (https://rustup.rs) or use --no-build"
    say "cargo build --release --locked"
    cargo build --release --locked >&2
    binary="target/release/$name$exe"
else
    binary="${BEM_BIN:-target/release/$name$exe}"
fi
[[ -f "$binary" && -x "$binary" ]] ||
    die "no executable at $binary; build it (cargo build --release) or set BEM_BIN"

# The manifest's version must be the crate's: the bundle's file name and Claude Desktop show it.
crate_version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[[ -n "$crate_version" ]] || die "no version in Cargo.toml"

bin_dir="$("$root/scripts/js-tools.sh" mcpb)" || die "could not install mcpb (see above)"
node="$("$root/scripts/node22.sh")"
node_dir="$(dirname "$node")"
export PATH="$node_dir:$bin_dir:$PATH"

manifest_version="$("$node" -e 'process.stdout.write(String(require(process.argv[1]).version))' "$root/manifest.json")" ||
    die "manifest.json is not valid JSON"
[[ "$manifest_version" == "$crate_version" ]] ||
    die "manifest.json version $manifest_version differs from Cargo.toml version $crate_version"

mkdir -p "$dist" || die "cannot create $dist"
dist="$(cd "$dist" && pwd)"
stage="$dist/stage"
rm -rf "$stage"
mkdir -p "$stage/server"
cp LICENSE "$stage/"
# The bundle's manifest: the checkout's, narrowed to this platform and this binary's file name.
"$node" -e '
    const fs = require("fs");
    const [source, target, os, exe] = process.argv.slice(1);
    const m = JSON.parse(fs.readFileSync(source, "utf8"));
    m.compatibility = { ...m.compatibility, platforms: [os] };
    m.server.entry_point = "server/backend-engineering-mcp" + exe;
    const config = { ...m.server.mcp_config, command: "${__dirname}/server/backend-engineering-mcp" + exe };
    delete config.platform_overrides;
    m.server.mcp_config = config;
    fs.writeFileSync(target, JSON.stringify(m, null, 2) + "\n");
' manifest.json "$stage/manifest.json" "$os" "$exe" || die "could not write the bundle manifest"
mcpb validate "$stage/manifest.json" >"$dist/validate.log" 2>&1 ||
    { cat "$dist/validate.log" >&2; die "mcpb validate rejects the $os-$arch manifest"; }
cp "$binary" "$stage/server/$name$exe"
chmod 755 "$stage/server/$name$exe"

out="$dist/$name-$crate_version-$os-$arch.mcpb"
rm -f "$out"
say "packing $binary ($(du -h "$binary" | cut -f1)) into $out"
log="$dist/pack.log"
if ! mcpb pack "$stage" "$out" >"$log" 2>&1; then
    cat "$log" >&2
    die "mcpb pack failed"
fi
[[ -s "$out" ]] || die "mcpb pack wrote no $out"
echo "$out"
