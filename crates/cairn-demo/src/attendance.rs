//! Stage 5: termly attendance summaries, one per pupil per term they are on roll.
//!
//! Each pupil's expected absence is `1 - attendance_propensity` from the cohort stage (higher
//! for disadvantaged pupils and those with SEN), scaled by phase (secondary pupils miss more,
//! Y10 and Y11 most), by term (more illness in spring), by the school's trend in
//! [`stories`], and by a pupil-level wobble that carries over from term to
//! term, so a pupil's terms are correlated. A small share of pupils, more of them
//! disadvantaged, with SEN or in secondary school, become severely absent for a year (half
//! of their sessions or more), often again the next year. Absence is split into authorised
//! and unauthorised, with unauthorised absence a larger share for disadvantaged pupils and
//! for frequent absentees.
//!
//! A pupil who moves school during a term has one summary for it, adding up the sessions
//! at both schools: summaries are keyed by pupil, year and term.
//!
//! In the latest demo year every pupil also has session-by-session register marks
//! ([`marks`]): the term's possible sessions come from the school's calendar of 190 days
//! and the pupil's days on roll, the absence drawn here is scaled to them, and the marks are
//! laid out to add up to it, so that year's summaries are exactly the tally of its marks.
//! Earlier years have summaries only, as a school that has just started sending marks would.

use cairn_domain::{AcademicYear, AttendanceMark, AttendanceSummary, SenProvision, Term};
use chrono::NaiveDate;
use rand::Rng;

use crate::calendar::{self, date_in};
use crate::cohort::{Cohort, Spell};
use crate::draw::{self, DemoRng};
use crate::marks::{self, Codes, SchoolDay};
use crate::schools::SchoolSpec;
use crate::stories;

/// Possible sessions in a full autumn, spring and summer term: 380 a year, the statutory
/// minimum of 190 days (measures.md §6).
const TERM_SESSIONS: [u32; 3] = [130, 120, 130];
/// More absence in the spring (winter illness), less in the autumn.
const TERM_FACTORS: [f64; 3] = [0.88, 1.12, 1.0];

/// Builds the summaries, ordered by year, term and pupil, and the latest year's marks,
/// ordered by pupil, date and session. `marks_rng` lays the marks out.
pub(crate) fn build(
    rng: &mut DemoRng,
    marks_rng: &mut DemoRng,
    cohort: &Cohort,
    schools: &[SchoolSpec],
    years: &[AcademicYear],
) -> (Vec<AttendanceSummary>, Vec<AttendanceMark>) {
    // Each school's possible sessions per year and term: a day or so either way for INSET
    // days and bank holidays.
    let sessions: Vec<Vec<[u32; 3]>> = schools
        .iter()
        .map(|_| {
            years
                .iter()
                .map(|_| TERM_SESSIONS.map(|n| n + 2 * rng.gen_range(0..=2) - 2))
                .collect()
        })
        .collect();

    // The marks year: each school's days, one school closed unexpectedly for a day.
    let marks_year = years.len().checked_sub(1);
    let calendars: Vec<Vec<SchoolDay>> = match marks_year.and_then(|i| years.get(i)) {
        Some(&year) => (0..schools.len())
            .map(|school_idx| marks::school_days(year, school_idx, school_idx == 0))
            .collect(),
        None => Vec::new(),
    };
    let codes = Codes::new();
    let mut marks_out: Vec<AttendanceMark> = Vec::new();

    let mut spells_by_pupil: Vec<Vec<&Spell>> = vec![Vec::new(); cohort.pupils.len()];
    for spell in &cohort.spells {
        if let Some(spells) = spells_by_pupil.get_mut(spell.pupil_idx) {
            spells.push(spell);
        }
    }

    let mut rows: Vec<(usize, usize, usize, AttendanceSummary)> = Vec::new();
    for (pupil_idx, (cohort_pupil, spells)) in
        cohort.pupils.iter().zip(&spells_by_pupil).enumerate()
    {
        let profile = &cohort_pupil.profile;
        // A little less spread than the propensity itself, since the terms add their own.
        let expected = 0.07 * ((1.0 - profile.attendance_propensity) / 0.07).powf(0.78);
        let mut wobble = draw::standard_normal(rng);
        let mut severe_last_year = false;
        for (year_idx, &academic_year) in years.iter().enumerate() {
            let in_year: Vec<&Spell> = spells
                .iter()
                .copied()
                .filter(|spell| spell.year_idx == year_idx)
                .collect();
            let Some(main) = in_year.first() else {
                severe_last_year = false;
                continue;
            };
            let Some(school) = schools.get(main.school_idx) else {
                continue;
            };
            let severe = severe_this_year(rng, expected, main.nc, profile.sen, severe_last_year);
            severe_last_year = severe;
            let severe_start = draw::uniform(rng, 0.4, 0.7);
            for (term_idx, &term) in Term::ALL.iter().enumerate() {
                // Wobble even for terms off roll, so the correlation is over time.
                wobble = 0.7 * wobble + 0.714 * draw::standard_normal(rng);
                let possible: u32 = in_year
                    .iter()
                    .map(|spell| {
                        let full = sessions
                            .get(spell.school_idx)
                            .and_then(|by_year| by_year.get(year_idx))
                            .and_then(|terms| terms.get(term_idx))
                            .copied()
                            .unwrap_or(0);
                        let share = share_on_roll(spell, academic_year, term);
                        // Rounded from a share of 0..=1 of at most 132 sessions.
                        (f64::from(full) * share).round() as u32
                    })
                    .sum();
                if possible == 0 {
                    continue;
                }
                // The marks year: this term's register slots at the pupil's schools.
                let slots = (Some(year_idx) == marks_year && codes.is_some())
                    .then(|| term_slots(&calendars, &in_year, term_idx));
                let rate = if severe {
                    (severe_start + 0.1 * term_idx as f64 + 0.08 * draw::standard_normal(rng))
                        .clamp(0.5, 0.97)
                } else {
                    let phase = phase_factor(main.nc, school.is_special());
                    let term_factor = TERM_FACTORS.get(term_idx).copied().unwrap_or(1.0);
                    let mut trend = stories::absence_trend(school.table_urn(), year_idx);
                    if profile.disadvantaged {
                        trend *= stories::disadvantaged_absence_trend(school.table_urn(), year_idx);
                    }
                    (expected * phase * term_factor * trend * (0.22 * wobble - 0.02).exp())
                        .clamp(0.0, 0.9)
                };
                let n = f64::from(possible);
                let spread = (n * rate * (1.0 - rate)).sqrt();
                let absent = (n * rate + spread * draw::standard_normal(rng))
                    .round()
                    .clamp(0.0, n);
                let mut unauthorised_share = 0.27 + 0.1 * draw::standard_normal(rng);
                if profile.disadvantaged {
                    unauthorised_share += 0.12;
                }
                if rate >= 0.1 {
                    unauthorised_share += 0.2;
                }
                let unauthorised = (absent * unauthorised_share.clamp(0.02, 0.95)).round();
                // Whole numbers from 0 to `possible`, so the casts are exact.
                let mut absent = absent as u32;
                let mut unauthorised = (unauthorised as u32).min(absent);
                let mut possible = possible;
                if let (Some(slots), Some(codes)) = (&slots, &codes) {
                    // Same absence rate and unauthorised share over the calendar's sessions.
                    let on_roll = marks::possible(slots);
                    let scaled = |n: u32, of: u32, to: u32| -> u32 {
                        if of == 0 {
                            return 0;
                        }
                        // At most `to`, a session count, so the cast is exact.
                        (f64::from(n) * f64::from(to) / f64::from(of)).round() as u32
                    };
                    let new_absent = scaled(absent, possible, on_roll).min(on_roll);
                    unauthorised = scaled(unauthorised, absent, new_absent).min(new_absent);
                    absent = new_absent;
                    possible = on_roll;
                    let upn = &cohort_pupil.pupil.upn;
                    marks::lay_out(
                        marks_rng,
                        codes,
                        upn,
                        slots,
                        absent - unauthorised,
                        unauthorised,
                        &mut marks_out,
                    );
                    if possible == 0 {
                        continue;
                    }
                }
                rows.push((
                    year_idx,
                    term_idx,
                    pupil_idx,
                    AttendanceSummary {
                        upn: cohort_pupil.pupil.upn.clone(),
                        academic_year,
                        term: Some(term),
                        sessions_possible: possible,
                        sessions_attended: possible - absent,
                        sessions_authorised: absent - unauthorised,
                        sessions_unauthorised: unauthorised,
                    },
                ));
            }
        }
    }
    rows.sort_by_key(|(year_idx, term_idx, pupil_idx, _)| (*year_idx, *term_idx, *pupil_idx));
    let summaries = rows.into_iter().map(|(_, _, _, summary)| summary).collect();
    (summaries, marks_out)
}

/// A pupil's register slots in a term of the marks year: the days of each spell's school
/// while on roll there, in date order, a day once (the first school's) if spells touch.
fn term_slots(
    calendars: &[Vec<SchoolDay>],
    in_year: &[&Spell],
    term_idx: usize,
) -> Vec<marks::Slot> {
    let mut days: Vec<SchoolDay> = Vec::new();
    let mut reception = false;
    for spell in in_year {
        let Some(calendar) = calendars.get(spell.school_idx) else {
            continue;
        };
        reception |= spell.nc == 0;
        days.extend(calendar.iter().copied().filter(|day| {
            day.term_idx == term_idx
                && spell.started_on <= day.date
                && spell.left_on.is_none_or(|left| day.date <= left)
        }));
    }
    days.sort_by_key(|day| day.date);
    days.dedup_by_key(|day| day.date);
    marks::slots(&days, reception)
}

/// Absence relative to a pupil's own expectation by NC year: DfE absence statistics put
/// primary absence near 6% and secondary near 9%, highest in Y10 and Y11.
fn phase_factor(nc: i8, special: bool) -> f64 {
    let by_year = match nc {
        ..=0 => 0.88,
        1..=6 => 0.81,
        7..=8 => 0.96,
        9 => 1.05,
        10..=11 => 1.15,
        _ => 1.1,
    };
    if special { by_year * 0.85 } else { by_year }
}

/// Whether a pupil is severely absent (50% or more) this year: about 2% of pupils in
/// England, far more among those already often absent, those with SEN and in secondary.
fn severe_this_year(
    rng: &mut DemoRng,
    expected: f64,
    nc: i8,
    sen: SenProvision,
    last_year: bool,
) -> bool {
    if last_year {
        return draw::chance(rng, 0.55);
    }
    let mut chance = 0.005 * (expected / 0.07).powi(2);
    if nc >= 7 {
        chance *= 2.0;
    }
    if sen != SenProvision::None {
        chance *= 1.5;
    }
    draw::chance(rng, chance.min(0.5))
}

/// The share of a term's teaching days the pupil was on roll for in this spell.
fn share_on_roll(spell: &Spell, academic_year: AcademicYear, term: Term) -> f64 {
    let (start, end) = term_dates(academic_year, term);
    let from = spell.started_on.max(start);
    let to = spell.left_on.map_or(end, |left_on| left_on.min(end));
    let term_days = (end - start).num_days() + 1;
    let days = (to - from).num_days() + 1;
    if days <= 0 || term_days <= 0 {
        return 0.0;
    }
    // Day counts within a year, so the conversions are exact.
    (days as f64 / term_days as f64).min(1.0)
}

/// Teaching days of each term, approximately: early September to the week before Christmas,
/// early January to the end of March, mid April to the end of the summer term.
fn term_dates(academic_year: AcademicYear, term: Term) -> (NaiveDate, NaiveDate) {
    match term {
        Term::Autumn => (date_in(academic_year, 9, 1), date_in(academic_year, 12, 19)),
        Term::Spring => (date_in(academic_year, 1, 4), date_in(academic_year, 3, 28)),
        Term::Summer => (
            date_in(academic_year, 4, 15),
            calendar::summer_term_end(academic_year),
        ),
    }
}
