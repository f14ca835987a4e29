//! The printed seat code URL.
//!
//! A QR code stores text in alphanumeric mode (0-9, A-Z, space, `$%*+-./:`)
//! at 5.5 bits a character instead of 8 in byte mode, but only in upper case.
//! The scheme and host of a URL are case-insensitive, and the server routes
//! `/T/{token}` like `/t/{token}`, so the printed URL is the upper-case form:
//! `HTTPS://LIRE.EXAMPLE-RAIL.FR/T/{TOKEN}` fits a version 5 QR code at error
//! correction level Q, while the mixed-case URL would need version 6 or more.
//! A path below the host (`https://host/trajet`) is kept as written, since
//! paths are case-sensitive; such a URL may need a larger QR code.

use super::token::SeatToken;

/// The URL printed in a seat code: `{BASE}/T/{token}` with the base's scheme
/// and host in upper case.
pub fn seat_code_url(public_base_url: &str, token: &SeatToken) -> String {
    let base = public_base_url.trim_end_matches('/');
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    let (origin, path) = base.split_at(path_start);
    format!("{}{path}/T/{token}", origin.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> SeatToken {
        SeatToken::from_raw_for_tests("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    }

    #[test]
    fn scheme_and_host_are_upper_cased() {
        let url = seat_code_url("https://lire.example-rail.fr", &token());
        assert_eq!(
            url,
            "HTTPS://LIRE.EXAMPLE-RAIL.FR/T/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        );
    }

    #[test]
    fn trailing_slash_of_the_base_is_dropped() {
        let url = seat_code_url("http://127.0.0.1:8080/", &token());
        assert!(url.starts_with("HTTP://127.0.0.1:8080/T/"), "{url}");
    }

    #[test]
    fn path_of_the_base_keeps_its_case() {
        let url = seat_code_url("https://rail.example/lire", &token());
        assert!(url.starts_with("HTTPS://RAIL.EXAMPLE/lire/T/"), "{url}");
    }
}
