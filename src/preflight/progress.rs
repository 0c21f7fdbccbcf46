//! The progress bar: one line on stderr, only on a terminal.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A one-line progress bar on stderr, drawn only on a terminal.
pub(super) struct Progress {
    enabled: bool,
    pub(super) total: AtomicUsize,
    done: AtomicUsize,
    start: Instant,
    draw: Mutex<Instant>,
}

impl Progress {
    pub(super) fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            start: Instant::now(),
            draw: Mutex::new(Instant::now() - Duration::from_secs(1)),
        }
    }

    pub(super) fn tick(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if !self.enabled {
            return;
        }
        let total = self.total.load(Ordering::Relaxed).max(1);
        let mut last = self.draw.lock().unwrap_or_else(|e| e.into_inner());
        if done < total && last.elapsed() < Duration::from_millis(50) {
            return;
        }
        *last = Instant::now();
        const W: usize = 30;
        let fill = W * done.min(total) / total;
        let rate = done as f64 / self.start.elapsed().as_secs_f64().max(1e-3);
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "\r[{}{}] {done}/{total} endpoints  {rate:.1}/s ",
            "#".repeat(fill),
            ".".repeat(W - fill)
        );
        let _ = e.flush();
    }

    pub(super) fn clear(&self) {
        if self.enabled {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\r\x1b[2K");
            let _ = e.flush();
        }
    }
}
