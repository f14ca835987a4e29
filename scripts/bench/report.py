"""Summarizes the load test: medians (min-max) per server and the paired
ratios of each round; writes every raw run and the summary as JSON.

usage: report.py RESULTS_JSONL OUT_JSON CHAPTER_BYTES R2_CHAPTER_BYTES INGEST_JSONL IDLE_RSS_KB
"""

import json
import statistics
import sys

from machine import machine

# (label, numerator, denominator): ratios of req/s within the same round.
RATIOS = [
    ("trajet/limit", "trajet-chapter", "reference"),
    ("trajet/limit (multi-thread)", "trajet-chapter-mt", "reference-mt"),
    ("trajet/nginx", "trajet-chapter", "nginx"),
    ("trajet/r2-streamer-js", "trajet-chapter", "r2-streamer"),
    ("scans/limit", "trajet-scan", "reference"),
    ("scans/limit (multi-thread)", "trajet-scan-mt", "reference-mt"),
    # req/s of trip codes over req/s of vehicle codes: what a vehicle code's
    # scan costs relative to a trip code's (issue 16: at most 1.2).
    ("vehicle-code/trip-code scan cost", "trajet-scan", "trajet-vehicle-scan"),
    ("vehicle-code/trip-code scan cost (multi-thread)", "trajet-scan-mt", "trajet-vehicle-scan-mt"),
    ("trajet current_thread/multi (chapter)", "trajet-chapter", "trajet-chapter-mt"),
    ("trajet current_thread/multi (scan)", "trajet-scan", "trajet-scan-mt"),
    ("limit current_thread/multi", "reference", "reference-mt"),
    ("limit/nginx", "reference", "nginx"),
    ("limit/r2-streamer-js", "reference", "r2-streamer"),
]
FIELDS = [
    ("rps", "req/s", "{:.0f}"),
    ("p50_ms", "p50 ms", "{:.2f}"),
    ("p99_ms", "p99 ms", "{:.2f}"),
    ("cpu_us_per_request", "CPU us/req", "{:.1f}"),
    ("redis_cpu_us_per_request", "Redis us/req", "{:.1f}"),
    ("peak_rss_mib", "peak RSS MiB", "{:.1f}"),
]


def spread(values, fmt):
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}-{fmt.format(max(values))})"


def main():
    path, out, chapter_bytes, r2_bytes, ingest_path, idle_kb = sys.argv[1:7]
    ingestion = [json.loads(line) for line in open(ingest_path) if line.strip()]
    runs = [json.loads(line) for line in open(path) if line.strip()]
    servers = list(dict.fromkeys(r["server"] for r in runs))
    by = {(r["round"], r["server"]): r for r in runs}
    rounds = sorted({r["round"] for r in runs})
    print(f"\nmachine: {machine()}")
    r2 = f" (r2-streamer-js serves the original: {r2_bytes} bytes)" if r2_bytes else ""
    print(f"chapter: {chapter_bytes} bytes{r2}")
    print(f"{len(rounds)} rounds; medians (min-max)\n")
    print(f"{'server':<18}" + "".join(f"{label:>26}" for _, label, _ in FIELDS) + f"{'errors':>8}")
    summary = {}
    for s in servers:
        mine = [r for r in runs if r["server"] == s]
        cells = [spread([r[k] for r in mine], fmt) for k, _, fmt in FIELDS]
        errors = sum(r["errors"] for r in mine)
        print(f"{s:<18}" + "".join(f"{c:>26}" for c in cells) + f"{errors:>8}")
        summary[s] = {k: statistics.median(r[k] for r in mine) for k, _, _ in FIELDS}
        summary[s]["errors"] = errors
    print("\npaired ratios of req/s, per round: median (min-max) [each round]")
    ratios = {}
    for label, a, b in RATIOS:
        values = [by[(n, a)]["rps"] / by[(n, b)]["rps"] for n in rounds if (n, a) in by and (n, b) in by]
        if not values:
            missing = " and ".join(x for x in (a, b) if x not in servers) or f"{a} with {b}"
            print(f"  {label:<40} n/a ({missing} not measured)")
            continue
        ratios[label] = values
        each = " ".join(f"{v:.3f}" for v in values)
        print(f"  {label:<40} {spread(values, '{:.3f}')}  [{each}]")
    print("\ningestion, one process per book (target: 5 MB in < 1 s CPU; peak < 3x size + 64 MiB)")
    for i in ingestion:
        limit = 3 * i["bytes"] / 2**20 + 64
        print(f"  {i['book']:<44} {i['bytes'] / 2**20:5.2f} MiB  {i['cpu_seconds']:.2f} s CPU  "
              f"peak RSS {i['peak_rss_mib']} MiB (limit {limit:.0f})")
    if int(idle_kb):
        print(f"idle RSS of trajet with 1,000 titles: {int(idle_kb) / 1024:.1f} MiB (target < 150)")
    with open(out, "w") as f:
        json.dump(
            {"machine": machine(), "chapter_bytes": int(chapter_bytes), "runs": runs,
             "summary": summary, "ratios": ratios, "ingestion": ingestion,
             "idle_rss_mib_1000_titles": round(int(idle_kb) / 1024, 1)},
            f, indent=1,
        )
    print(f"\nraw results: {out}")


if __name__ == "__main__":
    main()
