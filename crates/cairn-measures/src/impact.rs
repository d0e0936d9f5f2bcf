//! The impact of a shared practice: a difference-in-differences of the schools that adopted
//! it against matched similar schools that did not.
//!
//! # Method
//!
//! For each adopting school, the measure's mean over the years from adoption on ("after")
//! minus its mean over the years before ("before") is the school's change. Each of its
//! comparison schools (chosen by the caller, usually its most similar schools that have not
//! adopted the practice) has a change over the same before and after years. The adopter's
//! effect is its change minus the mean change of its comparison schools, so what every school
//! went through (a new test, a national trend) cancels out, and schools that adopted in
//! different years are each compared over their own years (a "stacked" design).
//!
//! The estimate is the mean effect over adopters. Its 95% interval uses Student's t:
//!
//! * with two or more adopters, from the spread of the adopters' effects (`n - 1` degrees of
//!   freedom), which carries both the adopters' and their comparisons' noise;
//! * with one adopter, from the spread of its comparison schools' changes, scaled by
//!   `sqrt(1 + 1/m)` for `m` comparisons (`m - 1` degrees of freedom): how unusual the
//!   adopter's change is among schools like it that did not adopt.
//!
//! With fewer than three schools in all, or no interval, the verdict is that there are too few
//! schools to tell. When the interval contains zero the verdict is "no detectable effect yet",
//! never "no effect". Schools count equally, whatever their size: the question is whether
//! schools that adopt the practice change, and a large school should not decide it alone.
//! The design assumes adopters and comparisons would have moved in parallel without the
//! practice; choosing comparisons by similarity makes that likelier, not certain, and pages
//! should say so.
//!
//! # The targeted group
//!
//! A practice aimed at one pupil group (say disadvantaged pupils) is also measured on that
//! group's figures ([`estimate_group_impact`]): the same estimate, interval and verdict, on each
//! school's shown figures for the group. Suppressed figures are never used, so a school whose
//! group figure is suppressed on either side of adoption cannot contribute, and the estimate
//! says how many schools that left out.

use cairn_domain::{AcademicYear, Urn};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::ci::Interval;

/// One school's figures for the measure, by academic year (shown figures only; a suppressed
/// year is simply missing).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub values: Vec<(AcademicYear, f64)>,
}

impl Series {
    pub fn new(values: impl IntoIterator<Item = (AcademicYear, f64)>) -> Self {
        Series {
            values: values.into_iter().collect(),
        }
    }

    /// Mean after minus mean before `adopted_in`, over `years` when given (a comparison
    /// school uses its adopter's years); `None` without a year on each side.
    fn change(&self, adopted_in: AcademicYear, years: Option<&[AcademicYear]>) -> Option<f64> {
        let counted = |year: &AcademicYear| years.is_none_or(|ys| ys.contains(year));
        let mean = |after: bool| {
            let (sum, n) = self
                .values
                .iter()
                .filter(|(year, _)| counted(year) && (*year >= adopted_in) == after)
                .fold((0.0, 0u32), |(s, n), (_, v)| (s + v, n + 1));
            (n > 0).then(|| sum / f64::from(n))
        };
        Some(mean(true)? - mean(false)?)
    }
}

/// An adopting school, the year its practice started, and its comparison schools.
#[derive(Debug, Clone, PartialEq)]
pub struct Adopter {
    pub series: Series,
    /// The first academic year with the practice in place.
    pub adopted_in: AcademicYear,
    pub comparisons: Vec<Series>,
}

/// One adopter's part of the estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AdopterEffect {
    /// The adopter's change (after minus before).
    pub change: f64,
    /// The mean change of its comparison schools over the same years.
    pub comparison_change: f64,
    pub n_comparisons: usize,
    /// `change - comparison_change`.
    pub effect: f64,
}

/// What the evidence says, in words a governor can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Fewer than three schools with figures before and after, or no interval.
    TooFewSchools,
    /// The interval includes zero.
    NoDetectableEffect,
    /// The whole interval is on the better side.
    Improved,
    /// The whole interval is on the worse side.
    Worsened,
}

impl Verdict {
    pub fn sentence(self) -> &'static str {
        match self {
            Verdict::TooFewSchools => {
                "Too few schools have figures before and after adopting it to tell yet"
            }
            Verdict::NoDetectableEffect => {
                "No detectable effect yet: the difference is within what chance alone could give"
            }
            Verdict::Improved => {
                "Adopting schools improved more than similar schools that did not adopt it"
            }
            Verdict::Worsened => {
                "Adopting schools did worse than similar schools that did not adopt it"
            }
        }
    }
}

/// The difference-in-differences estimate with its interval and verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactEstimate {
    /// Mean effect over adopters, in the measure's units; positive means the measure rose
    /// more at adopting schools.
    pub effect: Option<f64>,
    /// 95% interval, when there is enough to compute one.
    pub interval: Option<Interval>,
    /// Adopters with figures before and after and at least one usable comparison school.
    pub per_adopter: Vec<AdopterEffect>,
    pub verdict: Verdict,
}

/// The two-sided 95% Student's t quantile for `df` degrees of freedom.
fn t_95(df: usize) -> Option<f64> {
    let dist = StudentsT::new(0.0, 1.0, df as f64).ok()?;
    Some(dist.inverse_cdf(0.975))
}

fn mean_sd(values: &[f64]) -> Option<(f64, f64)> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some((mean, var.sqrt()))
}

/// Estimates a practice's impact on a measure. `higher_is_better` says which way is an
/// improvement (false for absence rates).
pub fn estimate_impact(adopters: &[Adopter], higher_is_better: bool) -> ImpactEstimate {
    let mut per_adopter = Vec::new();
    // The single-adopter interval needs the comparison changes themselves.
    let mut comparison_changes_of_first: Vec<f64> = Vec::new();
    for adopter in adopters {
        let Some(change) = adopter.series.change(adopter.adopted_in, None) else {
            continue;
        };
        let years: Vec<AcademicYear> = adopter.series.values.iter().map(|(y, _)| *y).collect();
        let changes: Vec<f64> = adopter
            .comparisons
            .iter()
            .filter_map(|c| c.change(adopter.adopted_in, Some(&years)))
            .collect();
        if changes.is_empty() {
            continue;
        }
        let comparison_change = changes.iter().sum::<f64>() / changes.len() as f64;
        if per_adopter.is_empty() {
            comparison_changes_of_first.clone_from(&changes);
        }
        per_adopter.push(AdopterEffect {
            change,
            comparison_change,
            n_comparisons: changes.len(),
            effect: change - comparison_change,
        });
    }
    let n_schools: usize = per_adopter.iter().map(|a| 1 + a.n_comparisons).sum();
    let effects: Vec<f64> = per_adopter.iter().map(|a| a.effect).collect();
    let effect = (!effects.is_empty()).then(|| effects.iter().sum::<f64>() / effects.len() as f64);
    let interval = match (effect, effects.len()) {
        (Some(effect), 1) => {
            let m = comparison_changes_of_first.len();
            mean_sd(&comparison_changes_of_first).and_then(|(_, sd)| {
                let half = t_95(m - 1)? * sd * (1.0 + 1.0 / m as f64).sqrt();
                Some(Interval {
                    lower: effect - half,
                    upper: effect + half,
                })
            })
        }
        (Some(_), n) if n >= 2 => mean_sd(&effects).and_then(|(mean, sd)| {
            let half = t_95(n - 1)? * sd / (n as f64).sqrt();
            Some(Interval {
                lower: mean - half,
                upper: mean + half,
            })
        }),
        _ => None,
    };
    let verdict = match interval {
        Some(_) if n_schools < 3 => Verdict::TooFewSchools,
        None => Verdict::TooFewSchools,
        Some(i) if i.contains(0.0) => Verdict::NoDetectableEffect,
        Some(i) if (i.lower > 0.0) == higher_is_better => Verdict::Improved,
        Some(_) => Verdict::Worsened,
    };
    ImpactEstimate {
        effect,
        interval,
        per_adopter,
        verdict,
    }
}

/// One school's figures for the pupil group a practice targets, by academic year: `None` where
/// the stored figure is suppressed (too few pupils in the group to publish).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSeries {
    pub urn: Urn,
    pub values: Vec<(AcademicYear, Option<f64>)>,
}

impl GroupSeries {
    /// The shown figures only: a suppressed figure is never used.
    fn shown(&self) -> Series {
        Series::new(self.values.iter().filter_map(|(y, v)| v.map(|v| (*y, v))))
    }

    /// Whether suppression alone keeps the school out: its shown figures lack a year before
    /// or after adoption (over `years` when given), but its stored ones, suppressed included,
    /// have both.
    fn left_out_by_suppression(
        &self,
        adopted_in: AcademicYear,
        years: Option<&[AcademicYear]>,
    ) -> bool {
        let stored = Series::new(self.values.iter().map(|(y, _)| (*y, 0.0)));
        self.shown().change(adopted_in, years).is_none()
            && stored.change(adopted_in, years).is_some()
    }
}

/// An adopting school's figures for the targeted group, and its comparison schools' figures
/// for the same group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupAdopter {
    pub series: GroupSeries,
    pub adopted_in: AcademicYear,
    pub comparisons: Vec<GroupSeries>,
}

/// The impact on the targeted group: the same estimate as for all pupils, on the group's
/// shown figures, and how many schools suppression kept out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupImpact {
    pub estimate: ImpactEstimate,
    /// Adopting schools whose group figures are suppressed before or after adoption.
    pub adopters_left_out: usize,
    /// Comparison schools (counted once each) whose group figures are suppressed in the
    /// years they would be compared over, for every adopter that could use them.
    pub comparisons_left_out: usize,
}

/// Estimates a practice's impact on the pupil group it targets: [`estimate_impact`] on each
/// school's shown figures for the group. A suppressed figure is left out as if it were never
/// stored (suppression hides a figure, it must not be estimated around), so a school whose
/// group figure is suppressed on one side of adoption cannot contribute; how many adopting
/// and comparison schools that leaves out is counted, so a page can say so.
pub fn estimate_group_impact(adopters: &[GroupAdopter], higher_is_better: bool) -> GroupImpact {
    let mut adopters_left_out = 0;
    let mut comparisons_out: std::collections::BTreeSet<Urn> = std::collections::BTreeSet::new();
    let mut comparisons_in: std::collections::BTreeSet<Urn> = std::collections::BTreeSet::new();
    let mut inputs = Vec::with_capacity(adopters.len());
    for adopter in adopters {
        let series = adopter.series.shown();
        if adopter
            .series
            .left_out_by_suppression(adopter.adopted_in, None)
        {
            adopters_left_out += 1;
        }
        if series.change(adopter.adopted_in, None).is_some() {
            let years: Vec<AcademicYear> = series.values.iter().map(|(y, _)| *y).collect();
            for c in &adopter.comparisons {
                if c.shown().change(adopter.adopted_in, Some(&years)).is_some() {
                    comparisons_in.insert(c.urn);
                } else if c.left_out_by_suppression(adopter.adopted_in, Some(&years)) {
                    comparisons_out.insert(c.urn);
                }
            }
        }
        inputs.push(Adopter {
            series,
            adopted_in: adopter.adopted_in,
            comparisons: adopter.comparisons.iter().map(GroupSeries::shown).collect(),
        });
    }
    GroupImpact {
        estimate: estimate_impact(&inputs, higher_is_better),
        adopters_left_out,
        comparisons_left_out: comparisons_out.difference(&comparisons_in).count(),
    }
}

/// One point of the before-and-after picture: years from adoption (0 is the first year with
/// the practice), the adopters' mean figure then, and the mean of each adopter's comparison
/// schools' mean figure then.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EventPoint {
    pub years_from_adoption: i32,
    pub adopters: f64,
    pub comparisons: f64,
    /// Adopters with a figure and at least one comparison figure that year.
    pub n_adopters: usize,
}

/// The adopters and their comparison schools by years from adoption, for a chart beside the
/// estimate: each adopter counts once, with the mean of its comparison schools, over the
/// adopter's own years.
pub fn event_time_means(adopters: &[Adopter]) -> Vec<EventPoint> {
    let mut sums: std::collections::BTreeMap<i32, (f64, f64, usize)> =
        std::collections::BTreeMap::new();
    for adopter in adopters {
        for (year, value) in &adopter.series.values {
            let others: Vec<f64> = adopter
                .comparisons
                .iter()
                .filter_map(|c| c.values.iter().find(|(y, _)| y == year).map(|(_, v)| *v))
                .collect();
            if others.is_empty() {
                continue;
            }
            let offset = i32::from(year.start_year()) - i32::from(adopter.adopted_in.start_year());
            let entry = sums.entry(offset).or_insert((0.0, 0.0, 0));
            entry.0 += value;
            entry.1 += others.iter().sum::<f64>() / others.len() as f64;
            entry.2 += 1;
        }
    }
    sums.into_iter()
        .map(|(offset, (a, c, n))| EventPoint {
            years_from_adoption: offset,
            adopters: a / n as f64,
            comparisons: c / n as f64,
            n_adopters: n,
        })
        .collect()
}

#[cfg(test)]
mod tests;
