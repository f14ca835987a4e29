#!/usr/bin/env python3
"""Writes a GTFS zip with ROWS trips.txt rows, the shape of the feed in issue 13
(an 18.5 MB zip with 5 million rows, almost all of them skipped or out of range).

    gtfs_feed.py OUT.zip ROWS

Of every 1,000 rows: 1 rail trip running on Monday 2026-11-30 (two stops),
1 bus trip, 8 rail trips of a weekend service (out of the range), 990 trips of
a service no calendar defines (skipped, `service-undefined`). Stop times are
written for the running trips only; stops.txt has 2,000 stops.
"""

import sys
import zipfile

AGENCY = "agency_id,agency_name,agency_url,agency_timezone\nSNCF,SNCF,https://sncf.example,Europe/Paris\n"
ROUTES = "route_id,agency_id,route_short_name,route_long_name,route_type\nTER,SNCF,TER,,2\nBUS,SNCF,,Car 12,3\n"
CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20261101,20261231\nWE,0,0,0,0,0,1,1,20261101,20261231\n"
)


def kind(i):
    r = i % 1000
    if r == 0:
        return "TER", "WK"
    if r == 1:
        return "BUS", "WK"
    if r < 10:
        return "TER", "WE"
    return "TER", "NOPE"


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("agency.txt", AGENCY)
        z.writestr("routes.txt", ROUTES)
        z.writestr("calendar.txt", CALENDAR)
        z.writestr("stops.txt", "stop_id,stop_name\n" + "".join(f"S{i},Gare {i}\n" for i in range(2000)))
        with z.open("trips.txt", "w", force_zip64=True) as f:
            f.write(b"route_id,service_id,trip_id,trip_short_name\n")
            chunk = []
            for i in range(rows):
                route, service = kind(i)
                chunk.append(f"{route},{service},trip-{i:08d},{i % 100000}\n")
                if len(chunk) == 10000:
                    f.write("".join(chunk).encode())
                    chunk = []
            f.write("".join(chunk).encode())
        with z.open("stop_times.txt", "w", force_zip64=True) as f:
            f.write(b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n")
            for i in range(0, rows, 1000):
                h = 5 + (i // 1000) % 18
                a, b = (i // 1000) % 2000, (i // 1000 + 7) % 2000
                f.write(f"trip-{i:08d},,{h:02d}:10:00,S{a},1\ntrip-{i:08d},{h:02d}:55:00,,S{b},2\n".encode())


if __name__ == "__main__":
    main()
