#!/usr/bin/env bash
# Build the MCP Bundle (.mcpb) that Claude Desktop installs with one click:
#   dist/backend-engineering-mcp-<version>-<os>-<arch>.mcpb
# holding manifest.json, LICENSE and server/backend-engineering-mcp (nothing else).
#
#   scripts/package.sh              cargo build --release --locked, then pack target/release's binary
#   scripts/package.sh --no-build   pack an existing binary: $BEM_BIN, else target/release's
#   --out-dir DIR                   stage and write the bundle in DIR instead of dist/
#
# A bundle holds one platform's binary; build it on each platform you ship (os and arch come from
# uname). Prints the bundle's path on stdout; progress goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
name=backend-engineering-mcp

say() { printf 'package: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

build=1
dist=dist
while [[ $# -gt 0 ]]; do
    arg="$1"
    shift
    case "$arg" in
        --no-build) build=0 ;;
        --out-dir)
            [[ $# -gt 0 && -n "$1" ]] || die "--out-dir needs a directory"
            dist="$1"
            shift
            ;;
        -h | --help)
            sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$arg' (try --help)" ;;
    esac
done

case "$(uname -s)" in
    Linux) os=linux exe="" ;;
    Darwin) os=darwin exe="" ;;
    MINGW* | MSYS* | CYGWIN*) os=win32 exe=".exe" ;;
    *) die "unsupported OS $(uname -s); MCP Bundles target darwin, win32 and linux" ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported CPU $(uname -m); expected x86_64 or arm64" ;;
esac

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
cp manifest.json LICENSE "$stage/"
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
