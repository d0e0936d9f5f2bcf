//! Success criteria for improvement priorities: is a stored figure where a partnership said it
//! would be, and is the answer clear of the noise?
//!
//! A criterion binds one figure (a measure for a pupil group in a school or group of schools)
//! to a [`Comparison`], a target where the comparison needs one, a due year, and whether
//! higher or lower is better for the measure (absence: lower). [`evaluate`] takes the figures
//! for each year the caller has, plus the benchmark figures for the year being judged, each as
//! an `Option`, and returns an [`Evaluation`]: the [`CriterionStatus`] and every figure that
//! decided it, so a page can show its working.
//!
//! The rules:
//!
//! * The year judged is the latest year with a figure, up to and including the due year.
//!   No figure, a suppressed figure (fewer than 6 pupils, measures.md §9), or a missing
//!   comparison input (target, national other pupils, similar-schools average or top-25%
//!   flag) gives [`CriterionStatus::NotYetMeasurable`], saying which input is missing.
//! * Each comparison sets a *threshold* the figure must reach:
//!   - [`Comparison::Target`]: the target itself;
//!   - [`Comparison::GapToNationalOther`]: the national figure for other pupils less the
//!     allowed gap (plus it, where lower is better), because the DfE measures a group's gap
//!     against the national figure for the other pupils, not the school's own (measures.md
//!     §9; `groups::gaps`);
//!   - [`Comparison::SimilarSchoolsAverage`]: the similar-schools average (measures.md §10);
//!   - [`Comparison::SimilarSchoolsTopQuarter`]: no threshold, the caller's top-25% flag.
//! * Reached (at or beyond the threshold, in the better direction) is
//!   [`CriterionStatus::Met`]. Not reached in or after the due year is
//!   [`CriterionStatus::NotMet`].
//! * Not reached before the due year: Cairn projects the straight line through the earliest
//!   and latest figures to the due year. Reaching the threshold on that line is
//!   [`CriterionStatus::OnTrack`]; falling short is [`CriterionStatus::NotMet`] (not on track).
//!   With only one year there is no trend, so the criterion is not yet measurable. This
//!   projection is Cairn's own rule, not a DfE one, and pages say so.
//! * Noise: the DfE treats a school's figure as different from a reference only when its 95%
//!   confidence interval lies wholly on one side of it; an interval that includes the
//!   reference is "average", within the noise (measures.md §2.5 and §2.6, Progress 8 bandings;
//!   [`crate::ci::compare_with`]). Applied to the threshold, the result is outside the noise
//!   when the interval lies wholly on one side of it, and within the noise when it straddles
//!   it. Without an interval (or for the top-25% flag) the noise is unknown.

use cairn_domain::{AcademicYear, Comparison};
use serde::{Deserialize, Serialize};

use crate::ci::{Interval, Significance, compare_with};

/// A criterion's figure in one academic year: `value` is `None` when the figure was
/// suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct YearFigure {
    pub academic_year: AcademicYear,
    pub value: Option<f64>,
    pub ci: Option<Interval>,
    pub n_pupils: Option<u32>,
}

/// The figures a criterion may be compared with, for the year being judged. Each is `None`
/// until it is known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Benchmarks {
    /// England, all pupils in the group.
    pub national: Option<f64>,
    /// England, the other pupils (for disadvantaged pupils: non-disadvantaged pupils).
    pub national_other: Option<f64>,
    /// The average of the school's similar schools.
    pub similar_average: Option<f64>,
    /// Whether the school is in the best 25% of its similar schools.
    pub similar_top_quarter: Option<bool>,
}

/// One criterion, ready to judge.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionInput<'a> {
    pub comparison: Comparison,
    /// The target value (fraction for proportions), or the allowed gap for
    /// [`Comparison::GapToNationalOther`]; not used by the similar-schools comparisons.
    pub target: Option<f64>,
    pub due_year: AcademicYear,
    /// Absence measures are better when lower.
    pub higher_is_better: bool,
    /// The figure in each year there is one, in any order.
    pub figures: &'a [YearFigure],
    /// Benchmarks for the judged year.
    pub benchmarks: Benchmarks,
}

/// Where a criterion stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionStatus {
    Met,
    OnTrack,
    NotMet,
    NotYetMeasurable,
}

impl CriterionStatus {
    pub const ALL: [CriterionStatus; 4] = [
        CriterionStatus::Met,
        CriterionStatus::OnTrack,
        CriterionStatus::NotMet,
        CriterionStatus::NotYetMeasurable,
    ];

    /// The stable snake_case code used in storage.
    pub fn code(self) -> &'static str {
        match self {
            CriterionStatus::Met => "met",
            CriterionStatus::OnTrack => "on_track",
            CriterionStatus::NotMet => "not_met",
            CriterionStatus::NotYetMeasurable => "not_yet_measurable",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CriterionStatus::Met => "Met",
            CriterionStatus::OnTrack => "On track",
            CriterionStatus::NotMet => "Not met",
            CriterionStatus::NotYetMeasurable => "Not yet measurable",
        }
    }

    pub fn parse(code: &str) -> Option<CriterionStatus> {
        CriterionStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Why a criterion has its status.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Reason {
    /// No figure in or before the due year.
    NoFigure,
    /// The judged year's figure is suppressed (too few pupils).
    Suppressed,
    /// The comparison needs a target and has none.
    NoTarget,
    NoNationalOther,
    NoSimilarAverage,
    NoTopQuarterFlag,
    /// Not reached, before the due year, and only one year of figures.
    NoTrend,
    /// The threshold (or the top 25%) is reached.
    Reached,
    /// Not reached yet; the trend reaches the threshold by the due year.
    ProjectedToReach {
        projected: f64,
    },
    /// Not reached yet; the trend falls short by the due year.
    ProjectedToFallShort {
        projected: f64,
    },
    /// Not reached in the due year (or later).
    NotReachedByDueYear,
}

/// Whether the judged figure is clear of its confidence interval's noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// The interval lies wholly on one side of the threshold.
    Outside,
    /// The interval includes the threshold: the result could be chance.
    Within,
}

/// A criterion's status and the figures that decided it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub status: CriterionStatus,
    pub reason: Reason,
    /// The judged figure (year, value, interval, pupils), when there is one.
    pub judged: Option<YearFigure>,
    /// The value the figure had to reach, when the comparison has one and it is known.
    pub threshold: Option<f64>,
    /// `None` when there is no interval or no threshold to compare it with.
    pub noise: Option<Noise>,
    /// Earlier years' shown figures, oldest first, for the trend.
    pub trend: Vec<(AcademicYear, f64)>,
    pub benchmarks: Benchmarks,
}

/// Judges one criterion; see the module documentation for the rules.
pub fn evaluate(input: &CriterionInput<'_>) -> Evaluation {
    let mut in_range: Vec<&YearFigure> = input
        .figures
        .iter()
        .filter(|f| f.academic_year <= input.due_year)
        .collect();
    in_range.sort_by_key(|f| f.academic_year);
    let judged = in_range.last().copied().copied();
    let trend: Vec<(AcademicYear, f64)> = in_range
        .iter()
        .take(in_range.len().saturating_sub(1))
        .filter_map(|f| f.value.map(|v| (f.academic_year, v)))
        .collect();
    let threshold = threshold(input);
    let outcome = |status, reason, noise| Evaluation {
        status,
        reason,
        judged,
        threshold: threshold.ok().flatten(),
        noise,
        trend: trend.clone(),
        benchmarks: input.benchmarks,
    };
    let not_measurable = |reason| outcome(CriterionStatus::NotYetMeasurable, reason, None);

    let Some(figure) = judged else {
        return not_measurable(Reason::NoFigure);
    };
    let Some(value) = figure.value else {
        return not_measurable(Reason::Suppressed);
    };
    let threshold = match threshold {
        Ok(t) => t,
        Err(reason) => return not_measurable(reason),
    };
    let due_passed = figure.academic_year >= input.due_year;

    let Some(threshold) = threshold else {
        // The top-25% flag: no threshold, so no interval to weigh and no line to project.
        let in_top = input.benchmarks.similar_top_quarter.unwrap_or(false);
        return if in_top {
            outcome(CriterionStatus::Met, Reason::Reached, None)
        } else if due_passed {
            outcome(CriterionStatus::NotMet, Reason::NotReachedByDueYear, None)
        } else {
            not_measurable(Reason::NoTrend)
        };
    };

    let reaches = |v: f64| {
        if input.higher_is_better {
            v >= threshold
        } else {
            v <= threshold
        }
    };
    let noise = figure.ci.map(|ci| match compare_with(ci, threshold) {
        Significance::NotSignificant => Noise::Within,
        Significance::SignificantlyAbove | Significance::SignificantlyBelow => Noise::Outside,
    });
    if reaches(value) {
        return outcome(CriterionStatus::Met, Reason::Reached, noise);
    }
    if due_passed {
        return outcome(CriterionStatus::NotMet, Reason::NotReachedByDueYear, noise);
    }
    let Some(&(first_year, first_value)) = trend.first() else {
        return outcome(CriterionStatus::NotYetMeasurable, Reason::NoTrend, noise);
    };
    let years =
        |a: AcademicYear, b: AcademicYear| f64::from(b.start_year()) - f64::from(a.start_year());
    let slope = (value - first_value) / years(first_year, figure.academic_year);
    let projected = value + slope * years(figure.academic_year, input.due_year);
    if reaches(projected) {
        outcome(
            CriterionStatus::OnTrack,
            Reason::ProjectedToReach { projected },
            noise,
        )
    } else {
        outcome(
            CriterionStatus::NotMet,
            Reason::ProjectedToFallShort { projected },
            noise,
        )
    }
}

/// The value the figure must reach: `Ok(None)` for the top-25% flag, which has none, and
/// `Err` naming the missing input.
fn threshold(input: &CriterionInput<'_>) -> Result<Option<f64>, Reason> {
    let b = &input.benchmarks;
    match input.comparison {
        Comparison::Target => input.target.map(Some).ok_or(Reason::NoTarget),
        Comparison::GapToNationalOther => {
            let gap = input.target.ok_or(Reason::NoTarget)?;
            let other = b.national_other.ok_or(Reason::NoNationalOther)?;
            Ok(Some(if input.higher_is_better {
                other - gap
            } else {
                other + gap
            }))
        }
        Comparison::SimilarSchoolsAverage => {
            b.similar_average.map(Some).ok_or(Reason::NoSimilarAverage)
        }
        Comparison::SimilarSchoolsTopQuarter => match b.similar_top_quarter {
            Some(_) => Ok(None),
            None => Err(Reason::NoTopQuarterFlag),
        },
    }
}

#[cfg(test)]
mod tests;
