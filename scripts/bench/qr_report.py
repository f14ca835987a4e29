"""Summarizes qr_compare.sh: per tool and format, codes per second of CPU time
(what "per core" means; wall time on a shared machine also counts other
people's work) as the median (min-max) of the rounds, the same by wall time,
and trajet's speed over each tool's as the median of the ratios within each
round; trajet's PDF sheet; the checks of the sample images. Writes every raw
run, the checks and the summary as JSON.

usage: qr_report.py RUNS_JSONL CHECKS_JSONL URLS_FILE CPU OUT_JSON
"""

import json
import statistics
import sys

from machine import machine

# Issue 8's targets for trajet, per core.
TARGET_CODES_PER_S = 4000
TARGET_PDF_S = 0.3
FORMATS = ("png", "svg")


def spread(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def stats(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def rate(run, fmt, clock):
    return run["codes"] / run[f"{fmt}_cpu_s" if clock == "cpu" else f"{fmt}_s"]


def main():
    runs_path, checks_path, urls_path, cpu, out = sys.argv[1:6]
    runs = [json.loads(line) for line in open(runs_path) if line.strip()]
    checks = [json.loads(line) for line in open(checks_path) if line.strip()]
    urls = open(urls_path).read().splitlines()
    tools = list(dict.fromkeys(r["tool"] for r in runs))
    rounds = sorted({r["round"] for r in runs})
    by = {(r["round"], r["tool"]): r for r in runs}

    def series(tool, fmt, clock):
        return [rate(by[(n, tool)], fmt, clock) for n in rounds if (n, tool) in by]

    def ratios(tool, fmt, clock):
        return [
            rate(by[(n, "trajet")], fmt, clock) / rate(by[(n, tool)], fmt, clock)
            for n in rounds
            if (n, tool) in by and (n, "trajet") in by
        ]

    summary = {}
    for tool in tools:
        first = by[(rounds[0], tool)]
        entry = {"library": first.get("library", "trajet (this checkout)")}
        for fmt in FORMATS:
            entry[fmt] = {
                "codes_per_cpu_s": stats(series(tool, fmt, "cpu")),
                "codes_per_wall_s": stats(series(tool, fmt, "wall")),
                "trajet_over_this_cpu": stats(ratios(tool, fmt, "cpu")),
                "trajet_over_this_wall": stats(ratios(tool, fmt, "wall")),
                "bytes_per_code": first[f"{fmt}_bytes"],
            }
        if tool == "trajet":
            mine = [by[(n, tool)] for n in rounds]
            entry["pdf_sheet"] = {
                "labels": first["codes"],
                "cpu_s": stats([r["pdf_cpu_s"] for r in mine]),
                "wall_s": stats([r["pdf_s"] for r in mine]),
                "bytes": first["pdf_bytes"],
            }
        summary[tool] = entry

    print(f"\nmachine: {machine()}; every tool pinned to CPU {cpu}, one thread")
    print(f"{len(urls)} seat code URLs of {len(urls[0])} characters, such as {urls[0]}")
    print(f"QR level Q, 8 px a module, 4-module quiet zone, PNG bytes and SVG text in memory;"
          f" {len(rounds)} interleaved rounds, medians (min-max)")
    print("codes/s: codes per second of the process's CPU time; trajet/it: trajet's codes/s over"
          " the tool's, same round (by wall time in brackets)\n")
    header = (f"{'tool':<12} {'library':<28} {'PNG codes/s':>22} {'trajet/it':>15}"
              f" {'SVG codes/s':>22} {'trajet/it':>15} {'bytes PNG/SVG':>14}")
    print(header)
    print("-" * len(header))
    for tool in tools:
        e = summary[tool]
        cells = []
        for fmt in FORMATS:
            ratio = f"{e[fmt]['trajet_over_this_cpu']['median']:.1f}x ({e[fmt]['trajet_over_this_wall']['median']:.1f}x)"
            cells.append(f"{spread(series(tool, fmt, 'cpu'), '{:,.0f}'):>22} {ratio:>15}")
        size = f"{e['png']['bytes_per_code']}/{e['svg']['bytes_per_code']}"
        print(f"{tool:<12} {e['library'][:28]:<28} {cells[0]} {cells[1]} {size:>14}")
    print("\nby wall time, codes/s (PNG, SVG): " + "; ".join(
        f"{tool} {summary[tool]['png']['codes_per_wall_s']['median']:,.0f}, "
        f"{summary[tool]['svg']['codes_per_wall_s']['median']:,.0f}" for tool in tools))

    verdicts = {}
    trajet = summary.get("trajet")
    if trajet:
        pdf = trajet["pdf_sheet"]
        mine = [by[(n, "trajet")] for n in rounds]
        print(f"trajet PDF sheet of {pdf['labels']} seats: {spread([r['pdf_cpu_s'] for r in mine], '{:.3f}')} s CPU,"
              f" {spread([r['pdf_s'] for r in mine], '{:.3f}')} s wall, {pdf['bytes'] // 1024} KB")
        verdicts = {
            f"PNG >= {TARGET_CODES_PER_S}/s": trajet["png"]["codes_per_cpu_s"]["median"] >= TARGET_CODES_PER_S,
            f"SVG >= {TARGET_CODES_PER_S}/s": trajet["svg"]["codes_per_cpu_s"]["median"] >= TARGET_CODES_PER_S,
            f"PDF < {TARGET_PDF_S} s": pdf["cpu_s"]["median"] < TARGET_PDF_S,
            "faster than every other library": all(
                summary[t][fmt]["trajet_over_this_cpu"]["median"] > 1
                for t in tools if t != "trajet" for fmt in FORMATS
            ),
        }
        print("targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in verdicts.items()))

    bad = [c for c in checks if not c["ok"]]
    masks = {}
    for c in checks:
        masks.setdefault(f"{c['format']} {c['index']}", {})[c["tool"]] = c["mask"]
    print(f"checks: {len(checks) - len(bad)} of {len(checks)} sample images decode to the same URL,"
          " level Q, trajet's QR version (PNGs: 8 px modules, 4-module quiet zone)")
    with open(out, "w") as f:
        json.dump({
            "machine": machine(), "cpu": int(cpu), "rounds": len(rounds), "codes": len(urls),
            "url_length": len(urls[0]), "url_example": urls[0],
            "targets_met": verdicts, "summary": summary, "runs": runs, "checks": checks,
            "masks_chosen": masks,
        }, f, indent=1)
    print(f"raw results: {out}")


if __name__ == "__main__":
    main()
