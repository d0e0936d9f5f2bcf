//! Cairn's demo partnership: a realistic, fictional multi-academy trust and two clusters, with
//! about 9,000 pupils over three academic years, built from a seed.
//!
//! This crate owns the demo data and nothing else. [`generate`] is a pure function: the same
//! seed gives the same [`Partnership`], field by field and in the same order, every time.
//! It must do no I/O (no files, clock, environment, database or network) and
//! depends only on `cairn-domain`, `chrono` and `rand`; the binary stores what it returns.
//!
//! # What the demo contains
//!
//! - Thirteen schools in one local authority: a three-tier town (four first schools R-Y4,
//!   a middle school Y5-Y8, a high school Y9-Y13) and a two-tier town (four primaries, a
//!   secondary with a sixth form, an all-through school R-Y11), plus a special school.
//!   Church of England and Catholic schools, academies and maintained schools.
//! - The trust ([`TRUST_CODE`]) holds ten schools and shares pupil-level data; one school,
//!   Brookside First School, joins it on 1 January 2024, part-way through 2023/24. Each town
//!   has a cluster ([`CLUSTER_CODES`]) that includes schools outside the trust and shares
//!   aggregates only.
//! - Pupils over [`demo_years`], with one enrolment per pupil, school and year. Cohorts age,
//!   new reception classes start, pupils transfer at Y5, Y7, Y9 and into sixth forms, and a
//!   few per cent join or leave during the year.
//!   An enrolment's `started_on` is 1 September for pupils on roll from the start of the
//!   year and the joining date otherwise; `left_on` is the last day on roll, set only in the
//!   year the pupil leaves that school (mid-year, or at the end of the summer term).
//! - Characteristics for every census day (autumn, spring, summer) a pupil is on roll, with
//!   proportions close to England's and small changes over time.
//! - Statutory assessments in each demo year: the EYFS profile (all 17 early learning goals)
//!   at the end of reception, the phonics screening check in Y1 and the re-check in Y2, the
//!   multiplication tables check in Y4, KS2 tests and writing teacher assessment in Y6, and
//!   GCSEs in Y11 (subjects named as in `../shared/reference/ks4_subjects.csv`). Y11 pupils
//!   also have the KS2 results they got five years earlier, dated to their Y6 year, except
//!   the 2024/25 cohort: KS2 tests were cancelled in 2019/20 and 2020/21
//!   (`../shared/reference/measures.md` §2.1, §2.2), so those pupils have no KS2 prior
//!   attainment and no Progress 8.
//! - In-year teacher assessments for the latest demo year (`teacher_assessments`): termly
//!   `WTS`/`EXS`/`GDS` judgements in reading, writing and maths for Y6, and predicted grades
//!   in English and maths for Y11, each ending close to the pupil's eventual result.
//! - Attendance as termly summaries (sessions possible, attended, authorised and
//!   unauthorised absence) for every pupil and term on roll, one per pupil and term. A pupil
//!   who moves school within a term has one summary covering both schools. In the latest
//!   year (2024/25) every pupil also has AM and PM register marks for every school day on
//!   roll, with the 2024 code set (present, late, approved activities, illness and other
//!   authorised absence, unauthorised absence, X for reception afternoons on a phased start,
//!   Y4 for a day one school was closed), and that year's summaries are the marks' tallies.
//!
//! Figures land near England's: about 60% reach the expected standard in reading, writing
//! and maths at KS2 and 8-9% the higher standard, with a disadvantage gap of about 20 points;
//! Attainment 8 averages about 47 in the mainstream schools with several points between
//! schools; about 79% meet the phonics standard in Y1; 28% get full marks in the MTC; about
//! 68% reach a good level of development; overall absence is about 7% in primary and 9% in
//! secondary years, with about a fifth of pupils persistently absent (10% or more) and 1.5%
//! severely (50% or more). The tests in `tests.rs` keep them there.
//!
//! # Stories for the dashboards
//!
//! A few school-level effects are planted on purpose (see `stories`), the same for every
//! seed:
//!
//! - Millbrook Community Primary School improves its KS2 results year on year (with the
//!   default seed 23%, 57% and 65% reach the expected standard in reading, writing and
//!   maths).
//! - Riverside Academy's disadvantaged pupils make notably less progress from KS2 to KS4
//!   than disadvantaged pupils at the other secondaries (a Progress 8 gap of roughly 0.5 on
//!   top of the national disadvantage gap), visible in 2022/23 and 2023/24, the years with
//!   KS2 prior attainment.
//! - Northvale High School's attendance falls year on year (absence in Y9-Y11 up from about
//!   8% to 11% and 12%), the early warning to find; Riverside Primary Academy's improves a
//!   little each year (about 9%, 8.5% and 7%).
//! - Kingsmere School's disadvantaged pupils' absence climbs by about a third in 2024/25
//!   while the other pupils' holds: its disadvantage gap in absence widens significantly.
//!
//! # The improvement plan
//!
//! [`improvement_plan`] gives priorities, success criteria, actions and meetings that fit the
//! stories above; it uses no randomness.
//!
//! # Stages and random streams
//!
//! [`generate`] runs in stages, each in its own module, and each stage draws from its own
//! ChaCha8 stream of the seed (`stage_rng`). Adding a stage, or changing a later one, never
//! changes the numbers an earlier stage draws, so the pupils and their schools stay the same
//! as the generator grows.
//!
//! 1. `schools`: schools, groups and memberships, a fixed table (no randomness).
//! 2. `cohort` (stream `COHORT_STREAM`): pupils, enrolments, and each pupil's latent
//!    `PupilProfile`: `ability` (standard normal, lower for disadvantaged pupils and those
//!    with SEN) and `attendance_propensity` (expected share of sessions attended, about 0.93
//!    on average, lower for the same groups).
//! 3. `characteristics` (stream `CHARACTERISTICS_STREAM`): termly characteristics.
//! 4. `assessments` and `ks4` (stream `ASSESSMENTS_STREAM`): results from `ability`, the
//!    pupil's disadvantage and SEN that year (from the characteristics) and the school
//!    effects in `stories`.
//! 5. `attendance` (stream `ATTENDANCE_STREAM`): termly summaries from
//!    `attendance_propensity`, phase, term, the school trends in `stories`, and a pupil-level
//!    wobble carried from term to term; `marks` (stream `MARKS_STREAM`) lays the latest
//!    year's absences out as register marks.
//! 6. `teacher_assessments` (stream `TEACHER_ASSESSMENTS_STREAM`): the latest year's termly
//!    judgements, from that year's KS2 and GCSE results.
//!
//! Using the latent values keeps results, absence and characteristics consistent with one
//! another. Within a stage the draws follow one another, so retuning one assessment moves
//! the random numbers of those after it; the stories are school effects, not lucky draws.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use cairn_domain::{AcademicYear, Enrolment, NcYear, Partnership, School, Urn};
use rand::SeedableRng;

mod assessments;
mod attendance;
mod calendar;
mod characteristics;
mod cohort;
mod draw;
mod improvement;
mod ks4;
mod logins;
mod marks;
mod names;
mod national;
mod practices;
mod reviews;
mod risks;
mod schools;
mod stories;
mod teacher_assessments;

#[cfg(test)]
mod tests;

pub use crate::improvement::improvement_plan;
pub use crate::logins::{DEMO_PASSWORD, DemoLogin, demo_logins};
pub use crate::practices::practice_library;
pub use crate::reviews::peer_reviews;
pub use crate::risks::risk_decisions;

use crate::draw::DemoRng;

/// The seed the `demo` command uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 2026;

/// Group code of the demo multi-academy trust.
pub const TRUST_CODE: &str = "oakfield-learning-trust";

/// Group codes of the two demo clusters: North Vale (three-tier) and Riverside (two-tier).
pub const CLUSTER_CODES: [&str; 2] = ["north-vale-cluster", "riverside-cluster"];

/// The calendar year the first demo academic year starts in.
const FIRST_YEAR_START: u16 = 2022;

/// Random stream of the cohort stage.
const COHORT_STREAM: u64 = 1;
/// Random stream of the characteristics stage.
const CHARACTERISTICS_STREAM: u64 = 2;
/// Random stream of the assessments stage.
const ASSESSMENTS_STREAM: u64 = 3;
/// Random stream of the attendance stage.
const ATTENDANCE_STREAM: u64 = 4;
/// Random stream of the national benchmarks (its own, so the partnership never changes).
const NATIONAL_STREAM: u64 = 5;
/// Random stream of the in-year teacher assessments.
const TEACHER_ASSESSMENTS_STREAM: u64 = 6;
/// Random stream laying out the latest year's register marks.
const MARKS_STREAM: u64 = 7;

/// The three academic years the demo covers: 2022/23, 2023/24 and 2024/25.
pub fn demo_years() -> [AcademicYear; 3] {
    #[expect(
        clippy::expect_used,
        reason = "2022 is a constant inside the 1990 to 2100 range AcademicYear accepts"
    )]
    let first = AcademicYear::starting(FIRST_YEAR_START).expect("2022 is a valid academic year");
    [first, first.next(), first.next().next()]
}

/// Builds the demo partnership; same seed => identical output (field by field, same order).
pub fn generate(seed: u64) -> Partnership {
    generate_areas(seed, 1)
}

/// The most areas [`generate_areas`] builds.
pub const MAX_AREAS: u8 = schools::MAX_AREAS;

/// A larger partnership for benchmarks: the demo's two towns repeated `areas` times (1 to
/// [`MAX_AREAS`], 13 schools each) in different local authorities, all trust schools in the
/// one trust and each area with its own two clusters. Pupils move between schools only
/// within their area. One area is exactly [`generate`]'s demo.
pub fn generate_areas(seed: u64, areas: u8) -> Partnership {
    let years = demo_years();
    let specs = schools::specs(areas);
    let specs = specs.as_slice();

    // Stage 1: schools, groups and memberships.
    let schools: Vec<School> = specs
        .iter()
        .filter_map(schools::SchoolSpec::school)
        .collect();
    let groups = schools::groups(areas);
    let memberships = schools::memberships(specs);

    // Stage 2: pupils and enrolments.
    let cohort = cohort::simulate(&mut stage_rng(seed, COHORT_STREAM), specs, &years);

    // Stage 3: termly characteristics.
    let characteristics = characteristics::build(
        &mut stage_rng(seed, CHARACTERISTICS_STREAM),
        &cohort,
        &years,
    );

    // Stage 4: EYFS, phonics, MTC, KS2 and KS4 results.
    let assessments = assessments::build(
        &mut stage_rng(seed, ASSESSMENTS_STREAM),
        &cohort,
        &characteristics,
        specs,
        &years,
    );

    // Stage 5: termly attendance summaries, and the latest year's register marks.
    let (attendance_summaries, attendance_marks) = attendance::build(
        &mut stage_rng(seed, ATTENDANCE_STREAM),
        &mut stage_rng(seed, MARKS_STREAM),
        &cohort,
        specs,
        &years,
    );

    // Stage 6: the latest year's in-year teacher assessments.
    let teacher_assessments = years.last().map_or_else(Vec::new, |&latest| {
        teacher_assessments::build(
            &mut stage_rng(seed, TEACHER_ASSESSMENTS_STREAM),
            latest,
            &assessments.ks2,
            &assessments.ks4,
        )
    });

    let enrolments = cohort
        .spells
        .iter()
        .filter_map(|spell| {
            Some(Enrolment {
                upn: cohort.pupils.get(spell.pupil_idx)?.pupil.upn.clone(),
                urn: Urn::from_u32(specs.get(spell.school_idx)?.urn).ok()?,
                academic_year: *years.get(spell.year_idx)?,
                nc_year: NcYear::from_number(spell.nc).ok()?,
                started_on: spell.started_on,
                left_on: spell.left_on,
            })
        })
        .collect();
    let pupils = cohort
        .pupils
        .into_iter()
        .map(|cohort_pupil| cohort_pupil.pupil)
        .collect();

    Partnership {
        schools,
        groups,
        memberships,
        pupils,
        enrolments,
        characteristics,
        ks2_results: assessments.ks2,
        ks4_results: assessments.ks4,
        phonics_results: assessments.phonics,
        mtc_results: assessments.mtc,
        eyfs_results: assessments.eyfs,
        attendance_marks,
        attendance_summaries,
        teacher_assessments,
        former_upns: Vec::new(),
        successions: Vec::new(),
    }
}

/// The synthetic national benchmarks for the demo years: about 3,000 schools in England,
/// their context and headline figures, and England's figures (see `national`). Pure and
/// deterministic like [`generate`], from its own random stream.
pub fn national_benchmarks(seed: u64) -> cairn_domain::NationalBenchmarks {
    national::build(&mut stage_rng(seed, NATIONAL_STREAM), &demo_years())
}

/// The random generator for one stage: the seed picks the key and the stage picks the
/// ChaCha stream, so stages never share or shift one another's numbers.
fn stage_rng(seed: u64, stream: u64) -> DemoRng {
    let mut rng = DemoRng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}
