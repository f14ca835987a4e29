#!/usr/bin/env python3
"""Per-request instruction counts by function from a callgrind dump.

    callgrind_self.py DUMP REQUESTS            # top functions by own (self) cost
    callgrind_self.py DUMP REQUESTS PATTERN    # who calls functions matching PATTERN,
                                               # with the inclusive cost of those calls

callgrind_annotate 3.19 puts the whole cost of these dumps (taken with
`callgrind_control -d` mid-run, compressed names) on __libc_start_main; this
reads the format itself: `fn=` starts a function, `cfn=` + `calls=` lines
give the next cost line to a call instead of the function's own cost.
"""
import collections
import re
import sys


def main():
    path, requests = sys.argv[1], int(sys.argv[2])
    wanted = sys.argv[3] if len(sys.argv) > 3 else None
    top = 60
    names = {}
    own = collections.Counter()
    callers = collections.Counter()
    current = callee = None
    in_call = False
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        m = re.match(r"^fn=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(2):
                names[m.group(1)] = m.group(2)
            current = names.get(m.group(1), m.group(1))
            continue
        m = re.match(r"^c(fn|fi|fl|ob|fe)=\((\d+)\)(?: (.*))?$", line)
        if m:
            if m.group(1) == "fn":
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                callee = names.get(m.group(2))
            continue
        if line.startswith("calls="):
            in_call = True
            continue
        m = re.match(r"^(?:[+-]?\d+|\*) (\d+)$", line)
        if not m:
            continue
        cost = int(m.group(1))
        if in_call:
            in_call = False
            if wanted and callee and wanted in callee:
                callers[current] += cost
            continue
        own[current] += cost
    if wanted:
        print(f"callers of functions matching {wanted!r}, inclusive instructions per request:")
        rows = callers.most_common(top)
    else:
        print(f"{sum(own.values()) / requests:,.0f} instructions per request; by function (self):")
        rows = own.most_common(top)
    for name, cost in rows:
        print(f"{cost / requests:10,.0f}  {name}")


if __name__ == "__main__":
    main()
