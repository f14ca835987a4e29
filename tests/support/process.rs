//! External servers the tests start (Redis nodes, trajet binaries): each
//! process gets a watcher, a small `sh` loop that kills it with `-9` once
//! the test process is gone, however it ended (a panic that aborts, a
//! `kill`), so no server outlives the run. Dropping or killing the child
//! first ends its watcher too.
#![allow(dead_code, reason = "each test target uses part of it")]

use std::process::{Child, Command, Stdio};

/// Spawns `command` (its output discarded unless the caller set it) with a watcher.
pub fn spawn_watched(mut command: Command) -> std::io::Result<Child> {
    let child = command.stdin(Stdio::null()).spawn()?;
    let watcher = format!(
        "while kill -0 {parent} 2>/dev/null && kill -0 {child} 2>/dev/null; do sleep 0.5; done; \
         kill -0 {parent} 2>/dev/null || kill -9 {child} 2>/dev/null",
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
