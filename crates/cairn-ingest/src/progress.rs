//! How far a parser has got through a large file, for a progress bar.
//!
//! The parser only counts; whoever shows the progress (the command line's bar) reads the
//! counts from another thread. Counting is a relaxed atomic store every few thousand rows,
//! so a parse with nobody watching costs the same.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counts shared between a parser and whoever watches it.
#[derive(Debug, Default)]
pub struct Progress {
    bytes_read: AtomicU64,
    rows_found: AtomicU64,
    rows_checked: AtomicU64,
}

/// Where a parse has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParsePhase {
    /// Splitting the file into rows: `bytes` of the decoded text read so far.
    Reading { bytes: u64 },
    /// Checking rows against the rules: `checked` of `rows`.
    Checking { checked: u64, rows: u64 },
}

impl Progress {
    pub fn new() -> Self {
        Progress::default()
    }

    /// The current phase and its count.
    pub fn phase(&self) -> ParsePhase {
        let rows = self.rows_found.load(Ordering::Relaxed);
        if rows == 0 {
            ParsePhase::Reading {
                bytes: self.bytes_read.load(Ordering::Relaxed),
            }
        } else {
            ParsePhase::Checking {
                checked: self.rows_checked.load(Ordering::Relaxed),
                rows,
            }
        }
    }

    /// Starts over for the next file.
    pub fn reset(&self) {
        self.bytes_read.store(0, Ordering::Relaxed);
        self.rows_found.store(0, Ordering::Relaxed);
        self.rows_checked.store(0, Ordering::Relaxed);
    }

    pub(crate) fn read_to(&self, byte: u64) {
        self.bytes_read.store(byte, Ordering::Relaxed);
    }

    pub(crate) fn found_rows(&self, n: usize) {
        self.rows_found.store(
            u64::try_from(n).unwrap_or(u64::MAX).max(1),
            Ordering::Relaxed,
        );
    }

    pub(crate) fn checked_rows(&self, n: usize) {
        self.rows_checked
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}
