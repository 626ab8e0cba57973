"""Check that a file is a macOS executable for the CPUs named: `python3 .ci/macho.py FILE x86_64 arm64`.

`--oldest CPU=VERSION` (repeatable): the CPU's slice must start on macOS VERSION, that is, the minimum
macOS it declares is VERSION or older (`--oldest x86_64=10.12 --oldest arm64=11.0`).
`--slices THIN...` after everything else: each slice of a universal FILE must be byte for byte one of
the THIN files (the join kept the builds it was given, unchanged).

Reads the Mach-O headers (a universal file's slices too), since no macOS machine runs in CI: each
slice must be a 64-bit MH_EXECUTE for its CPU, must declare the oldest macOS it runs on (the linker
writes LC_BUILD_VERSION, or LC_VERSION_MIN_MACOSX for older deployment targets such as x86_64's 10.12),
and an arm64 slice must carry a code signature (LC_CODE_SIGNATURE), without which Apple Silicon
refuses to start it. Prints one line per slice.
"""

import struct
import sys

CPUS = {0x01000007: "x86_64", 0x0100000C: "arm64"}
MH_MAGIC_64 = 0xFEEDFACF
FAT_MAGIC = 0xCAFEBABE
MH_EXECUTE = 2
LC_CODE_SIGNATURE = 0x1D
LC_BUILD_VERSION = 0x32
LC_VERSION_MIN_MACOSX = 0x24
PLATFORM_MACOS = 1


def version_text(packed):
    """A Mach-O version (major in the high 16 bits, then minor and patch, 8 bits each) as `major.minor[.patch]`."""
    major, minor, patch = packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def version_key(text):
    """`10.12` -> (10, 12, 0), for comparing versions; ValueError on anything else."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a macOS version: {text!r}")
    return tuple(int(p) for p in parts) + (0,) * (3 - len(parts))


def slice_info(data, offset):
    if offset < 0 or offset + 32 > len(data):
        raise ValueError(f"a slice at offset {offset} lies outside the file ({len(data)} bytes)")
    magic, cpu, _sub, filetype, ncmds, _size = struct.unpack_from("<IiiIII", data, offset)
    if magic != MH_MAGIC_64:
        raise ValueError(f"no 64-bit Mach-O header at offset {offset} (magic {magic:#x})")
    if ncmds > 10_000:
        raise ValueError(f"{ncmds} load commands: not a sane header")
    signed = False
    minos = None
    at = offset + 32
    for _ in range(ncmds):
        if at + 8 > len(data):
            raise ValueError("the load commands run past the end of the file")
        cmd, cmdsize = struct.unpack_from("<II", data, at)
        if cmdsize < 8 or at + cmdsize > len(data):
            raise ValueError(f"a load command of {cmdsize} bytes at {at} does not fit")
        if cmd == LC_CODE_SIGNATURE:
            signed = True
        elif cmd == LC_BUILD_VERSION and cmdsize >= 24:
            platform, version = struct.unpack_from("<II", data, at + 8)
            if platform != PLATFORM_MACOS:
                raise ValueError(f"LC_BUILD_VERSION names platform {platform}, not macOS (1)")
            minos = version_text(version)
        elif cmd == LC_VERSION_MIN_MACOSX and cmdsize >= 16:
            (version,) = struct.unpack_from("<I", data, at + 8)
            minos = version_text(version)
        at += cmdsize
    return CPUS.get(cpu & 0xFFFFFFFF, hex(cpu & 0xFFFFFFFF)), filetype, signed, minos


def main():
    args = sys.argv[1:]
    thin = []
    if "--slices" in args:
        at = args.index("--slices")
        args, thin = args[:at], args[at + 1 :]
    oldest = {}
    while "--oldest" in args:
        at = args.index("--oldest")
        cpu, _, version = (args[at + 1] if at + 1 < len(args) else "").partition("=")
        try:
            oldest[cpu] = (version, version_key(version))
        except ValueError as e:
            sys.exit(f"--oldest needs CPU=VERSION (x86_64=10.12): {e}")
        del args[at : at + 2]
    if not args:
        sys.exit(__doc__)
    path, wanted = args[0], sorted(args[1:])
    data = open(path, "rb").read()
    if len(data) < 8:
        sys.exit(f"{path}: {len(data)} bytes, too short for a Mach-O header")
    (magic,) = struct.unpack_from(">I", data, 0)
    if magic == FAT_MAGIC:
        (count,) = struct.unpack_from(">I", data, 4)
        if count > 16:
            sys.exit(f"{path}: {count} slices: not a sane universal header")
        if 8 + 20 * count > len(data):
            sys.exit(f"{path}: the universal header runs past the end of the file")
        slices = [struct.unpack_from(">iiIII", data, 8 + 20 * i)[2:4] for i in range(count)]
    else:
        slices = [(0, len(data))]
    if thin:
        thin_bytes = [open(t, "rb").read() for t in thin]
        for offset, size in slices:
            if data[offset : offset + size] not in thin_bytes:
                sys.exit(f"{path}: the slice at {offset} ({size} bytes) is none of {thin}")
        print(f"{path}: each of its {len(slices)} slices is byte-identical to one of {len(thin)} thin builds")
    found = []
    for offset, _size in slices:
        try:
            cpu, filetype, signed, minos = slice_info(data, offset)
        except (ValueError, struct.error) as e:
            sys.exit(f"{path}: {e}")
        print(f"{path}: {cpu} executable={filetype == MH_EXECUTE} signed={signed} minimum-macos={minos}")
        if minos is None:
            sys.exit(f"{path}: the {cpu} slice declares no minimum macOS (no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX)")
        if cpu in oldest and version_key(minos) > oldest[cpu][1]:
            sys.exit(f"{path}: the {cpu} slice needs macOS {minos}, newer than the {oldest[cpu][0]} it must start on")
        if filetype != MH_EXECUTE:
            sys.exit(f"{path}: the {cpu} slice is not an executable (filetype {filetype})")
        if cpu == "arm64" and not signed:
            sys.exit(f"{path}: the arm64 slice has no code signature; Apple Silicon will not run it")
        found.append(cpu)
    if sorted(found) != wanted:
        sys.exit(f"{path}: holds {sorted(found)}, expected {wanted}")
    for cpu in oldest:
        if cpu not in found:
            sys.exit(f"{path}: --oldest names {cpu}, which it holds no slice for")


if __name__ == "__main__":
    main()
