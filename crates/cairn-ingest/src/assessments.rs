//! The KS4 subject catalogue and the attendance code set an import checks against, and
//! re-exports of the assessment and attendance records, which live in `cairn-domain`
//! (STYLE.md point 3) so the store and the measures take the same validated types.

pub use cairn_domain::{
    AssessmentError, AttendanceCode, AttendanceMark, AttendanceSummary, EARLY_LEARNING_GOALS,
    EyfsJudgement, EyfsResult, Ks2Result, Ks2TestOutcome, Ks4Grade, Ks4ResultRow, MtcOutcome,
    MtcResult, PhonicsOutcome, PhonicsResult, Session, StatisticalTreatment, TeacherAssessment,
    WritingTa, attendance_codes_2024_from,
};
use chrono::NaiveDate;

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
    /// Each subject's normalised name and synonym, to its index: a results file looks a
    /// subject up on every row.
    index: std::collections::HashMap<String, usize>,
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
        Self::new(parsed.records)
    }

    pub fn new(subjects: Vec<Ks4Subject>) -> Self {
        let mut catalogue = SubjectCatalogue {
            subjects,
            index: std::collections::HashMap::new(),
        };
        catalogue.reindex();
        catalogue
    }

    fn reindex(&mut self) {
        self.index.clear();
        for (i, subject) in self.subjects.iter().enumerate() {
            // The first subject of a name wins, as a scan in order would find it.
            self.index
                .entry(crate::table::normalise_header(&subject.name))
                .or_insert(i);
        }
        // A synonym means its catalogue subject, even over a subject of the synonym's name.
        for (from, to) in SUBJECT_SYNONYMS {
            if let Some(&i) = self.index.get(*to) {
                self.index.insert((*from).to_owned(), i);
            }
        }
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
        self.reindex();
    }

    pub fn subjects(&self) -> &[Ks4Subject] {
        &self.subjects
    }

    /// Finds a subject by name, ignoring case and punctuation and accepting common short names.
    pub fn find(&self, name: &str) -> Option<&Ks4Subject> {
        let key = crate::table::normalise_header(name);
        self.index.get(&key).and_then(|&i| self.subjects.get(i))
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

/// The register codes an import accepts: the 2024 code set `cairn-domain` defines, which
/// `data/attendance_codes_2024.csv` copies (a unit test checks they agree).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttendanceCodeSet;

impl AttendanceCodeSet {
    /// The 2024 code set.
    pub fn standard() -> Self {
        AttendanceCodeSet
    }

    /// Checks a code for a session on `date`.
    pub fn lookup(self, code: &str, date: NaiveDate) -> Result<AttendanceCode, String> {
        AttendanceCode::parse(code, date).map_err(String::from)
    }
}
