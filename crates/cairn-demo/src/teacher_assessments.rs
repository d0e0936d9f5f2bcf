//! Stage 6: in-year teacher assessments for the latest demo year, the termly judgements a
//! school records before its statutory results.
//!
//! * Y6: reading, writing and maths at three points (autumn, spring, summer), written with
//!   the KS2 codes (`WTS`, `EXS`, `GDS`, and `PK1`–`PK6` or `BLW` for pupils working below
//!   the standard). The summer judgement agrees with the pupil's eventual KS2 result (a
//!   scaled score of 100 is the expected standard, 110 the higher one; writing is the
//!   statutory teacher assessment itself) nine times in ten; earlier points are the same or
//!   lower, as pupils climb through the year, with the occasional wobble down.
//! * Y11: predicted grades 1–9 in English and maths at three points (autumn, after the
//!   spring mocks, and the final prediction in April), the final one within a grade of the
//!   pupil's GCSE and the earlier ones drifting up to it. Kingsmere School writes `+` and `-`
//!   on its autumn and spring predictions ("5+"), as some schools do. The 2024/25 Y11 had no
//!   KS2 tests (cancelled in 2019/20), so the register cannot judge their predictions against
//!   prior attainment and says so.
//!
//! Its own random stream, so the earlier stages draw exactly what they drew before.

use cairn_domain::{
    AcademicYear, Ks2Result, Ks2TestOutcome, Ks4Grade, Ks4ResultRow, TeacherAssessment, Upn,
    WritingTa,
};
use chrono::NaiveDate;

use crate::draw::{self, DemoRng};
use crate::ks4::{ENGLISH_LANGUAGE, MATHEMATICS};
use crate::schools::KINGSMERE;

/// The KS2 scale, lowest first; `WTS` is index 7, `EXS` 8, `GDS` 9.
const KS2_SCALE: [&str; 10] = [
    "BLW", "PK1", "PK2", "PK3", "PK4", "PK5", "PK6", "WTS", "EXS", "GDS",
];
const WTS: usize = 7;
const GDS: usize = 9;

/// The three points of the year: name, month and day (autumn in the first calendar year).
const Y6_POINTS: [(&str, u32, u32); 3] = [
    ("Y6 Autumn", 12, 6),
    ("Y6 Spring", 3, 21),
    ("Y6 Summer", 6, 27),
];
const Y11_POINTS: [(&str, u32, u32); 3] = [
    ("Y11 Autumn predicted", 12, 6),
    ("Y11 Spring predicted", 3, 14),
    ("Y11 Final predicted", 4, 25),
];

fn date(year: AcademicYear, month: u32, day: u32) -> Option<NaiveDate> {
    let calendar_year = i32::from(year.start_year()) + i32::from(month < 9);
    NaiveDate::from_ymd_opt(calendar_year, month, day)
}

/// The teacher assessments of `year`: Y6 from its KS2 results and Y11 from its GCSEs (rows
/// of that year), in the order of the results.
pub(crate) fn build(
    rng: &mut DemoRng,
    year: AcademicYear,
    ks2: &[Ks2Result],
    ks4: &[Ks4ResultRow],
) -> Vec<TeacherAssessment> {
    let mut out = Vec::new();
    for result in ks2.iter().filter(|r| r.academic_year == Some(year)) {
        let subjects = [
            ("Reading", test_level(result.reading)),
            ("Writing", writing_level(result.writing)),
            ("Maths", test_level(result.maths)),
        ];
        for (subject, level) in subjects {
            let Some(level) = level else { continue };
            let path = ks2_path(rng, level);
            push_points(&mut out, &result.upn, year, subject, &Y6_POINTS, |i| {
                path.get(i)
                    .and_then(|&l| KS2_SCALE.get(l))
                    .map(|s| (*s).to_owned())
            });
        }
    }
    for row in ks4.iter().filter(|r| r.academic_year == Some(year)) {
        let subject = match row.subject.as_str() {
            ENGLISH_LANGUAGE => "English",
            MATHEMATICS => "Maths",
            _ => continue,
        };
        let Ks4Grade::Single(grade) = row.grade else {
            continue;
        };
        let fine = row.urn.get() == KINGSMERE;
        let path = gcse_path(rng, grade);
        push_points(&mut out, &row.upn, year, subject, &Y11_POINTS, |i| {
            let (grade, thirds) = *path.get(i)?;
            Some(match thirds {
                1 if fine && i < 2 => format!("{grade}+"),
                -1 if fine && i < 2 => format!("{grade}-"),
                _ => grade.to_string(),
            })
        });
    }
    out
}

fn push_points(
    out: &mut Vec<TeacherAssessment>,
    upn: &Upn,
    year: AcademicYear,
    subject: &str,
    points: &[(&str, u32, u32); 3],
    result: impl Fn(usize) -> Option<String>,
) {
    for (i, (name, month, day)) in points.iter().enumerate() {
        let Some(result) = result(i) else { continue };
        out.push(TeacherAssessment {
            upn: upn.clone(),
            academic_year: Some(year),
            assessment: (*name).to_owned(),
            subject: subject.to_owned(),
            result,
            assessed_on: date(year, *month, *day),
        });
    }
}

/// Where a KS2 test result sits on the scale; `None` for absence and other codes with no
/// judgement behind them.
fn test_level(outcome: Ks2TestOutcome) -> Option<usize> {
    match outcome {
        Ks2TestOutcome::Scaled(score) if score >= 110 => Some(GDS),
        Ks2TestOutcome::Scaled(score) if score >= 100 => Some(GDS - 1),
        Ks2TestOutcome::Scaled(_) => Some(WTS),
        Ks2TestOutcome::WorkingBelow => Some(WTS - 1),
        _ => None,
    }
}

fn writing_level(ta: WritingTa) -> Option<usize> {
    match ta {
        WritingTa::GreaterDepth => Some(GDS),
        WritingTa::Expected => Some(GDS - 1),
        WritingTa::WorkingTowards => Some(WTS),
        WritingTa::PreKeyStage(n) => Some(usize::from(n)).filter(|n| (1..=6).contains(n)),
        WritingTa::Below => Some(0),
        _ => None,
    }
}

/// Autumn, spring and summer levels ending at `eventual`: the summer judgement matches it
/// nine times in ten (otherwise a step either way within WTS to GDS), and each earlier point
/// is the same as the next (six in ten), a step lower (a third) or a step higher.
fn ks2_path(rng: &mut DemoRng, eventual: usize) -> [usize; 3] {
    let summer = if eventual >= WTS && draw::chance(rng, 0.1) {
        if draw::chance(rng, 0.5) {
            (eventual + 1).min(GDS)
        } else {
            (eventual - 1).max(WTS)
        }
    } else {
        eventual
    };
    let step_back = |rng: &mut DemoRng, next: usize| -> usize {
        let low = if next >= WTS { WTS - 1 } else { 0 };
        match draw::weighted(rng, &[(0i8, 0.6), (-1, 0.33), (1, 0.07)]).unwrap_or(0) {
            -1 => next.saturating_sub(1).max(low),
            1 => (next + 1).min(GDS),
            _ => next,
        }
    };
    let spring = step_back(rng, summer);
    let autumn = step_back(rng, spring);
    [autumn, spring, summer]
}

/// Autumn, spring and final predictions (grade, and −1, 0 or +1 third) ending within a grade
/// of the GCSE `grade`: predictions start about half a grade low and climb, with noise.
fn gcse_path(rng: &mut DemoRng, grade: u8) -> [(u8, i8); 3] {
    let eventual = f64::from(grade);
    let at = |rng: &mut DemoRng, lag: f64, noise: f64| -> (u8, i8) {
        let value = (eventual - lag + noise * draw::standard_normal(rng)).clamp(1.0, 9.0);
        let whole = value.round();
        let thirds = ((value - whole) * 3.0).round().clamp(-1.0, 1.0) as i8;
        (whole as u8, thirds)
    };
    let final_ = at(rng, 0.0, 0.45);
    let spring = at(rng, 0.3, 0.6);
    let autumn = at(rng, 0.6, 0.7);
    [autumn, spring, final_]
}
