#!/usr/bin/env python3
"""Writes a GTFS zip of TRIPS rail trips running on weekdays of November and
December 2026 (a day of a national network: 10,000 trips), two or more stops
each, on 50 lines.

    gtfs_day.py OUT.zip TRIPS [SHIFT_MINUTES]

SHIFT_MINUTES moves every departure: the same feed with another shift is a new
timetable that reschedules every trip (an import that updates them all).
"""

import sys
import zipfile

AGENCY = "agency_id,agency_name,agency_url,agency_timezone\nSNCF,SNCF,https://sncf.example,Europe/Paris\n"
CALENDAR = (
    "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
    "WK,1,1,1,1,1,0,0,20261101,20261231\n"
)
LINES = 50
STOPS = 400


def clock(minutes):
    return f"{minutes // 60:02}:{minutes % 60:02}:00"


def main():
    out, trips = sys.argv[1], int(sys.argv[2])
    shift = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    routes = ["route_id,agency_id,route_short_name,route_long_name,route_type"]
    routes += [f"L{n},SNCF,TER {n},,2" for n in range(LINES)]
    stops = ["stop_id,stop_name"] + [f"S{n},Gare {n}" for n in range(STOPS)]
    trips_txt = ["route_id,service_id,trip_id,trip_short_name"]
    times = ["trip_id,arrival_time,departure_time,stop_id,stop_sequence"]
    for i in range(trips):
        trips_txt.append(f"L{i % LINES},WK,t{i},{100000 + i}")
        departs = 5 * 60 + (i % 1020) + shift
        first = (i * 7) % STOPS
        for seq in range(4):
            at = clock(departs + 20 * seq)
            times.append(f"t{i},{at},{at},S{(first + seq) % STOPS},{seq + 1}")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("agency.txt", AGENCY)
        z.writestr("calendar.txt", CALENDAR)
        z.writestr("routes.txt", "\n".join(routes) + "\n")
        z.writestr("stops.txt", "\n".join(stops) + "\n")
        z.writestr("trips.txt", "\n".join(trips_txt) + "\n")
        z.writestr("stop_times.txt", "\n".join(times) + "\n")


if __name__ == "__main__":
    main()
