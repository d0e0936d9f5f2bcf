//! Session-by-session register marks for the latest demo year: each school's calendar of
//! school days, and each pupil's AM and PM marks with the codes in force from 19 August 2024
//! (`../shared/reference/attendance_codes_2024.csv`, measures.md §6).
//!
//! The attendance stage decides how many sessions a pupil missed in a term, authorised and
//! unauthorised; this module lays those sessions out over the term's school days, so the
//! termly summaries of the marks year add up from the marks exactly:
//!
//! * illness (I) comes in runs of whole days, medical appointments (M) are single sessions,
//!   with now and then religious observance (R) or exceptional leave (C);
//! * unauthorised absence is a term-time holiday (G, a run of days) for some pupils, otherwise
//!   single sessions of O, N and U;
//! * present sessions are `/` (AM) and `\` (PM), with some late arrivals (L) and a few
//!   educational visits (V) and sports fixtures (P), which count as attendance;
//! * reception children are below compulsory school age on entry, and on a phased start
//!   they are not required to attend afternoons for the first two weeks: X, not a possible
//!   session;
//! * one school was unexpectedly closed for a day in January (a burst pipe): Y4 for every
//!   pupil, not a possible session.
//!
//! Its draws come from their own random stream, so laying marks out never moves the numbers
//! of the earlier stages.

use cairn_domain::{AcademicYear, AttendanceCode, AttendanceMark, Session, Upn};
use chrono::{Datelike, NaiveDate, Weekday};
use rand::Rng;

use crate::calendar::{self, add_days, date_in};
use crate::draw::{self, DemoRng};

/// Days a year pupils attend: the statutory 190 (380 sessions; measures.md §6).
const SCHOOL_DAYS: usize = 190;
/// Reception afternoons marked X at the start of the year (phased start).
const PHASED_START_DAYS: usize = 10;

/// One day a school is open (or unexpectedly closed) in the marks year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SchoolDay {
    pub(crate) date: NaiveDate,
    /// 0 autumn, 1 spring, 2 summer.
    pub(crate) term_idx: usize,
    /// Unexpectedly closed: every pupil is marked Y4.
    pub(crate) closed: bool,
    /// Among the first school days of the year (reception phased start).
    pub(crate) phased_start: bool,
}

/// A school's days for `academic_year`: English term dates of the usual shape (autumn from
/// the first Monday of September to the Friday before Christmas, spring from the first
/// Monday on or after 6 January to the Friday on or before 4 April, summer from the Monday
/// or Tuesday after 21 April to the end of the summer term), less the half-term weeks (the
/// last week of October, the week of the third Monday of February, the week of the last
/// Monday of May), the early May bank holiday and INSET days, so there are 190 days.
/// `school_idx` varies which days are INSET days; `closes` adds one unexpected closure.
pub(crate) fn school_days(
    academic_year: AcademicYear,
    school_idx: usize,
    closes: bool,
) -> Vec<SchoolDay> {
    let autumn = (
        nth_weekday_on_or_after(date_in(academic_year, 9, 1), Weekday::Mon),
        weekday_on_or_before(date_in(academic_year, 12, 20), Weekday::Fri),
    );
    let spring = (
        nth_weekday_on_or_after(date_in(academic_year, 1, 6), Weekday::Mon),
        weekday_on_or_before(date_in(academic_year, 4, 4), Weekday::Fri),
    );
    let summer = (
        next_weekday(date_in(academic_year, 4, 22)),
        calendar::summer_term_end(academic_year),
    );
    let half_terms = [
        week_of(weekday_on_or_before(
            date_in(academic_year, 10, 31),
            Weekday::Mon,
        )),
        week_of(nth_weekday_on_or_after(
            date_in(academic_year, 2, 15),
            Weekday::Mon,
        )),
        week_of(weekday_on_or_before(
            date_in(academic_year, 5, 31),
            Weekday::Mon,
        )),
    ];
    let bank_holiday = nth_weekday_on_or_after(date_in(academic_year, 5, 1), Weekday::Mon);
    let mut days: Vec<SchoolDay> = Vec::with_capacity(200);
    for (term_idx, (start, end)) in [autumn, spring, summer].into_iter().enumerate() {
        let mut day = start;
        while day <= end {
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            let holiday = day == bank_holiday
                || half_terms
                    .iter()
                    .any(|(from, to)| *from <= day && day <= *to);
            if !weekend && !holiday {
                days.push(SchoolDay {
                    date: day,
                    term_idx,
                    closed: false,
                    phased_start: false,
                });
            }
            day = add_days(day, 1);
        }
    }
    // INSET days: the first day of each term and the last day of the year, then more at the
    // start of the autumn term, until 190 days are left. Schools differ by a day.
    let shift = school_idx % 2;
    let mut inset: Vec<NaiveDate> = Vec::new();
    for term_idx in 0..3 {
        if let Some(first) = days.iter().find(|d| d.term_idx == term_idx) {
            inset.push(first.date);
        }
    }
    inset.extend(days.last().map(|d| d.date));
    inset.extend(days.iter().skip(1 + shift).take(4).map(|d| d.date));
    let extra = days.len().saturating_sub(SCHOOL_DAYS);
    let inset: Vec<NaiveDate> = inset.into_iter().take(extra).collect();
    days.retain(|d| !inset.contains(&d.date));
    for day in days.iter_mut().take(PHASED_START_DAYS) {
        day.phased_start = true;
    }
    if closes {
        // The second Tuesday of January.
        let tuesday = add_days(
            nth_weekday_on_or_after(date_in(academic_year, 1, 1), Weekday::Tue),
            7,
        );
        if let Some(day) = days.iter_mut().find(|d| d.date == tuesday) {
            day.closed = true;
        }
    }
    days
}

fn nth_weekday_on_or_after(day: NaiveDate, weekday: Weekday) -> NaiveDate {
    let ahead = (weekday.num_days_from_monday() + 7 - day.weekday().num_days_from_monday()) % 7;
    add_days(day, u64::from(ahead))
}

fn weekday_on_or_before(day: NaiveDate, weekday: Weekday) -> NaiveDate {
    let back = (day.weekday().num_days_from_monday() + 7 - weekday.num_days_from_monday()) % 7;
    day.checked_sub_days(chrono::Days::new(u64::from(back)))
        .unwrap_or(day)
}

fn next_weekday(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => add_days(day, 2),
        Weekday::Sun => add_days(day, 1),
        _ => day,
    }
}

/// Monday to Friday of the week starting on `monday`.
fn week_of(monday: NaiveDate) -> (NaiveDate, NaiveDate) {
    (monday, add_days(monday, 4))
}

/// The register codes the demo uses, looked up once.
pub(crate) struct Codes {
    am: AttendanceCode,
    pm: AttendanceCode,
    late: AttendanceCode,
    visit: AttendanceCode,
    sport: AttendanceCode,
    illness: AttendanceCode,
    medical: AttendanceCode,
    religious: AttendanceCode,
    exceptional: AttendanceCode,
    holiday: AttendanceCode,
    other: AttendanceCode,
    not_established: AttendanceCode,
    after_close: AttendanceCode,
    not_required: AttendanceCode,
    closed: AttendanceCode,
}

impl Codes {
    /// `None` only if the domain's code set lost one of these codes.
    pub(crate) fn new() -> Option<Codes> {
        let code = |c: &str| AttendanceCode::parse_any(c).ok();
        Some(Codes {
            am: code("/")?,
            pm: code("\\")?,
            late: code("L")?,
            visit: code("V")?,
            sport: code("P")?,
            illness: code("I")?,
            medical: code("M")?,
            religious: code("R")?,
            exceptional: code("C")?,
            holiday: code("G")?,
            other: code("O")?,
            not_established: code("N")?,
            after_close: code("U")?,
            not_required: code("X")?,
            closed: code("Y4")?,
        })
    }
}

/// A pupil's register slot in a term: a day and session, possibly fixed to a code that is
/// not a possible session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    pub(crate) date: NaiveDate,
    pub(crate) session: Session,
    pub(crate) fixed: Option<Fixed>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fixed {
    NotRequired,
    Closed,
}

/// The slots of a pupil's days in a term, AM then PM; `reception` pupils have X afternoons
/// on phased-start days.
pub(crate) fn slots(days: &[SchoolDay], reception: bool) -> Vec<Slot> {
    let mut slots = Vec::with_capacity(days.len() * 2);
    for day in days {
        for session in [Session::Am, Session::Pm] {
            let fixed = if day.closed {
                Some(Fixed::Closed)
            } else if reception && day.phased_start && session == Session::Pm {
                Some(Fixed::NotRequired)
            } else {
                None
            };
            slots.push(Slot {
                date: day.date,
                session,
                fixed,
            });
        }
    }
    slots
}

/// Possible sessions among `slots`.
pub(crate) fn possible(slots: &[Slot]) -> u32 {
    u32::try_from(slots.iter().filter(|s| s.fixed.is_none()).count()).unwrap_or(u32::MAX)
}

/// Marks for `slots` with exactly `authorised` and `unauthorised` absences among the
/// possible sessions (fewer only if there are not that many possible sessions).
pub(crate) fn lay_out(
    rng: &mut DemoRng,
    codes: &Codes,
    upn: &Upn,
    slots: &[Slot],
    authorised: u32,
    unauthorised: u32,
    out: &mut Vec<AttendanceMark>,
) {
    // Positions of the possible sessions, and a code for each once chosen.
    let open: Vec<usize> = slots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.fixed.is_none())
        .map(|(i, _)| i)
        .collect();
    let mut chosen: Vec<Option<&AttendanceCode>> = vec![None; open.len()];

    let mut runs: Vec<(&AttendanceCode, usize)> = Vec::new();
    let mut left = authorised as usize;
    while left > 0 {
        let (code, len) = match rng.gen_range(0..100) {
            0..=71 => (&codes.illness, 2 * rng.gen_range(1..=3)),
            72..=91 => (&codes.medical, 1),
            92..=95 => (&codes.religious, 1),
            _ => (&codes.exceptional, 2),
        };
        let len = len.min(left);
        runs.push((code, len));
        left -= len;
    }
    let mut left = unauthorised as usize;
    if left >= 6 && draw::chance(rng, 0.4) {
        let len = left.min(10);
        runs.push((&codes.holiday, len));
        left -= len;
    }
    for _ in 0..left {
        let code = match rng.gen_range(0..100) {
            0..=59 => &codes.other,
            60..=84 => &codes.not_established,
            _ => &codes.after_close,
        };
        runs.push((code, 1));
    }
    // Longest runs first, each at a random free place (whole days start in the morning).
    runs.sort_by_key(|(_, len)| std::cmp::Reverse(*len));
    for (code, len) in runs {
        place(rng, &mut chosen, code, len);
    }

    for (slot_idx, slot) in slots.iter().enumerate() {
        let code = match slot.fixed {
            Some(Fixed::NotRequired) => codes.not_required.clone(),
            Some(Fixed::Closed) => codes.closed.clone(),
            None => {
                let absent = open
                    .binary_search(&slot_idx)
                    .ok()
                    .and_then(|i| chosen.get(i).copied().flatten());
                match absent {
                    Some(code) => code.clone(),
                    None => present(rng, codes, slot.session),
                }
            }
        };
        out.push(AttendanceMark {
            upn: upn.clone(),
            date: slot.date,
            session: slot.session,
            code,
        });
    }
}

/// Puts a run of `len` sessions of `code` in a free stretch, trying random starts (on even
/// positions for runs of whole days) and falling back to the first free sessions.
fn place<'c>(
    rng: &mut DemoRng,
    chosen: &mut [Option<&'c AttendanceCode>],
    code: &'c AttendanceCode,
    len: usize,
) {
    let n = chosen.len();
    if len == 0 || n == 0 {
        return;
    }
    if len <= n {
        for _ in 0..12 {
            let mut start = rng.gen_range(0..=n - len);
            if len > 1 {
                start -= start % 2;
            }
            let stretch = chosen.get(start..start + len);
            if stretch.is_some_and(|s| s.iter().all(Option::is_none)) {
                if let Some(stretch) = chosen.get_mut(start..start + len) {
                    stretch.fill(Some(code));
                }
                return;
            }
        }
    }
    for slot in chosen.iter_mut().filter(|c| c.is_none()).take(len) {
        *slot = Some(code);
    }
}

fn present(rng: &mut DemoRng, codes: &Codes, session: Session) -> AttendanceCode {
    let roll = rng.gen_range(0..1000);
    match (roll, session) {
        (0..=29, Session::Am) => codes.late.clone(),
        (30..=36, _) => codes.visit.clone(),
        (37..=40, _) => codes.sport.clone(),
        (_, Session::Am) => codes.am.clone(),
        (_, Session::Pm) => codes.pm.clone(),
    }
}
