"""Turns one wrk --latency report (stdin) into a JSON line with the server's
CPU and memory measured around it.

usage: parse_wrk.py ROUND NAME CPU_TICKS REDIS_CPU_TICKS CLK_TCK RSS_KB HWM_KB
"""

import json
import re
import sys

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def millis(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return round(float(value) * UNITS[unit], 3)


def main():
    round_, name, ticks, redis_ticks, clk_tck, rss, hwm = sys.argv[1:8]
    report = sys.stdin.read()
    requests = int(re.search(r"(\d+) requests in", report).group(1))
    seconds = re.search(r"requests in ([\d.]+\w+),", report).group(1)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", report))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    cpu_us = int(ticks) * 1e6 / int(clk_tck)
    redis_us = int(redis_ticks) * 1e6 / int(clk_tck)
    result = {
        "round": int(round_),
        "server": name,
        "requests": requests,
        "duration": seconds,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", report).group(1)),
        "p50_ms": millis(re.search(r"^\s+50%\s+(\S+)", report, re.M).group(1)),
        "p99_ms": millis(re.search(r"^\s+99%\s+(\S+)", report, re.M).group(1)),
        "errors": errors + (int(non_2xx.group(1)) if non_2xx else 0),
        "cpu_us_per_request": round(cpu_us / max(requests, 1), 2),
        "redis_cpu_us_per_request": round(redis_us / max(requests, 1), 2),
        "rss_mib": round(int(rss) / 1024, 1),
        "peak_rss_mib": round(int(hwm) / 1024, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
