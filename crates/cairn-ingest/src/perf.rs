//! DfE performance-tables files ("Find and compare schools in England" downloads): KS4, KS2,
//! census, absence, destinations, school information, CFR. One generic reader for all of
//! them, since they share their conventions (`../shared/reference/public-data/README.md`):
//!
//! - special codes instead of numbers: `SUPP` (suppressed), `NE` (no entries), `NP` (not
//!   published), `NA` (not applicable), `LOWCOV` (low coverage), `SUPPMAT` (suppressed at
//!   trust level), `NEW` (new school); read as a typed [`Cell`];
//! - percentages written `"53%"`, and counts with thousands separators (`"4,714"`);
//! - blank cells written as a single space;
//! - summary rows beside the school rows, marked by `RECTYPE` or by `LA`/`NAT` in an
//!   identifier column.
//!
//! `RECTYPE` codes differ by file (DfE column dictionaries in
//! `../shared/reference/public-data/meta-2018-2019/`): in KS4 files (`ks4_final_meta.csv`)
//! 1 = mainstream school, 2 = special school, 4 = LA, 5 = national (all schools),
//! 7 = national (state-funded); in KS2 files (`ks2_meta.csv`) 1 and 2 are schools, 3 = LA,
//! 4 = national (all schools), 5 = national (state-funded). Destination files write `LA` and
//! `NAT`. A file is read as KS2-coded when it has KS2 columns (`TELIG`, `PTRWM_EXP`,
//! `READPROG`).

use std::collections::HashMap;
use std::sync::Arc;

use cairn_domain::Urn;

use crate::report::{Parsed, Problems};
use crate::table::{Table, normalise_header, read_table};

pub mod benchmarks;
#[cfg(test)]
mod tests;

/// One cell of a performance-tables file.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Blank (or a single space).
    Empty,
    /// A number; percentages are in percent units (`"53%"` is 53.0).
    Value(f64),
    /// `SUPP`: suppressed to protect small groups.
    Suppressed,
    /// `SUPPMAT`: suppressed at trust level.
    SuppressedTrust,
    /// `NE`: no pupils entered.
    NotEntered,
    /// `NP`: not published.
    NotPublished,
    /// `NA`: not applicable.
    NotApplicable,
    /// `LOWCOV`: too few pupils with prior attainment for the measure to be reliable.
    LowCoverage,
    /// `NEW`: a new school with no results yet.
    NewSchool,
    /// Anything else: names, type codes, dates.
    Text(String),
}

impl Cell {
    pub fn parse(raw: &str) -> Cell {
        let s = raw.trim();
        match s {
            "" => return Cell::Empty,
            "SUPP" => return Cell::Suppressed,
            "SUPPMAT" => return Cell::SuppressedTrust,
            "NE" => return Cell::NotEntered,
            "NP" => return Cell::NotPublished,
            "NA" => return Cell::NotApplicable,
            "LOWCOV" => return Cell::LowCoverage,
            "NEW" => return Cell::NewSchool,
            _ => {}
        }
        let number = s.strip_suffix('%').unwrap_or(s);
        let looks_numeric = !number.is_empty()
            && number
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+'))
            && number.chars().any(|c| c.is_ascii_digit());
        if looks_numeric {
            let plain: String = number.chars().filter(|c| *c != ',').collect();
            if let Ok(value) = plain.parse::<f64>() {
                if value.is_finite() {
                    return Cell::Value(value);
                }
            }
        }
        Cell::Text(s.to_owned())
    }

    pub fn value(&self) -> Option<f64> {
        match self {
            Cell::Value(v) => Some(*v),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&str> {
        match self {
            Cell::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// What a row describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowLevel {
    /// A school (RECTYPE 1 mainstream or 2 special, or a row with a URN).
    School,
    LocalAuthority,
    /// National figures: all schools, state-funded schools, or a phase such as `PRI`.
    National(NationalScope),
    /// A summary row of some other kind (e.g. CFR medians).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NationalScope {
    AllSchools,
    StateFunded,
    /// A phase or type, as the file names it (`PRI`, `SEC`, `SPE`, `SEC-WITH-KS4`).
    Phase(String),
    Unspecified,
}

/// One row and its cells, looked up by column name.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfRow {
    pub line: u64,
    pub level: RowLevel,
    pub urn: Option<Urn>,
    columns: Arc<HashMap<String, usize>>,
    cells: Vec<Cell>,
}

impl PerfRow {
    /// The cell in `column` (matched ignoring case and punctuation); `None` when the file has
    /// no such column.
    pub fn get(&self, column: &str) -> Option<&Cell> {
        let idx = self.columns.get(&normalise_header(column))?;
        Some(self.cells.get(*idx).unwrap_or(&Cell::Empty))
    }

    /// The number in `column`, when it is one.
    pub fn value(&self, column: &str) -> Option<f64> {
        self.get(column).and_then(Cell::value)
    }
}

/// A whole performance-tables file.
#[derive(Debug, Clone, PartialEq)]
pub struct PerfTable {
    pub columns: Vec<String>,
    /// School rows, in file order; at most one per URN.
    pub schools: Vec<PerfRow>,
    pub local_authorities: Vec<PerfRow>,
    pub national: Vec<PerfRow>,
    pub other: Vec<PerfRow>,
}

impl PerfTable {
    pub fn school(&self, urn: Urn) -> Option<&PerfRow> {
        self.schools.iter().find(|r| r.urn == Some(urn))
    }

    /// The national row for state-funded schools when the file has one, else for all
    /// schools, else the first national row.
    pub fn national_row(&self) -> Option<&PerfRow> {
        let scoped = |scope: NationalScope| {
            self.national
                .iter()
                .find(|r| r.level == RowLevel::National(scope.clone()))
        };
        scoped(NationalScope::StateFunded)
            .or_else(|| scoped(NationalScope::AllSchools))
            .or_else(|| self.national.first())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RectypeCodes {
    Ks4,
    Ks2,
}

fn level_from_rectype(value: &str, codes: RectypeCodes) -> Option<RowLevel> {
    use NationalScope::{AllSchools, StateFunded, Unspecified};
    Some(match (value.trim(), codes) {
        ("1" | "2", _) => RowLevel::School,
        ("LA", _) => RowLevel::LocalAuthority,
        ("NAT", _) => RowLevel::National(Unspecified),
        ("4", RectypeCodes::Ks4) | ("3", RectypeCodes::Ks2) => RowLevel::LocalAuthority,
        ("5", RectypeCodes::Ks4) | ("4", RectypeCodes::Ks2) => RowLevel::National(AllSchools),
        ("7", RectypeCodes::Ks4) | ("5", RectypeCodes::Ks2) => RowLevel::National(StateFunded),
        _ => return None,
    })
}

/// For files without RECTYPE: a row whose identifier columns say `NAT…` or `LA` instead of
/// holding a URN is a summary row.
fn level_from_markers(table: &Table, row: &crate::table::Row, c_urn: usize) -> RowLevel {
    let markers: Vec<&str> = ["LA", "URN", "ESTAB", "SCHOOLTYPE"]
        .iter()
        .filter_map(|name| table.find(&[name]))
        .chain([c_urn])
        .map(|idx| row.get(idx))
        .collect();
    if let Some(nat) = markers.iter().find(|m| m.starts_with("NAT")) {
        let phase = nat
            .strip_prefix("NAT")
            .unwrap_or("")
            .trim_start_matches('-');
        let phase = if phase.is_empty() {
            // Census and absence files put the phase in the next identifier column.
            markers
                .iter()
                .find(|m| matches!(**m, "PRI" | "SEC" | "SPE"))
                .copied()
                .unwrap_or("")
        } else {
            phase
        };
        return RowLevel::National(if phase.is_empty() {
            NationalScope::Unspecified
        } else {
            NationalScope::Phase(phase.to_owned())
        });
    }
    if markers.contains(&"LA") {
        return RowLevel::LocalAuthority;
    }
    RowLevel::Other
}

/// Reads a performance-tables file. The single record is the table; a school row with a bad
/// or repeated URN, or an unknown RECTYPE, is an error.
pub fn parse_perf_table(file: &str, bytes: &[u8]) -> Parsed<PerfTable> {
    let mut p = Problems::new(file);
    let Some(table) = read_table(bytes, &mut p) else {
        return p.finish(Vec::new());
    };
    let Some([c_urn]) = table.require(["URN"], &mut p) else {
        return p.finish(Vec::new());
    };
    let c_rectype = table.find(&["RECTYPE"]);
    let codes = if table.find(&["TELIG", "PTRWM_EXP", "READPROG"]).is_some() {
        RectypeCodes::Ks2
    } else {
        RectypeCodes::Ks4
    };
    let mut columns = HashMap::new();
    for (idx, header) in table.headers.iter().enumerate() {
        columns.entry(normalise_header(header)).or_insert(idx);
    }
    let columns = Arc::new(columns);
    let mut out = PerfTable {
        columns: table.headers.clone(),
        schools: Vec::new(),
        local_authorities: Vec::new(),
        national: Vec::new(),
        other: Vec::new(),
    };
    let mut seen: HashMap<Urn, u64> = HashMap::new();
    for row in &table.rows {
        let urn_text = row.get(c_urn);
        let level = match c_rectype {
            Some(c) => match level_from_rectype(row.get(c), codes) {
                Some(level) => level,
                None => {
                    p.error(
                        row.line,
                        table.header(c),
                        row.get(c),
                        "is not a RECTYPE this reader knows (1, 2, LA or NAT, or the file's LA and national codes)",
                    );
                    continue;
                }
            },
            None if urn_text.bytes().all(|b| b.is_ascii_digit()) && !urn_text.is_empty() => {
                RowLevel::School
            }
            None => level_from_markers(&table, row, c_urn),
        };
        let urn = if level == RowLevel::School {
            match crate::cells::urn(urn_text) {
                Ok(urn) => {
                    if let Some(first) = seen.insert(urn, row.line) {
                        p.error(
                            row.line,
                            table.header(c_urn),
                            urn_text,
                            format!("appears twice: lines {first} and {}", row.line),
                        );
                        continue;
                    }
                    Some(urn)
                }
                Err(rule) => {
                    p.error(row.line, table.header(c_urn), urn_text, rule);
                    continue;
                }
            }
        } else {
            None
        };
        let cells = (0..table.headers.len())
            .map(|idx| Cell::parse(row.get(idx)))
            .collect();
        let perf_row = PerfRow {
            line: row.line,
            level: level.clone(),
            urn,
            columns: Arc::clone(&columns),
            cells,
        };
        match level {
            RowLevel::School => out.schools.push(perf_row),
            RowLevel::LocalAuthority => out.local_authorities.push(perf_row),
            RowLevel::National(_) => out.national.push(perf_row),
            RowLevel::Other => out.other.push(perf_row),
        }
    }
    p.finish(vec![out])
}
