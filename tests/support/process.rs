//! External servers the tests start (Redis nodes, moto, trajet binaries):
//! each process gets a watcher, a small `sh` loop that kills it with `-9` once
//! the test process is gone, however it ended (a panic that aborts, a
//! `kill`), so no server outlives the run. Dropping or killing the child
//! first ends its watcher too.
#![allow(dead_code, reason = "each test target uses part of it")]

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// Spawns `command` (stdin closed) with a watcher.
pub fn spawn_watched(command: Command) -> std::io::Result<Child> {
    spawn_watched_then(command, None)
}

/// [`spawn_watched`], and the watcher also removes `leftover` (its log, its
/// folder) once the test process is gone.
pub fn spawn_watched_then(mut command: Command, leftover: Option<&Path>) -> std::io::Result<Child> {
    let child = command.stdin(Stdio::null()).spawn()?;
    let remove = leftover.map_or(String::new(), |path| {
        format!(
            "; rm -rf '{}'",
            path.display().to_string().replace('\'', "")
        )
    });
    let watcher = format!(
        "while kill -0 {parent} 2>/dev/null && kill -0 {child} 2>/dev/null; do sleep 0.5; done; \
         kill -0 {parent} 2>/dev/null || {{ kill -9 {child} 2>/dev/null{remove}; }}",
        parent = std::process::id(),
        child = child.id(),
    );
    Command::new("sh")
        .args(["-c", &watcher])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    Ok(child)
}

/// Sends a signal (`-STOP`, `-CONT`, `-KILL`…) to a process.
pub fn signal(signal: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status();
}
