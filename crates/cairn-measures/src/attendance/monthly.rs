//! Attendance by calendar month, from session marks (measures.md §6).
//!
//! The rules are those of the termly and annual figures in the parent module, applied to the
//! sessions of one month:
//!
//! * a pupil's month counts the sessions whose date falls in that month, tallied with the
//!   August 2024 code set ([`super::AttendanceCodes::tally`]): codes that are not possible
//!   sessions (X, Q, Y1–Y7, Z, #) count nowhere;
//! * the month's **overall absence rate** pools the authorised and unauthorised absence
//!   sessions of every pupil with a possible session that month over their possible sessions
//!   (DfE "Pupil absence statistics: methodology", overall absence rate), with the same
//!   cluster-robust 95 % interval as the termly rate;
//! * **persistent absence to date**: of the pupils with a possible session in the month, the
//!   share whose own absence from the start of the academic year to the end of the month is at
//!   least 10 % of their own possible sessions over the same span. This is the DfE's
//!   persistent absence rule (measures.md §6, "exact" 10 % method) on a year-to-date span, as
//!   the DfE's in-year attendance statistics ("Pupil attendance in schools", year to date)
//!   and the statutory guidance "Working together to improve school attendance" (2024, §5,
//!   monitoring patterns of absence) use it during the year. A Wilson 95 % interval, as for
//!   the annual figure.
//!
//! Suppression is the engine's: each month's figures go through the same group suppression
//! as every other figure, so a small group in a month is never shown.

use cairn_domain::Urn;
use serde::Serialize;

use super::{RateFigure, RatioAcc, SessionCounts};
use crate::ci::Z_95_DFE;
use crate::figure::{Figure, SuppressionPolicy};
use crate::groups::{
    ByGroup, CountAcc, GroupFigures, ProportionFigure, PupilContext, accumulate_by_school,
    accumulate_pooled, proportion_figures, suppress_groups,
};

/// A calendar month, e.g. October 2024. Orders by year, then month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CalendarMonth {
    pub year: i32,
    /// 1 (January) to 12 (December).
    pub month: u8,
}

impl CalendarMonth {
    /// `None` unless `month` is 1 to 12.
    pub fn new(year: i32, month: u8) -> Option<Self> {
        (1..=12)
            .contains(&month)
            .then_some(CalendarMonth { year, month })
    }

    /// The month's English name and year, e.g. "October 2024".
    pub fn label(self) -> String {
        format!("{} {}", self.name(), self.year)
    }

    /// The month's short English name and year, e.g. "Oct 2024".
    pub fn short_label(self) -> String {
        format!("{} {}", self.name().get(..3).unwrap_or(""), self.year)
    }

    fn name(self) -> &'static str {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        NAMES
            .get(usize::from(self.month.saturating_sub(1)))
            .copied()
            .unwrap_or("")
    }
}

/// One pupil's sessions at one school in one academic year, month by month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyAttendancePupil {
    pub urn: Urn,
    pub context: PupilContext,
    /// Each month at most once; any order (the engine sorts them).
    pub months: Vec<(CalendarMonth, SessionCounts)>,
}

/// A school's or group of schools' attendance in one month, by pupil group.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyAttendance {
    pub month: CalendarMonth,
    /// Pupils with at least one possible session in the month.
    pub n_pupils: Figure<u32>,
    /// Absence sessions over possible sessions in the month; the figure carries the
    /// month's possible sessions.
    pub overall_absence: GroupFigures<RateFigure>,
    /// Share of the month's pupils absent for 10 % or more of their sessions from the start
    /// of the year to the end of the month.
    pub persistent_absence_to_date: GroupFigures<ProportionFigure>,
}

#[derive(Debug, Clone, Copy, Default)]
struct MonthAcc {
    overall: ByGroup<RatioAcc>,
    persistent: ByGroup<CountAcc>,
}

#[derive(Debug, Clone, Default)]
struct MonthlyAcc {
    months: std::collections::BTreeMap<CalendarMonth, MonthAcc>,
}

impl MonthlyAcc {
    fn add(&mut self, pupil: &MonthlyAttendancePupil) {
        let mask = pupil.context.groups();
        let mut months = pupil.months.clone();
        months.sort_by_key(|(month, _)| *month);
        let mut to_date = SessionCounts::default();
        for (month, counts) in months {
            to_date = to_date.plus(counts);
            if counts.possible == 0 {
                continue;
            }
            let acc = self.months.entry(month).or_default();
            acc.overall
                .add(mask, |a| a.add(counts.absent(), counts.possible));
            let persistent = to_date.is_persistently_absent();
            acc.persistent.add(mask, |a| a.add(persistent));
        }
    }

    fn summaries(&self, policy: SuppressionPolicy) -> Vec<MonthlyAttendance> {
        self.months
            .iter()
            .map(|(month, acc)| {
                let n_all = acc.overall.0.first().map_or(0, |a| a.n);
                MonthlyAttendance {
                    month: *month,
                    n_pupils: policy.figure(n_all, n_all),
                    overall_absence: suppress_groups(
                        policy,
                        acc.overall.0.map(|a| (a.n, a.figure())),
                    ),
                    persistent_absence_to_date: proportion_figures(
                        policy,
                        &acc.persistent,
                        Z_95_DFE,
                    ),
                }
            })
            .collect()
    }
}

/// Monthly figures for every school (sorted by URN), each in month order.
pub fn summarise_monthly_attendance_by_school(
    policy: SuppressionPolicy,
    pupils: &[MonthlyAttendancePupil],
) -> Vec<(Urn, Vec<MonthlyAttendance>)> {
    accumulate_by_school(pupils, |p| p.urn, MonthlyAcc::add)
        .into_iter()
        .map(|(urn, acc)| (urn, acc.summaries(policy)))
        .collect()
}

/// Monthly figures for a group of schools, pooling their pupils, in month order.
pub fn summarise_monthly_attendance_pooled(
    policy: SuppressionPolicy,
    pupils: &[MonthlyAttendancePupil],
    schools: &[Urn],
) -> Vec<MonthlyAttendance> {
    accumulate_pooled(pupils, schools, |p| p.urn, MonthlyAcc::add).summaries(policy)
}

#[cfg(test)]
mod tests;
