"""Python's side of qr_compare.sh: the same seat code URLs through `segno`
(the fastest well-known Python QR library) and `qrcode` (the most used one),
each through its ordinary API, as trajet renders them: level Q (no boost),
8 px a module, a 4-module quiet zone, PNG bytes and SVG text in memory.

usage: qr_python.py time LIB URLS_FILE         one untimed pass, then one timed
                                               pass of PNG and of SVG; prints a JSON line
                                               of wall and CPU seconds
       qr_python.py samples LIB URLS_FILE DIR INDEX...   writes DIR/TOOL-INDEX.png/.svg
LIB is segno or qrcode.
"""

import io
import json
import sys
import time


def segno_renderers():
    import segno

    def png(url):
        out = io.BytesIO()
        segno.make_qr(url, error="q", boost_error=False).save(out, kind="png", scale=8, border=4)
        return out.getvalue()

    def svg(url):
        out = io.BytesIO()
        segno.make_qr(url, error="q", boost_error=False).save(out, kind="svg", scale=8, border=4)
        return out.getvalue()

    return png, svg, f"segno {segno.__version__}"


def qrcode_renderers():
    from importlib.metadata import version

    import qrcode
    import qrcode.image.svg

    def make(url, **factory):
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, box_size=8, border=4, **factory)
        code.add_data(url)
        code.make(fit=True)
        return code.make_image()

    def png(url):
        out = io.BytesIO()
        make(url).save(out)  # Pillow, 1-bit
        return out.getvalue()

    def svg(url):
        return make(url, image_factory=qrcode.image.svg.SvgPathImage).to_string()

    return png, svg, f"qrcode {version('qrcode')} (Pillow {version('pillow')})"


RENDERERS = {"segno": segno_renderers, "qrcode": qrcode_renderers}
# Tool names in qr_compare.sh's results and sample files.
TOOLS = {"segno": "segno", "qrcode": "qrcode-py"}


def timed_pass(urls, render):
    """Wall and process CPU seconds of one pass over every URL, bytes made."""
    started, cpu = time.perf_counter(), time.process_time()
    size = sum(len(render(url)) for url in urls)
    return time.perf_counter() - started, time.process_time() - cpu, size


def main():
    mode, lib, urls_file = sys.argv[1:4]
    urls = open(urls_file).read().splitlines()
    png, svg, label = RENDERERS[lib]()
    if mode == "samples":
        out_dir = sys.argv[4]
        for index in sys.argv[5:]:
            url = urls[int(index)]
            open(f"{out_dir}/{TOOLS[lib]}-{index}.png", "wb").write(png(url))
            open(f"{out_dir}/{TOOLS[lib]}-{index}.svg", "wb").write(svg(url))
        return
    timed_pass(urls, png)  # warm-up
    timed_pass(urls, svg)
    png_s, png_cpu_s, png_bytes = timed_pass(urls, png)
    svg_s, svg_cpu_s, svg_bytes = timed_pass(urls, svg)
    n = len(urls)
    print(json.dumps({
        "tool": TOOLS[lib], "library": label, "codes": n,
        "png_s": png_s, "svg_s": svg_s, "png_cpu_s": png_cpu_s, "svg_cpu_s": svg_cpu_s,
        "png_bytes": png_bytes // n, "svg_bytes": svg_bytes // n,
    }))


if __name__ == "__main__":
    main()
