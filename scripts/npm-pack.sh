#!/usr/bin/env bash
# Pack the npm packages from the binaries scripts/cross-build.sh left in dist/bin:
#   dist/npm/backend-engineering-mcp-<version>.tgz            the launcher (npm/backend-engineering-mcp)
#   dist/npm/backend-engineering-mcp-<os>-<arch>-<version>.tgz  @backend-engineering-mcp/<os>-<arch>, one binary each
# Each platform package declares its `os` and `cpu`, so npm installs only the launcher's one optional
# dependency that fits the machine (the esbuild and Biome pattern): no install script, no download.
# Platforms whose binary is missing from dist/bin are skipped with a warning (--all makes that an
# error, as a release needs every one). Prints the tarballs' paths on stdout.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
name=backend-engineering-mcp
scope=@backend-engineering-mcp
platforms=(darwin-arm64 darwin-x64 linux-arm64 linux-x64 win32-x64)

say() { printf 'npm-pack: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

all=0
[[ "${1:-}" == --all ]] && all=1

node="$(scripts/node22.sh)" || die "no Node.js 22 (see above)"
export PATH="$(dirname "$node"):$PATH"
version="$(sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n 1)"
[[ -n "$version" ]] || die "no version in Cargo.toml"

# The launcher's version and every optional dependency's must be the crate's, and it must list
# exactly the platforms packed here.
check="$("$node" -e '
    const [file, version, scope, ...platforms] = process.argv.slice(1);
    const p = require(file);
    const want = platforms.map((x) => scope + "/" + x).sort();
    const have = Object.keys(p.optionalDependencies || {}).sort();
    const bad = [];
    if (p.version !== version) bad.push("version " + p.version + " is not the crate version " + version);
    if (JSON.stringify(want) !== JSON.stringify(have)) bad.push("optionalDependencies are [" + have + "], expected [" + want + "]");
    for (const d of have) if (p.optionalDependencies[d] !== version) bad.push(d + " is pinned to " + p.optionalDependencies[d]);
    process.stdout.write(bad.join("; "));
' "$root/npm/$name/package.json" "$version" "$scope" "${platforms[@]}")"
[[ -z "$check" ]] || die "npm/$name/package.json: $check"

out="$root/dist/npm"
stage="$out/stage"
rm -rf "$out"
mkdir -p "$stage"

pack() {
    (cd "$1" && npm pack --silent --pack-destination "$out" 2>"$out/pack.log") | tail -n 1 ||
        { cat "$out/pack.log" >&2; die "npm pack $1 failed"; }
}

for platform in "${platforms[@]}"; do
    os="${platform%-*}" cpu="${platform#*-}" exe=""
    [[ $os == win32 ]] && exe=".exe"
    binary="dist/bin/$platform/$name$exe"
    if [[ ! -f "$binary" ]]; then
        [[ $all == 0 ]] || die "no $binary: run scripts/cross-build.sh first"
        say "warning: no $binary; $scope/$platform not packed"
        continue
    fi
    dir="$stage/$platform"
    mkdir -p "$dir/bin"
    cp "$binary" "$dir/bin/$name$exe"
    chmod 755 "$dir/bin/$name$exe"
    cp LICENSE "$dir/"
    printf '# %s/%s\n\nThe prebuilt backend-engineering-mcp binary for %s. Install `%s`, not this.\n' \
        "$scope" "$platform" "$platform" "$name" >"$dir/README.md"
    "$node" -e '
        const [dir, scope, platform, os, cpu, version] = process.argv.slice(1);
        const p = {
            name: scope + "/" + platform,
            version,
            description: "The backend-engineering-mcp binary for " + platform + " (installed by the backend-engineering-mcp package).",
            license: "MIT",
            repository: { type: "git", url: "git+https://github.com/backend-engineering-mcp/backend-engineering-mcp.git" },
            os: [os],
            cpu: [cpu],
            files: ["bin"],
            preferUnplugged: true,
        };
        require("fs").writeFileSync(dir + "/package.json", JSON.stringify(p, null, 2) + "\n");
    ' "$dir" "$scope" "$platform" "$os" "$cpu" "$version"
    tarball="$(pack "$dir")"
    echo "$out/$tarball"
done

cp -r "npm/$name" "$stage/$name"
cp LICENSE "$stage/$name/"
tarball="$(pack "$stage/$name")"
echo "$out/$tarball"
rm -rf "$stage"
