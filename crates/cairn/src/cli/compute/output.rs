//! Writing result CSVs: fixed-point numbers without float formatting machinery, `SUPP`/`NA`
//! for suppressed figures, and files written beside their target then renamed into place, so
//! a failed run never leaves a half-written output.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::sync_channel;

use anyhow::Context;
use cairn_domain::Urn;
use cairn_measures::{Figure, PupilGroup, SuppressionReason};

/// A CSV being written to a temporary file beside its target. Dropped before
/// [`Finished::publish`], the temporary file is removed and the target is left alone.
#[derive(Debug)]
pub(super) struct CsvOut {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<BufWriter<File>>,
    /// The line being built.
    pub(super) line: Line,
}

impl CsvOut {
    pub(super) fn create(target: &Path, header: &str) -> anyhow::Result<Self> {
        let name = target
            .file_name()
            .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
        let temp = target.with_file_name(format!(".{name}.partial"));
        let file =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        let mut out = CsvOut {
            target: target.to_owned(),
            temp,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            line: Line::default(),
        };
        out.line.bytes.extend_from_slice(header.as_bytes());
        out.end_line()?;
        Ok(out)
    }

    /// Writes the line built in `self.line` and starts a new one.
    pub(super) fn end_line(&mut self) -> anyhow::Result<()> {
        self.line.end();
        let result = match &mut self.writer {
            Some(writer) => writer.write_all(&self.line.bytes),
            None => Ok(()),
        };
        self.line.clear();
        result.with_context(|| format!("cannot write {}", self.temp.display()))
    }

    /// Writes `n` lines, line `i` built by `build(i, line)`: blocks of lines are built on
    /// every core and written in order, so the file is the same as line-by-line writing.
    pub(super) fn lines_in_parallel(
        &mut self,
        n: usize,
        build: impl Fn(usize, &mut Line) + Sync,
    ) -> anyhow::Result<()> {
        const LINES_PER_BLOCK: usize = 8192;
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let blocks = n.div_ceil(LINES_PER_BLOCK);
        let workers = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(blocks);
        let next_block = AtomicUsize::new(0);
        let (block_tx, block_rx) = sync_channel::<(usize, Vec<u8>)>(workers * 2);
        let result = std::thread::scope(|scope| {
            for _ in 0..workers {
                let block_tx = block_tx.clone();
                let (next_block, build) = (&next_block, &build);
                scope.spawn(move || {
                    let mut line = Line::default();
                    loop {
                        let block = next_block.fetch_add(1, Ordering::Relaxed);
                        let first = block.saturating_mul(LINES_PER_BLOCK);
                        if first >= n {
                            break;
                        }
                        for i in first..first.saturating_add(LINES_PER_BLOCK).min(n) {
                            build(i, &mut line);
                            line.end();
                        }
                        let bytes = std::mem::take(&mut line.bytes);
                        line.clear();
                        if block_tx.send((block, bytes)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(block_tx);
            // Blocks arrive in any order; write them in file order.
            let mut pending = BTreeMap::new();
            let mut next_out = 0usize;
            let mut result = Ok(());
            for (block, bytes) in block_rx {
                pending.insert(block, bytes);
                while let Some(bytes) = pending.remove(&next_out) {
                    if result.is_ok() {
                        result = writer.write_all(&bytes);
                    }
                    next_out += 1;
                }
            }
            result
        });
        result.with_context(|| format!("cannot write {}", self.temp.display()))
    }

    /// Flushes the temporary file; [`Finished::publish`] moves it into place.
    pub(super) fn finish(mut self) -> anyhow::Result<Finished> {
        if let Some(writer) = self.writer.take() {
            writer
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", self.temp.display()))?;
        }
        Ok(Finished {
            target: std::mem::take(&mut self.target),
            temp: std::mem::take(&mut self.temp),
        })
    }
}

impl Drop for CsvOut {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            drop(self.writer.take());
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// A complete temporary file waiting to replace its target; removed if dropped unpublished.
#[derive(Debug)]
pub(super) struct Finished {
    target: PathBuf,
    temp: PathBuf,
}

impl Finished {
    pub(super) fn publish(mut self) -> anyhow::Result<()> {
        let temp = std::mem::take(&mut self.temp);
        std::fs::rename(&temp, &self.target)
            .with_context(|| format!("cannot write {}", self.target.display()))
    }
}

impl Drop for Finished {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// One output line, built field by field (after any earlier lines of a block, which end at
/// `start`).
#[derive(Debug, Default)]
pub(super) struct Line {
    bytes: Vec<u8>,
    start: usize,
}

impl Line {
    fn sep(&mut self) {
        if self.bytes.len() > self.start {
            self.bytes.push(b',');
        }
    }

    /// Ends the line; the next field starts a new one in the same buffer.
    fn end(&mut self) {
        self.bytes.push(b'\n');
        self.start = self.bytes.len();
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.start = 0;
    }

    /// Text known to need no quoting (identifiers, codes).
    pub(super) fn text(&mut self, text: &str) -> &mut Self {
        self.sep();
        self.bytes.extend_from_slice(text.as_bytes());
        self
    }

    pub(super) fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.sep();
        self.bytes.extend_from_slice(bytes);
        self
    }

    pub(super) fn blank(&mut self) -> &mut Self {
        self.sep();
        self
    }

    pub(super) fn int(&mut self, n: u64) -> &mut Self {
        self.sep();
        push_u64(&mut self.bytes, n);
        self
    }

    pub(super) fn flag(&mut self, b: bool) -> &mut Self {
        self.text(if b { "1" } else { "0" })
    }

    /// A number rounded to `decimals` places (half away from zero).
    pub(super) fn fixed(&mut self, value: f64, decimals: u32) -> &mut Self {
        self.sep();
        push_fixed(&mut self.bytes, value, decimals);
        self
    }

    pub(super) fn opt_fixed(&mut self, value: Option<f64>, decimals: u32) -> &mut Self {
        match value {
            Some(v) => self.fixed(v, decimals),
            None => self.blank(),
        }
    }

    /// A figure's value, or its DfE code (`SUPP`, `NA`) when suppressed.
    pub(super) fn figure<T>(
        &mut self,
        figure: &Figure<T>,
        value: impl FnOnce(&mut Self, &T),
    ) -> &mut Self {
        match figure.value() {
            Some(v) => {
                value(self, v);
                self
            }
            None => self.text(figure.dfe_code().unwrap_or("SUPP")),
        }
    }

    /// A figure's pupil count, or its DfE code.
    pub(super) fn count<T>(&mut self, figure: &Figure<T>) -> &mut Self {
        match figure.n_pupils() {
            Some(n) => self.int(u64::from(n)),
            None => self.text(figure.dfe_code().unwrap_or("SUPP")),
        }
    }
}

fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(i..).unwrap_or_default());
}

fn push_fixed(out: &mut Vec<u8>, value: f64, decimals: u32) {
    if !value.is_finite() {
        return;
    }
    let scale = 10u64.pow(decimals);
    // The epsilon keeps values such as 0.4875 (held as 0.48749999…) rounding as written.
    let scaled = (value.abs() * scale as f64 * (1.0 + 1e-12)).round() as u64;
    if value < 0.0 && scaled != 0 {
        out.push(b'-');
    }
    push_u64(out, scaled / scale);
    if decimals > 0 {
        out.push(b'.');
        let frac = scaled % scale;
        let mut digits = [b'0'; 20];
        let width = decimals as usize;
        let mut f = frac;
        for d in digits.iter_mut().take(width).rev() {
            *d = b'0' + (f % 10) as u8;
            f /= 10;
        }
        out.extend_from_slice(digits.get(..width).unwrap_or_default());
    }
}

/// Writes a school-level file: a line per school and pupil group, starting
/// `urn,group,n_pupils`, then what `figures` adds. A group with no pupils at a school (so its
/// `base` figure says) is left out; the all-pupils line counts `n_pupils`, a group's line the
/// pupils in its `base` figure.
pub(super) fn school_lines<S, N, B>(
    path: &Path,
    header: &str,
    schools: &[(Urn, S)],
    groups: &[PupilGroup],
    n_pupils: impl Fn(&S) -> &Figure<N>,
    base: impl Fn(&S, PupilGroup) -> &Figure<B>,
    mut figures: impl FnMut(&mut Line, &S, PupilGroup),
) -> anyhow::Result<Finished> {
    let mut out = CsvOut::create(path, header)?;
    for (urn, school) in schools {
        for &group in groups {
            let base = base(school, group);
            if group != PupilGroup::All
                && base.suppression_reason() == Some(SuppressionReason::NoPupils)
            {
                continue; // nobody in this group at this school
            }
            let line = &mut out.line;
            line.int(u64::from(urn.get())).text(group.code());
            if group == PupilGroup::All {
                line.count(n_pupils(school));
            } else {
                line.count(base);
            }
            figures(line, school, group);
            out.end_line()?;
        }
    }
    out.finish()
}

/// The groups written for a run: every group with characteristics, otherwise only those the
/// inputs can decide.
pub(super) fn groups(with_characteristics: bool, with_prior: bool) -> Vec<PupilGroup> {
    PupilGroup::ALL
        .into_iter()
        .filter(|g| {
            with_characteristics
                || *g == PupilGroup::All
                || (with_prior
                    && matches!(
                        g,
                        PupilGroup::PriorLow | PupilGroup::PriorMiddle | PupilGroup::PriorHigh
                    ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point() {
        let f = |v: f64, d: u32| {
            let mut out = Vec::new();
            push_fixed(&mut out, v, d);
            String::from_utf8(out).unwrap_or_default()
        };
        assert_eq!(f(0.488, 3), "0.488");
        assert_eq!(f(-0.4875, 3), "-0.488");
        assert_eq!(f(45.12, 2), "45.12");
        assert_eq!(f(-0.0001, 2), "0.00");
        assert_eq!(f(90.0, 2), "90.00");
        assert_eq!(f(1.075, 3), "1.075");
        assert_eq!(f(12.0, 0), "12");
    }
}
