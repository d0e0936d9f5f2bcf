//! Assessment records: KS2, KS4, phonics, MTC, EYFS and in-year teacher assessments, and
//! the closed code sets their outcomes use. Each outcome parses once at the edge, so code
//! downstream takes a [`Ks4Grade`] or an [`MtcOutcome`], never a string. Sources are cited
//! on each type; see also `../shared/reference/measures.md` sections 1 to 5.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::{AcademicYear, Upn, Urn};

/// A value that is not a valid outcome, grade or code. The message is the broken rule,
/// worded to follow the value ("is not a GCSE grade: ...").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AssessmentError(pub(crate) String);

impl AssessmentError {
    /// The rule the value broke.
    pub fn rule(&self) -> &str {
        &self.0
    }
}

impl From<AssessmentError> for String {
    fn from(error: AssessmentError) -> String {
        error.0
    }
}

/// Lower-case ASCII letters and digits only, for matching spellings loosely.
pub(crate) fn normalise(value: &str) -> String {
    value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A GCSE (9–1) grade: a single grade 9 to 1, U, or a combined science double-award grade
/// from 9-9 to 1-1 whose two halves differ by at most one (9-9, 9-8, 8-8, 8-7, …).
///
/// Source: DfE secondary accountability guidance (measures.md section 1.2) and
/// `ks4_subjects.csv` ("double award graded 9-9 to 1-1").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Ks4Grade {
    Single(u8),
    Double(u8, u8),
    /// Ungraded, for single or double awards.
    U,
}

impl Ks4Grade {
    /// Accepts `7`, `U`, `9-8`, `98` and `9/8`.
    pub fn parse(value: &str) -> Result<Self, AssessmentError> {
        Self::parse_rule(value).map_err(AssessmentError)
    }

    fn parse_rule(value: &str) -> Result<Self, String> {
        let s = value.trim().to_ascii_uppercase();
        let err = || {
            "is not a GCSE grade: expected 9 to 1, U, or a combined science grade 9-9 to 1-1"
                .to_owned()
        };
        if s == "U" || s == "U-U" || s == "UU" {
            return Ok(Ks4Grade::U);
        }
        let digits: Vec<u32> = s
            .chars()
            .filter(|c| !matches!(c, '-' | '/'))
            .map(|c| c.to_digit(10).ok_or_else(err))
            .collect::<Result<_, _>>()?;
        let separators = s.chars().filter(|c| matches!(c, '-' | '/')).count();
        let in_range = |d: u32| (1..=9).contains(&d);
        match digits.as_slice() {
            [d] if separators == 0 && in_range(*d) => {
                Ok(Ks4Grade::Single(u8::try_from(*d).map_err(|_| err())?))
            }
            [a, b] if separators <= 1 && in_range(*a) && in_range(*b) => {
                if a < b || a - b > 1 {
                    return Err("is not a combined science grade: the two halves must be equal or the first one higher (9-9, 9-8, 8-8 … 1-1)".to_owned());
                }
                let a = u8::try_from(*a).map_err(|_| err())?;
                let b = u8::try_from(*b).map_err(|_| err())?;
                Ok(Ks4Grade::Double(a, b))
            }
            _ => Err(err()),
        }
    }

    pub fn is_double(self) -> bool {
        matches!(self, Ks4Grade::Double(..))
    }
}

impl fmt::Display for Ks4Grade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ks4Grade::Single(g) => write!(f, "{g}"),
            Ks4Grade::Double(a, b) => write!(f, "{a}-{b}"),
            Ks4Grade::U => f.write_str("U"),
        }
    }
}

impl TryFrom<String> for Ks4Grade {
    type Error = AssessmentError;
    fn try_from(value: String) -> Result<Self, AssessmentError> {
        Ks4Grade::parse(&value)
    }
}

impl From<Ks4Grade> for String {
    fn from(grade: Ks4Grade) -> String {
        grade.to_string()
    }
}

/// A KS4 qualification result, canonical columns `upn,urn,subject,grade`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ks4ResultRow {
    pub upn: Upn,
    pub urn: Urn,
    /// The catalogue's spelling of the subject.
    pub subject: String,
    pub grade: Ks4Grade,
    pub academic_year: Option<AcademicYear>,
}

/// A KS2 test outcome: a scaled score from 80 to 120, or a code for no score.
///
/// Source: STA "Key stage 2 assessment and reporting arrangements", test outcome codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ks2TestOutcome {
    Scaled(u8),
    /// A: absent.
    Absent,
    /// B: working below the standard of the test.
    WorkingBelow,
    /// J: just arrived, unable to take the test.
    JustArrived,
    /// L: left the school.
    Left,
    /// M: missing result.
    Missing,
    /// P: will take the test later.
    TakingLater,
    /// Q: maladministration.
    Maladministration,
    /// T: working at the standard of the test but unable to access it.
    UnableToAccess,
    /// U: did not meet the standard (no scaled score awarded).
    NotAwarded,
}

impl Ks2TestOutcome {
    pub fn parse(value: &str) -> Result<Self, AssessmentError> {
        Self::parse_rule(value).map_err(AssessmentError)
    }

    fn parse_rule(value: &str) -> Result<Self, String> {
        let s = value.trim().to_ascii_uppercase();
        Ok(match s.as_str() {
            "A" => Self::Absent,
            "B" => Self::WorkingBelow,
            "J" => Self::JustArrived,
            "L" => Self::Left,
            "M" => Self::Missing,
            "P" => Self::TakingLater,
            "Q" => Self::Maladministration,
            "T" => Self::UnableToAccess,
            "U" | "N" => Self::NotAwarded,
            _ => {
                let n: u8 = s.parse().map_err(|_| {
                    "is not a KS2 test outcome: expected a scaled score from 80 to 120 or a code (A, B, J, L, M, P, Q, T, U)".to_owned()
                })?;
                if !(80..=120).contains(&n) {
                    return Err("is out of range: KS2 scaled scores run from 80 to 120".to_owned());
                }
                Self::Scaled(n)
            }
        })
    }

    pub fn scaled_score(self) -> Option<u8> {
        match self {
            Self::Scaled(n) => Some(n),
            _ => None,
        }
    }
}

/// KS2 writing teacher assessment.
///
/// Source: STA "Teacher assessment frameworks at the end of key stage 2" and the pre-key
/// stage standards (PK1 to PK6 from 2018/19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WritingTa {
    /// GDS: working at greater depth.
    GreaterDepth,
    /// EXS: working at the expected standard.
    Expected,
    /// WTS: working towards the expected standard.
    WorkingTowards,
    /// HNM: has not met (used where pre-key stage standards do not apply).
    HasNotMet,
    /// PK1 to PK6: pre-key stage standards.
    PreKeyStage(u8),
    /// BLW: below the pre-key stage standards.
    Below,
    /// A: absent for long periods.
    Absent,
    /// D: disapplied.
    Disapplied,
    /// L: left.
    Left,
}

impl WritingTa {
    pub fn parse(value: &str) -> Result<Self, AssessmentError> {
        Self::parse_rule(value).map_err(AssessmentError)
    }

    fn parse_rule(value: &str) -> Result<Self, String> {
        let s = value.trim().to_ascii_uppercase();
        Ok(match s.as_str() {
            "GDS" => Self::GreaterDepth,
            "EXS" => Self::Expected,
            "WTS" => Self::WorkingTowards,
            "HNM" => Self::HasNotMet,
            "BLW" => Self::Below,
            "A" => Self::Absent,
            "D" => Self::Disapplied,
            "L" => Self::Left,
            other => match other.strip_prefix("PK").and_then(|n| n.parse::<u8>().ok()) {
                Some(n) if (1..=6).contains(&n) => Self::PreKeyStage(n),
                _ => {
                    return Err("is not a KS2 writing teacher assessment: expected GDS, EXS, WTS, HNM, PK1 to PK6, BLW, A, D or L".to_owned());
                }
            },
        })
    }
}

/// A pupil's KS2 results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ks2Result {
    pub upn: Upn,
    pub academic_year: Option<AcademicYear>,
    pub reading: Ks2TestOutcome,
    pub maths: Ks2TestOutcome,
    /// Grammar, punctuation and spelling, when the file has it.
    pub gps: Option<Ks2TestOutcome>,
    pub writing: WritingTa,
}

/// A phonics screening check outcome: a mark from 0 to 40 or a code.
///
/// Source: STA phonics screening check; measures.md section 5 (40 words, threshold stored per
/// year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhonicsOutcome {
    Mark(u8),
    /// A: absent.
    Absent,
    /// D: disapplied.
    Disapplied,
    /// L: left.
    Left,
    /// Q: maladministration.
    Maladministration,
}

impl PhonicsOutcome {
    pub fn parse(value: &str) -> Result<Self, AssessmentError> {
        Self::parse_rule(value).map_err(AssessmentError)
    }

    fn parse_rule(value: &str) -> Result<Self, String> {
        Ok(match value.trim().to_ascii_uppercase().as_str() {
            "A" => Self::Absent,
            "D" => Self::Disapplied,
            "L" => Self::Left,
            "Q" => Self::Maladministration,
            s => {
                let n: u8 = s.parse().map_err(|_| {
                    "is not a phonics outcome: expected a mark from 0 to 40, or A, D, L or Q"
                        .to_owned()
                })?;
                if n > 40 {
                    return Err("is out of range: the phonics check has 40 marks".to_owned());
                }
                Self::Mark(n)
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhonicsResult {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    pub outcome: PhonicsOutcome,
}

/// A multiplication tables check outcome: a score from 0 to 25 or a DfE MTC code.
///
/// Source: DfE MTC service result codes, measures.md section 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MtcOutcome {
    Score(u8),
    /// A: absent.
    Absent,
    /// B: working below the expectation of the check.
    WorkingBelow,
    /// J: just arrived.
    JustArrived,
    /// L: left.
    Left,
    /// U: unable to access.
    UnableToAccess,
    /// Z: incorrectly registered.
    IncorrectlyRegistered,
    /// X: did not take the check.
    DidNotTake,
    /// NAA: not able to administer.
    NotAbleToAdminister,
    /// H: annulled for cheating.
    AnnulledCheating,
    /// Q: annulled for maladministration.
    AnnulledMaladministration,
}

impl MtcOutcome {
    pub fn parse(value: &str) -> Result<Self, AssessmentError> {
        Self::parse_rule(value).map_err(AssessmentError)
    }

    fn parse_rule(value: &str) -> Result<Self, String> {
        Ok(match value.trim().to_ascii_uppercase().as_str() {
            "A" => Self::Absent,
            "B" => Self::WorkingBelow,
            "J" => Self::JustArrived,
            "L" => Self::Left,
            "U" => Self::UnableToAccess,
            "Z" => Self::IncorrectlyRegistered,
            "X" => Self::DidNotTake,
            "NAA" => Self::NotAbleToAdminister,
            "H" => Self::AnnulledCheating,
            "Q" => Self::AnnulledMaladministration,
            s => {
                let n: u8 = s.parse().map_err(|_| {
                    "is not an MTC outcome: expected a score from 0 to 25 or a code (A, B, J, L, U, Z, X, NAA, H, Q)".to_owned()
                })?;
                if n > 25 {
                    return Err("is out of range: the MTC has 25 questions".to_owned());
                }
                Self::Score(n)
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MtcResult {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    pub outcome: MtcOutcome,
}

/// The 17 early learning goals of the EYFS profile (framework from September 2021), as
/// `(canonical field name, ELG name, part of a good level of development)`.
///
/// Source: `data/eyfs_early_learning_goals.csv` (Explore Education Statistics, EYFSP results
/// 2021-22); a unit test checks this table against that file.
pub const EARLY_LEARNING_GOALS: [(&str, &str, bool); 17] = [
    ("listening", "Listening, attention and understanding", true),
    ("speaking", "Speaking", true),
    ("self_regulation", "Self-regulation", true),
    ("managing_self", "Managing self", true),
    ("building_relationships", "Building relationships", true),
    ("gross_motor", "Gross motor skills", true),
    ("fine_motor", "Fine motor skills", true),
    ("comprehension", "Comprehension", true),
    ("word_reading", "Word reading", true),
    ("writing", "Writing", true),
    ("number", "Number", true),
    ("numerical_patterns", "Numerical patterns", true),
    ("past_and_present", "Past and present", false),
    (
        "people_culture_communities",
        "People, culture and communities",
        false,
    ),
    ("natural_world", "The natural world", false),
    ("creating_with_materials", "Creating with materials", false),
    (
        "being_imaginative",
        "Being imaginative and expressive",
        false,
    ),
];

/// An ELG judgement. Only "expected" and "emerging" exist since 2021 ("exceeding" was removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EyfsJudgement {
    Expected,
    Emerging,
    /// A: not assessed (long absence or recent arrival).
    NotAssessed,
}

impl EyfsJudgement {
    pub fn parse(value: &str) -> Result<Self, AssessmentError> {
        Self::parse_rule(value).map_err(AssessmentError)
    }

    fn parse_rule(value: &str) -> Result<Self, String> {
        match normalise(value).as_str() {
            "expected" | "exp" | "2" => Ok(Self::Expected),
            "emerging" | "emg" | "1" => Ok(Self::Emerging),
            "a" | "notassessed" => Ok(Self::NotAssessed),
            "exceeding" | "exc" | "3" => Err("is no longer an EYFS judgement: \"exceeding\" was removed from the profile in September 2021".to_owned()),
            _ => Err("is not an EYFS judgement: expected Expected, Emerging or A".to_owned()),
        }
    }
}

/// One pupil's EYFS profile: a judgement for each early learning goal in the file, in the
/// order of [`EARLY_LEARNING_GOALS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EyfsResult {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    /// `(canonical goal name, judgement)`.
    #[serde(deserialize_with = "deserialize_goals")]
    pub goals: Vec<(&'static str, EyfsJudgement)>,
}

/// Reads goal names back as the `'static` names of [`EARLY_LEARNING_GOALS`], rejecting others.
fn deserialize_goals<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<(&'static str, EyfsJudgement)>, D::Error> {
    let goals: Vec<(String, EyfsJudgement)> = Vec::deserialize(deserializer)?;
    goals
        .into_iter()
        .map(|(name, judgement)| {
            EARLY_LEARNING_GOALS
                .iter()
                .find(|(goal, _, _)| *goal == name)
                .map(|(goal, _, _)| (*goal, judgement))
                .ok_or_else(|| {
                    serde::de::Error::custom(format!("{name:?} is not an early learning goal"))
                })
        })
        .collect()
}

/// An in-year teacher assessment or predicted grade. Grade schemes differ from school to
/// school ("6+", "EXS", "On track"), so the result is kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeacherAssessment {
    pub upn: Upn,
    pub academic_year: Option<AcademicYear>,
    /// The assessment point or result set, e.g. "Y10 Spring predicted".
    pub assessment: String,
    pub subject: String,
    pub result: String,
    pub assessed_on: Option<NaiveDate>,
}

/// The codes outcomes are written with in DfE files, which `parse` reads back.
impl fmt::Display for Ks2TestOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = match self {
            Self::Scaled(n) => return write!(f, "{n}"),
            Self::Absent => "A",
            Self::WorkingBelow => "B",
            Self::JustArrived => "J",
            Self::Left => "L",
            Self::Missing => "M",
            Self::TakingLater => "P",
            Self::Maladministration => "Q",
            Self::UnableToAccess => "T",
            Self::NotAwarded => "U",
        };
        f.write_str(code)
    }
}

impl fmt::Display for WritingTa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = match self {
            Self::PreKeyStage(n) => return write!(f, "PK{n}"),
            Self::GreaterDepth => "GDS",
            Self::Expected => "EXS",
            Self::WorkingTowards => "WTS",
            Self::HasNotMet => "HNM",
            Self::Below => "BLW",
            Self::Absent => "A",
            Self::Disapplied => "D",
            Self::Left => "L",
        };
        f.write_str(code)
    }
}

impl fmt::Display for PhonicsOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = match self {
            Self::Mark(n) => return write!(f, "{n}"),
            Self::Absent => "A",
            Self::Disapplied => "D",
            Self::Left => "L",
            Self::Maladministration => "Q",
        };
        f.write_str(code)
    }
}

impl fmt::Display for MtcOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = match self {
            Self::Score(n) => return write!(f, "{n}"),
            Self::Absent => "A",
            Self::WorkingBelow => "B",
            Self::JustArrived => "J",
            Self::Left => "L",
            Self::UnableToAccess => "U",
            Self::IncorrectlyRegistered => "Z",
            Self::DidNotTake => "X",
            Self::NotAbleToAdminister => "NAA",
            Self::AnnulledCheating => "H",
            Self::AnnulledMaladministration => "Q",
        };
        f.write_str(code)
    }
}

impl fmt::Display for EyfsJudgement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Expected => "expected",
            Self::Emerging => "emerging",
            Self::NotAssessed => "A",
        })
    }
}
