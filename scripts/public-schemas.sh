#!/usr/bin/env bash
# Real application schemas and ordered migration sets, taken from Debian packages, for
# tests/public_schemas.rs (issue 8: review_schema on files nobody here wrote).
#
#   scripts/public-schemas.sh            # lays the files out in $BEM_PUBLIC_SCHEMAS or target/public-schemas
#   export BEM_PUBLIC_SCHEMAS="$(scripts/public-schemas.sh)"   # stdout is only the directory
#
# The packages are fetched with `apt-get download` (no install, no dependencies; `apt-get update` first
# only when apt has no candidate), unpacked with dpkg-deb into a scratch directory, and only the SQL files
# and the package's copyright file are kept, under $dir/debian/<layout>/. $dir/debian/MANIFEST lists
# each kept file: package, version, path in the package, the licence of the package's `Files: *` stanza.
# Idempotent: when the MANIFEST matches this script's package list, nothing is fetched. The files are
# never committed (target/ is git-ignored; so is any other directory you point it at, if under tests/).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BEM_PUBLIC_SCHEMAS:-$root/target/public-schemas}"
out="$dir/debian"

say() { printf 'public-schemas: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

# package | directory inside the package | where its files go under $out | files kept (shell globs,
# relative to the package directory)
specs=(
    "roundcube-core|usr/share/roundcube/SQL|roundcube|postgres.initial.sql mysql.initial.sql sqlite.initial.sql postgres/*.sql mysql/*.sql sqlite/*.sql"
    "icinga2-ido-pgsql|usr/share/icinga2-ido-pgsql/schema|icinga2-ido-pgsql|pgsql.sql upgrade/*.sql"
    "icinga2-ido-mysql|usr/share/icinga2-ido-mysql/schema|icinga2-ido-mysql|mysql.sql upgrade/*.sql"
    "pdns-backend-pgsql|usr/share/pdns-backend-pgsql/schema|pdns/pgsql|*.sql"
    "pdns-backend-mysql|usr/share/pdns-backend-mysql/schema|pdns/mysql|*.sql"
    "pdns-backend-sqlite3|usr/share/pdns-backend-sqlite3/schema|pdns/sqlite3|*.sql"
    "mediawiki|usr/share/mediawiki/maintenance|mediawiki|tables-generated.sql postgres/tables-generated.sql sqlite/tables-generated.sql"
)
stamp="$(printf '%s\n' "${specs[@]}" | sha256sum | cut -c1-16)"

if [[ -f "$out/MANIFEST" ]] && grep -qx "# specs $stamp" "$out/MANIFEST"; then
    missing=0
    while IFS=$'\t' read -r file _; do
        [[ "$file" == \#* || -f "$out/$file" ]] || missing=1
    done <"$out/MANIFEST"
    if ((missing == 0)); then
        say "up to date in $out"
        echo "$dir"
        exit 0
    fi
fi

for tool in apt-get dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found: this needs a Debian-based machine"
done

pkgs=()
for spec in "${specs[@]}"; do pkgs+=("${spec%%|*}"); done

debs="$dir/.debs"
mkdir -p "$debs"
fetch() {
    (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "${pkgs[@]}" >/dev/null 2>&1)
}
if ! fetch; then
    say "apt-get download failed; running apt-get update once and retrying"
    apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed (run as root, with the Debian archive reachable)"
    fetch || die "apt-get download ${pkgs[*]} failed after apt-get update (are the packages in this release?)"
fi

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
new="$dir/.debian.new"
rm -rf "$new"
mkdir -p "$new"
manifest="$new/MANIFEST"
{
    echo "# Files taken from Debian packages by scripts/public-schemas.sh; never commit them."
    echo "# specs $stamp"
    printf '# %s\t%s\t%s\t%s\n' file package version "path in package | licence (Files: *)"
} >"$manifest"

# The licence of the package as a whole: the License of the `Files: *` stanza of its copyright file.
main_licence() {
    awk '/^Files:[[:space:]]*\*[[:space:]]*$/ {f=1; next} f && /^License:/ {sub(/^License:[[:space:]]*/, ""); print; exit} /^$/ {f=0}' "$1"
}

for spec in "${specs[@]}"; do
    IFS='|' read -r pkg src dest globs <<<"$spec"
    deb=$(ls -t "$debs/${pkg}"_*.deb 2>/dev/null | head -1)
    [[ -n "$deb" ]] || die "no .deb for $pkg in $debs"
    version="$(dpkg-deb -f "$deb" Version)"
    x="$scratch/$pkg"
    mkdir -p "$x"
    dpkg-deb -x "$deb" "$x" || die "dpkg-deb -x $deb failed"
    copyright="$x/usr/share/doc/$pkg/copyright"
    [[ -f "$copyright" ]] || die "$pkg has no /usr/share/doc/$pkg/copyright"
    licence="$(main_licence "$copyright")"
    mkdir -p "$new/$dest"
    cp "$copyright" "$new/$dest/copyright.$pkg"
    kept=0
    for g in $globs; do
        for f in "$x/$src"/$g; do
            [[ -f "$f" ]] || continue
            rel="${f#"$x/$src"/}"
            mkdir -p "$new/$dest/$(dirname "$rel")"
            cp "$f" "$new/$dest/$rel"
            printf '%s\t%s\t%s\t%s\n' "$dest/$rel" "$pkg" "$version" "/$src/$rel | ${licence:-see copyright.$pkg}" >>"$manifest"
            kept=$((kept + 1))
        done
    done
    ((kept > 0)) || die "$pkg $version has no files matching '$globs' under /$src (has the package moved them?)"
    rm -rf "$x"
done

rm -rf "$out"
mv "$new" "$out"
say "$(grep -vc '^#' "$out/MANIFEST") files from ${#specs[@]} packages in $out"
echo "$dir"
