//! The school-level effects behind the demo's results and attendance, including the stories
//! planted for the dashboards to find (listed in the crate docs).
//!
//! Effects are on the latent scale of `PupilProfile::ability` (standard deviations) for
//! results and a multiplier on each pupil's expected absence for attendance. They are fixed
//! here, not drawn, so the stories are there for every seed; the stages add pupil-level and
//! year-level noise on top.

use crate::schools::{
    KINGSMERE, MILLBROOK_PRIMARY, NORTHVALE_HIGH, RIVERSIDE_ACADEMY, RIVERSIDE_PRIMARY,
};

/// How much better or worse a school's pupils do than their ability predicts, by school and
/// demo year. Story: Millbrook Community Primary improves its KS2 results year on year.
pub(crate) fn attainment_effect(urn: u32, year_idx: usize) -> f64 {
    match urn {
        MILLBROOK_PRIMARY => [-0.7, -0.25, 0.3].get(year_idx).copied().unwrap_or(0.0),
        KINGSMERE => 0.08,
        NORTHVALE_HIGH => 0.05,
        RIVERSIDE_ACADEMY => -0.12,
        RIVERSIDE_PRIMARY => -0.05,
        _ => 0.0,
    }
}

/// Extra KS4 effect for disadvantaged pupils at a school, on top of the national
/// disadvantage effect. Story: Riverside Academy's disadvantaged pupils make notably less
/// progress from KS2 than disadvantaged pupils elsewhere.
pub(crate) fn ks4_disadvantaged_effect(urn: u32) -> f64 {
    match urn {
        RIVERSIDE_ACADEMY => -0.3,
        _ => 0.0,
    }
}

/// A multiplier on each pupil's expected absence, by school and demo year. Stories:
/// Northvale High School's absence rises year on year (its attendance falls), while
/// Riverside Primary Academy's falls each year, most in 2024/25, its first year of the
/// practice library's first-day absence calls (`practices`), whose measured impact this is.
pub(crate) fn absence_trend(urn: u32, year_idx: usize) -> f64 {
    let trend: [f64; 3] = match urn {
        NORTHVALE_HIGH => [0.9, 1.12, 1.38],
        RIVERSIDE_PRIMARY => [1.2, 1.0, 0.7],
        // Nationally absence eased a little from 2022/23 to 2024/25.
        _ => [1.03, 1.0, 0.97],
    };
    trend.get(year_idx).copied().unwrap_or(1.0)
}

/// A multiplier on disadvantaged pupils' expected absence, on top of [`absence_trend`], by
/// school and demo year. Story: at Kingsmere School disadvantaged pupils' absence climbs by
/// about a third in 2024/25 while the other pupils' holds, so the school's disadvantage gap
/// in absence widens well beyond the noise, the early warning's gap rule to find.
pub(crate) fn disadvantaged_absence_trend(urn: u32, year_idx: usize) -> f64 {
    let trend: [f64; 3] = match urn {
        KINGSMERE => [1.0, 1.0, 1.35],
        _ => [1.0, 1.0, 1.0],
    };
    trend.get(year_idx).copied().unwrap_or(1.0)
}
