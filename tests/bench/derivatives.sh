#!/bin/sh
# tests/bench/derivatives.sh: JPEG derivatives (/files/ID/PATH?size=view and
# thumb) of a large TIFF master made by `wenyuan serve` (libvips,
# vips_thumbnail_source), then served from HOME/cache/, against the peer
# command-line tools on the same file in the same run: vipsthumbnail (the
# same library, its own process) and ImageMagick's convert -thumbnail.
# Reports wall time and peak memory (the service's VmHWM before and after).
#
# The master: W x H 8-bit greyscale Gaussian noise (it does not compress, as
# a scan barely does), deflate TIFF in strips, made with `vips gaussnoise`.
# Usage: sh tests/bench/derivatives.sh        (W=8000 H=11000)
# Needs: build/wenyuan (make), vips and vipsthumbnail (libvips-tools),
# convert (imagemagick), curl.
set -eu
W=${W:-8000}
H=${H:-11000}
BIN=${BIN:-build/wenyuan}
D=${WORKDIR:-/tmp/wenyuan-bench-deriv}
PORT=${PORT:-18490}
for t in vips vipsthumbnail convert curl; do
    command -v $t >/dev/null || { echo "derivatives.sh: $t is missing"; exit 1; }
done
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$D"
mkdir -p "$D/item/images"
cp "$SRC/samples/items/lunyu/mods.xml" "$D/item/"
vips gaussnoise "$D/n.v" "$W" "$H" --mean 128 --sigma 40
vips cast "$D/n.v" "$D/item/images/big.tif[compression=deflate]" uchar
rm "$D/n.v"
echo "master: ${W}x${H} pixels, $(stat -c %s "$D/item/images/big.tif") bytes"
"$BIN" init "$D/h" >/dev/null
"$BIN" -H "$D/h" ingest --id big --collection guji "$D/item" >/dev/null 2>&1
"$BIN" -H "$D/h" serve --listen 127.0.0.1:$PORT --quiet >"$D/serve.log" 2>&1 &
P=$!
trap 'kill $P 2>/dev/null || true' EXIT INT TERM
sleep 1
hwm() { sed -n 's/^VmHWM:[[:space:]]*//p' /proc/$P/status; }
echo "service peak RSS before: $(hwm)"
U="http://127.0.0.1:$PORT/files/urn:wenyuan:big/images/big.tif"
for s in view thumb view thumb; do
    curl -s -o "$D/out-$s.jpg" -w "wenyuan ?size=$s: %{http_code} %{size_download} B in %{time_total} s\n" "$U?size=$s"
done
echo "service peak RSS after: $(hwm)"
/usr/bin/time -f "vipsthumbnail -s 1600: %e s, peak %M kB" \
    vipsthumbnail "$D/item/images/big.tif" -s 1600 -o "$D/vt.jpg"
/usr/bin/time -f "convert -thumbnail 1600x1600: %e s, peak %M kB (exit status %x)" \
    convert "$D/item/images/big.tif" -thumbnail 1600x1600 "$D/im.jpg" || true
