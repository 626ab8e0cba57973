#!/usr/bin/env bash
# Run a 64-bit Windows program under a Wine that can start Rust binaries, stdin and stdout passed through:
#   .ci/wine.sh --prepare            make that Wine ready (once) and print which Wine it is
#   .ci/wine.sh --host               exit 0 if the host's own wine64 is new enough (nothing to build)
#   .ci/wine.sh --ready              exit 0 if --prepare has nothing to build (that, or the root exists)
#   .ci/wine.sh PROGRAM.exe ARGS...  run PROGRAM under it
#
# Rust's std on Windows (Rust 1.78 and later) imports ProcessPrng from bcryptprimitives.dll, which
# Windows 10 and later ship and Wine has had since 8.13. Debian 12's wine64 is 8.0, so the program dies
# before main. Debian 13's Wine 10.0 has it, but it cannot be installed beside Debian 12 (apt pinning
# would upgrade libc6 and 75 other packages and remove libssl3, which PostgreSQL here needs). So, unless
# the host already has a wine64 of 8.13 or later (Ubuntu 24.04's is 9.0), this builds once a separate
# Debian 13 root holding only wine64 and what it depends on (mmdebstrap --variant=essential, from the
# Debian mirror the host's apt already uses) at $BEM_WINE_ROOT (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/backend-engineering-mcp/wine-root, outside the checkout: the Wine
# prefix's z: drive is a symlink to /, which `cargo package` would follow into /proc), and runs Wine
# inside it: its own mount namespace with /proc, a fresh /tmp and the program's folder bound in, all
# unmounted when it exits. Needs root (CI runs as root).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wine_root="${BEM_WINE_ROOT:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/backend-engineering-mcp/wine-root}"
prefix_env=(WINEDEBUG=-all "WINEDLLOVERRIDES=mscoree,mshtml=")

say() { printf 'wine.sh: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# The host's wine64, when it is 8.13 or later.
host_wine() {
    local wine version major minor
    wine="$(command -v wine64 2>/dev/null || true)"
    [[ -n "$wine" ]] || return 1
    version="$("$wine" --version 2>/dev/null)" || return 1
    [[ "$version" =~ ^wine-([0-9]+)\.([0-9]+) ]] || return 1
    major="${BASH_REMATCH[1]}" minor="${BASH_REMATCH[2]}"
    ((major > 8 || (major == 8 && minor >= 13))) || return 1
    echo "$wine"
}

# The first Debian mirror in the host's apt sources (deb822 or one-line form); empty: mmdebstrap's own.
mirror() {
    local uri=""
    if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
        uri="$(sed -n 's/^URIs: *\([^ ]*\/debian\/\{0,1\}\)$/\1/p' /etc/apt/sources.list.d/*.sources | head -n 1)"
    fi
    if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
        uri="$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\/\{0,1\}\) .*/\2/p' /etc/apt/sources.list | head -n 1)"
    fi
    echo "$uri"
}

build_root() {
    [[ $EUID == 0 ]] || die "building the Debian 13 Wine root needs root"
    if ! command -v mmdebstrap >/dev/null 2>&1; then
        say "apt-get install mmdebstrap"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap; } >&2 ||
            die "apt-get install mmdebstrap failed"
    fi
    local uri tmp
    uri="$(mirror)"
    tmp="$wine_root.partial"
    mkdir -p "$(dirname "$wine_root")"
    rm -rf "$tmp"
    say "mmdebstrap: a Debian 13 (trixie) root with wine64 at ${wine_root#"$root"/} (takes minutes: ~200 MB of packages)"
    local started=$SECONDS
    mmdebstrap --quiet --variant=essential --include=wine64 --mode=root \
        --dpkgopt=force-unsafe-io --dpkgopt='path-exclude=/usr/share/doc/*' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        trixie "$tmp" ${uri:+"deb $uri trixie main"} >&2 ||
        die "mmdebstrap failed"
    mkdir -p "$tmp/mnt/program"
    in_root "$tmp" - /usr/lib/wine/wine64 wineboot --init >/dev/null 2>&1 || die "wineboot --init in the Debian 13 root failed"
    mv "$tmp" "$wine_root"
    say "Debian 13 Wine root ready in $((SECONDS - started))s ($(du -sh "$wine_root" | cut -f1))"
}

# in_root ROOT DIR COMMAND...: COMMAND inside ROOT (a private mount namespace: /proc, a fresh /tmp,
# DIR at /mnt/program unless DIR is -), environment cleared but for Wine's and RUST_LOG.
in_root() {
    local r="$1" dir="$2"
    shift 2
    # shellcheck disable=SC2016 # the inner script's "$1"... are its own arguments, expanded by that sh
    unshare --mount --fork -- /bin/sh -c '
        set -e
        r="$1" dir="$2"
        shift 2
        mount -t proc proc "$r/proc"
        mount -t tmpfs tmpfs "$r/tmp"
        [ "$dir" = - ] || mount --bind "$dir" "$r/mnt/program"
        exec chroot "$r" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root WINEPREFIX=/root/wine "$@"
    ' sh "$r" "$dir" "${prefix_env[@]}" ${RUST_LOG:+"RUST_LOG=$RUST_LOG"} "$@"
}

prepare() {
    local wine
    if wine="$(host_wine)"; then
        say "using the host's $("$wine" --version)"
        return
    fi
    [[ -x "$wine_root/usr/lib/wine/wine64" ]] || build_root
    say "using $(in_root "$wine_root" - /usr/lib/wine/wine64 --version) in the Debian 13 root ${wine_root#"$root"/}"
}

[[ $# -gt 0 ]] || die "usage: .ci/wine.sh --prepare | --host | --ready | PROGRAM.exe [ARGS...]"
if [[ "$1" == --host ]]; then
    host_wine >/dev/null
    exit
fi
if [[ "$1" == --ready ]]; then
    host_wine >/dev/null || [[ -x "$wine_root/usr/lib/wine/wine64" ]]
    exit
fi
if [[ "$1" == --prepare ]]; then
    prepare
    exit 0
fi
program="$(realpath "$1")" || die "no such program: $1"
shift
if wine="$(host_wine)"; then
    export WINEPREFIX="$wine_root-prefix" "${prefix_env[@]}"
    [[ -d "$WINEPREFIX" ]] || "$wine" wineboot --init >/dev/null 2>&1 || die "wineboot --init failed"
    exec "$wine" "$program" "$@"
fi
[[ -x "$wine_root/usr/lib/wine/wine64" ]] || die "no Wine root at $wine_root: run .ci/wine.sh --prepare first"
in_root "$wine_root" "$(dirname "$program")" /usr/lib/wine/wine64 "/mnt/program/$(basename "$program")" "$@"
