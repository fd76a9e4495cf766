#!/usr/bin/python3
"""assets/demo/make-fixtures.py - makes the demo's document files once.

The demo household (src/demo/) attaches copies of these small files to its
records; the build embeds them (Makefile DEMO_ASSETS). They are committed,
so the build needs none of the tools used here: ImageMagick (photos and the
receipt scan) and Ghostscript (the PDFs, from PostScript written below).
Run it again only to change a fixture:
    apt-get install imagemagick ghostscript fonts-dejavu-core
    assets/demo/make-fixtures.py
"""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
CONVERT = "/usr/bin/convert"  # the real ImageMagick, not a stand-in
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"

# Czech letters outside Latin-1, by the glyph names the standard fonts
# have, placed at 0x80.. of a re-encoded font.
EXTRA = ["ccaron", "Ccaron", "ecaron", "rcaron", "Rcaron", "scaron",
         "Scaron", "zcaron", "Zcaron", "uring", "dcaron", "tcaron", "ncaron"]
EXTRA_CHARS = "čČěřŘšŠžŽůďťň"

PS_HEAD = """%!PS-Adobe-3.0
%%BoundingBox: 0 0 595 842
/cz-encoding ISOLatin1Encoding 256 array copy def
cz-encoding 45 /hyphen put
cz-encoding 128 [""" + " ".join("/" + g for g in EXTRA) + """] putinterval
/cz-font { findfont dup length dict begin
  { 1 index /FID ne { def } { pop pop } ifelse } forall
  /Encoding cz-encoding def currentdict end definefont pop } def
/F /Helvetica cz-font
/FB /Helvetica-Bold cz-font
/t { moveto show } def
/rule { 0.5 setlinewidth dup 72 exch moveto 523 exch lineto stroke } def
"""


def ps_string(text):
    out = []
    for ch in text:
        if ch in EXTRA_CHARS:
            out.append("\\%03o" % (128 + EXTRA_CHARS.index(ch)))
        elif ch in "()\\":
            out.append("\\" + ch)
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("\\%03o" % ord(ch.encode("latin-1")))
    return "(" + "".join(out) + ")"


def pdf(name, title, lines):
    """lines: (x, y, size, bold, text) or ('rule', y)."""
    ps = [PS_HEAD, "/FB findfont 18 scalefont setfont",
          "%s 72 770 t" % ps_string(title)]
    for line in lines:
        if line[0] == "rule":
            ps.append("%d rule" % line[1])
            continue
        x, y, size, bold, text = line
        ps.append("/%s findfont %d scalefont setfont %s %d %d t"
                  % ("FB" if bold else "F", size, ps_string(text), x, y))
    ps.append("showpage")
    src = os.path.join(HERE, name + ".ps")
    with open(src, "w", encoding="ascii") as f:
        f.write("\n".join(ps) + "\n")
    subprocess.run(["gs", "-q", "-dBATCH", "-dNOPAUSE", "-dSAFER",
                    "-sDEVICE=pdfwrite", "-dCompatibilityLevel=1.4",
                    "-dEmbedAllFonts=false", "-dSubsetFonts=true",
                    "-sOutputFile=" + os.path.join(HERE, name), src],
                   check=True)
    os.remove(src)


def table(top, rows):
    out = [(72, top, 10, True, "Položka"), (330, top, 10, True, "Množství"),
           (460, top, 10, True, "Cena Kč"), ("rule", top - 6)]
    y = top - 22
    for item, qty, price in rows:
        out += [(72, y, 10, False, item), (330, y, 10, False, qty),
                (460, y, 10, False, price)]
        y -= 14
    return out + [("rule", y + 4)], y - 14


def invoice():
    head = [(72, 740, 10, False, "Dodavatel: Topení Horák s.r.o., Lidická 21, 602 00 Brno, IČO 27651234"),
            (72, 726, 10, False, "Odběratel: Jana Nováková, Horova 12, 616 00 Brno"),
            (72, 712, 10, False, "Datum vystavení: 12. 11. 2026    Splatnost: 26. 11. 2026")]
    rows, y = table(690, [("Kondenzační kotel 24 kW", "1 ks", "78 400"),
                          ("Montáž a zaregulování", "12 h", "9 600"),
                          ("Revize spalinové cesty", "1", "2 900"),
                          ("Drobný instalační materiál", "1", "1 350")])
    tail = [(72, y, 11, True, "Celkem k úhradě: 92 250 Kč"),
            (72, y - 30, 9, False, "Zaplaceno převodem na účet 2501234567/2010. Děkujeme.")]
    pdf("faktura.pdf", "Faktura - daňový doklad č. 2026-0417", head + rows + tail)


def report():
    lines = [(72, 740, 10, False, "Zpráva o pravidelné revizi elektrické instalace"),
             (72, 726, 10, False, "Objekt: rodinný dům, Horova 12, Brno-Žabovřesky"),
             (72, 712, 10, False, "Revizní technik: Ing. Pavel Šťastný, osvědčení č. 1234/2019"),
             ("rule", 700),
             (72, 682, 10, True, "Prohlídka"),
             (72, 668, 10, False, "Rozvaděč RD1: jističe a proudový chránič 30 mA funkční."),
             (72, 654, 10, False, "Zásuvkové okruhy kuchyně a koupelny: bez závad."),
             (72, 640, 10, False, "Uzemnění: odpor 4,2 ohmů, vyhovuje."),
             (72, 618, 10, True, "Měření izolačního odporu"),
             (72, 604, 10, False, "Všechny okruhy nad 200 MOhm."),
             ("rule", 590),
             (72, 572, 11, True, "Celkový posudek: instalace je schopna bezpečného provozu."),
             (72, 556, 10, False, "Příští revize: listopad 2031.")]
    pdf("revize.pdf", "Revizní zpráva č. RZ-2026/118", lines)


def photo(name, seed, colors):
    """A photo-like picture: a plasma fractal (a fixed seed, so the same
    bytes every run), no caption, since any record may show it."""
    subprocess.run([CONVERT, "-seed", str(seed), "-size", "200x150",
                    "plasma:" + colors, "-blur", "0x1.2", "-strip",
                    "-sampling-factor", "4:2:0", "-quality", "55",
                    os.path.join(HERE, name)], check=True)


def receipt():
    text = "\n".join([
        "   HORNBACH Brno   ",
        "  Kšírova 658/265  ",
        "-------------------",
        "Silikon sanitární  ",
        "  2 x 189,00  378,00",
        "Těsnění kartuše    ",
        "  1 x 249,00  249,00",
        "-------------------",
        "CELKEM Kč     627,00",
        "Karta  ****4821    ",
        "14.11.2026 16:42   ",
    ])
    subprocess.run([CONVERT, "-size", "180x", "-background", "#f7f5ee",
                    "-fill", "#333333", "-font", MONO, "-pointsize", "10",
                    "caption:" + text, "-bordercolor", "#f7f5ee",
                    "-border", "8", "-colors", "8", "-strip",
                    "-define", "png:compression-level=9",
                    "PNG8:" + os.path.join(HERE, "uctenka.png")], check=True)


def main():
    photo("photo-1.jpg", 17, "firebrick-slategray")
    photo("photo-2.jpg", 23, "gray80-gray40")
    photo("photo-3.jpg", 31, "olivedrab-yellowgreen")
    photo("photo-4.jpg", 47, "wheat-sienna")
    receipt()
    invoice()
    report()


if __name__ == "__main__":
    main()
