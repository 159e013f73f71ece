#!/usr/bin/python3
"""Is a PNG screenshot blank?  Standard library only (zlib).

    png_ink.py FILE.png [--min-ink F] [--min-strips K]

Decodes an 8-bit, non-interlaced PNG (greyscale, RGB, grey+alpha or RGBA:
what Chromium's --screenshot writes), takes the most common colour as the
background, and measures the "ink": the fraction of pixels that differ from
it, and in how many of 10 horizontal strips ink appears (a page that only
drew its title has ink in one strip).  Prints one line of figures; exits 0
when ink >= F (default 0.01) and strips >= K (default 3), 1 when the image
looks blank, 2 when it cannot be read.
"""
import struct
import sys
import zlib
from collections import Counter


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, head = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if head is None:
        raise ValueError("no IHDR chunk")
    width, height, depth, ctype, _, _, interlace = head
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or channels is None or interlace != 0:
        raise ValueError("unsupported PNG: depth %d, colour type %d, interlace %d"
                         % (depth, ctype, interlace))
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        # Undo the scanline filter (PNG spec, section 9).
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def main(argv):
    path, min_ink, min_strips = None, 0.01, 3
    i = 1
    while i < len(argv):
        if argv[i] == "--min-ink":
            min_ink = float(argv[i + 1])
            i += 2
        elif argv[i] == "--min-strips":
            min_strips = int(argv[i + 1])
            i += 2
        else:
            path = argv[i]
            i += 1
    if path is None:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    try:
        width, height, ch, rows = read_png(path)
    except (OSError, ValueError, zlib.error) as e:
        print("png_ink: %s: %s" % (path, e), file=sys.stderr)
        return 2
    # Colour channels only: alpha does not change what a reader sees on a
    # white page.
    cc = 3 if ch >= 3 else 1
    pixels = Counter()
    for r in rows:
        for x in range(width):
            pixels[r[x * ch:x * ch + cc]] += 1
    background, _ = pixels.most_common(1)[0]
    total = width * height
    ink = total - pixels[background]
    strips = 0
    for s in range(10):
        y0, y1 = height * s // 10, height * (s + 1) // 10
        if any(r[x * ch:x * ch + cc] != background
               for r in rows[y0:y1] for x in range(0, width, 2)):
            strips += 1
    frac = ink / total if total else 0.0
    print("%s: %dx%d, ink %.4f, strips %d/10, colours %d"
          % (path, width, height, frac, strips, len(pixels)))
    return 0 if frac >= min_ink and strips >= min_strips else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
