//! School-calendar dates: census days, the end of the summer term, and random school days.
//!
//! Every function returns a date inside the academic year it is given, falling back to
//! 1 September rather than panicking if chrono ever refused a date.

use cairn_domain::{AcademicYear, Term};
use chrono::{Datelike, Days, NaiveDate, Weekday};
use rand::Rng;

use crate::draw::DemoRng;

/// A date in `academic_year`: September to December fall in its first calendar year, January
/// to August in its second. Callers pass real calendar dates (never 29 February).
pub(crate) fn date_in(academic_year: AcademicYear, month: u32, day: u32) -> NaiveDate {
    let start = i32::from(academic_year.start_year());
    let year = if month >= 9 { start } else { start + 1 };
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_else(|| academic_year.first_day())
}

/// The `n`th `weekday` of `month` in `academic_year`.
fn nth_weekday(academic_year: AcademicYear, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    let first = date_in(academic_year, month, 1);
    NaiveDate::from_weekday_of_month_opt(first.year(), month, weekday, n).unwrap_or(first)
}

/// School census day for a term: the first Thursday in October, the third Thursday in January
/// and the third Thursday in May.
/// Source: DfE "School census: guide" (census dates), e.g. 5 October 2023, 18 January 2024,
/// 16 May 2024.
pub(crate) fn census_day(academic_year: AcademicYear, term: Term) -> NaiveDate {
    match term {
        Term::Autumn => nth_weekday(academic_year, 10, Weekday::Thu, 1),
        Term::Spring => nth_weekday(academic_year, 1, Weekday::Thu, 3),
        Term::Summer => nth_weekday(academic_year, 5, Weekday::Thu, 3),
    }
}

/// The first day of the KS2 test week and of the GCSE exam season: the second Monday in May
/// (STA key stage 2 timetables: 8 May 2023 week, 13 May 2024, 12 May 2025).
pub(crate) fn may_tests_day(academic_year: AcademicYear) -> NaiveDate {
    nth_weekday(academic_year, 5, Weekday::Mon, 2)
}

/// The multiplication tables check window opens on the first Monday in June (STA: 5 June
/// 2023, 3 June 2024, 2 June 2025).
pub(crate) fn mtc_day(academic_year: AcademicYear) -> NaiveDate {
    nth_weekday(academic_year, 6, Weekday::Mon, 1)
}

/// The phonics screening check week starts on the second Monday in June (STA: 12 June 2023,
/// 10 June 2024, 9 June 2025).
pub(crate) fn phonics_day(academic_year: AcademicYear) -> NaiveDate {
    nth_weekday(academic_year, 6, Weekday::Mon, 2)
}

/// The EYFS profile is completed in the summer term and returned to the local authority by
/// the end of June; the demo dates it 20 June.
pub(crate) fn eyfs_day(academic_year: AcademicYear) -> NaiveDate {
    date_in(academic_year, 6, 20)
}

/// The last day of the summer term, used as the leaving date for pupils who leave a school at
/// the end of the year. English schools mostly break up on the Friday before the last full
/// week of July; the Friday on or before 22 July is a fair stand-in (21 July 2023,
/// 19 July 2024, 18 July 2025).
pub(crate) fn summer_term_end(academic_year: AcademicYear) -> NaiveDate {
    let latest = date_in(academic_year, 7, 22);
    let days_since_friday =
        (latest.weekday().num_days_from_monday() + 7 - Weekday::Fri.num_days_from_monday()) % 7;
    latest
        .checked_sub_days(Days::new(u64::from(days_since_friday)))
        .unwrap_or(latest)
}

/// `date` plus `days`, or `date` itself in the (impossible here) case of overflow.
pub(crate) fn add_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days)).unwrap_or(date)
}

/// A random school day between `from` and `to` inclusive: a weekday outside the Christmas
/// holidays (20 December to 3 January), so that joining and leaving dates look like real
/// ones. A draw in the holidays moves to 4 January and a weekend to the Monday; if that
/// passes `to`, the draw moves back to the last school day before it instead.
pub(crate) fn random_school_day(rng: &mut DemoRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span_days = u64::try_from((to - from).num_days()).unwrap_or(0);
    let drawn = add_days(from, rng.gen_range(0..=span_days));
    let candidate = next_weekday(after_christmas(drawn));
    if candidate <= to {
        candidate
    } else {
        previous_weekday(before_christmas(drawn))
    }
}

fn in_christmas_holiday(day: NaiveDate) -> bool {
    (day.month() == 12 && day.day() >= 20) || (day.month() == 1 && day.day() <= 3)
}

fn after_christmas(day: NaiveDate) -> NaiveDate {
    if in_christmas_holiday(day) {
        date_in(AcademicYear::containing(day), 1, 4)
    } else {
        day
    }
}

fn before_christmas(day: NaiveDate) -> NaiveDate {
    if in_christmas_holiday(day) {
        date_in(AcademicYear::containing(day), 12, 19)
    } else {
        day
    }
}

fn next_weekday(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => add_days(day, 2),
        Weekday::Sun => add_days(day, 1),
        _ => day,
    }
}

fn previous_weekday(day: NaiveDate) -> NaiveDate {
    let back = match day.weekday() {
        Weekday::Sat => 1,
        Weekday::Sun => 2,
        _ => return day,
    };
    day.checked_sub_days(Days::new(back)).unwrap_or(day)
}
