#!/bin/sh
# samples/make-items.sh: generates samples/items/, three small "digitized
# items" for the ingest and demo. They are GENERATED here, not scans: page
# images are rendered with ImageMagick from public-domain classical text
# (論語 學而, 千字文, and a 方志-style passage written for this sample) in
# the Noto Serif CJK font (Debian fonts-noto-cjk), laid out in vertical
# columns read right to left inside a printed frame. Metadata (METS with
# SHA-512 checksums and page order, MODS) is written to match.
#
# Usage: sh samples/make-items.sh   (re-runnable; rewrites samples/items/)
set -eu
export LC_ALL=C.UTF-8
cd "$(dirname "$0")"
FONT=${FONT:-/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc}
OUT=items
command -v convert >/dev/null || { echo "make-items: needs ImageMagick (apt-get install imagemagick)" >&2; exit 1; }
[ -r "$FONT" ] || { echo "make-items: no CJK font at $FONT (apt-get install fonts-noto-cjk)" >&2; exit 1; }

W=480; H=640; COLS=9; ROWS=12; CW=46; RH=46; X0=450; Y0=40

# page OUT TEXT: one page, TEXT (no spaces) in columns right to left, and
# its transcription (see the end)
page() {
    out=$1; text=$2
    set --
    i=0
    for ch in $(chars "$text"); do
        col=$((i / ROWS)); row=$((i % ROWS))
        x=$((X0 - CW * (col + 1) + 7)); y=$((Y0 + RH * (row + 1) - 8))
        set -- "$@" -annotate "+$x+$y" "$ch"
        i=$((i + 1))
    done
    if [ $i -gt $((COLS * ROWS)) ]; then
        echo "make-items: $out: $i characters do not fit $COLS x $ROWS" >&2
        exit 1
    fi
    lines=""
    k=1
    while [ $k -lt $COLS ]; do
        lx=$((X0 - CW * k))
        lines="$lines line $lx,$Y0 $lx,$((Y0 + RH * ROWS + 8))"
        k=$((k + 1))
    done
    case $out in
        *.tif) fmt="-colorspace Gray -depth 8 -compress zip" ;;
        *) fmt="-colorspace Gray -quality 70" ;;
    esac
    # shellcheck disable=SC2086
    convert -size ${W}x${H} xc:'#f4ecd8' \
        -fill none -stroke '#3a2a1a' -strokewidth 4 \
        -draw "rectangle 26,$((Y0 - 6)) $((X0 + 4)),$((Y0 + RH * ROWS + 14))" \
        -strokewidth 1 -draw "$lines" \
        -stroke none -fill '#1a1208' -font "$FONT" -pointsize 32 "$@" \
        -strip $fmt "$out"
    # the page's transcription beside it: DIR/text/NNNN.txt, or .hocr when
    # TEXT_KIND=hocr
    tdir=$(dirname "$(dirname "$out")")/text
    mkdir -p "$tdir"
    img=$(basename "$out")
    if [ "${TEXT_KIND:-txt}" = hocr ]; then
        hocr "$tdir/${img%.*}.hocr" "$text" "$img"
    else
        transcript "$tdir/${img%.*}.txt" "$text"
    fi
}

# chars TEXT: TEXT one character a word (the shell splits on the spaces)
chars() { printf '%s' "$1" | sed 's/./& /g'; }

# transcript OUT TEXT: the plain-text transcription of a page made by
# page(): one line per column, in reading order (right to left)
transcript() {
    printf '%s' "$2" | sed "s/.\{$ROWS\}/&\n/g; s/\n\$//" > "$1"
    echo >> "$1"
}

# hocr OUT TEXT IMAGE: the page as hOCR 1.2, an ocr_line per column and an
# ocrx_word per character, with the boxes page() drew them in
hocr() {
    out=$1; text=$2; img=$3
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="zh-Hant" lang="zh-Hant">'
        echo '<head><title></title><meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>'
        echo '<meta name="ocr-system" content="samples/make-items.sh (generated, not OCR)"/>'
        echo '<meta name="ocr-capabilities" content="ocr_page ocr_carea ocr_line ocrx_word"/></head>'
        echo '<body>'
        echo "<div class=\"ocr_page\" id=\"page_1\" title=\"image $img; bbox 0 0 $W $H\">"
        echo "<div class=\"ocr_carea\" id=\"block_1\" title=\"bbox 26 $((Y0 - 6)) $((X0 + 4)) $((Y0 + RH * ROWS + 14))\">"
        i=0; col=-1
        for ch in $(chars "$text"); do
            row=$((i % ROWS))
            if [ "$row" -eq 0 ]; then
                [ $col -ge 0 ] && echo '</span>'
                col=$((i / ROWS))
                n=$(( $(printf '%s' "$text" | wc -m) - i ))
                [ $n -gt $ROWS ] && n=$ROWS
                printf '<span class="ocr_line" id="line_%d" title="bbox %d %d %d %d">' \
                    $((col + 1)) $((X0 - CW * (col + 1))) $Y0 $((X0 - CW * col)) $((Y0 + RH * n))
            fi
            printf '<span class="ocrx_word" id="word_%d" title="bbox %d %d %d %d">%s</span>' \
                $((i + 1)) $((X0 - CW * (col + 1) + 3)) $((Y0 + RH * row)) \
                $((X0 - CW * col - 3)) $((Y0 + RH * (row + 1))) "$ch"
            i=$((i + 1))
        done
        [ $col -ge 0 ] && echo '</span>'
        echo '</div>'
        echo '</div>'
        echo '</body>'
        echo '</html>'
    } > "$out"
}

# mods TITLE CREATOR DYNASTY ROLE EDITION DATE FROM TO EXTENT ID
mods() {
    cat <<EOF
<mods xmlns="http://www.loc.gov/mods/v3" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="3.8" xsi:schemaLocation="http://www.loc.gov/mods/v3 http://www.loc.gov/standards/mods/v3/mods-3-8.xsd">
  <titleInfo><title>$1</title></titleInfo>
  <name type="personal" usage="primary"><namePart>$2</namePart><namePart type="termsOfAddress">($3)</namePart><role><roleTerm type="text">$4</roleTerm></role></name>
  <typeOfResource>text</typeOfResource>
  <originInfo><dateIssued>$6</dateIssued><dateIssued encoding="w3cdtf" keyDate="yes" point="start">$7</dateIssued><dateIssued encoding="w3cdtf" point="end">$8</dateIssued><edition>$5</edition></originInfo>
  <language><languageTerm authority="iso639-2b" type="code">chi</languageTerm></language>
  <physicalDescription><extent>$9</extent></physicalDescription>
  <note>Generated sample for Wenyuan: page images rendered from public-domain text with the Noto Serif CJK font, not a scan of a real copy.</note>
  <identifier type="local">${10}</identifier>
  <recordInfo><recordIdentifier>${10}</recordIdentifier></recordInfo>
</mods>
EOF
}

# mets DIR ID LABEL: METS for the images in DIR/images and their
# transcriptions in DIR/text (same base name), embedding DIR/mods.xml
filegrp() {
    use=$1; prefix=$2; shift 2
    echo "  <mets:fileGrp USE=\"$use\">"
    n=0
    for f in "$@"; do
        n=$((n + 1))
        base=$(basename "$f")
        case $base in
            *.tif) mt=image/tiff ;;
            *.jpg) mt=image/jpeg ;;
            *.txt) mt="text/plain" ;;
            *.hocr) mt="text/vnd.hocr+html" ;;
        esac
        sum=$(sha512sum "$f" | cut -d' ' -f1)
        size=$(stat -c %s "$f")
        printf '    <mets:file ID="%s%03d" MIMETYPE="%s" SIZE="%s" CHECKSUMTYPE="SHA-512" CHECKSUM="%s"><mets:FLocat LOCTYPE="URL" xlink:href="%s/%s"/></mets:file>\n' \
            "$prefix" "$n" "$mt" "$size" "$sum" "$(basename "$(dirname "$f")")" "$base"
    done
    echo '  </mets:fileGrp>'
}

mets() {
    dir=$1; id=$2; label=$3
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo "<mets:mets xmlns:mets=\"http://www.loc.gov/METS/\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" OBJID=\"$id\" LABEL=\"$label\" xsi:schemaLocation=\"http://www.loc.gov/METS/ http://www.loc.gov/standards/mets/mets.xsd\">"
        echo '  <mets:metsHdr CREATEDATE="2026-01-01T00:00:00Z"><mets:agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE"><mets:name>samples/make-items.sh</mets:name></mets:agent></mets:metsHdr>'
        echo '  <mets:dmdSec ID="dmd1"><mets:mdWrap MDTYPE="MODS"><mets:xmlData>'
        sed '1d' "$dir/mods.xml"
        echo '  </mets:xmlData></mets:mdWrap></mets:dmdSec>'
        echo '  <mets:fileSec>'
        filegrp master f "$dir"/images/*
        filegrp transcription t "$dir"/text/*
        echo '  </mets:fileSec>'
        echo "  <mets:structMap TYPE=\"physical\"><mets:div TYPE=\"book\" LABEL=\"$label\" DMDID=\"dmd1\">"
        n=$(ls "$dir"/images | wc -l)
        k=0
        while [ $k -lt $n ]; do
            k=$((k + 1))
            printf '    <mets:div TYPE="page" ORDER="%d" ORDERLABEL="%d"><mets:fptr FILEID="f%03d"/><mets:fptr FILEID="t%03d"/></mets:div>\n' "$k" "$k" "$k" "$k"
        done
        echo '  </mets:div></mets:structMap>'
        echo '</mets:mets>'
    } > "$dir/mets.xml"
}

rm -rf "$OUT"
mkdir -p "$OUT"

# 1. 論語集注 (folder, TIFF pages)
d=$OUT/lunyu; mkdir -p "$d/images"
page "$d/images/0001.tif" "論語集注卷一學而第一子曰學而時習之不亦說乎有朋自遠方來不亦樂乎人不知而不慍不亦君子乎有子曰其為人也孝弟而好犯上者鮮矣不好犯上而好作亂者未之有也君子務本本立而道生孝弟也者其為仁之本與"
page "$d/images/0002.tif" "子曰巧言令色鮮矣仁曾子曰吾日三省吾身為人謀而不忠乎與朋友交而不信乎傳不習乎子曰道千乘之國敬事而信節用而愛人使民以時子曰弟子入則孝出則弟謹而信汎愛衆而親仁行有餘力則以學文"
{ echo '<?xml version="1.0" encoding="UTF-8"?>'
  mods "論語集注" "朱熹" "宋" "集注" "刻本" "清乾隆三十年[1765]" 1765 1765 "2葉" "wy-sample-lunyu"; } > "$d/mods.xml"
mets "$d" "wy-sample-lunyu" "論語集注"

# 2. 嘉禾縣志 (folder, JPEG pages with hOCR transcriptions; a 方志-style
# passage written for this sample)
d=$OUT/fangzhi; mkdir -p "$d/images"
TEXT_KIND=hocr
page "$d/images/0001.jpg" "嘉禾縣志卷之一輿地志沿革嘉禾古揚州之域春秋屬吳戰國屬楚秦置郡縣漢因之唐宋以來屢有更易明洪武初定為縣隸府治國朝因之疆域縣治東西廣一百二十里南北袤九十里東至海四十里西至山八十里"
page "$d/images/0002.jpg" "山川縣東有山曰青嶂高百餘丈林木蓊鬱其下有泉四時不竭邑人資以灌溉縣西有水曰清溪源出青嶂東流入海風俗士習詩書民勤耕織婚喪守禮歲時伏臘猶存古風物產稻麥桑麻魚鹽竹木"
page "$d/images/0003.jpg" "城池縣城周四里有奇門四東曰迎旭西曰阜成南曰來薰北曰拱極明嘉靖間築土城國朝康熙中甃以石乾隆十年重修公署縣署在城中正堂三楹儀門大門各一"
{ echo '<?xml version="1.0" encoding="UTF-8"?>'
  mods "嘉禾縣志" "陳文覃" "清" "纂修" "刻本" "清道光二十年[1840]" 1840 1840 "3葉" "wy-sample-fangzhi"; } > "$d/mods.xml"
mets "$d" "wy-sample-fangzhi" "嘉禾縣志"

TEXT_KIND=txt

# 3. 千字文 (a BagIt bag: payload under data/)
b=$OUT/qianziwen-bag; d=$b/data; mkdir -p "$d/images"
page "$d/images/0001.jpg" "千字文敕員外散騎侍郎周興嗣次韻天地玄黃宇宙洪荒日月盈昃辰宿列張寒來暑往秋收冬藏閏餘成歲律呂調陽雲騰致雨露結為霜金生麗水玉出崑岡劍號巨闕珠稱夜光果珍李柰菜重芥薑"
page "$d/images/0002.jpg" "海鹹河淡鱗潛羽翔龍師火帝鳥官人皇始制文字乃服衣裳推位讓國有虞陶唐弔民伐罪周發殷湯坐朝問道垂拱平章愛育黎首臣伏戎羌遐邇壹體率賓歸王鳴鳳在竹白駒食場化被草木賴及萬方"
{ echo '<?xml version="1.0" encoding="UTF-8"?>'
  mods "千字文" "周興嗣" "南朝梁" "撰" "抄本" "明萬曆間[1573-1620]" 1573 1620 "2葉" "wy-sample-qianziwen"; } > "$d/mods.xml"
mets "$d" "wy-sample-qianziwen" "千字文"
printf 'BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n' > "$b/bagit.txt"
oxum_bytes=0; oxum_files=0
(cd "$b" && find data -type f | LC_ALL=C sort | while read -r f; do sha512sum "$f"; done) > "$b/manifest-sha512.txt"
for f in $(cd "$b" && find data -type f); do
    oxum_bytes=$((oxum_bytes + $(stat -c %s "$b/$f"))); oxum_files=$((oxum_files + 1))
done
cat > "$b/bag-info.txt" <<EOF
Source-Organization: Wenyuan samples (generated)
External-Identifier: wy-sample-qianziwen
External-Description: 千字文, page images rendered from public-domain text by samples/make-items.sh; not a scan.
Bagging-Date: 2026-01-01
Payload-Oxum: $oxum_bytes.$oxum_files
EOF
(cd "$b" && sha512sum bagit.txt bag-info.txt manifest-sha512.txt) > "$b/tagmanifest-sha512.txt"

# the batch sheet for ingest: one row per item
cat > "$OUT/batch.csv" <<'EOF'
identifier,collection,title,creator,date,path
wy-sample-lunyu,guji,論語集注,(宋)朱熹,清乾隆三十年[1765],lunyu
wy-sample-fangzhi,guji,嘉禾縣志,(清)陳文覃,清道光二十年[1840],fangzhi
wy-sample-qianziwen,guji,千字文,(南朝梁)周興嗣,明萬曆間[1573-1620],qianziwen-bag
EOF

cat > "$OUT/README.md" <<'EOF'
# samples/items: GENERATED digitized items

Everything in this folder was **generated** by `samples/make-items.sh`; none of
it is a scan of a real book. The page images are rendered with ImageMagick from
public-domain classical Chinese text (論語 學而第一, 千字文) and a 方志-style
passage written for this sample (嘉禾縣志 is not a real edition), in Noto Serif
CJK (Debian `fonts-noto-cjk`, SIL Open Font License), in vertical columns inside
a printed frame. The metadata (creators, editions, dates) is plausible but
invented for the demo.

| item | layout | pages | metadata |
| --- | --- | --- | --- |
| `lunyu/` | folder | 2 TIFF (zip-compressed grey) + plain-text transcriptions `text/NNNN.txt` | `mets.xml` (fileSec with SHA-512: fileGrp `master` and `transcription`; structMap page order, each page pointing at its image and its text; MODS embedded) + `mods.xml` |
| `fangzhi/` | folder | 3 JPEG + hOCR transcriptions `text/NNNN.hocr` (an `ocr_line` per column, an `ocrx_word` per character, with the boxes the page was drawn in) | same |
| `qianziwen-bag/` | BagIt 1.0 bag | 2 JPEG under `data/images/` + `data/text/NNNN.txt` | `data/mets.xml`, `data/mods.xml`; `bag-info.txt` with External-Identifier, `manifest-sha512.txt`, `tagmanifest-sha512.txt` |

The transcriptions hold exactly the characters drawn on the page, one line
per column (plain text) in reading order. `wenyuan ingest` stores them with
the images and `wenyuan index` indexes `.txt` and `.hocr` files as the
object's full text, so `wenyuan search 学而时习之` finds 論語集注 by its page
text alone.

`batch.csv` lists the three items for a batch ingest
(`identifier,collection,title,creator,date,path`, paths relative to this folder).

Re-create with `sh samples/make-items.sh` (needs `imagemagick` and
`fonts-noto-cjk`, both in the Makefile's DEB_PKGS).
EOF
echo "make-items: wrote $(find "$OUT" -type f | wc -l) files, $(du -sk "$OUT" | cut -f1) KiB under samples/$OUT"
