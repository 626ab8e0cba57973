"""Check that a file is a macOS executable for the CPUs named: `python3 .ci/macho.py FILE x86_64 arm64`.

`--slices THIN...` after the CPUs: each slice of a universal FILE must be byte for byte one of the
THIN files (the join kept the builds it was given, unchanged).

Reads the Mach-O headers (a universal file's slices too), since no macOS machine runs in CI: each
slice must be a 64-bit MH_EXECUTE for its CPU, and an arm64 slice must carry a code signature
(LC_CODE_SIGNATURE), without which Apple Silicon refuses to start it. Prints one line per slice.
"""

import struct
import sys

CPUS = {0x01000007: "x86_64", 0x0100000C: "arm64"}
MH_MAGIC_64 = 0xFEEDFACF
FAT_MAGIC = 0xCAFEBABE
MH_EXECUTE = 2
LC_CODE_SIGNATURE = 0x1D
LC_BUILD_VERSION = 0x32


def slice_info(data, offset):
    magic, cpu, _sub, filetype, ncmds, _size = struct.unpack_from("<IiiIII", data, offset)
    if magic != MH_MAGIC_64:
        raise ValueError(f"no 64-bit Mach-O header at offset {offset} (magic {magic:#x})")
    if ncmds > 10_000:
        raise ValueError(f"{ncmds} load commands: not a sane header")
    signed = False
    minos = None
    at = offset + 32
    for _ in range(ncmds):
        cmd, cmdsize = struct.unpack_from("<II", data, at)
        if cmdsize < 8:
            raise ValueError("a load command shorter than its header")
        if cmd == LC_CODE_SIGNATURE:
            signed = True
        if cmd == LC_BUILD_VERSION:
            _platform, version = struct.unpack_from("<II", data, at + 8)
            minos = f"{version >> 16}.{(version >> 8) & 0xFF}"
        at += cmdsize
    return CPUS.get(cpu & 0xFFFFFFFF, hex(cpu & 0xFFFFFFFF)), filetype, signed, minos


def main():
    args = sys.argv[1:]
    thin = []
    if "--slices" in args:
        at = args.index("--slices")
        args, thin = args[:at], args[at + 1 :]
    path, wanted = args[0], sorted(args[1:])
    data = open(path, "rb").read()
    (magic,) = struct.unpack_from(">I", data, 0)
    if magic == FAT_MAGIC:
        (count,) = struct.unpack_from(">I", data, 4)
        if count > 16:
            sys.exit(f"{path}: {count} slices: not a sane universal header")
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
        cpu, filetype, signed, minos = slice_info(data, offset)
        print(f"{path}: {cpu} executable={filetype == MH_EXECUTE} signed={signed} minos={minos}")
        if filetype != MH_EXECUTE:
            sys.exit(f"{path}: the {cpu} slice is not an executable (filetype {filetype})")
        if cpu == "arm64" and not signed:
            sys.exit(f"{path}: the arm64 slice has no code signature; Apple Silicon will not run it")
        found.append(cpu)
    if sorted(found) != wanted:
        sys.exit(f"{path}: holds {sorted(found)}, expected {wanted}")


if __name__ == "__main__":
    main()
