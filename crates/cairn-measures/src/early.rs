//! Early years and primary checks: the phonics screening check, the multiplication tables
//! check (MTC) and the EYFS profile good level of development (measures.md §5).
//!
//! * Phonics (Year 1, re-check in Year 2): 40 words; the threshold mark has been 32 every year
//!   since 2012 and is confirmed after each June check, so it is looked up per year
//!   ([`phonics_threshold`]) and can be overridden. UNSURE: the DfE denominator for
//!   "% meeting the expected standard"; Cairn counts every pupil with an outcome (mark,
//!   absent or disapplied) and flags this in the report.
//! * MTC (Year 4): 25 questions, score 0–25, no pass mark; reported as the average score and
//!   the share scoring 25, over pupils with a score.
//! * EYFS profile (from September 2021): 17 early learning goals judged "expected" or
//!   "emerging"; a good level of development (GLD) means expected in the 12 goals of the prime
//!   areas plus literacy and mathematics (`data/eyfs_early_learning_goals.csv`).

use cairn_domain::{AcademicYear, Urn};
use serde::{Deserialize, Serialize};

use crate::MeasureError;
use crate::ci::Z_95_DFE;
use crate::figure::{Figure, SuppressionPolicy};
use crate::groups::{
    ByGroup, CountAcc, GroupFigures, MeanAcc, MeanFigure, ProportionFigure, PupilContext,
    accumulate_by_school, accumulate_pooled, mean_figures, proportion_figures,
};
use crate::table::CsvTable;

const ELG_CSV: &str = include_str!("../data/eyfs_early_learning_goals.csv");

/// The phonics screening check threshold mark for a year: 32 for every check since the first
/// in June 2012 ("The 2023 phonics screening check threshold mark is 32", gov.uk 2023
/// materials, measures.md §5). `None` before 2011/12. A different future mark is supplied
/// by the caller through [`PhonicsOutcome::meets`].
pub fn phonics_threshold(academic_year: AcademicYear) -> Option<u8> {
    (academic_year.start_year() >= 2011).then_some(32)
}

/// A phonics screening check outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhonicsOutcome {
    /// Words read correctly, 0–40.
    Mark(u8),
    Absent,
    Disapplied,
}

impl PhonicsOutcome {
    /// Reads a mark 0–40, `A` (absent) or `D` (disapplied).
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        let t = text.trim();
        if let Ok(mark) = t.parse::<u8>() {
            return if mark <= 40 {
                Ok(PhonicsOutcome::Mark(mark))
            } else {
                Err(MeasureError::ScoreOutOfRange {
                    value: t.to_owned(),
                    scale: "phonics mark (0 to 40)",
                })
            };
        }
        match t.to_ascii_uppercase().as_str() {
            "A" => Ok(PhonicsOutcome::Absent),
            "D" => Ok(PhonicsOutcome::Disapplied),
            _ => Err(MeasureError::UnknownGrade {
                grade: text.to_owned(),
                context: " as a phonics outcome".to_owned(),
            }),
        }
    }

    pub fn meets(self, threshold: u8) -> bool {
        matches!(self, PhonicsOutcome::Mark(mark) if mark >= threshold)
    }
}

/// A pupil's phonics outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhonicsPupil {
    pub urn: Urn,
    pub context: PupilContext,
    pub outcome: PhonicsOutcome,
}

/// Phonics figures for a school or group of schools.
#[derive(Debug, Clone, Serialize)]
pub struct PhonicsSummary {
    pub threshold: u8,
    pub n_pupils: Figure<u32>,
    pub expected_standard: GroupFigures<ProportionFigure>,
    pub average_mark: GroupFigures<MeanFigure>,
}

#[derive(Debug, Clone, Copy, Default)]
struct PhonicsAcc {
    expected: ByGroup<CountAcc>,
    marks: ByGroup<MeanAcc>,
}

impl PhonicsAcc {
    fn add(&mut self, pupil: &PhonicsPupil, threshold: u8) {
        let mask = pupil.context.groups();
        self.expected
            .add(mask, |a| a.add(pupil.outcome.meets(threshold)));
        if let PhonicsOutcome::Mark(mark) = pupil.outcome {
            self.marks.add(mask, |a| a.add(f64::from(mark)));
        }
    }

    fn summary(&self, policy: SuppressionPolicy, threshold: u8) -> PhonicsSummary {
        let n_all = self.expected.0.first().map_or(0, |a| a.n);
        PhonicsSummary {
            threshold,
            n_pupils: policy.figure(n_all, n_all),
            expected_standard: proportion_figures(policy, &self.expected, Z_95_DFE),
            average_mark: mean_figures(policy, &self.marks, Z_95_DFE),
        }
    }
}

/// Phonics figures for every school, sorted by URN, at the year's threshold mark.
pub fn summarise_phonics_by_school(
    policy: SuppressionPolicy,
    threshold: u8,
    pupils: &[PhonicsPupil],
) -> Vec<(Urn, PhonicsSummary)> {
    accumulate_by_school(
        pupils,
        |p| p.urn,
        |a: &mut PhonicsAcc, p| a.add(p, threshold),
    )
    .into_iter()
    .map(|(urn, acc)| (urn, acc.summary(policy, threshold)))
    .collect()
}

/// Phonics figures treating every given pupil as one cohort.
pub fn summarise_phonics(
    policy: SuppressionPolicy,
    threshold: u8,
    pupils: &[PhonicsPupil],
) -> PhonicsSummary {
    let mut acc = PhonicsAcc::default();
    for pupil in pupils {
        acc.add(pupil, threshold);
    }
    acc.summary(policy, threshold)
}

/// Phonics figures for a group of schools, pooling their pupils.
pub fn summarise_phonics_pooled(
    policy: SuppressionPolicy,
    threshold: u8,
    pupils: &[PhonicsPupil],
    schools: &[Urn],
) -> PhonicsSummary {
    accumulate_pooled(
        pupils,
        schools,
        |p| p.urn,
        |a: &mut PhonicsAcc, p| {
            a.add(p, threshold);
        },
    )
    .summary(policy, threshold)
}

/// The MTC's full mark.
pub const MTC_FULL_MARKS: u8 = 25;

/// A pupil's multiplication tables check score (0–25), or `None` if they did not take it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MtcPupil {
    pub urn: Urn,
    pub context: PupilContext,
    pub score: Option<u8>,
}

impl MtcPupil {
    /// Reads a score 0–25; result codes (A absent, B working below, J just arrived, L left,
    /// U unable to access, Z, X, NAA, H, Q) mean no score (measures.md §5).
    pub fn parse_score(text: &str) -> Result<Option<u8>, MeasureError> {
        let t = text.trim();
        if let Ok(score) = t.parse::<u8>() {
            return if score <= MTC_FULL_MARKS {
                Ok(Some(score))
            } else {
                Err(MeasureError::ScoreOutOfRange {
                    value: t.to_owned(),
                    scale: "MTC score (0 to 25)",
                })
            };
        }
        match t.to_ascii_uppercase().as_str() {
            "A" | "B" | "J" | "L" | "U" | "Z" | "X" | "NAA" | "H" | "Q" => Ok(None),
            _ => Err(MeasureError::UnknownGrade {
                grade: text.to_owned(),
                context: " as an MTC result".to_owned(),
            }),
        }
    }
}

/// MTC figures for a school or group of schools.
#[derive(Debug, Clone, Serialize)]
pub struct MtcSummary {
    pub n_pupils: Figure<u32>,
    pub average_score: GroupFigures<MeanFigure>,
    pub full_marks: GroupFigures<ProportionFigure>,
}

#[derive(Debug, Clone, Copy, Default)]
struct MtcAcc {
    scores: ByGroup<MeanAcc>,
    full: ByGroup<CountAcc>,
}

impl MtcAcc {
    fn add(&mut self, pupil: &MtcPupil) {
        if let Some(score) = pupil.score {
            let mask = pupil.context.groups();
            self.scores.add(mask, |a| a.add(f64::from(score)));
            self.full.add(mask, |a| a.add(score == MTC_FULL_MARKS));
        }
    }

    fn summary(&self, policy: SuppressionPolicy) -> MtcSummary {
        let n_all = self.full.0.first().map_or(0, |a| a.n);
        MtcSummary {
            n_pupils: policy.figure(n_all, n_all),
            average_score: mean_figures(policy, &self.scores, Z_95_DFE),
            full_marks: proportion_figures(policy, &self.full, Z_95_DFE),
        }
    }
}

/// MTC figures for every school, sorted by URN.
pub fn summarise_mtc_by_school(
    policy: SuppressionPolicy,
    pupils: &[MtcPupil],
) -> Vec<(Urn, MtcSummary)> {
    accumulate_by_school(pupils, |p| p.urn, MtcAcc::add)
        .into_iter()
        .map(|(urn, acc)| (urn, acc.summary(policy)))
        .collect()
}

/// MTC figures treating every given pupil as one cohort.
pub fn summarise_mtc(policy: SuppressionPolicy, pupils: &[MtcPupil]) -> MtcSummary {
    let mut acc = MtcAcc::default();
    for pupil in pupils {
        acc.add(pupil);
    }
    acc.summary(policy)
}

/// MTC figures for a group of schools, pooling their pupils.
pub fn summarise_mtc_pooled(
    policy: SuppressionPolicy,
    pupils: &[MtcPupil],
    schools: &[Urn],
) -> MtcSummary {
    accumulate_pooled(pupils, schools, |p| p.urn, MtcAcc::add).summary(policy)
}

/// The number of early learning goals.
pub const N_ELGS: usize = 17;

/// An early learning goal and whether it is part of the good level of development.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlyLearningGoal {
    pub area: String,
    pub goal: String,
    pub in_gld: bool,
}

/// The 17 early learning goals, in the order of `data/eyfs_early_learning_goals.csv`; pupil
/// judgements are given in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyLearningGoals {
    goals: Vec<EarlyLearningGoal>,
}

impl EarlyLearningGoals {
    pub fn dfe_2021() -> Result<Self, MeasureError> {
        Self::parse(ELG_CSV).map_err(MeasureError::embedded)
    }

    /// Reads columns `area_of_learning, early_learning_goal, part_of_good_level_of_development`.
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        let table = CsvTable::parse("eyfs_early_learning_goals", text)?;
        let c_area = table.column("area_of_learning")?;
        let c_goal = table.column("early_learning_goal")?;
        let c_gld = table.column("part_of_good_level_of_development")?;
        let mut goals = Vec::new();
        for row in table.rows() {
            goals.push(EarlyLearningGoal {
                area: row.text(c_area)?.to_owned(),
                goal: row.text(c_goal)?.to_owned(),
                in_gld: match row.text(c_gld)? {
                    "yes" => true,
                    "no" => false,
                    other => return Err(row.error(&format!("{other:?} is not yes/no"))),
                },
            });
        }
        if goals.len() != N_ELGS {
            return Err(MeasureError::TableParse {
                table: "eyfs_early_learning_goals",
                line: 0,
                message: format!("{} goals, expected {N_ELGS}", goals.len()),
            });
        }
        Ok(EarlyLearningGoals { goals })
    }

    pub fn goals(&self) -> &[EarlyLearningGoal] {
        &self.goals
    }

    /// Whether judgements (in goal order) make a good level of development: expected in every
    /// GLD goal. A missing judgement is not "expected".
    pub fn is_gld(&self, judgements: &[Option<ElgJudgement>; N_ELGS]) -> bool {
        self.goals
            .iter()
            .zip(judgements)
            .filter(|(goal, _)| goal.in_gld)
            .all(|(_, judgement)| *judgement == Some(ElgJudgement::Expected))
    }
}

/// An EYFS profile judgement (only these two since September 2021).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElgJudgement {
    Expected,
    Emerging,
}

impl ElgJudgement {
    /// Reads `expected`/`2` or `emerging`/`1`; `A` (not assessed) is `None`.
    pub fn parse(text: &str) -> Result<Option<Self>, MeasureError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "expected" | "exp" | "2" => Ok(Some(ElgJudgement::Expected)),
            "emerging" | "eme" | "1" => Ok(Some(ElgJudgement::Emerging)),
            "a" | "" => Ok(None),
            _ => Err(MeasureError::UnknownGrade {
                grade: text.to_owned(),
                context: " as an EYFS judgement".to_owned(),
            }),
        }
    }
}

/// A child's EYFS profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EyfsPupil {
    pub urn: Urn,
    pub context: PupilContext,
    /// In the order of [`EarlyLearningGoals::goals`].
    pub judgements: [Option<ElgJudgement>; N_ELGS],
}

/// EYFS figures for a school or group of schools.
#[derive(Debug, Clone, Serialize)]
pub struct EyfsSummary {
    pub n_pupils: Figure<u32>,
    pub good_level_of_development: GroupFigures<ProportionFigure>,
    /// Average number of the 17 goals at the expected level.
    pub average_goals_expected: GroupFigures<MeanFigure>,
}

#[derive(Debug, Clone, Copy, Default)]
struct EyfsAcc {
    gld: ByGroup<CountAcc>,
    goals: ByGroup<MeanAcc>,
}

impl EyfsAcc {
    fn add(&mut self, goals: &EarlyLearningGoals, pupil: &EyfsPupil) {
        let mask = pupil.context.groups();
        let gld = goals.is_gld(&pupil.judgements);
        let n_expected = pupil
            .judgements
            .iter()
            .filter(|j| **j == Some(ElgJudgement::Expected))
            .count();
        self.gld.add(mask, |a| a.add(gld));
        self.goals.add(mask, |a| a.add(n_expected as f64));
    }

    fn summary(&self, policy: SuppressionPolicy) -> EyfsSummary {
        let n_all = self.gld.0.first().map_or(0, |a| a.n);
        EyfsSummary {
            n_pupils: policy.figure(n_all, n_all),
            good_level_of_development: proportion_figures(policy, &self.gld, Z_95_DFE),
            average_goals_expected: mean_figures(policy, &self.goals, Z_95_DFE),
        }
    }
}

/// EYFS figures for every school, sorted by URN.
pub fn summarise_eyfs_by_school(
    policy: SuppressionPolicy,
    goals: &EarlyLearningGoals,
    pupils: &[EyfsPupil],
) -> Vec<(Urn, EyfsSummary)> {
    accumulate_by_school(pupils, |p| p.urn, |a: &mut EyfsAcc, p| a.add(goals, p))
        .into_iter()
        .map(|(urn, acc)| (urn, acc.summary(policy)))
        .collect()
}

/// EYFS figures treating every given pupil as one cohort.
pub fn summarise_eyfs(
    policy: SuppressionPolicy,
    goals: &EarlyLearningGoals,
    pupils: &[EyfsPupil],
) -> EyfsSummary {
    let mut acc = EyfsAcc::default();
    for pupil in pupils {
        acc.add(goals, pupil);
    }
    acc.summary(policy)
}

/// EYFS figures for a group of schools, pooling their pupils.
pub fn summarise_eyfs_pooled(
    policy: SuppressionPolicy,
    goals: &EarlyLearningGoals,
    pupils: &[EyfsPupil],
    schools: &[Urn],
) -> EyfsSummary {
    accumulate_pooled(
        pupils,
        schools,
        |p| p.urn,
        |a: &mut EyfsAcc, p| {
            a.add(goals, p);
        },
    )
    .summary(policy)
}

#[cfg(test)]
mod tests;
