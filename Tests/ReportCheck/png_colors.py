"""Counts the pixels of a PNG near each given colour: how the tests see that a browser drew
the report's charts. Standard library only (zlib): 8-bit RGB or RGBA, non-interlaced.

    python3 png_colors.py SCREENSHOT.png 36c 939 ...   ->  one line per colour: "36c 1234"
"""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    offset, idat, width, height, channels = 8, b"", 0, 0, 0
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        offset += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                sys.exit(f"{path}: only 8-bit RGB/RGBA, non-interlaced (depth {depth}, colour type {colour})")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        previous = line
    return rows, width, channels


def main():
    rows, width, channels = pixels(sys.argv[1])
    targets = []
    for text in sys.argv[2:]:
        full = "".join(c * 2 for c in text) if len(text) == 3 else text
        targets.append((text, tuple(int(full[i:i + 2], 16) for i in (0, 2, 4))))
    counts = {text: 0 for text, _ in targets}
    for line in rows:
        for x in range(width):
            r, g, b = line[x * channels:x * channels + 3]
            for text, (tr, tg, tb) in targets:
                if abs(r - tr) + abs(g - tg) + abs(b - tb) <= 60:
                    counts[text] += 1
    for text, _ in targets:
        print(text, counts[text])


main()
