//! A book's accessibility, as the W3C "Accessibility Metadata Display Guide
//! for Digital Publications" (2.0) says to show it: from the package's
//! schema.org terms and `dcterms:conformsTo`, the statements of each section
//! (ways of reading, conformance, navigation, rich content, hazards, the
//! publisher's summary), as language-neutral keys the reader words in French
//! or English. Nothing is claimed the metadata does not say: a section with
//! no statement is shown as "no information".

use serde::Serialize;

use crate::catalog::package::{Accessibility, Layout};

/// The statements of each section of the guide, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Statements {
    /// Whether the package says anything about accessibility at all.
    pub known: bool,
    /// Ways of reading: visual adjustments, nonvisual reading, prerecorded audio.
    pub ways_of_reading: Vec<&'static str>,
    /// The accessibility standard met: `aaa`, `aa`, `a`, or `other` (a claim of another standard).
    pub conformance: Option<&'static str>,
    /// Navigation aids.
    pub navigation: Vec<&'static str>,
    /// Rich content: math, charts, captions, descriptions.
    pub rich_content: Vec<&'static str>,
    /// Hazards: `none`, `unknown`, or the hazards present.
    pub hazards: Vec<&'static str>,
    /// The publisher's own summary, as written.
    pub summary: Option<String>,
}

/// The statements for a book's metadata and layout.
pub fn statements(a: &Accessibility, layout: Layout) -> Statements {
    let known = !(a.access_modes.is_empty()
        && a.access_modes_sufficient.is_empty()
        && a.features.is_empty()
        && a.hazards.is_empty()
        && a.summary.is_none()
        && a.conforms_to.is_empty());
    Statements {
        known,
        ways_of_reading: ways_of_reading(a, layout),
        conformance: conformance(&a.conforms_to),
        navigation: present(
            a,
            &[
                ("tableOfContents", "toc"),
                ("index", "index"),
                ("structuralNavigation", "headings"),
                ("pageNavigation", "page-list"),
            ],
        ),
        rich_content: present(
            a,
            &[
                ("MathML", "math"),
                ("MathML-chemistry", "chemistry"),
                ("describedMath", "math-described"),
                ("longDescription", "extended-descriptions"),
                ("closedCaptions", "captions"),
                ("openCaptions", "captions"),
                ("transcript", "transcript"),
            ],
        ),
        hazards: hazards(&a.hazards),
        summary: a.summary.clone(),
    }
}

/// The features of `pairs` the book declares, each key once, in the guide's order.
fn present(a: &Accessibility, pairs: &[(&str, &'static str)]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for (feature, key) in pairs {
        if has(&a.features, feature) && !out.contains(key) {
            out.push(key);
        }
    }
    out
}

fn has(values: &[String], wanted: &str) -> bool {
    values.iter().any(|v| v.trim().eq_ignore_ascii_case(wanted))
}

/// The guide's "ways of reading": appearance, reading aloud or in braille,
/// prerecorded audio.
fn ways_of_reading(a: &Accessibility, layout: Layout) -> Vec<&'static str> {
    let mut out = Vec::new();
    if has(&a.features, "displayTransformability") {
        out.push("appearance-modifiable");
    } else if layout == Layout::Fixed {
        out.push("appearance-fixed");
    }
    // accessModeSufficient values are comma-separated lists of modes.
    let sufficient: Vec<Vec<String>> = a
        .access_modes_sufficient
        .iter()
        .map(|set| {
            set.split(',')
                .map(|m| m.trim().to_ascii_lowercase())
                .collect()
        })
        .collect();
    let textual_alone = sufficient.iter().any(|set| set == &["textual"]);
    if textual_alone {
        out.push("nonvisual-readable");
    } else if has(&a.access_modes, "textual") {
        out.push("nonvisual-not-fully");
    } else if !a.access_modes.is_empty() {
        out.push("nonvisual-not-readable");
    }
    if has(&a.features, "alternativeText") {
        out.push("alt-text");
    }
    if sufficient.iter().any(|set| set == &["auditory"]) {
        out.push("audio-only");
    } else if has(&a.features, "synchronizedAudioText") {
        out.push("audio-synchronized");
    }
    out
}

/// The WCAG level an EPUB Accessibility conformance claim names.
fn conformance(claims: &[String]) -> Option<&'static str> {
    let mut best = None;
    for claim in claims {
        let c = claim.to_ascii_lowercase();
        let level = if c.contains("wcag-aaa") || c.contains("level aaa") {
            "aaa"
        } else if c.contains("wcag-aa") || c.contains("level aa") {
            "aa"
        } else if c.contains("wcag-a") || c.contains("level a") {
            "a"
        } else {
            "other"
        };
        let rank = |l: &str| ["other", "a", "aa", "aaa"].iter().position(|x| *x == l);
        if best.is_none_or(|b| rank(level) > rank(b)) {
            best = Some(level);
        }
    }
    best
}

/// `none` when the book declares no hazard, `unknown` when it says it does
/// not know, else each hazard present (the `no…Hazard` values only confirm absence).
fn hazards(values: &[String]) -> Vec<&'static str> {
    if has(values, "none") {
        return vec!["none"];
    }
    let mut out = Vec::new();
    for (value, key) in [
        ("flashing", "flashing"),
        ("motionSimulation", "motion"),
        ("sound", "sound"),
    ] {
        if has(values, value) {
            out.push(key);
        }
    }
    let denied = [
        "noFlashingHazard",
        "noMotionSimulationHazard",
        "noSoundHazard",
    ];
    if out.is_empty() && denied.iter().all(|d| has(values, d)) {
        return vec!["none"];
    }
    if out.is_empty() && has(values, "unknown") {
        out.push("unknown");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn a_fully_described_book_gets_every_section() {
        let a = Accessibility {
            access_modes: strings(&["textual", "visual"]),
            access_modes_sufficient: strings(&["textual", "textual,visual"]),
            features: strings(&[
                "displayTransformability",
                "alternativeText",
                "tableOfContents",
                "structuralNavigation",
                "pageNavigation",
                "MathML",
                "longDescription",
            ]),
            hazards: strings(&["none"]),
            summary: Some("Meets WCAG 2.1 AA.".into()),
            conforms_to: strings(&["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]),
        };
        let s = statements(&a, Layout::Reflowable);
        assert!(s.known);
        assert_eq!(
            s.ways_of_reading,
            ["appearance-modifiable", "nonvisual-readable", "alt-text"]
        );
        assert_eq!(s.conformance, Some("aa"));
        assert_eq!(s.navigation, ["toc", "headings", "page-list"]);
        assert_eq!(s.rich_content, ["math", "extended-descriptions"]);
        assert_eq!(s.hazards, ["none"]);
        assert_eq!(s.summary.as_deref(), Some("Meets WCAG 2.1 AA."));
    }

    #[test]
    fn a_book_without_metadata_claims_nothing_but_its_fixed_layout() {
        let s = statements(&Accessibility::default(), Layout::Reflowable);
        assert_eq!(s, Statements::default());
        let fixed = statements(&Accessibility::default(), Layout::Fixed);
        assert!(!fixed.known);
        assert_eq!(fixed.ways_of_reading, ["appearance-fixed"]);
    }

    #[test]
    fn pictures_without_sufficient_text_are_not_readable_aloud() {
        let a = Accessibility {
            access_modes: strings(&["visual"]),
            hazards: strings(&["flashing", "noSoundHazard"]),
            ..Default::default()
        };
        let s = statements(&a, Layout::Fixed);
        assert_eq!(
            s.ways_of_reading,
            ["appearance-fixed", "nonvisual-not-readable"]
        );
        assert_eq!(s.hazards, ["flashing"]);
        let partly = Accessibility {
            access_modes: strings(&["textual", "visual"]),
            hazards: strings(&["unknown"]),
            ..Default::default()
        };
        let s = statements(&partly, Layout::Reflowable);
        assert_eq!(s.ways_of_reading, ["nonvisual-not-fully"]);
        assert_eq!(s.hazards, ["unknown"]);
    }

    #[test]
    fn conformance_names_the_best_level_claimed_in_either_epub_accessibility_form() {
        let c = |v: &[&str]| conformance(&strings(v));
        assert_eq!(
            c(&["http://www.idpf.org/epub/a11y/accessibility-20170105.html#wcag-a"]),
            Some("a")
        );
        assert_eq!(
            c(&["EPUB Accessibility 1.1 - WCAG 2.2 Level AAA", "x"]),
            Some("aaa")
        );
        assert_eq!(c(&["https://example.org/house-standard"]), Some("other"));
        assert_eq!(c(&[]), None);
    }

    #[test]
    fn the_three_denied_hazards_mean_none() {
        let h = hazards(&strings(&[
            "noFlashingHazard",
            "noMotionSimulationHazard",
            "noSoundHazard",
        ]));
        assert_eq!(h, ["none"]);
        assert!(hazards(&strings(&["noFlashingHazard"])).is_empty());
    }
}
