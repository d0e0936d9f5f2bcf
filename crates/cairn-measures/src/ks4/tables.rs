//! KS4 year data: the subject catalogue, grade point scores, Attainment 8 estimates by KS2
//! prior attainment group, national standard deviations and extreme-score minimums.
//!
//! Each table is embedded from `data/` (see `data/README.md` for sources) and can be replaced
//! by caller-supplied text of the same shape.

use std::collections::HashMap;

use cairn_domain::AcademicYear;
use serde::{Deserialize, Serialize};

use crate::MeasureError;
use crate::table::CsvTable;

const SUBJECTS_CSV: &str = include_str!("../../data/ks4_subjects.csv");
const POINTS_CSV: &str = include_str!("../../data/ks4_qualification_point_scores.csv");
const ESTIMATES_CSV: &str = include_str!("../../data/p8_attainment8_estimates_by_ks2_group.csv");
const SDS_CSV: &str = include_str!("../../data/p8_national_standard_deviations.csv");

/// Bits saying where a qualification may count; slot elements accept a set of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct RoleMask(pub u8);

impl RoleMask {
    pub const ENGLISH_LANGUAGE: RoleMask = RoleMask(1);
    pub const ENGLISH_LITERATURE: RoleMask = RoleMask(1 << 1);
    pub const MATHS: RoleMask = RoleMask(1 << 2);
    pub const SCIENCE: RoleMask = RoleMask(1 << 3);
    pub const HUMANITIES: RoleMask = RoleMask(1 << 4);
    pub const LANGUAGE: RoleMask = RoleMask(1 << 5);
    /// Any other GCSE.
    pub const OTHER_GCSE: RoleMask = RoleMask(1 << 6);
    /// An approved non-GCSE qualification (open element only, measures.md §1.1).
    pub const NON_GCSE: RoleMask = RoleMask(1 << 7);
    pub const ENGLISH: RoleMask = RoleMask(1 | 1 << 1);
    pub const EBACC: RoleMask = RoleMask(1 << 3 | 1 << 4 | 1 << 5);
    pub const ANY: RoleMask = RoleMask(u8::MAX);

    pub fn union(self, other: RoleMask) -> RoleMask {
        RoleMask(self.0 | other.0)
    }

    pub fn intersects(self, other: RoleMask) -> bool {
        self.0 & other.0 != 0
    }
}

/// Which grade scale a subject's results use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeScale {
    /// GCSE 9–1 (and legacy A*–G letters).
    Gcse,
    /// Combined science double award, 9-9 to 1-1.
    CombinedScience,
    /// Approved Level 1/Level 2 technical award (L2D* … L1P).
    TechnicalAward,
}

/// A catalogued KS4 subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub role: RoleMask,
    pub scale: GradeScale,
}

/// An interned subject: an index into the [`SubjectCatalogue`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SubjectId(pub(crate) u16);

impl SubjectId {
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// KS4 subjects and where each may count, interned to [`SubjectId`]s.
#[derive(Debug, Clone, Default)]
pub struct SubjectCatalogue {
    subjects: Vec<Subject>,
    by_name: HashMap<String, SubjectId>,
}

impl SubjectCatalogue {
    /// The starter catalogue in `data/ks4_subjects.csv` (measures.md §1.1).
    pub fn dfe_default() -> Result<Self, MeasureError> {
        Self::parse(SUBJECTS_CSV).map_err(MeasureError::embedded)
    }

    /// Reads a catalogue with columns `subject, role, ebacc_pillar, double_award`, where role
    /// is `english_language`, `english_literature`, `maths`, `ebacc`, `open` or `non_gcse`,
    /// and the pillar is `science`, `humanities` or `language`.
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        let table = CsvTable::parse("ks4_subjects", text)?;
        let (c_subject, c_role, c_pillar, c_double) = (
            table.column("subject")?,
            table.column("role")?,
            table.column("ebacc_pillar")?,
            table.column("double_award")?,
        );
        let mut catalogue = SubjectCatalogue::default();
        for row in table.rows() {
            let role = match (row.text(c_role)?, row.text(c_pillar)?) {
                ("english_language", _) => RoleMask::ENGLISH_LANGUAGE,
                ("english_literature", _) => RoleMask::ENGLISH_LITERATURE,
                ("maths", _) => RoleMask::MATHS,
                ("ebacc", "science") => RoleMask::SCIENCE,
                ("ebacc", "humanities") => RoleMask::HUMANITIES,
                ("ebacc", "language") => RoleMask::LANGUAGE,
                ("open", _) => RoleMask::OTHER_GCSE,
                ("non_gcse", _) => RoleMask::NON_GCSE,
                (role, pillar) => {
                    return Err(row.error(&format!("unknown role {role:?} / pillar {pillar:?}")));
                }
            };
            let scale = match row.text(c_double)? {
                "yes" => GradeScale::CombinedScience,
                "no" if role == RoleMask::NON_GCSE => GradeScale::TechnicalAward,
                "no" => GradeScale::Gcse,
                other => return Err(row.error(&format!("double_award {other:?} is not yes/no"))),
            };
            catalogue.add(row.text(c_subject)?, role, scale);
        }
        Ok(catalogue)
    }

    /// Adds (or replaces) a subject and returns its id.
    pub fn add(&mut self, name: &str, role: RoleMask, scale: GradeScale) -> SubjectId {
        let key = name.trim().to_lowercase();
        if let Some(&id) = self.by_name.get(&key) {
            if let Some(subject) = self.subjects.get_mut(id.index()) {
                *subject = Subject {
                    name: name.trim().to_owned(),
                    role,
                    scale,
                };
            }
            return id;
        }
        let id = SubjectId(u16::try_from(self.subjects.len()).unwrap_or(u16::MAX));
        self.subjects.push(Subject {
            name: name.trim().to_owned(),
            role,
            scale,
        });
        self.by_name.insert(key, id);
        id
    }

    /// Looks a subject up by name, ignoring case and surrounding spaces.
    pub fn lookup(&self, name: &str) -> Result<SubjectId, MeasureError> {
        let trimmed = name.trim();
        let found = self
            .by_name
            .get(trimmed)
            .copied()
            .or_else(|| self.by_name.get(trimmed.to_lowercase().as_str()).copied());
        found.ok_or_else(|| MeasureError::UnknownSubject {
            subject: name.to_owned(),
        })
    }

    pub fn get(&self, id: SubjectId) -> Option<&Subject> {
        self.subjects.get(id.index())
    }

    pub fn len(&self) -> usize {
        self.subjects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.subjects.is_empty()
    }

    /// Reads a grade in the scale of `subject`.
    pub fn parse_grade(&self, subject: SubjectId, text: &str) -> Result<Ks4Grade, MeasureError> {
        let scale = self.get(subject).map_or(GradeScale::Gcse, |s| s.scale);
        Ks4Grade::parse(scale, text)
    }
}

const LEGACY: [&str; 9] = ["A*", "A", "B", "C", "D", "E", "F", "G", "U"];
const TECHNICAL: [&str; 8] = ["L2D*", "L2D", "L2M", "L2P", "L1D", "L1M", "L1P", "U"];

/// A KS4 grade, read in the scale of its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Ks4Grade {
    /// GCSE 9–1; 0 is U.
    Gcse(u8),
    /// Combined science double award, higher grade first; `(0, 0)` is U.
    CombinedScience(u8, u8),
    /// Legacy A*–G GCSE, as an index into A*, A, B, C, D, E, F, G, U.
    Legacy(u8),
    /// Level 1/Level 2 technical award, as an index into L2D*, L2D, L2M, L2P, L1D, L1M, L1P, U.
    Technical(u8),
}

impl Ks4Grade {
    /// Reads `9`…`1`, `U`, `A*`…`G` (GCSE scale); `9-9`…`1-1`, `98`, `U` (combined
    /// science); `L2D*`…`L1P`, `U` (technical awards).
    pub fn parse(scale: GradeScale, text: &str) -> Result<Self, MeasureError> {
        // Byte patterns, so the bulk path (millions of results) does not allocate.
        let t = text.trim();
        let bad = || MeasureError::UnknownGrade {
            grade: text.to_owned(),
            context: match scale {
                GradeScale::Gcse => " on the GCSE scale".to_owned(),
                GradeScale::CombinedScience => " for combined science".to_owned(),
                GradeScale::TechnicalAward => " for a technical award".to_owned(),
            },
        };
        let position = |list: &[&str]| {
            list.iter()
                .position(|g| g.eq_ignore_ascii_case(t))
                .and_then(|i| u8::try_from(i).ok())
        };
        match (scale, t.as_bytes()) {
            (GradeScale::Gcse, [d @ b'1'..=b'9']) => Ok(Ks4Grade::Gcse(d - b'0')),
            (GradeScale::Gcse, [b'U' | b'u']) => Ok(Ks4Grade::Gcse(0)),
            (GradeScale::Gcse, _) => position(&LEGACY).map(Ks4Grade::Legacy).ok_or_else(bad),
            (
                GradeScale::CombinedScience,
                [b'U' | b'u'] | [b'U' | b'u', b'U' | b'u'] | [b'U' | b'u', b'-', b'U' | b'u'],
            ) => Ok(Ks4Grade::CombinedScience(0, 0)),
            (
                GradeScale::CombinedScience,
                [a @ b'1'..=b'9', b @ b'1'..=b'9'] | [a @ b'1'..=b'9', b'-', b @ b'1'..=b'9'],
            ) => {
                let (a, b) = (a - b'0', b - b'0');
                Ok(Ks4Grade::CombinedScience(a.max(b), a.min(b)))
            }
            (GradeScale::CombinedScience, _) => Err(bad()),
            (GradeScale::TechnicalAward, _) => position(&TECHNICAL)
                .map(Ks4Grade::Technical)
                .ok_or_else(bad),
        }
    }

    /// Position in the dense points table, or `None` for an impossible grade.
    fn dense_index(self) -> Option<usize> {
        match self {
            Ks4Grade::Gcse(g) if g <= 9 => Some(usize::from(g)),
            Ks4Grade::CombinedScience(a, b) if a <= 9 && b <= 9 => {
                Some(10 + usize::from(a) * 10 + usize::from(b))
            }
            Ks4Grade::Legacy(i) if usize::from(i) < LEGACY.len() => Some(110 + usize::from(i)),
            Ks4Grade::Technical(i) if usize::from(i) < TECHNICAL.len() => {
                Some(119 + usize::from(i))
            }
            _ => None,
        }
    }

    /// Whether this is an approved non-GCSE result (open element only).
    pub fn is_non_gcse(self) -> bool {
        matches!(self, Ks4Grade::Technical(_))
    }

    /// Whether the qualification is a double award (fills up to two slots).
    pub fn is_double_award(self) -> bool {
        matches!(self, Ks4Grade::CombinedScience(..))
    }
}

const N_DENSE: usize = 127;

/// Points per slot for each grade, in hundredths of a point (exact sums).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PointScores {
    points_x100: [Option<u16>; N_DENSE],
}

impl PointScores {
    /// `data/ks4_qualification_point_scores.csv` (measures.md §1.2).
    pub fn dfe_default() -> Result<Self, MeasureError> {
        Self::parse(POINTS_CSV).map_err(MeasureError::embedded)
    }

    /// Reads a table with columns `scale, grade, points`; scales `gcse_9_1`,
    /// `gcse_combined_science_double_award`, `gcse_legacy_a_star_g_2017_onwards`,
    /// `l1_l2_technical_award`.
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        let table = CsvTable::parse("ks4_qualification_point_scores", text)?;
        let (c_scale, c_grade, c_points) = (
            table.column("scale")?,
            table.column("grade")?,
            table.column("points")?,
        );
        let mut points_x100 = [None; N_DENSE];
        for row in table.rows() {
            let grade_text = row.text(c_grade)?;
            let grade = match row.text(c_scale)? {
                "gcse_9_1" => Ks4Grade::parse(GradeScale::Gcse, grade_text),
                "gcse_combined_science_double_award" => {
                    Ks4Grade::parse(GradeScale::CombinedScience, grade_text)
                }
                "gcse_legacy_a_star_g_2017_onwards" => {
                    if grade_text.eq_ignore_ascii_case("U") {
                        Ok(Ks4Grade::Legacy(8))
                    } else {
                        Ks4Grade::parse(GradeScale::Gcse, grade_text)
                    }
                }
                "l1_l2_technical_award" => Ks4Grade::parse(GradeScale::TechnicalAward, grade_text),
                other => return Err(row.error(&format!("unknown scale {other:?}"))),
            }
            .map_err(|e| row.error(&e.to_string()))?;
            let points = row.number(c_points)?;
            if !(0.0..=9.0).contains(&points) {
                return Err(row.error(&format!("points {points} outside 0 to 9")));
            }
            let x100 = (points * 100.0).round() as u16;
            if let Some(slot) = grade.dense_index().and_then(|i| points_x100.get_mut(i)) {
                *slot = Some(x100);
            }
        }
        Ok(PointScores { points_x100 })
    }

    /// Points per slot in hundredths, or `None` when the table has no score for the grade.
    pub fn points_x100(&self, grade: Ks4Grade) -> Option<u16> {
        grade
            .dense_index()
            .and_then(|i| self.points_x100.get(i).copied().flatten())
    }
}

/// A pupil's KS2 prior attainment: the mean of the reading and maths scaled scores, held in
/// half points (measures.md §2.2: values in steps of 0.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Ks2Average(u16);

impl Ks2Average {
    /// From the two scaled scores (or scaled-score equivalents for pupils below the
    /// standard of the tests, measures.md §2.2).
    pub fn from_scaled_scores(reading: u8, maths: u8) -> Result<Self, MeasureError> {
        Self::from_halves(u16::from(reading) + u16::from(maths))
    }

    /// From an average such as `104.5`.
    pub fn from_value(value: f64) -> Result<Self, MeasureError> {
        let halves = value * 2.0;
        if !halves.is_finite() || halves.fract() != 0.0 || !(0.0..=240.0).contains(&halves) {
            return Err(MeasureError::Ks2AverageOutOfRange {
                value: value.to_string(),
            });
        }
        Self::from_halves(halves as u16)
    }

    fn from_halves(halves: u16) -> Result<Self, MeasureError> {
        if halves <= 240 {
            Ok(Ks2Average(halves))
        } else {
            Err(MeasureError::Ks2AverageOutOfRange {
                value: (f64::from(halves) / 2.0).to_string(),
            })
        }
    }

    pub fn value(self) -> f64 {
        f64::from(self.0) / 2.0
    }

    pub(crate) fn halves(self) -> u16 {
        self.0
    }
}

/// Whether a DfE table row is from the provisional or the revised release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Release {
    Provisional,
    Revised,
}

impl Release {
    pub fn code(self) -> &'static str {
        match self {
            Release::Provisional => "provisional",
            Release::Revised => "revised",
        }
    }
}

/// The KS4 year of a cohort: the calendar year of the summer exams (2023/24 → 2024).
fn ks4_year(academic_year: AcademicYear) -> u16 {
    academic_year.start_year() + 1
}

/// Attainment 8 estimates for one prior attainment group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupEstimate {
    pub group: u8,
    pub ks2_from: f64,
    pub ks2_to: f64,
    pub attainment8: f64,
    /// Element estimates in the order English, maths, EBacc, open.
    pub elements: [f64; 4],
}

/// One year's Attainment 8 estimates by KS2 prior attainment group (measures.md §2.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimates {
    groups: Vec<GroupEstimate>,
    /// For each KS2 average in half points (0..=240), the index into `groups`.
    lookup: Vec<Option<u8>>,
}

impl Estimates {
    /// The DfE table for a cohort's academic year (2023/24 for the 2024 KS4 year).
    pub fn dfe(academic_year: AcademicYear, release: Release) -> Result<Self, MeasureError> {
        Self::parse(ESTIMATES_CSV, academic_year, release).map_err(MeasureError::embedded)
    }

    /// Reads the rows for one year and release from a table shaped like
    /// `data/p8_attainment8_estimates_by_ks2_group.csv`.
    pub fn parse(
        text: &str,
        academic_year: AcademicYear,
        release: Release,
    ) -> Result<Self, MeasureError> {
        let table = CsvTable::parse("p8_attainment8_estimates", text)?;
        let columns = [
            "ks4_year",
            "release",
            "ks2_prior_attainment_group",
            "ks2_avg_scaled_score_from",
            "ks2_avg_scaled_score_to",
            "a8_estimate",
            "english_element_estimate",
            "maths_element_estimate",
            "ebacc_element_estimate",
            "open_element_estimate",
        ];
        let mut c = [0usize; 10];
        for (slot, name) in c.iter_mut().zip(columns) {
            *slot = table.column(name)?;
        }
        let [
            c_year,
            c_release,
            c_group,
            c_from,
            c_to,
            c_a8,
            c_en,
            c_ma,
            c_eb,
            c_op,
        ] = c;
        let year = ks4_year(academic_year);
        let mut groups = Vec::new();
        for row in table.rows() {
            if row.number(c_year)? != f64::from(year) || row.text(c_release)? != release.code() {
                continue;
            }
            let group = row.number(c_group)?;
            groups.push(GroupEstimate {
                group: u8::try_from(group as i64).map_err(|_| row.error("bad group number"))?,
                ks2_from: row.number(c_from)?,
                ks2_to: row.number(c_to)?,
                attainment8: row.number(c_a8)?,
                elements: [
                    row.number(c_en)?,
                    row.number(c_ma)?,
                    row.number(c_eb)?,
                    row.number(c_op)?,
                ],
            });
        }
        if groups.is_empty() {
            return Err(MeasureError::MissingEstimates {
                year,
                release: release.code().to_owned(),
            });
        }
        Ok(Self::from_groups(groups))
    }

    /// Builds estimates from rows (sorted by KS2 range here).
    pub fn from_groups(mut groups: Vec<GroupEstimate>) -> Self {
        groups.sort_by(|a, b| a.ks2_from.total_cmp(&b.ks2_from));
        let lowest = groups.first().map_or(0.0, |g| g.ks2_from);
        let lookup = (0..=240u16)
            .map(|halves| {
                let value = f64::from(halves) / 2.0;
                // Averages below the first group's floor (59) go in the first group: the DfE
                // floor comes from the lowest scaled-score equivalents (measures.md §2.2).
                let value = value.max(lowest);
                groups
                    .iter()
                    .position(|g| g.ks2_from <= value && value <= g.ks2_to)
                    .and_then(|i| u8::try_from(i).ok())
            })
            .collect();
        Estimates { groups, lookup }
    }

    /// The prior attainment group for a KS2 average.
    pub fn group_for(&self, average: Ks2Average) -> Option<&GroupEstimate> {
        let idx = self
            .lookup
            .get(usize::from(average.halves()))
            .copied()
            .flatten()?;
        self.groups.get(usize::from(idx))
    }

    pub fn groups(&self) -> &[GroupEstimate] {
        &self.groups
    }
}

/// National standard deviations of pupil Progress 8 and element scores for one year
/// (measures.md §2.5), used for confidence intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NationalSds {
    pub progress8: f64,
    /// English, maths, EBacc, open.
    pub elements: [f64; 4],
}

impl NationalSds {
    pub fn dfe(academic_year: AcademicYear, release: Release) -> Result<Self, MeasureError> {
        Self::parse(SDS_CSV, academic_year, release).map_err(MeasureError::embedded)
    }

    pub fn parse(
        text: &str,
        academic_year: AcademicYear,
        release: Release,
    ) -> Result<Self, MeasureError> {
        let table = CsvTable::parse("p8_national_standard_deviations", text)?;
        let c_year = table.column("ks4_year")?;
        let c_release = table.column("release")?;
        let c = [
            table.column("p8_sd")?,
            table.column("p8_english_element_sd")?,
            table.column("p8_maths_element_sd")?,
            table.column("p8_ebacc_element_sd")?,
            table.column("p8_open_element_sd")?,
        ];
        let year = ks4_year(academic_year);
        for row in table.rows() {
            if row.number(c_year)? == f64::from(year) && row.text(c_release)? == release.code() {
                let [p8, en, ma, eb, op] = c;
                return Ok(NationalSds {
                    progress8: row.number(p8)?,
                    elements: [
                        row.number(en)?,
                        row.number(ma)?,
                        row.number(eb)?,
                        row.number(op)?,
                    ],
                });
            }
        }
        Err(MeasureError::MissingStandardDeviation {
            year,
            release: release.code().to_owned(),
        })
    }
}

/// The z cut-off the DfE used in 2022 for extreme negative scores (about 1 % of pupils
/// nationally below it; DfE ready reckoner `KS4 outliers.sql`, measures.md §2.7).
pub const DFE_2022_EXTREME_SCORE_Z: f64 = -2.894_855_694_8;

/// Per-group minimum Progress 8 scores for the extreme-negative-score adjustment
/// (measures.md §2.7): a pupil's score below their group's minimum is replaced by it, for
/// school averages only. Year data from the DfE guidance annex, loaded by the caller.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExtremeScoreMinimums {
    /// Indexed by prior attainment group number.
    by_group: Vec<Option<f64>>,
}

impl ExtremeScoreMinimums {
    /// Reads columns `ks2_prior_attainment_group, minimum_p8_score`.
    pub fn parse(text: &str) -> Result<Self, MeasureError> {
        let table = CsvTable::parse("p8_extreme_score_minimums", text)?;
        let c_group = table.column("ks2_prior_attainment_group")?;
        let c_min = table.column("minimum_p8_score")?;
        let mut minimums = ExtremeScoreMinimums::default();
        for row in table.rows() {
            let group = u8::try_from(row.number(c_group)? as i64)
                .map_err(|_| row.error("bad group number"))?;
            minimums = minimums.with(group, row.number(c_min)?);
        }
        Ok(minimums)
    }

    /// The DfE method (measures.md §2.7): minimum = group SD of pupil P8 × the national
    /// z cut-off (−2.8948556948 in 2022), from per-group SDs `(group, sd)`.
    pub fn from_group_sds(sds: &[(u8, f64)], z_cutoff: f64) -> Self {
        sds.iter().fold(Self::default(), |m, &(group, sd)| {
            m.with(group, sd * z_cutoff)
        })
    }

    pub fn with(mut self, group: u8, minimum: f64) -> Self {
        let idx = usize::from(group);
        if self.by_group.len() <= idx {
            self.by_group.resize(idx + 1, None);
        }
        if let Some(slot) = self.by_group.get_mut(idx) {
            *slot = Some(minimum);
        }
        self
    }

    pub fn minimum_for(&self, group: u8) -> Option<f64> {
        self.by_group.get(usize::from(group)).copied().flatten()
    }

    /// The score used in school averages.
    pub fn adjust(&self, group: u8, score: f64) -> f64 {
        match self.minimum_for(group) {
            Some(minimum) if score < minimum => minimum,
            _ => score,
        }
    }
}
