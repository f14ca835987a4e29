//! What some tests need from outside the repository: the conformance
//! material beside it (the EPUB and GTFS corpus in `../shared/corpus`, the
//! published Readium and OPDS schemas in `../shared/schemas`; `TRAJET_CORPUS`
//! and `TRAJET_SCHEMAS` point elsewhere) and a few installed tools.
//!
//! A fresh clone has none of the material. A test that needs it asks here:
//! when it is there the test gets its folder; when it is missing the test says
//! so and returns, and the skip is recorded, never silent: a
//! `SKIPPED: <binary>: <test>: <reason>` line on stderr and the same in the
//! skip log (`TRAJET_SKIP_LOG`, else `target/skipped-tests.txt`), which
//! `scripts/test.sh` sums up at the end. With `CI` set a missing piece fails
//! the test instead: CI always has it.
//!
//! One file for every kind of test: the integration tests reach it as
//! `support::external`, the unit tests under `src/` as `crate::external`, and
//! the benches include it by path.
#![allow(dead_code, reason = "each test target uses part of it")]

use std::io::Write;
use std::path::{Path, PathBuf};

/// The corpus folder (it holds `epub/` and `gtfs/`), or `None` once the skip
/// is recorded.
pub fn corpus() -> Option<PathBuf> {
    find("TRAJET_CORPUS", "../shared/corpus", "epub")
}

/// The folder of published schemas (it holds `rwpm/` and `opds/`), or `None`
/// once the skip is recorded.
pub fn schemas() -> Option<PathBuf> {
    find("TRAJET_SCHEMAS", "../shared/schemas", "rwpm")
}

/// `$variable`, else `default` beside the repository, when it holds `inside`.
fn find(variable: &str, default: &str, inside: &str) -> Option<PathBuf> {
    let (dir, named) = match std::env::var_os(variable) {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let named = format!("{variable}={}", dir.display());
            (dir, named)
        }
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join(default),
            default.to_owned(),
        ),
    };
    if dir.join(inside).is_dir() {
        return Some(dir);
    }
    skip(&format!("{named} not found"));
    None
}

/// Records that the running test skips what it was about to check, and why
/// (the caller then returns, or leaves that check out). Panics when `CI` is
/// set: there, everything a test needs must be present.
pub fn skip(reason: &str) {
    let test = format!("{}: {}", binary(), test_name());
    assert!(
        std::env::var_os("CI").is_none(),
        "{test}: {reason} (required when CI is set)"
    );
    eprintln!("SKIPPED: {test}: {reason}");
    if let Some(log) = log_path() {
        // One short append per line: concurrent tests and test binaries do not interleave.
        let line = format!("{test}\t{reason}\n");
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut file| file.write_all(line.as_bytes()));
        if let Err(e) = written {
            eprintln!("could not record the skip in {}: {e}", log.display());
        }
    }
}

/// The test harness runs each test on a thread named after it (tokio's test
/// macros run the body on that thread too).
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_owned()
}

/// The test binary's target name (`passenger`, `trajet` for the unit tests):
/// its file name less the hash cargo appends.
fn binary() -> String {
    let exe = std::env::current_exe().unwrap_or_default();
    let stem = exe.file_stem().unwrap_or_default().to_string_lossy();
    match stem.rsplit_once('-') {
        Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_owned(),
        _ => stem.into_owned(),
    }
}

/// `TRAJET_SKIP_LOG`, else `skipped-tests.txt` in the target folder of the
/// running test binary (`<target>/<profile>/deps/<binary>`).
fn log_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("TRAJET_SKIP_LOG") {
        return Some(path.into());
    }
    let exe = std::env::current_exe().ok()?;
    let deps = exe
        .ancestors()
        .find(|dir| dir.file_name() == Some("deps".as_ref()))?;
    Some(deps.parent()?.parent()?.join("skipped-tests.txt"))
}
