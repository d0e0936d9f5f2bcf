//! Pupils whose in-year attainment is below what is expected of them and not rising: Cairn's
//! rule, not a DfE measure.
//!
//! In-year teacher assessments are kept as written, because schools write them differently
//! ("WTS/EXS/GDS", "6+", predicted grades). A partnership's [`GradeScheme`] says how to read
//! them:
//!
//! * a **word scale**: written results, lowest first, each below, at or above expected. The
//!   defaults are the DfE's KS2 teacher assessment codes: pre-key stage standards `PK1`–`PK6`
//!   and `BLW` below them, then `WTS` (working towards the expected standard) below, `EXS`
//!   (working at the expected standard) at, and `GDS` (greater depth) above (measures.md §4;
//!   Standards and Testing Agency, "Teacher assessment frameworks at the end of key stage 2"
//!   and "Pre-key stage 2: pupils working below the national curriculum assessment
//!   standard"). A result on the scale is below, at or above expected whoever the pupil is.
//! * **GCSE grades** 1–9, optionally written with `+` or `-` (a "6+" is a secure 6, a "6-" a
//!   fragile one): expected is what pupils with the same KS2 prior attainment went on to
//!   get nationally, from the DfE's Attainment 8 estimates for the pupil's prior attainment
//!   group (measures.md §2.3: the KS4 Ready Reckoner `p8_att8_splits.csv`; §2.4: the English
//!   and maths elements are double weighted, so an element estimate covers two slots). The
//!   expected grade is the whole grade nearest to
//!   * English (any subject whose name contains "English"): the English element estimate ÷ 2;
//!   * maths (a name containing "math"): the maths element estimate ÷ 2;
//!   * any other subject: the Attainment 8 estimate ÷ 10, the average slot.
//!
//!   A grade below the expected whole grade is below expected (a "4+" against an expected 5
//!   is below), the expected grade is at, higher is above. Pupils with no KS2 prior
//!   attainment have no expected grade, so they are not judged on grades.
//!
//! The rule ([`attainment_trajectory`]) takes one pupil's points in one subject this year,
//! oldest first, and fires when the **latest is below expected** and it is **no higher than
//! the point before** (the same or lower on the scale; for grades, `+` and `-` count as a
//! third of a grade either way). So a pupil below expected who is climbing is left alone, and
//! one at expected who slips below fires only when the slip makes them below.
//!
//! What it will not do is guess: a pupil with one point has no trajectory; a written result
//! the scheme does not know, or two points on different scales, are reported back as such;
//! a grade for a pupil without prior attainment is reported as unjudged.

use serde::{Deserialize, Serialize};

use crate::ks4::tables::GroupEstimate;

/// Where a written result stands against what is expected of the pupil.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    Below,
    At,
    Above,
}

impl Standing {
    pub const ALL: [Standing; 3] = [Standing::Below, Standing::At, Standing::Above];

    pub fn code(self) -> &'static str {
        match self {
            Standing::Below => "below",
            Standing::At => "at",
            Standing::Above => "above",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Below => "below expected",
            Standing::At => "at expected",
            Standing::Above => "above expected",
        }
    }

    pub fn parse(code: &str) -> Option<Standing> {
        let code = code.trim();
        Standing::ALL
            .into_iter()
            .find(|s| s.code().eq_ignore_ascii_case(code))
    }
}

/// One written result of a word scale and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeLevel {
    pub result: String,
    pub standing: Standing,
}

/// How a partnership's written teacher assessments map to below, at or above expected (see
/// the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeScheme {
    /// Written results, lowest first, matched ignoring case and surrounding spaces.
    pub levels: Vec<SchemeLevel>,
    /// Whether grades 1–9 are read as GCSE grades against the pupil's prior attainment.
    pub gcse_grades: bool,
}

impl Default for GradeScheme {
    /// The DfE KS2 teacher assessment codes, lowest first, and GCSE grades.
    fn default() -> Self {
        let below = ["BLW", "PK1", "PK2", "PK3", "PK4", "PK5", "PK6", "WTS"];
        let mut levels: Vec<SchemeLevel> = below
            .into_iter()
            .map(|r| SchemeLevel {
                result: r.to_owned(),
                standing: Standing::Below,
            })
            .collect();
        levels.push(SchemeLevel {
            result: "EXS".to_owned(),
            standing: Standing::At,
        });
        levels.push(SchemeLevel {
            result: "GDS".to_owned(),
            standing: Standing::Above,
        });
        GradeScheme {
            levels,
            gcse_grades: true,
        }
    }
}

/// Why a scheme's text did not read: the line, what it said and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: \"{text}\": {problem}")]
pub struct SchemeError {
    pub line: usize,
    pub text: String,
    pub problem: &'static str,
}

impl GradeScheme {
    /// The word scale as text, one `result = standing` a line, lowest first.
    pub fn levels_text(&self) -> String {
        self.levels
            .iter()
            .map(|l| format!("{} = {}", l.result, l.standing.code()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads a word scale written as [`GradeScheme::levels_text`] writes it. Blank lines are
    /// skipped; standings must not go down the scale (a result above expected cannot sit
    /// below one at expected), and a result may appear once.
    pub fn parse_levels(text: &str) -> Result<Vec<SchemeLevel>, SchemeError> {
        let mut levels: Vec<SchemeLevel> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let error = |problem| SchemeError {
                line: i + 1,
                text: line.to_owned(),
                problem,
            };
            let Some((result, standing)) = line.split_once('=') else {
                return Err(error(
                    "write a result, then =, then below, at or above (for example WTS = below)",
                ));
            };
            let result = result.trim();
            if result.is_empty() {
                return Err(error("the result before = is empty"));
            }
            if read_grade(result).is_some() {
                return Err(error(
                    "grades 1 to 9 are read as GCSE grades against prior attainment, not listed",
                ));
            }
            let standing = Standing::parse(standing)
                .ok_or_else(|| error("the standing after = must be below, at or above"))?;
            if levels.iter().any(|l| l.result.eq_ignore_ascii_case(result)) {
                return Err(error("this result is listed twice"));
            }
            if levels.last().is_some_and(|l| l.standing > standing) {
                return Err(error(
                    "results go lowest first, so a standing cannot be lower than the line before",
                ));
            }
            levels.push(SchemeLevel {
                result: result.to_owned(),
                standing,
            });
        }
        Ok(levels)
    }

    /// How the scheme reads one written result, `None` when it does not know it.
    pub fn read(&self, result: &str) -> Option<Reading> {
        let result = result.trim();
        if let Some(rank) = self
            .levels
            .iter()
            .position(|l| l.result.eq_ignore_ascii_case(result))
        {
            let standing = self.levels.get(rank)?.standing;
            return Some(Reading::Level { rank, standing });
        }
        if self.gcse_grades {
            return read_grade(result).map(|(grade, thirds)| Reading::Grade { grade, thirds });
        }
        None
    }

    /// The lowest level at expected, for saying what expected means on a word scale.
    fn first_at(&self) -> Option<&str> {
        self.levels
            .iter()
            .find(|l| l.standing >= Standing::At)
            .map(|l| l.result.as_str())
    }
}

/// A GCSE grade 1–9 with an optional `+` (+1) or `-` (−1) in thirds.
fn read_grade(result: &str) -> Option<(u8, i8)> {
    let (digits, thirds) = if let Some(d) = result.strip_suffix('+') {
        (d, 1)
    } else if let Some(d) = result.strip_suffix('-') {
        (d, -1)
    } else {
        (result, 0)
    };
    let grade: u8 = digits.trim().parse().ok()?;
    (1..=9).contains(&grade).then_some((grade, thirds))
}

/// A written result as the scheme reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// A word scale's level: its place on the scale (0 lowest) and standing.
    Level { rank: usize, standing: Standing },
    /// A GCSE grade, with `+` as one third up and `-` one third down.
    Grade { grade: u8, thirds: i8 },
}

impl Reading {
    /// Its height for comparing two points on the same scale.
    fn height(self) -> f64 {
        match self {
            Reading::Level { rank, .. } => rank as f64,
            Reading::Grade { grade, thirds } => f64::from(grade) + f64::from(thirds) / 3.0,
        }
    }
}

/// One assessment point as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentPoint {
    /// The point's name, for example "Y6 Spring".
    pub assessment: String,
    pub result: String,
}

/// What expected meant for the pupil in the subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Expectation {
    /// On a word scale: the lowest result at expected (for example "EXS").
    Level { at: String },
    /// A GCSE grade from the pupil's KS2 prior attainment.
    Grade {
        ks2_average: f64,
        prior_attainment_group: u8,
        /// The estimate the grade came from: an element estimate ÷ 2 or A8 ÷ 10.
        estimate: f64,
        expected_grade: u8,
    },
}

/// The numbers the rule fired with in one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryFinding {
    pub subject: String,
    pub previous: AssessmentPoint,
    pub latest: AssessmentPoint,
    pub expected: Expectation,
    /// Whether the latest is lower than the previous point (else the same).
    pub fell: bool,
}

/// What the rule made of one pupil's points in one subject.
#[derive(Debug, Clone, PartialEq)]
pub enum Trajectory {
    /// Below expected and not rising.
    Fired(TrajectoryFinding),
    /// At or above expected, or below and rising.
    NotFiring,
    /// Fewer than two points: no trajectory to judge.
    OnePoint,
    /// A written result the scheme does not know; reported, never guessed.
    UnknownResult(String),
    /// The two latest points are on different scales (a level and a grade).
    MixedScales,
    /// A GCSE grade for a pupil without KS2 prior attainment (or whose prior attainment the
    /// estimates table does not cover).
    NoPriorAttainment,
}

/// The expected grade in `subject` for a pupil in the prior attainment group `group` whose
/// KS2 average is `ks2_average`.
pub fn expected_grade(subject: &str, ks2_average: f64, group: &GroupEstimate) -> Expectation {
    let name = subject.to_ascii_lowercase();
    let [english, maths, _, _] = group.elements;
    let estimate = if name.contains("english") {
        english / 2.0
    } else if name.contains("math") {
        maths / 2.0
    } else {
        group.attainment8 / 10.0
    };
    // Estimates lie between 0 and 9, so the rounded value fits; clamp for safety.
    let expected_grade = estimate.round().clamp(1.0, 9.0) as u8;
    Expectation::Grade {
        ks2_average,
        prior_attainment_group: group.group,
        estimate,
        expected_grade,
    }
}

/// The rule (see the module documentation). `points` are the pupil's assessment points in
/// `subject` this year, oldest first; `prior` is the pupil's KS2 average and its prior
/// attainment group's estimates, when they have one.
pub fn attainment_trajectory(
    subject: &str,
    points: &[AssessmentPoint],
    prior: Option<(f64, &GroupEstimate)>,
    scheme: &GradeScheme,
) -> Trajectory {
    let [.., previous, latest] = points else {
        return Trajectory::OnePoint;
    };
    let read = |p: &AssessmentPoint| scheme.read(&p.result).ok_or_else(|| p.result.clone());
    let (now, before) = match (read(latest), read(previous)) {
        (Ok(now), Ok(before)) => (now, before),
        (Err(unknown), _) | (_, Err(unknown)) => return Trajectory::UnknownResult(unknown),
    };
    let (standing, expected) = match (now, before) {
        (Reading::Level { standing, .. }, Reading::Level { .. }) => (
            standing,
            Expectation::Level {
                at: scheme.first_at().unwrap_or_default().to_owned(),
            },
        ),
        (Reading::Grade { grade, .. }, Reading::Grade { .. }) => {
            let Some((ks2_average, group)) = prior else {
                return Trajectory::NoPriorAttainment;
            };
            let expected = expected_grade(subject, ks2_average, group);
            let Expectation::Grade { expected_grade, .. } = expected else {
                return Trajectory::NoPriorAttainment;
            };
            let standing = match grade.cmp(&expected_grade) {
                std::cmp::Ordering::Less => Standing::Below,
                std::cmp::Ordering::Equal => Standing::At,
                std::cmp::Ordering::Greater => Standing::Above,
            };
            (standing, expected)
        }
        _ => return Trajectory::MixedScales,
    };
    if standing != Standing::Below || now.height() > before.height() {
        return Trajectory::NotFiring;
    }
    Trajectory::Fired(TrajectoryFinding {
        subject: subject.to_owned(),
        previous: previous.clone(),
        latest: latest.clone(),
        expected,
        fell: now.height() < before.height(),
    })
}

#[cfg(test)]
mod tests;
