//! Early warning: the rules that fill a partnership's risk register, each returning the
//! numbers that made it fire so a page can say which rule fired and why.
//!
//! A school-level rule fires only when the difference is outside the noise, judged the way
//! the DfE judges a school against a reference: a figure differs from a reference when its
//! confidence interval excludes it (measures.md §2.5 and §2.6, Progress 8 bandings;
//! [`crate::ci::compare_with`]). Stored figures carry 95% intervals; the rules recover each
//! figure's standard error from its interval ([`Estimate::from_interval`]) and widen it to the
//! partnership's chosen confidence level ([`RiskConfig::confidence`]). So a big difference
//! inside the interval never fires, and a small one outside it does.
//!
//! * [`below_reference`]: a figure significantly worse than England's figure or the
//!   similar-schools average (both treated as fixed, as `measures::comparisons` does).
//! * [`fell_year_on_year`]: a significant change for the worse since the year before, the two
//!   years' cohorts treated as independent samples ([`crate::ci::change_between`]).
//! * [`gap_widened`]: a pupil group's gap to its comparison group (for example disadvantaged
//!   pupils against the other pupils at the same school) significantly wider than the year
//!   before; the four figures are independent samples, so the change in the gap has standard
//!   error `√(Σ se²)`.
//! * [`pupil_absence`]: a pupil whose own overall absence reaches the DfE's severe absence
//!   line (50% or more of possible sessions) or persistent absence line (10% or more), the
//!   definitions of the DfE absence statistics (measures.md §6). A pupil's own absence is a
//!   count, not a sample estimate, so this rule has no interval.
//! * [`pupil_absence_rising`]: a pupil's absence rate up from one year to the next by at
//!   least the partnership's minimum rise and outside the noise of the two years' sessions
//!   (each rate's standard error `√(p(1−p)/n)` over possible sessions). Sessions are not
//!   independent (absence comes in spells), so this understates the noise; the minimum rise
//!   is there for that reason.
//! * [`trajectory::attainment_trajectory`]: a pupil whose latest in-year teacher assessment in
//!   a subject is below what is expected of them and no higher than the point before, read
//!   through the partnership's [`trajectory::GradeScheme`] (for GCSE grades, expected comes
//!   from the pupil's KS2 prior attainment through the DfE's Attainment 8 estimates). This is
//!   Cairn's rule, not a DfE measure; its module says exactly when it fires.
//!
//! Which direction is worse comes from the caller (`higher_is_better`: absence is better when
//! lower).

use serde::{Deserialize, Serialize};

use crate::attendance::SessionCounts;
use crate::ci::{Estimate, Interval, Z_95_DFE};
pub use trajectory::GradeScheme;

/// A rule of the register, with a stable snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskRule {
    BelowNational,
    BelowSimilarSchools,
    YearOnYearFall,
    GapWidened,
    SevereAbsence,
    PersistentAbsence,
    AbsenceRising,
    AttainmentTrajectory,
}

impl RiskRule {
    pub const ALL: [RiskRule; 8] = [
        RiskRule::BelowNational,
        RiskRule::BelowSimilarSchools,
        RiskRule::YearOnYearFall,
        RiskRule::GapWidened,
        RiskRule::SevereAbsence,
        RiskRule::PersistentAbsence,
        RiskRule::AbsenceRising,
        RiskRule::AttainmentTrajectory,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RiskRule::BelowNational => "below_national",
            RiskRule::BelowSimilarSchools => "below_similar_schools",
            RiskRule::YearOnYearFall => "year_on_year_fall",
            RiskRule::GapWidened => "gap_widened",
            RiskRule::SevereAbsence => "severe_absence",
            RiskRule::PersistentAbsence => "persistent_absence",
            RiskRule::AbsenceRising => "absence_rising",
            RiskRule::AttainmentTrajectory => "attainment_trajectory",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskRule::BelowNational => "Significantly worse than England",
            RiskRule::BelowSimilarSchools => "Significantly worse than similar schools",
            RiskRule::YearOnYearFall => "Significantly worse than last year",
            RiskRule::GapWidened => "Gap widened significantly",
            RiskRule::SevereAbsence => "Pupil severely absent",
            RiskRule::PersistentAbsence => "Pupil persistently absent",
            RiskRule::AbsenceRising => "Pupil's absence rising",
            RiskRule::AttainmentTrajectory => "Pupil below expected and not rising",
        }
    }

    pub fn parse(code: &str) -> Option<RiskRule> {
        RiskRule::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Whether the rule is about one pupil (pupil-level data) rather than a school's figure.
    pub fn is_pupil_level(self) -> bool {
        matches!(
            self,
            RiskRule::SevereAbsence
                | RiskRule::PersistentAbsence
                | RiskRule::AbsenceRising
                | RiskRule::AttainmentTrajectory
        )
    }
}

/// The confidence level a school-level difference must reach before a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// 95%, the level of the DfE's performance-table intervals.
    P95,
    /// 99%: fewer false alarms, later warnings.
    P99,
}

impl Confidence {
    pub const ALL: [Confidence; 2] = [Confidence::P95, Confidence::P99];

    /// The two-sided normal multiplier: 1.96 as the DfE uses, or Φ⁻¹(0.995).
    pub fn z(self) -> f64 {
        match self {
            Confidence::P95 => Z_95_DFE,
            Confidence::P99 => 2.575_829_303_548_901,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Confidence::P95 => "95",
            Confidence::P99 => "99",
        }
    }

    pub fn parse(code: &str) -> Option<Confidence> {
        Confidence::ALL.into_iter().find(|c| c.code() == code)
    }
}

/// A partnership's rules and thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskConfig {
    pub confidence: Confidence,
    /// Which rules run, in [`RiskRule::ALL`] order.
    pub below_national: bool,
    pub below_similar_schools: bool,
    pub year_on_year_fall: bool,
    pub gap_widened: bool,
    pub severe_absence: bool,
    pub persistent_absence: bool,
    pub absence_rising: bool,
    /// The share of possible sessions missed that makes a pupil severely absent (DfE: 0.5).
    pub severe_absence_rate: f64,
    /// The share that makes a pupil persistently absent (DfE: 0.1).
    pub persistent_absence_rate: f64,
    /// The least rise in a pupil's absence rate from one year to the next that counts, as a
    /// fraction (0.1: ten percentage points), however clear of the noise.
    pub absence_rising_points: f64,
    /// Settings stored before this rule existed read as on, with the default scheme.
    #[serde(default = "on")]
    pub attainment_trajectory: bool,
    /// How written teacher assessments map to below, at or above expected.
    #[serde(default)]
    pub grade_scheme: GradeScheme,
}

fn on() -> bool {
    true
}

impl Default for RiskConfig {
    /// Every school-level rule at 95%, severe absence for pupils at the DfE's 50% line, and a
    /// pupil's absence rising by ten points or more, and pupils below expected and not rising
    /// read through the default grade scheme.
    /// Persistent absence is off: about a fifth of pupils in England are persistently absent
    /// (measures.md §6), too many for a board's register; a partnership may turn it on.
    fn default() -> Self {
        RiskConfig {
            confidence: Confidence::P95,
            below_national: true,
            below_similar_schools: true,
            year_on_year_fall: true,
            gap_widened: true,
            severe_absence: true,
            persistent_absence: false,
            absence_rising: true,
            severe_absence_rate: 0.5,
            persistent_absence_rate: 0.1,
            absence_rising_points: 0.1,
            attainment_trajectory: true,
            grade_scheme: GradeScheme::default(),
        }
    }
}

impl RiskConfig {
    pub fn is_on(&self, rule: RiskRule) -> bool {
        match rule {
            RiskRule::BelowNational => self.below_national,
            RiskRule::BelowSimilarSchools => self.below_similar_schools,
            RiskRule::YearOnYearFall => self.year_on_year_fall,
            RiskRule::GapWidened => self.gap_widened,
            RiskRule::SevereAbsence => self.severe_absence,
            RiskRule::PersistentAbsence => self.persistent_absence,
            RiskRule::AbsenceRising => self.absence_rising,
            RiskRule::AttainmentTrajectory => self.attainment_trajectory,
        }
    }

    pub fn set(&mut self, rule: RiskRule, on: bool) {
        let flag = match rule {
            RiskRule::BelowNational => &mut self.below_national,
            RiskRule::BelowSimilarSchools => &mut self.below_similar_schools,
            RiskRule::YearOnYearFall => &mut self.year_on_year_fall,
            RiskRule::GapWidened => &mut self.gap_widened,
            RiskRule::SevereAbsence => &mut self.severe_absence,
            RiskRule::PersistentAbsence => &mut self.persistent_absence,
            RiskRule::AbsenceRising => &mut self.absence_rising,
            RiskRule::AttainmentTrajectory => &mut self.attainment_trajectory,
        };
        *flag = on;
    }
}

/// A stored figure as the rules see it: its value and 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskFigure {
    pub value: f64,
    /// The stored 95% interval; without one there is no noise to judge by and nothing fires.
    pub ci: Option<Interval>,
    pub n_pupils: u32,
}

impl RiskFigure {
    fn estimate(self) -> Option<Estimate> {
        self.ci
            .and_then(|ci| Estimate::from_interval(self.value, ci, Z_95_DFE))
    }
}

/// What made a rule fire: the numbers a page shows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RiskRule,
    /// The school's figure (or the group's gap, or the pupil's absence rate).
    pub value: f64,
    /// Its stored 95% interval (for a gap, its interval at the partnership's confidence
    /// level), when it has one.
    pub interval: Option<Interval>,
    /// What it was compared with: England, the similar-schools average, last year's figure,
    /// last year's gap, or the absence line.
    pub reference: f64,
    /// `value - reference`: the gap, the change, or the distance past the line.
    pub difference: f64,
    /// How far the difference had to go to be outside the noise (`z × se`), 0 for pupils.
    pub margin: f64,
    pub n_pupils: Option<u32>,
}

/// Whether `difference` is worse than `margin` allows, in the measure's worse direction.
fn is_worse(difference: f64, margin: f64, higher_is_better: bool) -> bool {
    if higher_is_better {
        difference < -margin
    } else {
        difference > margin
    }
}

/// A figure significantly worse than a fixed reference (England, the similar-schools
/// average). `rule` names which.
pub fn below_reference(
    rule: RiskRule,
    figure: RiskFigure,
    reference: f64,
    higher_is_better: bool,
    confidence: Confidence,
) -> Option<Finding> {
    let estimate = figure.estimate()?;
    let margin = confidence.z() * estimate.standard_error;
    let difference = figure.value - reference;
    is_worse(difference, margin, higher_is_better).then_some(Finding {
        rule,
        value: figure.value,
        interval: figure.ci,
        reference,
        difference,
        margin,
        n_pupils: Some(figure.n_pupils),
    })
}

/// A significant change for the worse from `earlier` to `later`.
pub fn fell_year_on_year(
    earlier: RiskFigure,
    later: RiskFigure,
    higher_is_better: bool,
    confidence: Confidence,
) -> Option<Finding> {
    let (before, now) = (earlier.estimate()?, later.estimate()?);
    let margin = confidence.z() * before.standard_error.hypot(now.standard_error);
    let difference = later.value - earlier.value;
    is_worse(difference, margin, higher_is_better).then_some(Finding {
        rule: RiskRule::YearOnYearFall,
        value: later.value,
        interval: later.ci,
        reference: earlier.value,
        difference,
        margin,
        n_pupils: Some(later.n_pupils),
    })
}

/// A group's figures and its comparison group's, in one year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapFigures {
    pub group: RiskFigure,
    pub comparator: RiskFigure,
}

impl GapFigures {
    fn gap(self) -> Option<(f64, f64)> {
        let (group, comparator) = (self.group.estimate()?, self.comparator.estimate()?);
        Some((
            group.value - comparator.value,
            group.standard_error.hypot(comparator.standard_error),
        ))
    }
}

/// A gap (group minus comparator) significantly worse than the year before: wider below the
/// comparator where higher is better, wider above it for absence.
pub fn gap_widened(
    earlier: GapFigures,
    later: GapFigures,
    higher_is_better: bool,
    confidence: Confidence,
) -> Option<Finding> {
    let ((gap_before, se_before), (gap_now, se_now)) = (earlier.gap()?, later.gap()?);
    let margin = confidence.z() * se_before.hypot(se_now);
    let difference = gap_now - gap_before;
    is_worse(difference, margin, higher_is_better).then_some(Finding {
        rule: RiskRule::GapWidened,
        value: gap_now,
        interval: Some(Interval {
            lower: gap_now - confidence.z() * se_now,
            upper: gap_now + confidence.z() * se_now,
        }),
        reference: gap_before,
        difference,
        margin,
        n_pupils: Some(later.group.n_pupils),
    })
}

/// A pupil's own absence over the year against the partnership's lines: severe absence when
/// both rules are on and the pupil is past the severe line (the persistent group includes the
/// severe one, measures.md §6, so a severe absentee gets one entry, not two), else persistent.
/// `absence_rate` is absent sessions over possible sessions (0 to 1).
pub fn pupil_absence(absence_rate: f64, config: &RiskConfig) -> Option<Finding> {
    if !absence_rate.is_finite() {
        return None;
    }
    let fired = |rule: RiskRule, line: f64| Finding {
        rule,
        value: absence_rate,
        interval: None,
        reference: line,
        difference: absence_rate - line,
        margin: 0.0,
        n_pupils: None,
    };
    if config.severe_absence && absence_rate >= config.severe_absence_rate {
        Some(fired(RiskRule::SevereAbsence, config.severe_absence_rate))
    } else if config.persistent_absence && absence_rate >= config.persistent_absence_rate {
        Some(fired(
            RiskRule::PersistentAbsence,
            config.persistent_absence_rate,
        ))
    } else {
        None
    }
}

/// A pupil's absence rate rising from `earlier` to `later` (two years' sessions) by at least
/// [`RiskConfig::absence_rising_points`] and outside the noise at the partnership's confidence.
pub fn pupil_absence_rising(
    earlier: SessionCounts,
    later: SessionCounts,
    config: &RiskConfig,
) -> Option<Finding> {
    if !config.absence_rising {
        return None;
    }
    let before = Estimate::of_proportion(earlier.absent(), earlier.possible)?;
    let now = Estimate::of_proportion(later.absent(), later.possible)?;
    let margin = config.confidence.z() * before.standard_error.hypot(now.standard_error);
    let difference = now.value - before.value;
    (difference > margin && difference >= config.absence_rising_points).then_some(Finding {
        rule: RiskRule::AbsenceRising,
        value: now.value,
        interval: None,
        reference: before.value,
        difference,
        margin,
        n_pupils: None,
    })
}

pub mod trajectory;

#[cfg(test)]
mod tests;
