//! National benchmarks: published figures for every school in England and for England as a
//! whole, per academic year, from the DfE performance tables (or, in the demo, a synthetic
//! national set of the same shape).
//!
//! Measure codes are the same as the stored measure results' (`ks4_attainment8` ...), so a
//! partnership school's own figure and the national figures line up by code. Proportions are
//! fractions (0 to 1), as in stored measure results; context percentages are in percent, as
//! the similar-schools method reads them.

use serde::{Deserialize, Serialize};

use crate::{AcademicYear, Phase, Urn};

/// A headline measure the DfE publishes for every school, with the DfE column it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BenchmarkMeasure {
    /// `ATT8SCR`.
    Ks4Attainment8,
    /// `P8MEA`, with `P8CILOW` and `P8CIUPP`.
    Ks4Progress8,
    /// `PTL2BASICS_95`: English and maths grade 5 or above.
    Ks4EnglishMaths5Plus,
    /// `PTRWM_EXP`: reading, writing and maths at the expected standard.
    Ks2RwmExpected,
    /// `PERCTOT`: overall absence rate.
    AttendanceOverallAbsence,
    /// `PPERSABS10`: persistent absentees (10 % or more sessions missed).
    AttendancePersistentAbsence,
}

impl BenchmarkMeasure {
    pub const ALL: [BenchmarkMeasure; 6] = [
        BenchmarkMeasure::Ks4Attainment8,
        BenchmarkMeasure::Ks4Progress8,
        BenchmarkMeasure::Ks4EnglishMaths5Plus,
        BenchmarkMeasure::Ks2RwmExpected,
        BenchmarkMeasure::AttendanceOverallAbsence,
        BenchmarkMeasure::AttendancePersistentAbsence,
    ];

    /// The stored measure code (the same as the measure results').
    pub fn code(self) -> &'static str {
        match self {
            BenchmarkMeasure::Ks4Attainment8 => "ks4_attainment8",
            BenchmarkMeasure::Ks4Progress8 => "ks4_progress8",
            BenchmarkMeasure::Ks4EnglishMaths5Plus => "ks4_english_maths_5plus",
            BenchmarkMeasure::Ks2RwmExpected => "ks2_rwm_expected",
            BenchmarkMeasure::AttendanceOverallAbsence => "attendance_overall_absence",
            BenchmarkMeasure::AttendancePersistentAbsence => "attendance_persistent_absence",
        }
    }

    pub fn parse(code: &str) -> Option<BenchmarkMeasure> {
        BenchmarkMeasure::ALL.into_iter().find(|m| m.code() == code)
    }

    /// Whether a lower value is better (absence).
    pub fn lower_is_better(self) -> bool {
        matches!(
            self,
            BenchmarkMeasure::AttendanceOverallAbsence
                | BenchmarkMeasure::AttendancePersistentAbsence
        )
    }
}

/// A context feature of a school, as the similar-schools method uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ContextFeature {
    /// Pupils on roll (census `NOR`).
    NPupils,
    /// Mean KS2 average scaled score of the KS4 cohort (secondary schools).
    PriorAttainment,
    /// % disadvantaged (census `PNUMFSMEVER`, FSM in the last six years).
    PercentDisadvantaged,
    /// % with SEN support or an EHC plan (census `PSENELK` + `PSENELSE`).
    PercentSen,
    /// % with English as an additional language (census `PNUMEAL`).
    PercentEal,
}

impl ContextFeature {
    pub const ALL: [ContextFeature; 5] = [
        ContextFeature::NPupils,
        ContextFeature::PriorAttainment,
        ContextFeature::PercentDisadvantaged,
        ContextFeature::PercentSen,
        ContextFeature::PercentEal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ContextFeature::NPupils => "n_pupils",
            ContextFeature::PriorAttainment => "prior_attainment",
            ContextFeature::PercentDisadvantaged => "percent_disadvantaged",
            ContextFeature::PercentSen => "percent_sen",
            ContextFeature::PercentEal => "percent_eal",
        }
    }

    pub fn parse(code: &str) -> Option<ContextFeature> {
        ContextFeature::ALL.into_iter().find(|f| f.code() == code)
    }
}

/// Which pupils an England figure covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BenchmarkGroup {
    All,
    Disadvantaged,
    /// "Other pupils": the DfE measures disadvantage gaps against these, nationally.
    NotDisadvantaged,
}

impl BenchmarkGroup {
    /// The stored code, the same as the measures engine's pupil group codes.
    pub fn code(self) -> &'static str {
        match self {
            BenchmarkGroup::All => "all",
            BenchmarkGroup::Disadvantaged => "disadvantaged",
            BenchmarkGroup::NotDisadvantaged => "non_disadvantaged",
        }
    }

    pub fn parse(code: &str) -> Option<BenchmarkGroup> {
        [
            BenchmarkGroup::All,
            BenchmarkGroup::Disadvantaged,
            BenchmarkGroup::NotDisadvantaged,
        ]
        .into_iter()
        .find(|g| g.code() == code)
    }
}

/// A published school figure: a value (with its pupil count and 95 % interval when the file
/// gives them), or suppressed with nothing inside.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum BenchmarkValue {
    Shown {
        value: f64,
        n_pupils: Option<u32>,
        ci: Option<(f64, f64)>,
    },
    Suppressed,
}

/// A school in the national set: who it is and which phase it is compared in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NationalSchool {
    pub academic_year: AcademicYear,
    pub urn: Urn,
    pub name: String,
    /// The local authority's three-digit code.
    pub la_code: Option<u16>,
    pub phase: Phase,
}

/// One context value of a school in the national set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NationalContextValue {
    pub academic_year: AcademicYear,
    pub urn: Urn,
    pub feature: ContextFeature,
    pub value: f64,
}

/// One school's published figure for a measure (all pupils).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NationalSchoolFigure {
    pub academic_year: AcademicYear,
    pub urn: Urn,
    pub measure: BenchmarkMeasure,
    pub value: BenchmarkValue,
}

/// An England figure for a measure, pupil group and (where the DfE splits it) phase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EnglandFigure {
    pub academic_year: AcademicYear,
    pub measure: BenchmarkMeasure,
    pub pupil_group: BenchmarkGroup,
    /// `None` for all phases together.
    pub phase: Option<Phase>,
    pub value: f64,
}

/// A batch of national benchmarks, as one file (or the demo) provides them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NationalBenchmarks {
    pub schools: Vec<NationalSchool>,
    pub context: Vec<NationalContextValue>,
    pub figures: Vec<NationalSchoolFigure>,
    pub england: Vec<EnglandFigure>,
}

impl NationalBenchmarks {
    pub fn is_empty(&self) -> bool {
        self.schools.is_empty()
            && self.context.is_empty()
            && self.figures.is_empty()
            && self.england.is_empty()
    }

    /// Rows of every kind.
    pub fn len(&self) -> usize {
        self.schools.len() + self.context.len() + self.figures.len() + self.england.len()
    }
}
