//! Cairn's domain vocabulary: identifiers, codes and records, each validated once at the edge.
//!
//! Every type here has a private inner value and a `parse` (or `FromStr`) that returns a typed
//! error, so code further in can take a `Upn` or a `Urn` and know it is well formed.
//! This crate does no I/O and knows nothing of databases, HTTP or files: parsers in
//! `cairn-ingest`, the store and the web layer convert raw strings into these types once.
//! Facts come from `../shared/reference/measures.md` (section 7, identifiers) and the DfE
//! documents it cites.

mod access;
mod assessments;
mod attendance;
mod benchmarks;
mod codes;
mod ids;
mod improvement;
mod practices;
mod records;
mod review;
mod year;

pub use access::{Access, Role, Scope, Username, UsernameError};
pub use assessments::{
    AssessmentError, EARLY_LEARNING_GOALS, EyfsJudgement, EyfsResult, Ks2Result, Ks2TestOutcome,
    Ks4Grade, Ks4ResultRow, MtcOutcome, MtcResult, PhonicsOutcome, PhonicsResult,
    TeacherAssessment, WritingTa,
};
pub use attendance::{
    ATTENDANCE_CODES_2024, ATTENDANCE_CODES_WITHDRAWN_2024, AttendanceCode, AttendanceMark,
    AttendanceSummary, Session, StatisticalTreatment, attendance_codes_2024_from,
};
pub use benchmarks::{
    BenchmarkGroup, BenchmarkMeasure, BenchmarkValue, ContextFeature, EnglandFigure,
    NationalBenchmarks, NationalContextValue, NationalSchool, NationalSchoolFigure,
};
pub use codes::Judgement;
pub use codes::{
    ActionStatus, CodeError, Comparison, GroupKind, MeetingKind, Phase, Rag, RoleKind, SchoolType,
    SenProvision, Sex, SharingLevel, Term,
};
pub use ids::{IdError, Laestab, Upn, UpnKind, Urn};
pub use improvement::{
    ImprovementPlan, PlanAction, PlanCriterion, PlanMeeting, PlanPriority, PlanTargetMove,
};
pub use improvement::{PlanRiskDecision, PlanRiskStep};
pub use practices::{LibraryPost, LibraryPractice, PracticeLibrary};
pub use records::{
    Characteristics, Enrolment, FormerUpn, Group, Membership, Partnership, Placement, Pupil,
    School, Succession, urns_placed,
};
pub use review::{PeerReviewPlan, PlanFollowUp, PlanReview};
pub use year::{AcademicYear, NcYear, YearError};

#[cfg(test)]
mod tests;
