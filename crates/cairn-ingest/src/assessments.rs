//! Assessment and attendance records that `cairn-domain` does not define yet, and the closed
//! code sets they use. Each value type parses once here, so code downstream takes a
//! [`Ks4Grade`] or an [`AttendanceCode`], never a string.
//!
//! When `cairn-domain` gains these types, this module should re-export those instead.

use std::fmt;

use cairn_domain::{AcademicYear, Term, Upn, Urn};
use chrono::NaiveDate;

/// A GCSE (9–1) grade: a single grade 9 to 1, U, or a combined science double-award grade
/// from 9-9 to 1-1 whose two halves differ by at most one (9-9, 9-8, 8-8, 8-7, …).
///
/// Source: DfE secondary accountability guidance (measures.md section 1.2) and
/// `ks4_subjects.csv` ("double award graded 9-9 to 1-1").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ks4Grade {
    Single(u8),
    Double(u8, u8),
    /// Ungraded, for single or double awards.
    U,
}

impl Ks4Grade {
    /// Accepts `7`, `U`, `9-8`, `98` and `9/8`.
    pub fn parse(value: &str) -> Result<Self, String> {
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

/// Where a subject may count in Attainment 8 (`role` in `ks4_subjects.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectRole {
    EnglishLanguage,
    EnglishLiterature,
    Maths,
    Ebacc,
    Open,
}

/// One subject of the KS4 catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ks4Subject {
    pub name: String,
    pub role: SubjectRole,
    /// `science`, `humanities` or `language` for EBacc subjects.
    pub ebacc_pillar: Option<String>,
    /// Graded 9-9 to 1-1 (combined science).
    pub double_award: bool,
}

/// The subjects KS4 results are checked against: the built-in starter catalogue, optionally
/// extended by the caller (a trust's own list of qualifications).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectCatalogue {
    subjects: Vec<Ks4Subject>,
}

const KS4_SUBJECTS_CSV: &str = include_str!("../data/ks4_subjects.csv");

/// Names MIS exports use for catalogue subjects. Keys and values are normalised.
const SUBJECT_SYNONYMS: &[(&str, &str)] = &[
    ("maths", "mathematics"),
    ("math", "mathematics"),
    ("englishlang", "englishlanguage"),
    ("englishlit", "englishliterature"),
    ("combinedsciencetrilogy", "combinedscience"),
    ("combinedsciencesynergy", "combinedscience"),
    ("sciencedoubleaward", "combinedscience"),
    ("doublescience", "combinedscience"),
    ("computing", "computerscience"),
    ("re", "religiousstudies"),
    ("pe", "physicaleducation"),
    ("dt", "designandtechnology"),
    ("art", "artanddesign"),
];

impl SubjectCatalogue {
    /// The starter catalogue in `data/ks4_subjects.csv`.
    pub fn standard() -> Self {
        let parsed = parse_subject_catalogue("ks4_subjects.csv", KS4_SUBJECTS_CSV.as_bytes());
        SubjectCatalogue {
            subjects: parsed.records,
        }
    }

    pub fn new(subjects: Vec<Ks4Subject>) -> Self {
        SubjectCatalogue { subjects }
    }

    /// Adds subjects (e.g. parsed with [`parse_subject_catalogue`] from a trust's own file);
    /// a subject already present by name is replaced.
    pub fn extend(&mut self, extra: impl IntoIterator<Item = Ks4Subject>) {
        for subject in extra {
            let key = crate::table::normalise_header(&subject.name);
            self.subjects
                .retain(|s| crate::table::normalise_header(&s.name) != key);
            self.subjects.push(subject);
        }
    }

    pub fn subjects(&self) -> &[Ks4Subject] {
        &self.subjects
    }

    /// Finds a subject by name, ignoring case and punctuation and accepting common short names.
    pub fn find(&self, name: &str) -> Option<&Ks4Subject> {
        let key = crate::table::normalise_header(name);
        let key = SUBJECT_SYNONYMS
            .iter()
            .find(|(from, _)| *from == key)
            .map_or(key.as_str(), |(_, to)| to);
        self.subjects
            .iter()
            .find(|s| crate::table::normalise_header(&s.name) == key)
    }
}

/// Parses a subject catalogue shaped like `ks4_subjects.csv`
/// (`subject,role,ebacc_pillar,double_award[,note]`).
pub fn parse_subject_catalogue(file: &str, bytes: &[u8]) -> crate::Parsed<Ks4Subject> {
    let mut problems = crate::report::Problems::new(file);
    let Some(table) = crate::table::read_table(bytes, &mut problems) else {
        return problems.finish(Vec::new());
    };
    let Some([c_subject, c_role]) = table.require(["subject", "role"], &mut problems) else {
        return problems.finish(Vec::new());
    };
    let c_pillar = table.find(&["ebacc_pillar"]);
    let c_double = table.find(&["double_award"]);
    let mut records = Vec::new();
    for row in &table.rows {
        let name = row.get(c_subject);
        if name.is_empty() {
            problems.error(row.line, table.header(c_subject), "", "is required");
            continue;
        }
        let role = match row.get(c_role).to_ascii_lowercase().as_str() {
            "english_language" => SubjectRole::EnglishLanguage,
            "english_literature" => SubjectRole::EnglishLiterature,
            "maths" => SubjectRole::Maths,
            "ebacc" => SubjectRole::Ebacc,
            "open" => SubjectRole::Open,
            _ => {
                problems.error(
                    row.line,
                    table.header(c_role),
                    row.get(c_role),
                    "is not a subject role; expected one of: english_language, english_literature, maths, ebacc, open",
                );
                continue;
            }
        };
        let double_award = match c_double.map(|c| row.get(c)) {
            None | Some("" | "no" | "No" | "n" | "N") => false,
            Some("yes" | "Yes" | "y" | "Y") => true,
            Some(other) => {
                problems.error(
                    row.line,
                    table.header(c_double.unwrap_or(0)),
                    other,
                    "is not yes or no",
                );
                continue;
            }
        };
        let pillar = row.opt(c_pillar);
        records.push(Ks4Subject {
            name: name.to_owned(),
            role,
            ebacc_pillar: (!pillar.is_empty()).then(|| pillar.to_owned()),
            double_award,
        });
    }
    problems.finish(records)
}

/// A KS4 qualification result, canonical columns `upn,urn,subject,grade`.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub fn parse(value: &str) -> Result<Self, String> {
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub fn parse(value: &str) -> Result<Self, String> {
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub fn parse(value: &str) -> Result<Self, String> {
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhonicsResult {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    pub outcome: PhonicsOutcome,
}

/// A multiplication tables check outcome: a score from 0 to 25 or a DfE MTC code.
///
/// Source: DfE MTC service result codes, measures.md section 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    pub fn parse(value: &str) -> Result<Self, String> {
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

#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EyfsJudgement {
    Expected,
    Emerging,
    /// A: not assessed (long absence or recent arrival).
    NotAssessed,
}

impl EyfsJudgement {
    pub fn parse(value: &str) -> Result<Self, String> {
        match crate::table::normalise_header(value).as_str() {
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EyfsResult {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    /// `(canonical goal name, judgement)`.
    pub goals: Vec<(&'static str, EyfsJudgement)>,
}

/// How the DfE absence statistics treat a session with this code.
///
/// Source: `data/attendance_codes_2024.csv`; measures.md section 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatisticalTreatment {
    Present,
    /// Attending an approved educational activity: counts as attendance.
    ApprovedActivity,
    Authorised,
    Unauthorised,
    /// Not a possible session.
    NotCounted,
}

/// An attendance register code, checked against the code set in force on the session's date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceCode {
    code: String,
    treatment: StatisticalTreatment,
}

impl AttendanceCode {
    pub fn as_str(&self) -> &str {
        &self.code
    }

    pub fn treatment(&self) -> StatisticalTreatment {
        self.treatment
    }
}

impl fmt::Display for AttendanceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

const ATTENDANCE_CODES_CSV: &str = include_str!("../data/attendance_codes_2024.csv");

/// The day the 2024 code set replaced the old one: the School Attendance (Pupil Registration)
/// (England) Regulations 2024 apply from 19 August 2024 (measures.md section 6).
pub fn attendance_codes_2024_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 8, 19).unwrap_or(NaiveDate::MIN)
}

/// Codes withdrawn on 19 August 2024, still valid for earlier sessions: H (holiday
/// authorised), F (extended family holiday), J (interview; an approved activity until 2024,
/// now J1, authorised), Y (enforced closure; now Y1 to Y7).
const WITHDRAWN_2024: &[(&str, StatisticalTreatment)] = &[
    ("H", StatisticalTreatment::Authorised),
    ("F", StatisticalTreatment::Authorised),
    ("J", StatisticalTreatment::ApprovedActivity),
    ("Y", StatisticalTreatment::NotCounted),
];

/// The register codes an import accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceCodeSet {
    codes: Vec<(String, StatisticalTreatment)>,
}

impl AttendanceCodeSet {
    /// The 2024 code set from `data/attendance_codes_2024.csv`.
    pub fn standard() -> Self {
        let codes = ATTENDANCE_CODES_CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut fields = line.split(',');
                let code = fields.next()?.trim();
                // The meaning may contain commas only inside quotes; the treatment is the
                // second-to-last field either way.
                let rest: Vec<&str> = line.rsplitn(3, ',').collect();
                let treatment = match rest.get(1).copied()? {
                    "present" => StatisticalTreatment::Present,
                    "aea" => StatisticalTreatment::ApprovedActivity,
                    "authorised" => StatisticalTreatment::Authorised,
                    "unauthorised" => StatisticalTreatment::Unauthorised,
                    _ => StatisticalTreatment::NotCounted,
                };
                Some((code.to_owned(), treatment))
            })
            .collect();
        AttendanceCodeSet { codes }
    }

    /// Checks a code for a session on `date`.
    pub fn lookup(&self, code: &str, date: NaiveDate) -> Result<AttendanceCode, String> {
        let code = code.trim().to_ascii_uppercase();
        if let Some((c, treatment)) = self.codes.iter().find(|(c, _)| *c == code) {
            return Ok(AttendanceCode {
                code: c.clone(),
                treatment: *treatment,
            });
        }
        if let Some((c, treatment)) = WITHDRAWN_2024.iter().find(|(c, _)| *c == code) {
            if date < attendance_codes_2024_from() {
                return Ok(AttendanceCode {
                    code: (*c).to_owned(),
                    treatment: *treatment,
                });
            }
            return Err(format!(
                "was withdrawn from the attendance code set on 19 August 2024 (School Attendance Regulations 2024); use {} instead",
                match code.as_str() {
                    "J" => "J1",
                    "Y" => "Y1 to Y7",
                    _ => "G or another leave-of-absence code",
                }
            ));
        }
        Err("is not an attendance code in the 2024 code set".to_owned())
    }
}

/// Morning or afternoon register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Session {
    Am,
    Pm,
}

impl Session {
    pub fn parse(value: &str) -> Result<Self, String> {
        match crate::table::normalise_header(value).as_str() {
            "am" | "a" | "morning" => Ok(Self::Am),
            "pm" | "p" | "afternoon" => Ok(Self::Pm),
            _ => Err("is not a session: expected AM or PM".to_owned()),
        }
    }
}

/// One register mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceMark {
    pub upn: Upn,
    pub date: NaiveDate,
    pub session: Session,
    pub code: AttendanceCode,
}

/// Session counts for a pupil over a term or year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceSummary {
    pub upn: Upn,
    pub academic_year: AcademicYear,
    pub term: Option<Term>,
    pub sessions_possible: u32,
    pub sessions_attended: u32,
    pub sessions_authorised: u32,
    pub sessions_unauthorised: u32,
}

/// An in-year teacher assessment or predicted grade. Grade schemes differ from school to
/// school ("6+", "EXS", "On track"), so the result is kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeacherAssessment {
    pub upn: Upn,
    pub academic_year: Option<AcademicYear>,
    /// The assessment point or result set, e.g. "Y10 Spring predicted".
    pub assessment: String,
    pub subject: String,
    pub result: String,
    pub assessed_on: Option<NaiveDate>,
}
