//! GTFS feeds written by the tests: small zips, in memory.

use std::io::{Cursor, Write};

use zip::write::{SimpleFileOptions, ZipWriter};

/// A zip of these files (name, content).
pub fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().large_file(true);
    for (name, body) in files {
        writer.start_file(*name, options).unwrap();
        writer.write_all(body).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The files of a feed with one TER trip (17423 Clermont-Ferrand → Lyon,
/// 11:29–12:41 Paris time) running on weekdays of November and December 2026.
pub fn one_trip_files() -> Vec<(&'static str, Vec<u8>)> {
    [
        (
            "agency.txt",
            "agency_id,agency_name,agency_url,agency_timezone\nSNCF,SNCF,https://sncf.example,Europe/Paris\n",
        ),
        (
            "routes.txt",
            "route_id,agency_id,route_short_name,route_long_name,route_type\nTER,SNCF,TER,,2\n",
        ),
        ("trips.txt", "route_id,service_id,trip_id,trip_short_name\nTER,WK,t1,17423\n"),
        (
            "stops.txt",
            "stop_id,stop_name\nCF,Clermont-Ferrand\nLY,Lyon Part-Dieu\n",
        ),
        (
            "stop_times.txt",
            "trip_id,arrival_time,departure_time,stop_id,stop_sequence\nt1,,11:29:00,CF,1\nt1,12:41:00,,LY,2\n",
        ),
        (
            "calendar.txt",
            "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20261101,20261231\n",
        ),
    ]
    .into_iter()
    .map(|(name, body)| (name, body.as_bytes().to_vec()))
    .collect()
}

/// [`one_trip_files`] as a zip.
pub fn one_trip_feed() -> Vec<u8> {
    let files = one_trip_files();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    zip(&refs)
}

/// A feed of `trips` TER trips (trip ids `t0`…, train numbers from 10000)
/// Clermont-Ferrand → Lyon on weekdays of November and December 2026, two
/// stops each, departing from 05:00 minute by minute (wrapping after 15
/// hours) plus `shift` minutes: a new `shift` is a new timetable that
/// reschedules every trip.
pub fn many_trips_feed(trips: usize, shift: u32) -> Vec<u8> {
    let mut trips_txt = String::from("route_id,service_id,trip_id,trip_short_name\n");
    let mut stop_times =
        String::from("trip_id,arrival_time,departure_time,stop_id,stop_sequence\n");
    let clock = |minutes: u32| format!("{:02}:{:02}:00", minutes / 60, minutes % 60);
    for i in 0..trips {
        trips_txt.push_str(&format!("TER,WK,t{i},{}\n", 10_000 + i));
        let departs = many_trips_departure(i, shift);
        stop_times.push_str(&format!("t{i},,{},CF,1\n", clock(departs)));
        stop_times.push_str(&format!("t{i},{},,LY,2\n", clock(departs + 70)));
    }
    let mut files = one_trip_files();
    for (name, body) in &mut files {
        match *name {
            "trips.txt" => *body = trips_txt.clone().into_bytes(),
            "stop_times.txt" => *body = stop_times.clone().into_bytes(),
            _ => {}
        }
    }
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    zip(&refs)
}

/// The local departure, in minutes after midnight, of trip `index` of
/// [`many_trips_feed`] with this `shift`.
pub fn many_trips_departure(index: usize, shift: u32) -> u32 {
    5 * 60 + (index % 900) as u32 + shift
}
