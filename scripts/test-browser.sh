#!/usr/bin/env bash
# The HTML reports in a real browser: headless Chromium (Debian's `chromium`, installed with apt-get when
# /usr/bin/chromium is missing) loads each report made from the fixtures and
#   - reports no console message (no script error, no failed load: the page is self-contained),
#   - runs the page's script to its end (it marks <body data-report-ready="1">, read back with --dump-dom),
#   - renders something a person can see: the screenshot has many distinct colours.
# Run from the repository root: scripts/test-browser.sh   (COCOKIT_BIN=path/to/cocokit to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ -z "${COCOKIT_BIN:-}" ]; then
    cargo build --quiet --bin cocokit
    COCOKIT_BIN=target/debug/cocokit
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$COCOKIT_BIN" eval coco --gt fixtures/panoptic/sample_data/panoptic_coco_detection_format.json \
    --dt fixtures/show/sample_results.json --iou-type segm -o /dev/null \
    --report "$work/coco.html" --images-dir fixtures/panoptic/sample_data/input_images
"$COCOKIT_BIN" eval coco --gt fixtures/cocoapi-val2014-100/instances_val2014_100.json \
    --dt fixtures/cocoapi-val2014-100/instances_val2014_fakebbox100_results.json --iou-type bbox -o /dev/null \
    --report "$work/coco80.html"
"$COCOKIT_BIN" eval miou --gt fixtures/cocoapi-val2014-100/instances_val2014_100.json \
    --pred fixtures/cocoapi-val2014-100/instances_val2014_fakesegm100_results.json -q -o /dev/null \
    --report "$work/miou.html"

chrome() {
    # A new profile each run; nothing reaches the network.
    local profile
    profile=$(mktemp -d -p "$work")
    timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --enable-logging=stderr --v=0 "$@"
}

fail=0
for page in coco coco80 miou; do
    url="file://$work/$page.html"
    chrome --dump-dom "$url" >"$work/$page.dom" 2>"$work/$page.log" || true
    chrome --window-size=1280,1600 --screenshot="$work/$page.png" "$url" >/dev/null 2>>"$work/$page.log" || true
    if grep -E 'CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|net::ERR' "$work/$page.log"; then
        echo "FAIL $page: console messages or failed loads (above)"; fail=1
    fi
    if ! grep -q 'data-report-ready="1"' "$work/$page.dom"; then
        echo "FAIL $page: the page's script did not run to its end"; fail=1
    fi
    if ! python3 - "$work/$page.png" <<'PY'
import struct, sys, zlib
# A PNG decoder (8-bit RGB/RGBA, non-interlaced: what Chromium writes) counting distinct colours.
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", None
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw, stride, prev, colours, rows = zlib.decompress(idat), w * bpp, None, set(), []
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i] if prev is not None else 0
        c = prev[i - bpp] if prev is not None and i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 4 == 0:
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 4))
print(f"{sys.argv[1]}: {w}x{h}, {len(colours)} distinct colours (sampled)")
sys.exit(0 if len(colours) >= 50 else 1)
PY
    then
        echo "FAIL $page: the screenshot is blank"; fail=1
    fi
done
if [ -n "${KEEP_SCREENSHOTS:-}" ]; then
    mkdir -p "$KEEP_SCREENSHOTS" && cp "$work"/*.png "$work"/*.html "$KEEP_SCREENSHOTS"/
fi
[ "$fail" = 0 ] && echo "browser test: 3 reports load with no console message, run their script, render"
exit "$fail"
