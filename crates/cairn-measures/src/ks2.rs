//! KS2 (measures.md §4): the reading, writing and maths (RWM) expected and higher standards,
//! per-subject percentages and average scaled scores.
//!
//! * Reading, maths (and grammar, punctuation and spelling) tests give scaled scores 80–120;
//!   100 is the expected standard and 110 the high score. Writing is teacher assessment:
//!   WTS, EXS (expected standard) or GDS (greater depth), or a pre-key-stage judgement.
//! * RWM expected (`PTRWM_EXP`): reading ≥ 100, maths ≥ 100 and writing EXS or GDS.
//!   RWM higher (`PTRWM_HIGH`): reading ≥ 110, maths ≥ 110 and writing GDS.
//! * Percentages are of all pupils counted at the end of KS2 (pupils absent or working below
//!   the test count as not meeting the standard); average scaled scores are over pupils with
//!   a scaled score.
//!
//! Progress measures from KS1 are not calculated for 2023/24 or 2024/25 (measures.md §4).

use cairn_domain::Urn;
use serde::{Deserialize, Serialize};

use crate::MeasureError;
use crate::ci::Z_95_DFE;
use crate::figure::{Figure, SuppressionPolicy};
use crate::groups::{
    ByGroup, CountAcc, GroupFigures, MeanAcc, MeanFigure, ProportionFigure, PupilContext,
    accumulate_by_school, accumulate_pooled, mean_figures, proportion_figures,
};

/// Expected standard on a scaled score.
pub const EXPECTED_SCALED_SCORE: u8 = 100;
/// The "high score" on a scaled score.
pub const HIGH_SCALED_SCORE: u8 = 110;

/// A KS2 test outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    /// A scaled score, 80–120.
    Scaled(u8),
    /// Counted, but no scaled score: did not reach the standard (N), working below the test
    /// (B), absent (A), and similar codes.
    NoScaledScore,
}

impl TestOutcome {
    /// Reads a scaled score (80–120) or a DfE result code: A (absent), B (working below),
    /// N (not awarded a scaled score), T (unable to access), H, P, U, X (not counted as
    /// meeting the standard). Unknown text is an error.
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        let t = text.trim();
        if let Ok(score) = t.parse::<u8>() {
            return if (80..=120).contains(&score) {
                Ok(TestOutcome::Scaled(score))
            } else {
                Err(MeasureError::ScoreOutOfRange {
                    value: t.to_owned(),
                    scale: "KS2 scaled score (80 to 120)",
                })
            };
        }
        match t.to_ascii_uppercase().as_str() {
            "A" | "B" | "N" | "T" | "H" | "P" | "U" | "X" | "Q" | "S" => {
                Ok(TestOutcome::NoScaledScore)
            }
            _ => Err(MeasureError::UnknownGrade {
                grade: text.to_owned(),
                context: " as a KS2 test outcome".to_owned(),
            }),
        }
    }

    pub fn scaled_score(self) -> Option<u8> {
        match self {
            TestOutcome::Scaled(score) => Some(score),
            TestOutcome::NoScaledScore => None,
        }
    }

    pub fn meets_expected(self) -> bool {
        self.scaled_score()
            .is_some_and(|s| s >= EXPECTED_SCALED_SCORE)
    }

    pub fn meets_high(self) -> bool {
        self.scaled_score().is_some_and(|s| s >= HIGH_SCALED_SCORE)
    }
}

/// A KS2 writing teacher assessment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WritingAssessment {
    /// Working at greater depth within the expected standard.
    GreaterDepth,
    /// Working at the expected standard.
    Expected,
    /// Working towards the expected standard.
    WorkingTowards,
    /// Pre-key-stage, engagement model, absent or not assessed.
    Below,
}

impl WritingAssessment {
    /// Reads GDS, EXS, WTS, or a pre-key-stage / other code (PK1–PK6, PKF, PKE, PKG, BLW,
    /// HNM, A, D, L, EM).
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        match text.trim().to_ascii_uppercase().as_str() {
            "GDS" => Ok(WritingAssessment::GreaterDepth),
            "EXS" => Ok(WritingAssessment::Expected),
            "WTS" => Ok(WritingAssessment::WorkingTowards),
            "PK1" | "PK2" | "PK3" | "PK4" | "PK5" | "PK6" | "PKF" | "PKE" | "PKG" | "BLW"
            | "HNM" | "A" | "D" | "L" | "EM" => Ok(WritingAssessment::Below),
            _ => Err(MeasureError::UnknownGrade {
                grade: text.to_owned(),
                context: " as a KS2 writing assessment".to_owned(),
            }),
        }
    }

    pub fn meets_expected(self) -> bool {
        matches!(
            self,
            WritingAssessment::Expected | WritingAssessment::GreaterDepth
        )
    }

    pub fn meets_high(self) -> bool {
        self == WritingAssessment::GreaterDepth
    }
}

/// A pupil at the end of KS2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ks2Pupil {
    pub urn: Urn,
    /// Characteristics; the prior band (from KS1, when available) is the caller's.
    pub context: PupilContext,
    pub reading: TestOutcome,
    pub writing: WritingAssessment,
    pub maths: TestOutcome,
    /// Grammar, punctuation and spelling, when recorded.
    pub gps: Option<TestOutcome>,
}

impl Ks2Pupil {
    pub fn meets_rwm_expected(&self) -> bool {
        self.reading.meets_expected()
            && self.writing.meets_expected()
            && self.maths.meets_expected()
    }

    pub fn meets_rwm_high(&self) -> bool {
        self.reading.meets_high() && self.writing.meets_high() && self.maths.meets_high()
    }
}

/// KS2 figures for a school or group of schools, every measure by pupil group.
#[derive(Debug, Clone, Serialize)]
pub struct Ks2Summary {
    pub n_pupils: Figure<u32>,
    pub rwm_expected: GroupFigures<ProportionFigure>,
    pub rwm_high: GroupFigures<ProportionFigure>,
    pub reading_expected: GroupFigures<ProportionFigure>,
    pub reading_high: GroupFigures<ProportionFigure>,
    pub writing_expected: GroupFigures<ProportionFigure>,
    pub writing_greater_depth: GroupFigures<ProportionFigure>,
    pub maths_expected: GroupFigures<ProportionFigure>,
    pub maths_high: GroupFigures<ProportionFigure>,
    /// Over pupils with a GPS outcome recorded.
    pub gps_expected: GroupFigures<ProportionFigure>,
    pub gps_high: GroupFigures<ProportionFigure>,
    pub reading_average: GroupFigures<MeanFigure>,
    pub maths_average: GroupFigures<MeanFigure>,
    pub gps_average: GroupFigures<MeanFigure>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Ks2Acc {
    counts: [ByGroup<CountAcc>; 10],
    means: [ByGroup<MeanAcc>; 3],
}

impl Ks2Acc {
    fn add(&mut self, pupil: &Ks2Pupil) {
        let mask = pupil.context.groups();
        let mut flags = [
            Some(pupil.meets_rwm_expected()),
            Some(pupil.meets_rwm_high()),
            Some(pupil.reading.meets_expected()),
            Some(pupil.reading.meets_high()),
            Some(pupil.writing.meets_expected()),
            Some(pupil.writing.meets_high()),
            Some(pupil.maths.meets_expected()),
            Some(pupil.maths.meets_high()),
            pupil.gps.map(TestOutcome::meets_expected),
            pupil.gps.map(TestOutcome::meets_high),
        ]
        .into_iter();
        for acc in &mut self.counts {
            if let Some(Some(hit)) = flags.next() {
                acc.add(mask, |a| a.add(hit));
            }
        }
        let scores = [
            pupil.reading.scaled_score(),
            pupil.maths.scaled_score(),
            pupil.gps.and_then(TestOutcome::scaled_score),
        ];
        for (acc, score) in self.means.iter_mut().zip(scores) {
            if let Some(score) = score {
                acc.add(mask, |a| a.add(f64::from(score)));
            }
        }
    }

    fn summary(&self, policy: SuppressionPolicy) -> Ks2Summary {
        let [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9] = self
            .counts
            .map(|acc| proportion_figures(policy, &acc, Z_95_DFE));
        let [m0, m1, m2] = self.means.map(|acc| mean_figures(policy, &acc, Z_95_DFE));
        let n_all = self
            .counts
            .first()
            .and_then(|c| c.0.first())
            .map_or(0, |a| a.n);
        Ks2Summary {
            n_pupils: policy.figure(n_all, n_all),
            rwm_expected: c0,
            rwm_high: c1,
            reading_expected: c2,
            reading_high: c3,
            writing_expected: c4,
            writing_greater_depth: c5,
            maths_expected: c6,
            maths_high: c7,
            gps_expected: c8,
            gps_high: c9,
            reading_average: m0,
            maths_average: m1,
            gps_average: m2,
        }
    }
}

/// KS2 figures treating every given pupil as one cohort.
pub fn summarise_ks2(policy: SuppressionPolicy, pupils: &[Ks2Pupil]) -> Ks2Summary {
    let mut acc = Ks2Acc::default();
    for pupil in pupils {
        acc.add(pupil);
    }
    acc.summary(policy)
}

/// KS2 figures for every school, sorted by URN.
pub fn summarise_ks2_by_school(
    policy: SuppressionPolicy,
    pupils: &[Ks2Pupil],
) -> Vec<(Urn, Ks2Summary)> {
    accumulate_by_school(pupils, |p| p.urn, Ks2Acc::add)
        .into_iter()
        .map(|(urn, acc)| (urn, acc.summary(policy)))
        .collect()
}

/// KS2 figures for a group of schools, pooling their pupils.
pub fn summarise_ks2_pooled(
    policy: SuppressionPolicy,
    pupils: &[Ks2Pupil],
    schools: &[Urn],
) -> Ks2Summary {
    accumulate_pooled(pupils, schools, |p| p.urn, Ks2Acc::add).summary(policy)
}

#[cfg(test)]
mod tests;
