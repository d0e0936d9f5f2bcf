//! National benchmarks from DfE performance-tables files: every school's headline figures
//! and context, and the England rows, as [`NationalBenchmarks`] for one academic year.
//!
//! Columns read (DfE column dictionaries, `../shared/reference/public-data/meta-2018-2019/`;
//! rules in `../shared/reference/measures.md`):
//!
//! - KS4 (`ks4_meta.csv`): `ATT8SCR` (Attainment 8, over `TPUP` pupils), `P8MEA` with its 95 %
//!   interval `P8CILOW`..`P8CIUPP` (over `P8PUP` pupils, measures.md §2.5), `PTL2BASICS_95`
//!   (English and maths grade 5 or above, measures.md §3); England from the state-funded
//!   national row (RECTYPE 7).
//! - KS2 (`ks2_meta.csv`): `PTRWM_EXP` (reading, writing and maths at the expected standard,
//!   over `TELIG` pupils, measures.md §4); England from the state-funded row (RECTYPE 5), with
//!   `PTRWM_EXP_FSM6CLA1A` (disadvantaged) and `PTRWM_EXP_NotFSM6CLA1A` (other pupils, the
//!   DfE's reference for disadvantage gaps, measures.md §9).
//! - Census (`census_meta.csv`): `NOR` pupils on roll, `PNUMFSMEVER` (% FSM in the last six
//!   years, the free-meals part of "disadvantaged", measures.md §9), `PSENELK` + `PSENELSE` (%
//!   SEN support + % EHC plan), `PNUMEAL` (% EAL).
//! - Absence: `PERCTOT` (overall absence rate) and `PPERSABS10` (% persistent absentees, 10 %
//!   threshold, measures.md §6); England by phase from the `NAT` rows (`PRI`, `SEC`).
//!
//! Percentages become fractions (0 to 1), as stored measure results are. `SUPP` and `LOWCOV`
//! become suppressed figures (nothing inside); `NA`, `NE`, `NP`, `NEW` and blanks mean the
//! school has no figure. Any other text in a figure's column is an error naming the line,
//! column and value.

use cairn_domain::{
    AcademicYear, BenchmarkGroup, BenchmarkMeasure, BenchmarkValue, ContextFeature, EnglandFigure,
    NationalBenchmarks, NationalContextValue, NationalSchool, NationalSchoolFigure, Phase,
};

use super::{Cell, NationalScope, PerfRow, PerfTable, RowLevel, parse_perf_table};
use crate::report::{Parsed, Problems};
use crate::table::normalise_header;

/// Which performance-tables file a benchmark import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PerfKind {
    Ks4,
    Ks2,
    Census,
    Absence,
}

impl PerfKind {
    /// The columns a file of this kind must have.
    fn required(self) -> &'static [&'static str] {
        match self {
            PerfKind::Ks4 => &[
                "SCHNAME",
                "TPUP",
                "ATT8SCR",
                "P8PUP",
                "P8MEA",
                "P8CILOW",
                "P8CIUPP",
                "PTL2BASICS_95",
            ],
            PerfKind::Ks2 => &["SCHNAME", "TELIG", "PTRWM_EXP"],
            PerfKind::Census => &["NOR", "PNUMFSMEVER", "PSENELK", "PSENELSE", "PNUMEAL"],
            PerfKind::Absence => &["PERCTOT", "PPERSABS10"],
        }
    }
}

/// Reads a performance-tables file of `kind` as the national benchmarks for `academic_year`.
/// The single record is the batch; problems are errors naming line, column and value.
pub fn parse_national_benchmarks(
    kind: PerfKind,
    academic_year: AcademicYear,
    file: &str,
    bytes: &[u8],
) -> Parsed<NationalBenchmarks> {
    let parsed = parse_perf_table(file, bytes);
    let mut p = Problems::new(file);
    p.errors = parsed.errors;
    p.warnings = parsed.warnings;
    let Some(table) = parsed.records.into_iter().next() else {
        return p.finish(Vec::new());
    };
    let missing: Vec<&str> = kind
        .required()
        .iter()
        .copied()
        .filter(|name| {
            !table
                .columns
                .iter()
                .any(|c| normalise_header(c) == normalise_header(name))
        })
        .collect();
    if !missing.is_empty() {
        for name in missing {
            p.error(
                1,
                name,
                "",
                "this column is missing: is this the right kind of performance-tables file?",
            );
        }
        return p.finish(Vec::new());
    }
    let mut out = NationalBenchmarks::default();
    let mut reader = Reader {
        year: academic_year,
        p: &mut p,
        out: &mut out,
    };
    match kind {
        PerfKind::Ks4 => reader.ks4(&table),
        PerfKind::Ks2 => reader.ks2(&table),
        PerfKind::Census => reader.census(&table),
        PerfKind::Absence => reader.absence(&table),
    }
    p.finish(vec![out])
}

struct Reader<'a> {
    year: AcademicYear,
    p: &'a mut Problems,
    out: &'a mut NationalBenchmarks,
}

/// How a figure's number is scaled: percentages to fractions, or as written.
#[derive(Clone, Copy)]
enum Scale {
    Percent,
    Plain,
}

impl Reader<'_> {
    /// A number-or-code cell: `Ok(None)` when the school has no figure.
    fn cell(&mut self, row: &PerfRow, column: &str, scale: Scale) -> Option<BenchmarkValue> {
        let cell = row.get(column)?;
        match cell {
            Cell::Value(v) => {
                let value = match scale {
                    Scale::Percent => {
                        if !(0.0..=100.0).contains(v) {
                            self.p.error(
                                row.line,
                                column,
                                &v.to_string(),
                                "is a percentage outside 0 to 100",
                            );
                            return None;
                        }
                        v / 100.0
                    }
                    Scale::Plain => *v,
                };
                Some(BenchmarkValue::Shown {
                    value,
                    n_pupils: None,
                    ci: None,
                })
            }
            Cell::Suppressed | Cell::SuppressedTrust | Cell::LowCoverage => {
                Some(BenchmarkValue::Suppressed)
            }
            Cell::Empty
            | Cell::NotEntered
            | Cell::NotPublished
            | Cell::NotApplicable
            | Cell::NewSchool => None,
            Cell::Text(text) => {
                self.p.error(
                    row.line,
                    column,
                    text,
                    "is not a number, a percentage or a DfE code (SUPP, NE, NP, NA, LOWCOV)",
                );
                None
            }
        }
    }

    fn count(&mut self, row: &PerfRow, column: &str) -> Option<u32> {
        let v = row.value(column)?;
        if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
            #[expect(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "checked: a whole number in u32's range"
            )]
            return Some(v as u32);
        }
        self.p.error(
            row.line,
            column,
            &v.to_string(),
            "is not a whole number of pupils",
        );
        None
    }

    fn school(&mut self, row: &PerfRow, phase: Phase) {
        let Some(urn) = row.urn else { return };
        let name = match row.get("SCHNAME") {
            Some(Cell::Text(name)) => name.clone(),
            Some(Cell::Value(v)) => v.to_string(),
            _ => {
                self.p.error(
                    row.line,
                    "SCHNAME",
                    "",
                    "a school row needs the school's name",
                );
                return;
            }
        };
        let la_code = row
            .value("LEA")
            .or_else(|| row.value("LA"))
            .filter(|v| (0.0..1000.0).contains(v) && v.fract() == 0.0)
            .map(|v| {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "checked: a whole number from 0 to 999"
                )]
                let code = v as u16;
                code
            });
        self.out.schools.push(NationalSchool {
            academic_year: self.year,
            urn,
            name,
            la_code,
            phase,
        });
    }

    fn figure(&mut self, row: &PerfRow, measure: BenchmarkMeasure, value: Option<BenchmarkValue>) {
        if let (Some(urn), Some(value)) = (row.urn, value) {
            self.out.figures.push(NationalSchoolFigure {
                academic_year: self.year,
                urn,
                measure,
                value,
            });
        }
    }

    fn england(
        &mut self,
        row: &PerfRow,
        column: &str,
        measure: BenchmarkMeasure,
        group: BenchmarkGroup,
        phase: Option<Phase>,
        scale: Scale,
    ) {
        if let Some(BenchmarkValue::Shown { value, .. }) = self.cell(row, column, scale) {
            self.out.england.push(EnglandFigure {
                academic_year: self.year,
                measure,
                pupil_group: group,
                phase,
                value,
            });
        }
    }

    fn ks4(&mut self, table: &PerfTable) {
        for row in &table.schools {
            // RECTYPE 2 is a special school (ks4_meta.csv).
            let phase = if row.value("RECTYPE") == Some(2.0) {
                Phase::Special
            } else {
                Phase::Secondary
            };
            let n = self.count(row, "TPUP");
            let n_p8 = self.count(row, "P8PUP");
            let a8 = with_n(self.cell(row, "ATT8SCR", Scale::Plain), n);
            let p8 = self.cell(row, "P8MEA", Scale::Plain).map(|v| match v {
                BenchmarkValue::Shown { value, .. } => BenchmarkValue::Shown {
                    value,
                    n_pupils: n_p8,
                    ci: row.value("P8CILOW").zip(row.value("P8CIUPP")),
                },
                BenchmarkValue::Suppressed => BenchmarkValue::Suppressed,
            });
            let em5 = with_n(self.cell(row, "PTL2BASICS_95", Scale::Percent), n);
            if a8.is_none() && p8.is_none() && em5.is_none() {
                continue; // independent schools and closed schools: no results to compare
            }
            self.school(row, phase);
            self.figure(row, BenchmarkMeasure::Ks4Attainment8, a8);
            self.figure(row, BenchmarkMeasure::Ks4Progress8, p8);
            self.figure(row, BenchmarkMeasure::Ks4EnglishMaths5Plus, em5);
        }
        if let Some(row) = table.national_row() {
            let all = BenchmarkGroup::All;
            self.england(
                row,
                "ATT8SCR",
                BenchmarkMeasure::Ks4Attainment8,
                all,
                None,
                Scale::Plain,
            );
            self.england(
                row,
                "P8MEA",
                BenchmarkMeasure::Ks4Progress8,
                all,
                None,
                Scale::Plain,
            );
            self.england(
                row,
                "PTL2BASICS_95",
                BenchmarkMeasure::Ks4EnglishMaths5Plus,
                all,
                None,
                Scale::Percent,
            );
        }
    }

    fn ks2(&mut self, table: &PerfTable) {
        for row in &table.schools {
            let n = self.count(row, "TELIG");
            let rwm = with_n(self.cell(row, "PTRWM_EXP", Scale::Percent), n);
            if rwm.is_none() {
                continue;
            }
            self.school(row, Phase::Primary);
            self.figure(row, BenchmarkMeasure::Ks2RwmExpected, rwm);
        }
        if let Some(row) = table.national_row() {
            let m = BenchmarkMeasure::Ks2RwmExpected;
            self.england(
                row,
                "PTRWM_EXP",
                m,
                BenchmarkGroup::All,
                None,
                Scale::Percent,
            );
            self.england(
                row,
                "PTRWM_EXP_FSM6CLA1A",
                m,
                BenchmarkGroup::Disadvantaged,
                None,
                Scale::Percent,
            );
            self.england(
                row,
                "PTRWM_EXP_NotFSM6CLA1A",
                m,
                BenchmarkGroup::NotDisadvantaged,
                None,
                Scale::Percent,
            );
        }
    }

    fn context(&mut self, row: &PerfRow, feature: ContextFeature, value: Option<f64>) {
        if let (Some(urn), Some(value)) = (row.urn, value) {
            self.out.context.push(NationalContextValue {
                academic_year: self.year,
                urn,
                feature,
                value,
            });
        }
    }

    /// A census percentage, checked to be 0 to 100; `None` for NA and blanks.
    fn percent(&mut self, row: &PerfRow, column: &str) -> Option<f64> {
        match self.cell(row, column, Scale::Percent)? {
            BenchmarkValue::Shown { value, .. } => Some(value * 100.0),
            BenchmarkValue::Suppressed => None,
        }
    }

    fn census(&mut self, table: &PerfTable) {
        for row in &table.schools {
            let n = self.count(row, "NOR").map(f64::from);
            self.context(row, ContextFeature::NPupils, n);
            let disadvantaged = self.percent(row, "PNUMFSMEVER");
            self.context(row, ContextFeature::PercentDisadvantaged, disadvantaged);
            let sen = match (self.percent(row, "PSENELK"), self.percent(row, "PSENELSE")) {
                (Some(support), Some(ehcp)) => Some((support + ehcp).min(100.0)),
                _ => None,
            };
            self.context(row, ContextFeature::PercentSen, sen);
            let eal = self.percent(row, "PNUMEAL");
            self.context(row, ContextFeature::PercentEal, eal);
        }
    }

    fn absence(&mut self, table: &PerfTable) {
        for row in &table.schools {
            let overall = self.cell(row, "PERCTOT", Scale::Percent);
            self.figure(row, BenchmarkMeasure::AttendanceOverallAbsence, overall);
            let persistent = self.cell(row, "PPERSABS10", Scale::Percent);
            self.figure(
                row,
                BenchmarkMeasure::AttendancePersistentAbsence,
                persistent,
            );
        }
        for row in &table.national {
            let phase = match &row.level {
                RowLevel::National(NationalScope::Phase(p)) if p == "PRI" => Phase::Primary,
                RowLevel::National(NationalScope::Phase(p)) if p == "SEC" => Phase::Secondary,
                _ => continue,
            };
            let all = BenchmarkGroup::All;
            self.england(
                row,
                "PERCTOT",
                BenchmarkMeasure::AttendanceOverallAbsence,
                all,
                Some(phase),
                Scale::Percent,
            );
            self.england(
                row,
                "PPERSABS10",
                BenchmarkMeasure::AttendancePersistentAbsence,
                all,
                Some(phase),
                Scale::Percent,
            );
        }
    }
}

fn with_n(value: Option<BenchmarkValue>, n: Option<u32>) -> Option<BenchmarkValue> {
    value.map(|v| match v {
        BenchmarkValue::Shown { value, ci, .. } => BenchmarkValue::Shown {
            value,
            n_pupils: n,
            ci,
        },
        BenchmarkValue::Suppressed => BenchmarkValue::Suppressed,
    })
}

#[cfg(test)]
mod tests;
