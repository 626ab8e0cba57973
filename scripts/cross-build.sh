#!/usr/bin/env bash
# Cross-build the release binaries and their PyPI wheels on this Linux machine, one cargo build per
# target: maturin (its `bin` bindings, pyproject.toml) compiles the binary, links it with Zig
# (--zig) and writes the wheel; every other artefact (npm packages, .mcpb bundles) packs the binary
# that build left, so nothing is compiled twice.
#
#   scripts/cross-build.sh                  every platform below, release profile (LTO)
#   scripts/cross-build.sh linux-x64 ...    only those platforms
#   --fast                                  Cargo profile dist-ci (no LTO, 16 codegen units; otherwise as
#                                           release): what CI checks every target with, not what ships
#
# Writes dist/bin/<platform>/backend-engineering-mcp[.exe], dist/wheels/*.whl and dist/build-times.tsv.
# Platforms (npm's os-cpu names):
#   linux-x64 linux-arm64   x86_64/aarch64-unknown-linux-musl: static, run on any distribution
#   win32-x64               x86_64-pc-windows-gnu (Zig's MinGW; no Visual Studio or Windows SDK)
#   darwin                  universal2-apple-darwin: builds x86_64- and aarch64-apple-darwin and joins
#                           them into one universal binary (darwin-universal), keeping both halves
#                           (darwin-x64, darwin-arm64) for npm
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
name=backend-engineering-mcp

say() { printf 'cross-build: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

fast=0
platforms=()
for arg in "$@"; do
    case "$arg" in
        --fast) fast=1 ;;
        linux-x64 | linux-arm64 | win32-x64 | darwin) platforms+=("$arg") ;;
        -h | --help)
            sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$arg' (platforms: linux-x64 linux-arm64 win32-x64 darwin; try --help)" ;;
    esac
done
[[ ${#platforms[@]} -gt 0 ]] || platforms=(linux-x64 linux-arm64 win32-x64 darwin)

triple() {
    case "$1" in
        linux-x64) echo x86_64-unknown-linux-musl ;;
        linux-arm64) echo aarch64-unknown-linux-musl ;;
        win32-x64) echo x86_64-pc-windows-gnu ;;
        darwin) echo universal2-apple-darwin ;;
    esac
}

triples=()
for platform in "${platforms[@]}"; do
    case "$platform" in
        darwin) triples+=(x86_64-apple-darwin aarch64-apple-darwin) ;;
        *) triples+=("$(triple "$platform")") ;;
    esac
done
tools="$(scripts/dist-tools.sh "${triples[@]}")" || die "could not install the cross-build tools (see above)"
export PATH="$tools:$PATH"

profile=release profile_args=(--release)
if [[ $fast == 1 ]]; then
    profile=dist-ci profile_args=(--profile dist-ci)
    say "--fast: Cargo profile dist-ci (no LTO, 16 codegen units); these binaries are for checks, not for release"
fi

mkdir -p dist/bin dist/wheels
times=dist/build-times.tsv
[[ -f "$times" ]] || printf 'platform\ttarget\tseconds\tprofile\n' >"$times"

# Copy target/<triple>/release/<name><exe> to dist/bin/<platform>/.
keep() {
    local platform="$1" triple="$2" exe="$3"
    local from="target/$triple/$profile/$name$exe"
    [[ -f "$from" ]] || die "the $triple build left no $from"
    mkdir -p "dist/bin/$platform"
    cp "$from" "dist/bin/$platform/$name$exe"
    say "$platform: dist/bin/$platform/$name$exe ($(stat -c %s "$from") bytes)"
}

for platform in "${platforms[@]}"; do
    target="$(triple "$platform")"
    # Wheels from an earlier build of this platform would be published beside the new one.
    case "$platform" in
        linux-x64) rm -f dist/wheels/*x86_64*linux*.whl ;;
        linux-arm64) rm -f dist/wheels/*aarch64*linux*.whl ;;
        win32-x64) rm -f dist/wheels/*win_amd64.whl ;;
        darwin) rm -f dist/wheels/*macosx*.whl ;;
    esac
    out="dist/wheels/$platform"
    rm -rf "$out"
    say "$platform: maturin build ${profile_args[*]} --locked --zig --target $target"
    started=$SECONDS
    maturin build "${profile_args[@]}" --locked --zig --target "$target" --out "$out" >&2 ||
        die "maturin build for $target failed"
    took=$((SECONDS - started))
    printf '%s\t%s\t%s\t%s\n' "$platform" "$target" "$took" "$profile" >>"$times"
    say "$platform: built in ${took}s"

    wheel_file="$(find "$out" -name '*.whl' | head -n 1)"
    [[ -n "$wheel_file" ]] || die "maturin wrote no wheel for $target"
    case "$platform" in
        linux-*)
            # The binary is static (musl): it runs on glibc systems too, so the wheel claims the
            # manylinux tag as well, or pip and uv on glibc distributions would refuse it.
            arch="${wheel_file##*musllinux_1_2_}"
            arch="${arch%.whl}"
            python -m wheel tags --remove --platform-tag "+manylinux_2_17_$arch.manylinux2014_$arch" "$wheel_file" >/dev/null ||
                die "could not retag $wheel_file"
            ;;
    esac
    mv "$out"/*.whl dist/wheels/
    rmdir "$out"

    case "$platform" in
        linux-x64 | linux-arm64) keep "$platform" "$target" "" ;;
        win32-x64) keep "$platform" "$target" ".exe" ;;
        darwin)
            keep darwin-x64 x86_64-apple-darwin ""
            keep darwin-arm64 aarch64-apple-darwin ""
            # The joined binary is taken from the universal2 wheel: where maturin leaves it in target/
            # depends on the profile (with dist-ci it was target/dist-ci/, beside nothing else).
            mkdir -p dist/bin/darwin-universal
            unzip -p "dist/wheels/$(basename "$wheel_file")" "backend_engineering_mcp-*.data/scripts/$name" \
                >"dist/bin/darwin-universal/$name" || die "no $name in $(basename "$wheel_file")"
            chmod +x "dist/bin/darwin-universal/$name"
            say "darwin-universal: dist/bin/darwin-universal/$name ($(stat -c %s "dist/bin/darwin-universal/$name") bytes, from the wheel)"
            ;;
    esac
done
ls -l dist/wheels >&2
