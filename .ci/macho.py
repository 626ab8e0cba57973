"""Check that a file is a macOS executable for the CPUs named: `python3 .ci/macho.py FILE x86_64 arm64`.

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
    path, wanted = sys.argv[1], sorted(sys.argv[2:])
    data = open(path, "rb").read()
    (magic,) = struct.unpack_from(">I", data, 0)
    if magic == FAT_MAGIC:
        (count,) = struct.unpack_from(">I", data, 4)
        offsets = [struct.unpack_from(">iiIII", data, 8 + 20 * i)[2] for i in range(count)]
    else:
        offsets = [0]
    found = []
    for offset in offsets:
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
