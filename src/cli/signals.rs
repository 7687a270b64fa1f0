//! The one signal-handling path of the commands that change the lake: the first SIGTERM or
//! Ctrl-C asks the work to stop at its next safe point, the second exits at once (130, as
//! shells report an interrupt), which is safe too: every commit is atomic.
//!
//! The interactive shell (`joblake sql`) is the exception: there Ctrl-C cancels the running
//! statement and the shell goes on (`query::repl`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag set by the first SIGTERM or Ctrl-C, which prints `stopping: {first}`; a second
/// signal exits with status 130. `first` says what still happens before the stop, e.g. "the
/// running step reaches a safe point first".
pub fn stop_on_signals(first: &'static str) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("warning: SIGTERM will not stop gracefully: {e}");
                    return;
                }
            };
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            if flag.swap(true, Ordering::SeqCst) {
                eprintln!("stopping now");
                std::process::exit(130);
            }
            eprintln!("stopping: {first} (signal again to stop now)");
        }
    });
    stop
}
