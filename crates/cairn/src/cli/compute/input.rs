//! Reading canonical CSVs fast: block-parallel parsing, borrowed byte fields, 13-byte UPN keys,
//! and bad rows collected as [`RowError`]s (file, line, column, value, rule).
//!
//! A file is read in blocks of about 2 MiB cut at record boundaries (a newline outside
//! quotes, so quoted fields may hold commas and newlines). Worker threads, one per core, split
//! blocks into fields (directly when a block has no quotes, with the `csv` crate when it has)
//! and parse them into plain records; the calling thread merges them in file order, so
//! results and error lists come out exactly as a sequential read would give them.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::sync_channel;

use anyhow::Context;
use cairn_domain::{IdError, SenProvision, Sex, Upn, Urn};
use cairn_ingest::RowError;

/// Bad rows listed in full before the rest are only counted.
pub(super) const SHOWN_PROBLEMS: usize = 50;

const BLOCK_BYTES: usize = 2 << 20;

/// A fast, non-cryptographic hash for short keys (UPNs, subject spellings); the inputs are
/// not adversarial in a way that matters for a one-off batch run.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn write_usize(&mut self, n: usize) {
        self.write(&n.to_le_bytes());
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// A UPN as its 13 upper-case ASCII bytes.
pub(super) type UpnKey = [u8; 13];

/// Every bad row found, listing the first [`SHOWN_PROBLEMS`] and counting the rest.
#[derive(Debug, Default)]
pub(super) struct Problems {
    shown: Vec<RowError>,
    total: u64,
}

impl Problems {
    pub(super) fn push(&mut self, error: RowError) {
        self.total += 1;
        if self.shown.len() < SHOWN_PROBLEMS {
            self.shown.push(error);
        }
    }

    /// Appends problems found later in the input.
    pub(super) fn extend(&mut self, later: Problems) {
        self.total += later.total;
        let room = SHOWN_PROBLEMS.saturating_sub(self.shown.len());
        self.shown.extend(later.shown.into_iter().take(room));
    }

    /// Prints the list to stderr, then either stops the run (nothing written) or, with
    /// `skip_invalid`, says how many rows are left out and lets it carry on.
    pub(super) fn finish(&self, skip_invalid: bool) -> anyhow::Result<()> {
        if self.total == 0 {
            return Ok(());
        }
        let mut err = io::stderr().lock();
        for problem in &self.shown {
            let _ = writeln!(err, "{problem}");
        }
        let rest = self.total - self.shown.len() as u64;
        if rest > 0 {
            let _ = writeln!(err, "... and {rest} more bad rows");
        }
        let rows = plural(self.total, "bad row", "bad rows");
        if skip_invalid {
            let _ = writeln!(err, "cairn: left out {rows} (--skip-invalid)");
            Ok(())
        } else {
            anyhow::bail!(
                "{rows} in the input; nothing was written (fix them, or pass --skip-invalid to leave them out)"
            )
        }
    }
}

pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The file name as the user knows it, for messages.
pub(super) fn display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A CSV file whose header has been read, ready for [`CsvFile::for_each_block`].
#[derive(Debug)]
pub(super) struct CsvFile {
    pub(super) name: String,
    pub(super) headers: Vec<String>,
    file: File,
    /// Bytes read past the header.
    rest: Vec<u8>,
    /// The physical line the first record starts on.
    first_line: u64,
}

impl CsvFile {
    pub(super) fn open(path: &Path) -> anyhow::Result<Self> {
        let name = display_name(path);
        let mut file =
            File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let mut buf = Vec::with_capacity(64 << 10);
        let mut eof = false;
        // Read until the header record is complete.
        let header_end = loop {
            if let Some(end) = first_record_end(&buf) {
                break end;
            }
            if eof {
                break buf.len();
            }
            eof = read_more(&mut file, &mut buf, 64 << 10)
                .with_context(|| format!("cannot read {}", path.display()))?;
        };
        let rest = buf.split_off(header_end);
        let header_bytes = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&buf);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(header_bytes);
        let mut record = csv::ByteRecord::new();
        let has_header = reader
            .read_byte_record(&mut record)
            .with_context(|| format!("{name}: cannot read the header line"))?;
        if !has_header {
            anyhow::bail!("{name} is empty: expected a header line");
        }
        let headers = record
            .iter()
            .map(|h| String::from_utf8_lossy(trim(h)).into_owned())
            .collect();
        let first_line = 1 + count_newlines(&buf);
        Ok(CsvFile {
            name,
            headers,
            file,
            rest,
            first_line,
        })
    }

    /// The indices of the required columns, matched ignoring case.
    pub(super) fn columns<const N: usize>(&self, names: [&str; N]) -> anyhow::Result<[usize; N]> {
        let mut out = [0usize; N];
        let mut missing = Vec::new();
        for (slot, name) in out.iter_mut().zip(names) {
            match self.column(name) {
                Some(i) => *slot = i,
                None => missing.push(name),
            }
        }
        if missing.is_empty() {
            Ok(out)
        } else {
            anyhow::bail!(
                "{}: missing column{} {} (the header is: {})",
                self.name,
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                self.headers.join(",")
            )
        }
    }

    pub(super) fn column(&self, name: &str) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
    }

    /// [`CsvFile::for_each_block`] row by row: `parse` reads each row on a worker thread
    /// (`None` when the row is bad, its problem noted), and `merge` gets each block's rows on
    /// this thread, in file order, after the block's problems were added to `problems`.
    pub(super) fn for_each_parsed_block<T: Send>(
        self,
        problems: &mut Problems,
        parse: impl Fn(Row<'_>, &mut Problems) -> Option<T> + Sync,
        mut merge: impl FnMut(Vec<T>, &mut Problems),
    ) -> anyhow::Result<()> {
        let (name, headers) = (self.name.clone(), self.headers.clone());
        self.for_each_block(
            |block, first_line| {
                let mut rows = Vec::new();
                let mut block_problems = Problems::default();
                for_each_row(
                    &name,
                    &headers,
                    block,
                    first_line,
                    &mut block_problems,
                    |row, problems| rows.extend(parse(row, problems)),
                );
                (rows, block_problems)
            },
            |(rows, block_problems)| {
                problems.extend(block_problems);
                merge(rows, problems);
            },
        )
    }

    /// Parses every block with `parse(block, first_line)` on worker threads and hands the
    /// results to `merge` on this thread, in file order.
    pub(super) fn for_each_block<T: Send>(
        self,
        parse: impl Fn(&[u8], u64) -> T + Sync,
        mut merge: impl FnMut(T),
    ) -> anyhow::Result<()> {
        let CsvFile {
            name,
            mut file,
            rest,
            first_line,
            ..
        } = self;
        let workers = std::thread::available_parallelism().map_or(1, usize::from);
        let (block_tx, block_rx) = sync_channel::<(usize, u64, Vec<u8>)>(workers * 2);
        let block_rx = Mutex::new(block_rx);
        let (out_tx, out_rx) = sync_channel::<(usize, T)>(workers * 2);
        // Parsed blocks' buffers go back to the reader, which refills them rather than
        // asking the system for fresh (page-faulting) memory for every block.
        let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Vec<u8>>();
        std::thread::scope(|scope| {
            for _ in 0..workers {
                let out_tx = out_tx.clone();
                let spare_tx = spare_tx.clone();
                let (block_rx, parse) = (&block_rx, &parse);
                scope.spawn(move || {
                    loop {
                        let next = match block_rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => break,
                        };
                        let Ok((idx, line, bytes)) = next else { break };
                        let parsed = parse(&bytes, line);
                        let _ = spare_tx.send(bytes); // the reader may have finished
                        if out_tx.send((idx, parsed)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(spare_tx);
            drop(out_tx);
            let reader = scope.spawn(move || -> io::Result<()> {
                let mut buf = rest;
                let mut line = first_line;
                let mut idx = 0usize;
                let mut eof = false;
                while !eof || !buf.is_empty() {
                    while !eof && buf.len() < BLOCK_BYTES {
                        eof = read_more(&mut file, &mut buf, BLOCK_BYTES)?;
                    }
                    let cut = if eof {
                        buf.len()
                    } else {
                        match last_record_end(&buf) {
                            Some(cut) => cut,
                            None => {
                                // One record longer than a block: read on.
                                eof = read_more(&mut file, &mut buf, BLOCK_BYTES)?;
                                continue;
                            }
                        }
                    };
                    let mut tail = spare_rx.try_recv().unwrap_or_default();
                    tail.clear();
                    tail.extend_from_slice(buf.get(cut..).unwrap_or_default());
                    buf.truncate(cut);
                    let lines = count_newlines(&buf);
                    if block_tx.send((idx, line, buf)).is_err() {
                        break;
                    }
                    idx += 1;
                    line += lines;
                    buf = tail;
                }
                Ok(())
            });
            let mut pending = BTreeMap::new();
            let mut next = 0usize;
            for (idx, parsed) in out_rx {
                pending.insert(idx, parsed);
                while let Some(parsed) = pending.remove(&next) {
                    merge(parsed);
                    next += 1;
                }
            }
            match reader.join() {
                Ok(result) => result.with_context(|| format!("cannot read {name}")),
                Err(_) => anyhow::bail!("reading {name} failed unexpectedly"),
            }
        })
    }
}

/// Appends up to `chunk` bytes; true at end of file.
fn read_more(file: &mut File, buf: &mut Vec<u8>, chunk: usize) -> io::Result<bool> {
    let start = buf.len();
    buf.resize(start + chunk, 0);
    let mut filled = start;
    let result = loop {
        match file.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) => break Ok(true),
            Ok(n) => {
                filled += n;
                if filled == buf.len() {
                    break Ok(false);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(filled);
    result
}

fn count_newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The end (past the newline) of the first record, if complete.
fn first_record_end(bytes: &[u8]) -> Option<usize> {
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// The end (past the newline) of the last complete record in a block that starts at a record
/// boundary: the last newline outside quotes (`""` inside quotes toggles twice, so parity
/// works).
fn last_record_end(bytes: &[u8]) -> Option<usize> {
    if !bytes.contains(&b'"') {
        return bytes.iter().rposition(|&b| b == b'\n').map(|i| i + 1);
    }
    let mut quoted = false;
    let mut last = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => last = Some(i + 1),
            _ => {}
        }
    }
    last
}

pub(super) fn trim(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

/// One record of a block, with its physical line, for field access and error reports.
#[derive(Debug, Clone, Copy)]
pub(super) struct Row<'a> {
    pub(super) file: &'a str,
    pub(super) headers: &'a [String],
    pub(super) line: u64,
    fields: &'a [&'a [u8]],
}

impl<'a> Row<'a> {
    /// A field, trimmed; empty when the row is short.
    pub(super) fn get(&self, column: usize) -> &'a [u8] {
        self.fields.get(column).map_or(b"", |f| trim(f))
    }

    pub(super) fn error(&self, column: usize, rule: impl Into<String>) -> RowError {
        RowError {
            file: self.file.to_owned(),
            line: self.line,
            column: self.headers.get(column).cloned().unwrap_or_default(),
            value: String::from_utf8_lossy(self.get(column)).into_owned(),
            rule: rule.into(),
        }
    }
}

/// Runs `each` on every record of a block with its physical line. Blocks without quotes (the
/// canonical files) are split on newlines and commas directly; others go through the `csv`
/// reader, and a record it rejects is reported as a line error. Blank lines are skipped.
pub(super) fn for_each_row(
    file: &str,
    headers: &[String],
    block: &[u8],
    first_line: u64,
    problems: &mut Problems,
    mut each: impl FnMut(Row<'_>, &mut Problems),
) {
    let mut fields: Vec<&[u8]> = Vec::with_capacity(headers.len().max(4));
    if !block.contains(&b'"') {
        for (line, text) in (first_line..).zip(block.split(|&b| b == b'\n')) {
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.is_empty() {
                continue;
            }
            fields.clear();
            fields.extend(text.split(|&b| b == b','));
            let row = Row {
                file,
                headers,
                line,
                fields: &fields,
            };
            each(row, problems);
        }
        return;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(block);
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                let local = record.position().map_or(1, csv::Position::line);
                let mut fields: Vec<&[u8]> = record.iter().collect();
                if fields.len() == 1 && fields.first().is_some_and(|f| trim(f).is_empty()) {
                    fields.clear();
                    continue; // a blank line
                }
                let row = Row {
                    file,
                    headers,
                    line: first_line + local - 1,
                    fields: &fields,
                };
                each(row, problems);
            }
            Ok(false) => break,
            Err(e) => {
                let local = e.position().map_or(1, csv::Position::line);
                problems.push(RowError {
                    file: file.to_owned(),
                    line: first_line + local - 1,
                    column: String::new(),
                    value: String::new(),
                    rule: format!("cannot be read as CSV: {e}"),
                });
                break;
            }
        }
    }
}

/// Remainder mod 23 to check letter (DfE UPN guide v1.2; I, O and S are never used).
const UPN_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

fn upn_letter_value(letter: u8) -> Option<u32> {
    UPN_LETTERS
        .iter()
        .position(|&l| l == letter)
        .and_then(|p| u32::try_from(p).ok())
}

/// A UPN with its check letter verified, as 13 upper-case bytes. The rules are those of
/// [`Upn::parse`] (which gives the wording when a value fails), without allocating.
pub(super) fn upn_key(value: &[u8]) -> Result<UpnKey, String> {
    if let Some(key) = fast_upn(value) {
        return Ok(key);
    }
    // The slow path gives the wording, and accepts what only it accepts (Unicode spaces).
    let upn = Upn::parse(&String::from_utf8_lossy(value)).map_err(|e| id_rule(&e))?;
    upn.as_str()
        .as_bytes()
        .try_into()
        .map_err(|_| "is not a UPN".to_owned())
}

fn fast_upn(value: &[u8]) -> Option<UpnKey> {
    let mut key: UpnKey = trim(value).try_into().ok()?;
    key.make_ascii_uppercase();
    let (&first, rest) = key.split_first()?;
    let (&last, middle) = rest.split_last()?;
    if !first.is_ascii_alphabetic()
        || !middle.iter().all(u8::is_ascii_digit)
        || !last.is_ascii_alphanumeric()
    {
        return None;
    }
    let last_value = if last.is_ascii_digit() {
        u32::from(last - b'0')
    } else {
        upn_letter_value(last)?
    };
    let sum: u32 = middle
        .iter()
        .zip(2u32..)
        .map(|(&d, weight)| u32::from(d - b'0') * weight)
        .sum::<u32>()
        + last_value * 13;
    let expected = UPN_LETTERS.get((sum % 23) as usize).copied()?;
    (upn_letter_value(first).is_some() && first == expected).then_some(key)
}

/// The rule text for an identifier that failed its check, worded to follow the value.
pub(super) fn id_rule(err: &IdError) -> String {
    match err {
        IdError::Urn(_) => "is not a URN: a URN is 6 digits".to_owned(),
        IdError::Laestab(_) => "is not a LAESTAB".to_owned(),
        IdError::UpnShape(_) => {
            "is not a UPN: a UPN is a check letter, 11 digits, then a digit or letter (13 characters)"
                .to_owned()
        }
        IdError::UpnLetter { letter, .. } => format!(
            "uses the letter {letter}, which is never used in UPNs (I, O and S are excluded)"
        ),
        IdError::UpnCheckLetter {
            found, expected, ..
        } => format!("has check letter {found}, expected {expected}"),
    }
}

pub(super) fn urn(value: &[u8]) -> Result<Urn, String> {
    let digits = trim(value);
    let parsed = (digits.len() == 6 && digits.iter().all(u8::is_ascii_digit))
        .then(|| {
            digits
                .iter()
                .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'))
        })
        .and_then(|n| Urn::from_u32(n).ok());
    parsed.ok_or_else(|| "is not a URN: a URN is 6 digits".to_owned())
}

/// Yes/no flags: Y/N, Yes/No, True/False, T/F, 1/0.
pub(super) fn flag(value: &[u8]) -> Result<bool, String> {
    match trim(value).to_ascii_lowercase().as_slice() {
        b"y" | b"yes" | b"true" | b"t" | b"1" => Ok(true),
        b"n" | b"no" | b"false" | b"f" | b"0" => Ok(false),
        _ => Err("is not a yes/no value: expected Y, N, Yes, No, True, False, 1 or 0".to_owned()),
    }
}

pub(super) fn sen(value: &[u8]) -> Result<SenProvision, String> {
    SenProvision::parse(&String::from_utf8_lossy(value)).map_err(|e| {
        format!(
            "is not a recognised {}; expected one of: {}",
            e.what, e.expected
        )
    })
}

pub(super) fn sex(value: &[u8]) -> Result<Sex, String> {
    Sex::parse(&String::from_utf8_lossy(value)).map_err(|e| {
        format!(
            "is not a recognised {}; expected one of: {}",
            e.what, e.expected
        )
    })
}

/// A whole number in `min..=max`.
pub(super) fn whole(value: &[u8], min: u32, max: u32) -> Result<u32, String> {
    let digits = trim(value);
    let n = (!digits.is_empty() && digits.len() <= 9 && digits.iter().all(u8::is_ascii_digit))
        .then(|| {
            digits
                .iter()
                .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'))
        })
        .ok_or_else(|| format!("is not a whole number from {min} to {max}"))?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("is out of range: expected {min} to {max}"))
    }
}

/// Text for messages.
pub(super) fn text(value: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_upn_agrees_with_the_domain_parser() {
        let mut cases: Vec<String> = vec![
            "A801200005001".into(),
            "a801200005001".into(),
            " B801200005001 ".into(),
            "I801200005001".into(),
            "B80120000500".into(),
            "B8012000050011".into(),
            "B80120000500A".into(),
            "B80120000500I".into(),
            "".into(),
            "ß801200005001".into(),
        ];
        for n in 0..3000u64 {
            let rest = format!("{:011}{}", n * 7_919_777 % 100_000_000_000, n % 10);
            for letter in UPN_LETTERS.iter().take(5) {
                cases.push(format!("{}{rest}", *letter as char));
            }
            let temp = format!("{:011}{}", n * 31, UPN_LETTERS[(n % 23) as usize] as char);
            if let Ok(upn) = Upn::with_check_letter(&temp) {
                cases.push(upn.to_string());
            }
        }
        for case in cases {
            let fast = fast_upn(case.as_bytes());
            let slow = Upn::parse(&case);
            assert_eq!(
                fast.map(|k| String::from_utf8_lossy(&k).into_owned()),
                slow.as_ref().ok().map(ToString::to_string),
                "{case:?}"
            );
            if let Err(e) = slow {
                assert_eq!(upn_key(case.as_bytes()), Err(id_rule(&e)));
            }
        }
    }

    #[test]
    fn blocks_are_cut_outside_quotes() {
        assert_eq!(last_record_end(b"a,b\nc,d\ne"), Some(8));
        assert_eq!(last_record_end(b"a,\"b\nc\"\nd,\"e\nf"), Some(8));
        assert_eq!(last_record_end(b"abc"), None);
        assert_eq!(first_record_end(b"\"a\nb\",c\nd"), Some(8));
    }
}
