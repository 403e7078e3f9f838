#!/usr/bin/env python3
"""Unpack an uncompressed initramfs: one or more newc cpio archives one after the
other (dracut's early microcode archive, then the main one), as the kernel reads
them, zero padding between them skipped. Later entries replace earlier ones.

Usage: tests/qemu/unpack-cpio.py IMAGE DIR
Files, directories and symlinks only (device nodes are skipped). Fast where
unmkinitramfs is slow (and fails) on an uncompressed image of 130 MiB.
"""
import os
import sys


def main():
    image, out = sys.argv[1], sys.argv[2]
    data = open(image, 'rb').read()
    pos, n = 0, 0
    while pos < len(data):
        if data[pos:pos + 6] not in (b'070701', b'070702'):
            if data[pos] == 0:
                pos += 1
                continue
            sys.exit('unpack-cpio: no cpio header at offset %d' % pos)
        hdr = data[pos:pos + 110]
        field = [int(hdr[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
        mode, filesize, namesize = field[1], field[6], field[11]
        name_end = pos + 110 + namesize - 1
        name = data[pos + 110:name_end].decode('utf-8', 'replace')
        body = (pos + 110 + namesize + 3) & ~3
        pos = (body + filesize + 3) & ~3
        if name == 'TRAILER!!!':
            continue
        path = os.path.join(out, name.lstrip('/'))
        kind = mode & 0o170000
        if name in ('.', ''):
            continue
        if os.path.lexists(path) and not os.path.isdir(path):
            os.unlink(path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if kind == 0o040000:
            os.makedirs(path, exist_ok=True)
        elif kind == 0o120000:
            os.symlink(data[body:body + filesize].decode('utf-8', 'replace'), path)
        elif kind == 0o100000:
            with open(path, 'wb') as f:
                f.write(data[body:body + filesize])
            os.chmod(path, mode & 0o7777)
        n += 1
    print('unpack-cpio: %d entries' % n)


main()
