//! The cohort: which pupils are counted, their school and their characteristics.
//!
//! With `--pupils`, the characteristics file lists the cohort (pupils with no results still
//! count, as the DfE counts every pupil at the end of the key stage) and rows for anyone else
//! are errors. Without it, the cohort is every UPN in the main input, in order of first
//! appearance, with no characteristics (only the `all` and prior attainment groups are
//! reported).

use std::path::Path;

use cairn_domain::{SenProvision, Sex, Urn};
use cairn_ingest::RowError;
use cairn_measures::PupilContext;

use super::input::{self, CsvFile, FxMap, Problems, Row, UpnKey};

/// The characteristics file's columns.
pub(super) const PUPILS_COLUMNS: [&str; 6] = ["upn", "urn", "disadvantaged", "sen", "eal", "sex"];

/// Characteristics used when no pupils file is given; only the `all` group (and, for KS4,
/// prior attainment bands) is reported then.
const NO_CONTEXT: PupilContext = PupilContext {
    disadvantaged: false,
    sen: SenProvision::None,
    eal: false,
    sex: Sex::Female,
    prior: None,
};

#[derive(Debug)]
pub(super) struct Cohort {
    index: FxMap<UpnKey, u32>,
    pub(super) upns: Vec<UpnKey>,
    pub(super) urns: Vec<Urn>,
    pub(super) contexts: Vec<PupilContext>,
    /// Where each pupil's school was first given: file and line.
    first_seen: Vec<(bool, u64)>,
    /// The characteristics file's name, when it fixes the cohort.
    pupils_file: Option<String>,
    /// Valid UPNs whose characteristics row was rejected, with its line.
    rejected: FxMap<UpnKey, u64>,
    last: Option<(UpnKey, u32)>,
}

impl Cohort {
    /// A cohort made of the pupils the main input mentions.
    pub(super) fn open() -> Self {
        Cohort {
            index: FxMap::default(),
            upns: Vec::new(),
            urns: Vec::new(),
            contexts: Vec::new(),
            first_seen: Vec::new(),
            pupils_file: None,
            rejected: FxMap::default(),
            last: None,
        }
    }

    /// A cohort made of the pupils the main input mentions, with room for about `pupils` of
    /// them, so the index is not rebuilt as it grows (each rebuild rehashes every UPN so far).
    pub(super) fn open_for(pupils: usize) -> Self {
        let mut cohort = Self::open();
        cohort.index.reserve(pupils);
        cohort.upns.reserve(pupils);
        cohort.urns.reserve(pupils);
        cohort.contexts.reserve(pupils);
        cohort.first_seen.reserve(pupils);
        cohort
    }

    /// The cohort listed in a characteristics file.
    pub(super) fn from_pupils_file(path: &Path, problems: &mut Problems) -> anyhow::Result<Self> {
        let file = CsvFile::open(path)?;
        let columns = file.columns(PUPILS_COLUMNS)?;
        let (name, headers) = (file.name.clone(), file.headers.clone());
        let mut cohort = Cohort::open();
        cohort.pupils_file = Some(name.clone());
        file.for_each_block(
            |block, first_line| {
                let mut parsed = Vec::new();
                let mut rejected = Vec::new();
                let mut problems = Problems::default();
                input::for_each_row(
                    &name,
                    &headers,
                    block,
                    first_line,
                    &mut problems,
                    |row, problems| match parse_pupil(row, columns, problems) {
                        Ok(pupil) => parsed.push(pupil),
                        Err(Some(upn)) => rejected.push((upn, row.line)),
                        Err(None) => {}
                    },
                );
                (parsed, rejected, problems)
            },
            |(parsed, rejected, block_problems)| {
                problems.extend(block_problems);
                for (upn, urn, context, line) in parsed {
                    if let Some(&first) = cohort.index.get(&upn) {
                        let first_line = cohort.first_line(first);
                        problems.push(RowError {
                            file: name.clone(),
                            line,
                            column: header(&headers, columns[0]),
                            value: input::text(&upn).into_owned(),
                            rule: format!("appears again (first on line {first_line})"),
                        });
                        continue;
                    }
                    cohort.add(upn, urn, context, (true, line));
                }
                cohort.rejected.extend(rejected);
            },
        )?;
        Ok(cohort)
    }

    fn add(&mut self, upn: UpnKey, urn: Urn, context: PupilContext, seen: (bool, u64)) -> u32 {
        let idx = u32::try_from(self.upns.len()).unwrap_or(u32::MAX);
        self.index.insert(upn, idx);
        self.upns.push(upn);
        self.urns.push(urn);
        self.contexts.push(context);
        self.first_seen.push(seen);
        idx
    }

    fn first_line(&self, idx: u32) -> u64 {
        self.first_seen
            .get(idx as usize)
            .map_or(0, |&(_, line)| line)
    }

    pub(super) fn len(&self) -> usize {
        self.upns.len()
    }

    pub(super) fn has_characteristics(&self) -> bool {
        self.pupils_file.is_some()
    }

    /// The pupil a main-input row belongs to, adding them when the cohort is open. The error
    /// names the column at fault (`upn` or `urn`) and the rule.
    pub(super) fn pupil_for(
        &mut self,
        upn: &UpnKey,
        urn: Urn,
        line: u64,
    ) -> Result<u32, (Column, String)> {
        let idx = match self.last {
            Some((last, idx)) if last == *upn => idx,
            // An open cohort: one probe of the index finds or adds the pupil.
            _ if self.pupils_file.is_none() => {
                let next = u32::try_from(self.upns.len()).unwrap_or(u32::MAX);
                let idx = *self.index.entry(*upn).or_insert(next);
                if idx == next {
                    self.upns.push(*upn);
                    self.urns.push(urn);
                    self.contexts.push(NO_CONTEXT);
                    self.first_seen.push((false, line));
                }
                idx
            }
            _ => match self.index.get(upn) {
                Some(&idx) => idx,
                None => match &self.pupils_file {
                    Some(file) => {
                        return Err((
                            Column::Upn,
                            match self.rejected.get(upn) {
                                Some(line) => format!(
                                    "belongs to a pupil whose row in {file} (line {line}) was rejected"
                                ),
                                None => format!("is not in {file}"),
                            },
                        ));
                    }
                    None => self.add(*upn, urn, NO_CONTEXT, (false, line)),
                },
            },
        };
        self.last = Some((*upn, idx));
        match self.urns.get(idx as usize) {
            Some(&known) if known != urn => {
                let (in_pupils_file, first_line) = self
                    .first_seen
                    .get(idx as usize)
                    .copied()
                    .unwrap_or_default();
                let place = match (&self.pupils_file, in_pupils_file) {
                    (Some(file), true) => format!("{file} line {first_line}"),
                    _ => format!("line {first_line}"),
                };
                Err((
                    Column::Urn,
                    format!("differs from this pupil's school {known} given on {place}"),
                ))
            }
            _ => Ok(idx),
        }
    }

    /// Cohort indices for the pupils a parse worker numbered in one block, in the block's
    /// order, as if [`Cohort::pupil_for`] had been called on each pupil's first row in the
    /// block: one index look-up per pupil rather than one per row.
    pub(super) fn number_block(
        &mut self,
        block: &BlockPupils,
    ) -> Vec<Result<u32, (Column, String)>> {
        block
            .first
            .iter()
            .map(|(upn, urn, line)| self.pupil_for(upn, *urn, *line))
            .collect()
    }

    /// The pupil index of a UPN, without adding.
    pub(super) fn find(&self, upn: &UpnKey) -> Option<u32> {
        self.index.get(upn).copied()
    }
}

/// The pupils of one block of a main input, numbered on the parse worker in order of first
/// appearance, so the merge on the calling thread only maps block numbers to cohort indices
/// ([`Cohort::number_block`]) instead of looking up every row's UPN.
#[derive(Debug, Default)]
pub(super) struct BlockPupils {
    /// Each pupil's UPN with the school and line of their first row in the block.
    pub(super) first: Vec<(UpnKey, Urn, u64)>,
    /// Rows whose school differs from their pupil's first row in the block, by position
    /// among the rows numbered: these are checked one by one with [`Cohort::pupil_for`].
    pub(super) other_schools: Vec<(usize, Urn)>,
    index: FxMap<UpnKey, u32>,
    last: Option<(UpnKey, u32)>,
    rows: usize,
}

impl BlockPupils {
    /// Makes room for about `pupils` pupils.
    pub(super) fn reserve(&mut self, pupils: usize) {
        self.first.reserve(pupils);
        self.index.reserve(pupils);
    }

    /// The block number of the pupil of the next row.
    pub(super) fn number(&mut self, upn: &UpnKey, urn: Urn, line: u64) -> u32 {
        let idx = match self.last {
            Some((last, idx)) if last == *upn => idx,
            _ => {
                let next = u32::try_from(self.first.len()).unwrap_or(u32::MAX);
                let idx = *self.index.entry(*upn).or_insert(next);
                if idx == next {
                    self.first.push((*upn, urn, line));
                }
                self.last = Some((*upn, idx));
                idx
            }
        };
        if self
            .first
            .get(idx as usize)
            .is_some_and(|first| first.1 != urn)
        {
            self.other_schools.push((self.rows, urn));
        }
        self.rows += 1;
        idx
    }
}

/// Which column of a main-input row a cohort error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    Upn,
    Urn,
}

pub(super) fn header(headers: &[String], column: usize) -> String {
    headers.get(column).cloned().unwrap_or_default()
}

/// A pupil row; on failure, the UPN if it was valid (so later rows can say why it is missing).
fn parse_pupil(
    row: Row<'_>,
    [c_upn, c_urn, c_dis, c_sen, c_eal, c_sex]: [usize; 6],
    problems: &mut Problems,
) -> Result<(UpnKey, Urn, PupilContext, u64), Option<UpnKey>> {
    let mut ok = true;
    let mut check = |column: usize, result: Result<(), String>| {
        if let Err(rule) = result {
            problems.push(row.error(column, rule));
            ok = false;
        }
    };
    let upn = input::upn_key(row.get(c_upn));
    let upn_ok = upn.as_ref().ok().copied();
    check(c_upn, upn.map(|_| ()));
    let urn = input::urn(row.get(c_urn));
    let disadvantaged = input::flag(row.get(c_dis));
    let sen = input::sen(row.get(c_sen));
    let eal = input::flag(row.get(c_eal));
    let sex = input::sex(row.get(c_sex));
    let values = (
        urn.as_ref().ok().copied(),
        disadvantaged.as_ref().ok().copied(),
        sen.as_ref().ok().copied(),
        eal.as_ref().ok().copied(),
        sex.as_ref().ok().copied(),
    );
    check(c_urn, urn.map(|_| ()));
    check(c_dis, disadvantaged.map(|_| ()));
    check(c_sen, sen.map(|_| ()));
    check(c_eal, eal.map(|_| ()));
    check(c_sex, sex.map(|_| ()));
    match (ok, upn_ok, values) {
        (true, Some(upn), (Some(urn), Some(disadvantaged), Some(sen), Some(eal), Some(sex))) => {
            Ok((
                upn,
                urn,
                PupilContext {
                    disadvantaged,
                    sen,
                    eal,
                    sex,
                    prior: None,
                },
                row.line,
            ))
        }
        (_, upn, _) => Err(upn),
    }
}

/// The report for a main-input row that [`Cohort::pupil_for`] refused.
pub(super) fn cohort_error(
    file: &str,
    headers: &[String],
    [c_upn, c_urn]: [usize; 2],
    (upn, urn, line): (&UpnKey, Urn, u64),
    (column, rule): (Column, String),
) -> RowError {
    let (column, value) = match column {
        Column::Upn => (c_upn, input::text(upn).into_owned()),
        Column::Urn => (c_urn, urn.to_string()),
    };
    RowError {
        file: file.to_owned(),
        line,
        column: header(headers, column),
        value,
        rule,
    }
}
