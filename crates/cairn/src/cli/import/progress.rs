//! The progress bar `cairn import` shows on a large file: bytes read, then rows checked,
//! while parsing; rows written, then a spinner while the rows are compared with the stored
//! ones and saved. Shown only when stderr is a terminal, so pipes, logs and tests see the
//! same plain output as before.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cairn_ingest::progress::{ParsePhase, Progress};
use cairn_store::ImportProgress;
use indicatif::{ProgressBar, ProgressStyle};

/// Files smaller than this are done before a bar would be any use.
const LARGE_FILE: usize = 8 << 20;

/// How often the bar reads the counts.
const TICK: Duration = Duration::from_millis(100);

/// A bar for one file, or none when the file is small or stderr is not a terminal.
pub(crate) fn bar_for(file_len: usize) -> Option<ProgressBar> {
    (file_len >= LARGE_FILE && std::io::stderr().is_terminal()).then(ProgressBar::no_length)
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// Runs `parse` while the bar follows `progress`: bytes read, then rows checked.
pub(crate) fn while_parsing<T>(
    bar: Option<&ProgressBar>,
    name: &str,
    progress: &Progress,
    parse: impl FnOnce() -> T,
) -> T {
    let Some(bar) = bar else {
        return parse();
    };
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut checking = false;
            bar.set_style(style(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec})",
            ));
            bar.set_message(format!("{name}: reading"));
            while !done.load(Ordering::Relaxed) {
                match progress.phase() {
                    ParsePhase::Reading { bytes } => bar.set_position(bytes),
                    ParsePhase::Checking { checked, rows } => {
                        if !checking {
                            checking = true;
                            bar.set_style(style(
                                "{msg} [{bar:30}] {human_pos}/{human_len} rows ({per_sec})",
                            ));
                            bar.set_message(format!("{name}: checking"));
                            bar.set_length(rows);
                            bar.reset_eta();
                        }
                        bar.set_position(checked);
                    }
                }
                std::thread::sleep(TICK);
            }
        });
        let parsed = parse();
        done.store(true, Ordering::Relaxed);
        parsed
    })
}

/// Follows an import's writing on `bar` until the returned guard is dropped: rows written
/// of `rows`, then "comparing and saving".
pub(crate) fn while_writing(bar: ProgressBar, rows: u64, progress: Arc<ImportProgress>) -> Watch {
    bar.set_style(style(
        "{msg} [{bar:30}] {human_pos}/{human_len} rows ({per_sec})",
    ));
    bar.set_message("writing");
    bar.set_length(rows);
    bar.set_position(0);
    bar.reset_eta();
    let task = tokio::spawn(async move {
        let mut merging = false;
        loop {
            bar.set_position(progress.rows_staged().min(rows));
            if progress.merging() != merging {
                merging = !merging;
                if merging {
                    bar.set_style(style("{spinner} {msg} ({elapsed})"));
                    bar.set_message("comparing with stored rows and saving");
                } else {
                    bar.set_style(style(
                        "{msg} [{bar:30}] {human_pos}/{human_len} rows ({per_sec})",
                    ));
                    bar.set_message("writing");
                }
            }
            bar.tick();
            tokio::time::sleep(TICK).await;
        }
    });
    Watch(task)
}

/// Stops following the import when dropped.
#[derive(Debug)]
pub(crate) struct Watch(tokio::task::JoinHandle<()>);

impl Drop for Watch {
    fn drop(&mut self) {
        self.0.abort();
    }
}
