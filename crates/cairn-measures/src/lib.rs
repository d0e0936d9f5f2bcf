//! cairn-measures: the pure measures engine.
//!
//! **Owns** every calculation Cairn publishes: KS4 Attainment 8 and Progress 8 (element
//! scores, the extreme-negative-score adjustment, EBacc entry and average point score,
//! English and maths 4+/5+), KS2 expected and higher standards and average scaled scores,
//! phonics, the multiplication tables check, the EYFS good level of development, attendance,
//! pupil groups and gaps, suppression, confidence intervals, Progress 8 bandings, funnel
//! limits, significance flags, similar-school matching, and figures for groups of schools.
//!
//! **Must not** do I/O: no files, network, database, clock, environment or logging set-up.
//! Year data (DfE Attainment 8 estimates, national standard deviations, the subject
//! catalogue, point scores, attendance codes, early learning goals) is embedded from `data/`
//! with `include_str!` and parsed at run time; every table can be replaced by caller-supplied
//! text of the same shape. It depends on `cairn-domain` for identifiers and codes and never
//! on tokio, sqlx, axum or a tracing subscriber. It is an API boundary: the store, the web
//! layer and the CLI call it; it calls nothing of theirs.
//!
//! # API overview
//!
//! * [`figure`] has [`Figure`] (shown with its pupil count, or suppressed with no value inside)
//!   and [`SuppressionPolicy`] (default: fewer than 6 pupils is suppressed).
//! * [`groups`] has the thirteen [`PupilGroup`]s with stable snake_case codes, [`PupilContext`],
//!   [`GroupFigures`] with complementary suppression ([`groups::suppress_groups`]), gaps
//!   against the national figure for other pupils ([`groups::gaps`]), significance against a
//!   reference and year-on-year change.
//! * [`ci`] has mean intervals (national SD for Progress 8), Wilson intervals, the DfE
//!   [`P8Banding`], [`ci::FunnelLimits`] at 95 % and 99.8 %.
//! * [`ks4`] has [`ks4::Ks4Config`] (tables and [`ks4::slots::SlotStructure`]),
//!   [`ks4::compute_ks4`] (per pupil), [`ks4::summarise_ks4_by_school`],
//!   [`ks4::summarise_ks4_pooled`] (a trust or cluster, pooling pupils).
//! * [`ks2`], [`early`] (phonics, MTC, EYFS) and [`attendance`] have input structs per pupil and
//!   `summarise_*` functions for one cohort, every school, or a pooled group of schools.
//! * [`criteria`] judges improvement-plan success criteria against stored figures
//!   ([`criteria::evaluate`]): met, on track, not met or not yet measurable, and whether the
//!   result is clear of the confidence interval's noise.
//! * [`risk`] has the early-warning rules ([`risk::below_reference`], [`risk::fell_year_on_year`],
//!   [`risk::gap_widened`], [`risk::pupil_absence`]) that fire only outside the noise, each
//!   returning the numbers that decided it.
//! * [`similar`] has [`similar::find_similar_schools`], with the method documented there.
//! * [`impact`] has [`impact::estimate_impact`]: a practice's effect by difference-in-differences
//!   against matched non-adopting schools, with a 95% interval and a plain verdict.
//!
//! # Method notes
//!
//! Rules come from `../shared/reference/measures.md`, cited by section in each module.
//! Points are held in hundredths of a point (`u16`) so slot sums are exact. Pupils are
//! identified by their index in the caller's slice (the caller keeps the UPN beside it, so
//! no pupil identifier is copied into results), subjects are interned to small integer ids,
//! results are grouped by one sort of indices, and per-pupil work reuses buffers, so the KS4
//! engine does not allocate per pupil. Aggregation keeps one accumulator per school and
//! group and visits only the groups a pupil is in.
//!
//! Errors are [`MeasureError`]s whose [`MeasureError::kind`] separates the caller's data
//! problems from internal faults; problems with single records come back as data
//! ([`RecordIssue`]) beside the results, so one bad row never stops a run.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

pub mod attendance;
pub mod ci;
pub mod criteria;
pub mod early;
mod error;
pub mod figure;
pub mod groups;
pub mod impact;
pub mod ks2;
pub mod ks4;
pub mod risk;
pub mod similar;
mod table;

pub use ci::{Interval, P8Banding, Significance};
pub use error::{ErrorKind, MeasureError, RecordIssue};
pub use figure::{
    Figure, Published, SuppressionPolicy, SuppressionReason, reveals_by_subtraction,
    suppress_differencing,
};
pub use groups::{
    Gap, GroupFigures, MeanFigure, NationalFigures, PointEstimate, PriorBand, ProportionFigure,
    PupilContext, PupilGroup,
};
