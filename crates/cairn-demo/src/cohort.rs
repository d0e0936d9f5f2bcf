//! Stage 2: pupils, their latent profiles, and where each is on roll in each demo year.
//!
//! The stage simulates the partnership year by year. The first year starts with every school
//! nearly full. During each year a few pupils leave (some to another partnership school) and a
//! few join from outside. At each year end pupils move up a year, transfer at the end of their
//! school's top year (first to middle at Y5, middle to high at Y9, primary to secondary at
//! Y7) or leave. Each September new cohorts arrive: reception intakes, and outside joiners
//! topping up entry years (Y5, Y7, Y9, Y12) and, more thinly, other years.
//!
//! Each pupil gets a [`PupilProfile`] when first created: stable traits (ethnicity, EAL,
//! disadvantage and SEN on entry) and the latent values that the assessment and attendance
//! stages use.

use std::collections::BTreeMap;

use cairn_domain::{AcademicYear, Pupil, SenProvision, Sex, Upn};
use chrono::NaiveDate;
use rand::Rng;

use crate::calendar::{self, add_days, date_in, random_school_day};
use crate::draw::{self, DemoRng};
use crate::names;
use crate::schools::{LA_CODE, SchoolSpec};

/// Share of the September roll who leave during the year (DfE pupil mobility statistics put
/// in-year moves at a few per cent).
const MID_YEAR_LEAVING: f64 = 0.03;
/// Share of those mid-year leavers who move to another partnership school rather than away.
const MOVING_WITHIN_PARTNERSHIP: f64 = 0.3;
/// Expected mid-year joiners from outside, as a share of a school's September roll.
const MID_YEAR_JOINING: f64 = 0.025;
/// Share of the gap below planned size that outside joiners fill in a non-entry year.
const NON_ENTRY_TOP_UP: f64 = 0.35;

/// Local authorities outside joiners' UPNs come from: this LA and its neighbours (Gateshead,
/// Newcastle, North Tyneside, South Tyneside, County Durham, Cumbria).
const OUTSIDE_LA_CODES: [u16; 7] = [LA_CODE, 390, 391, 392, 393, 840, 909];

/// A pupil's stable traits and latent values, drawn once when the pupil is created.
///
/// `ability` and `attendance_propensity` are the hooks for the assessment and attendance
/// stages: they let results and absence correlate with disadvantage and SEN without
/// those stages re-deriving anything.
#[derive(Debug, Clone)]
pub(crate) struct PupilProfile {
    /// Latent attainment on a standard normal scale (0 is the national average, 1 is one
    /// standard deviation above). About 0.45 lower for disadvantaged pupils and lower still
    /// with SEN, in line with national attainment gaps.
    pub(crate) ability: f64,
    /// The share of possible sessions the pupil is expected to attend, 0 to 1, about 0.93 on
    /// average; lower for disadvantaged pupils and those with SEN, as in DfE absence
    /// statistics.
    pub(crate) attendance_propensity: f64,
    /// Census ethnicity code.
    pub(crate) ethnicity: Option<&'static str>,
    pub(crate) eal: bool,
    /// Disadvantaged when first seen (FSM in the last six years, or looked after).
    pub(crate) disadvantaged: bool,
    /// Looked after when first seen.
    pub(crate) looked_after: bool,
    /// SEN provision when first seen.
    pub(crate) sen: SenProvision,
    /// Joined the partnership at the special school (which shapes the SEN need).
    pub(crate) special_school: bool,
}

/// A pupil record and the profile behind it.
#[derive(Debug, Clone)]
pub(crate) struct CohortPupil {
    pub(crate) pupil: Pupil,
    pub(crate) profile: PupilProfile,
}

/// One pupil on roll at one school within one academic year; becomes one `Enrolment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Spell {
    pub(crate) pupil_idx: usize,
    /// Index into `SCHOOLS`.
    pub(crate) school_idx: usize,
    /// Index into the demo years.
    pub(crate) year_idx: usize,
    pub(crate) nc: i8,
    pub(crate) started_on: NaiveDate,
    /// The last day on roll, set in the year the pupil leaves this school.
    pub(crate) left_on: Option<NaiveDate>,
}

/// The output of the cohort stage, read by every later stage.
#[derive(Debug, Clone)]
pub(crate) struct Cohort {
    pub(crate) pupils: Vec<CohortPupil>,
    /// Sorted by year, school, NC year, start date and pupil.
    pub(crate) spells: Vec<Spell>,
}

/// Simulates the partnership's pupils over `years`, which must be consecutive.
pub(crate) fn simulate(
    rng: &mut DemoRng,
    schools: &[SchoolSpec],
    years: &[AcademicYear],
) -> Cohort {
    let mut simulation = Simulation {
        rng,
        schools,
        feeders: feeders(schools),
        pupils: Vec::new(),
        spells: Vec::new(),
        upns: UpnAllocator::default(),
    };
    let mut roll = Vec::new();
    for (year_idx, &academic_year) in years.iter().enumerate() {
        roll = if year_idx == 0 {
            simulation.fill_first_year(academic_year)
        } else {
            simulation.admit_in_september(roll, academic_year)
        };
        roll = simulation.run_year(roll, academic_year, year_idx);
    }
    let Simulation {
        pupils, mut spells, ..
    } = simulation;
    spells.sort_by_key(|spell| {
        (
            spell.year_idx,
            spell.school_idx,
            spell.nc,
            spell.started_on,
            spell.pupil_idx,
        )
    });
    Cohort { pupils, spells }
}

/// A pupil on roll at a school, not yet written as a spell because the leaving date is not
/// known until the year is over.
#[derive(Debug, Clone, Copy)]
struct Place {
    pupil_idx: usize,
    school_idx: usize,
    nc: i8,
    started_on: NaiveDate,
}

/// How a new pupil arrives, which decides where their UPN was allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    /// On roll when the demo data begins, so they may have started here or at a feeder.
    AlreadyOnRoll,
    /// Starting school in reception here, so the UPN is allocated here.
    Reception,
    /// Moving in from a school outside the partnership.
    FromOutside,
}

/// Hands out UPNs in the DfE format: LA code, establishment number of the allocating school,
/// two digits of the allocation year, then a three-digit serial, which keeps them unique.
/// Source: DfE UPN guide v1.2, `../shared/reference/measures.md` §7.
#[derive(Debug, Default)]
struct UpnAllocator {
    last_serial: BTreeMap<(u16, u16, u8), u16>,
}

impl UpnAllocator {
    /// The next UPN for an allocating school and year, or `None` once its 999 serials are used.
    fn allocate(&mut self, la_code: u16, establishment_number: u16, year_2d: u8) -> Option<Upn> {
        let serial = self
            .last_serial
            .entry((la_code, establishment_number, year_2d))
            .or_insert(0);
        if *serial >= 999 {
            return None;
        }
        *serial += 1;
        Upn::with_check_letter(&format!(
            "{la_code:03}{establishment_number:04}{year_2d:02}{serial:03}"
        ))
        .ok()
    }
}

struct Simulation<'a> {
    rng: &'a mut DemoRng,
    schools: &'a [SchoolSpec],
    /// For each school, the schools that send pupils to it, with their transfer probability.
    feeders: Vec<Vec<(usize, f64)>>,
    pupils: Vec<CohortPupil>,
    spells: Vec<Spell>,
    upns: UpnAllocator,
}

/// For each school, which schools feed it and how strongly.
fn feeders(schools: &[SchoolSpec]) -> Vec<Vec<(usize, f64)>> {
    schools
        .iter()
        .map(|school| {
            schools
                .iter()
                .enumerate()
                .flat_map(|(feeder_idx, feeder)| {
                    feeder
                        .transfers
                        .iter()
                        .filter(|(urn, _)| *urn == school.table_urn() && feeder.area == school.area)
                        .map(move |&(_, probability)| (feeder_idx, probability))
                })
                .collect()
        })
        .collect()
}

impl Simulation<'_> {
    /// The first demo year: every school nearly full, everyone on roll from 1 September.
    fn fill_first_year(&mut self, academic_year: AcademicYear) -> Vec<Place> {
        let mut roll = Vec::new();
        for (school_idx, school) in self.schools.iter().enumerate() {
            for nc in school.nc_low..=school.nc_high {
                let size = f64::from(school.year_group_size(nc));
                let fill = draw::uniform(self.rng, 0.86, 1.0);
                let n_pupils = draw::round_randomly(self.rng, size * fill);
                for _ in 0..n_pupils {
                    let arrival = Arrival::AlreadyOnRoll;
                    if let Some(pupil_idx) =
                        self.create_pupil(school_idx, nc, academic_year, arrival)
                    {
                        roll.push(Place {
                            pupil_idx,
                            school_idx,
                            nc,
                            started_on: academic_year.first_day(),
                        });
                    }
                }
            }
        }
        roll
    }

    /// September of a later year: reception intakes and outside joiners on top of the pupils
    /// carried over from last year.
    fn admit_in_september(
        &mut self,
        mut roll: Vec<Place>,
        academic_year: AcademicYear,
    ) -> Vec<Place> {
        let mut counts: BTreeMap<(usize, i8), usize> = BTreeMap::new();
        for place in &roll {
            *counts.entry((place.school_idx, place.nc)).or_insert(0) += 1;
        }
        for (school_idx, school) in self.schools.iter().enumerate() {
            for nc in school.nc_low..=school.nc_high {
                let size = f64::from(school.year_group_size(nc));
                let n_current = counts.get(&(school_idx, nc)).copied().unwrap_or(0);
                // Counts are in the hundreds, so the conversion to f64 is exact.
                let current = n_current as f64;
                let expected_joiners = if school.entry_years.contains(&nc) {
                    let target = size * draw::uniform(self.rng, 0.88, 1.0);
                    (target - current).max(0.0)
                } else {
                    (size * 0.95 - current).max(0.0) * NON_ENTRY_TOP_UP
                };
                let n_joiners = draw::round_randomly(self.rng, expected_joiners);
                let arrival = if nc == 0 {
                    Arrival::Reception
                } else {
                    Arrival::FromOutside
                };
                for _ in 0..n_joiners {
                    if let Some(pupil_idx) =
                        self.create_pupil(school_idx, nc, academic_year, arrival)
                    {
                        roll.push(Place {
                            pupil_idx,
                            school_idx,
                            nc,
                            started_on: academic_year.first_day(),
                        });
                    }
                }
            }
        }
        roll
    }

    /// One academic year: mid-year leavers, movers and joiners, then the year-end decisions.
    /// Writes every spell of the year and returns the roll carried into next September.
    fn run_year(
        &mut self,
        roll: Vec<Place>,
        academic_year: AcademicYear,
        year_idx: usize,
    ) -> Vec<Place> {
        let term_end = calendar::summer_term_end(academic_year);
        let mut n_on_roll = vec![0usize; self.schools.len()];
        for place in &roll {
            if let Some(count) = n_on_roll.get_mut(place.school_idx) {
                *count += 1;
            }
        }

        // Leaving dates fall after the autumn census (early October) and joining dates before
        // the summer census (mid May), so everyone on roll in a year is counted in at least
        // one census and so has characteristics for that year.
        let mut on_roll_at_year_end = Vec::with_capacity(roll.len());
        for place in roll {
            if !draw::chance(self.rng, MID_YEAR_LEAVING) {
                on_roll_at_year_end.push(place);
                continue;
            }
            let left_on = random_school_day(
                self.rng,
                date_in(academic_year, 10, 10),
                date_in(academic_year, 6, 30),
            );
            self.record_spell(place, year_idx, Some(left_on));
            if !draw::chance(self.rng, MOVING_WITHIN_PARTNERSHIP) {
                continue;
            }
            if let Some(school_idx) = self.pick_mid_year_destination(place) {
                let started_on = random_school_day(
                    self.rng,
                    add_days(left_on, 3),
                    add_days(left_on, 21).min(term_end),
                );
                // The calendar keeps the start after `from`, but a pupil on roll at two schools
                // at once would break every count, so the move is dropped if it ever did not.
                if started_on <= left_on {
                    continue;
                }
                on_roll_at_year_end.push(Place {
                    school_idx,
                    started_on,
                    ..place
                });
            }
        }

        for (school_idx, school) in self.schools.iter().enumerate() {
            let n_school = n_on_roll.get(school_idx).copied().unwrap_or(0) as f64;
            let expected = n_school * MID_YEAR_JOINING * draw::uniform(self.rng, 0.5, 1.5);
            let n_joiners = draw::round_randomly(self.rng, expected);
            let year_weights: Vec<(i8, f64)> = (school.nc_low..=school.nc_high)
                .map(|nc| (nc, f64::from(school.year_group_size(nc))))
                .collect();
            for _ in 0..n_joiners {
                let Some(nc) = draw::weighted(self.rng, &year_weights) else {
                    continue;
                };
                let started_on = random_school_day(
                    self.rng,
                    date_in(academic_year, 9, 15),
                    date_in(academic_year, 5, 10),
                );
                if let Some(pupil_idx) =
                    self.create_pupil(school_idx, nc, academic_year, Arrival::FromOutside)
                {
                    on_roll_at_year_end.push(Place {
                        pupil_idx,
                        school_idx,
                        nc,
                        started_on,
                    });
                }
            }
        }

        let next_september = academic_year.next().first_day();
        let mut next_roll = Vec::with_capacity(on_roll_at_year_end.len());
        for place in on_roll_at_year_end {
            let destination = self.pick_next_school(place);
            let left_on = (destination != Some(place.school_idx)).then_some(term_end);
            self.record_spell(place, year_idx, left_on);
            if let Some(school_idx) = destination {
                next_roll.push(Place {
                    pupil_idx: place.pupil_idx,
                    school_idx,
                    nc: place.nc + 1,
                    started_on: next_september,
                });
            }
        }
        next_roll
    }

    fn record_spell(&mut self, place: Place, year_idx: usize, left_on: Option<NaiveDate>) {
        self.spells.push(Spell {
            pupil_idx: place.pupil_idx,
            school_idx: place.school_idx,
            year_idx,
            nc: place.nc,
            started_on: place.started_on,
            left_on,
        });
    }

    /// Where a pupil is next September: the same school, the school they transfer to, or
    /// `None` if they leave the partnership.
    fn pick_next_school(&mut self, place: Place) -> Option<usize> {
        let school = self.schools.get(place.school_idx)?;
        let next_nc = place.nc + 1;
        if school.teaches(next_nc) {
            return draw::chance(self.rng, school.staying_on(place.nc)).then_some(place.school_idx);
        }
        let urn = draw::weighted_or_none(self.rng, school.transfers)?;
        self.schools.iter().position(|destination| {
            destination.table_urn() == urn
                && destination.area == school.area
                && destination.teaches(next_nc)
        })
    }

    /// A mainstream partnership school teaching the pupil's year, preferring the same town.
    fn pick_mid_year_destination(&mut self, place: Place) -> Option<usize> {
        let from = self.schools.get(place.school_idx)?;
        let options: Vec<(usize, f64)> = self
            .schools
            .iter()
            .enumerate()
            .filter(|(school_idx, school)| {
                *school_idx != place.school_idx
                    && school.area == from.area
                    && !school.is_special()
                    && school.teaches(place.nc)
            })
            .map(|(school_idx, school)| {
                let weight = if school.locality == from.locality {
                    3.0
                } else {
                    1.0
                };
                (school_idx, weight)
            })
            .collect();
        draw::weighted(self.rng, &options)
    }

    /// Creates a pupil of NC year `nc` in `academic_year` arriving at a school, and returns
    /// their index, or `None` if no UPN could be allocated (never in practice).
    fn create_pupil(
        &mut self,
        school_idx: usize,
        nc: i8,
        academic_year: AcademicYear,
        arrival: Arrival,
    ) -> Option<usize> {
        let school = self.schools.get(school_idx)?;
        let upn = self.allocate_upn(school_idx, nc, academic_year, arrival)?;
        let date_of_birth = draw_date_of_birth(self.rng, academic_year, nc);
        // Boys are about 51% of pupils, and about 70% in special schools.
        let male_share = if school.is_special() { 0.7 } else { 0.51 };
        let sex = if draw::chance(self.rng, male_share) {
            Sex::Male
        } else {
            Sex::Female
        };
        let profile = draw_profile(self.rng, school, sex, nc);
        let (forename, surname) = names::pick_names(self.rng, profile.ethnicity, sex);
        self.pupils.push(CohortPupil {
            pupil: Pupil {
                upn,
                forename,
                surname,
                date_of_birth,
                sex,
            },
            profile,
        });
        Some(self.pupils.len() - 1)
    }

    /// A UPN from the school that first admitted the pupil: this school for its own reception
    /// pupils, often a feeder for pupils already in a middle or secondary school, otherwise a
    /// primary school outside the partnership. The year digits are the year the pupil started
    /// reception.
    fn allocate_upn(
        &mut self,
        school_idx: usize,
        nc: i8,
        academic_year: AcademicYear,
        arrival: Arrival,
    ) -> Option<Upn> {
        let school = self.schools.get(school_idx)?;
        let reception_start = i32::from(academic_year.start_year()) - i32::from(nc);
        let year_2d = u8::try_from(reception_start.rem_euclid(100)).unwrap_or(0);
        let allocating_idx = match arrival {
            Arrival::Reception => Some(school_idx),
            Arrival::FromOutside => None,
            Arrival::AlreadyOnRoll => {
                let started_here =
                    school.nc_low == 0 && draw::chance(self.rng, if nc <= 6 { 0.85 } else { 0.4 });
                if started_here {
                    Some(school_idx)
                } else if draw::chance(self.rng, 0.75) {
                    let feeders = self.feeders.get(school_idx).map_or(&[][..], Vec::as_slice);
                    draw::weighted(self.rng, feeders)
                } else {
                    None
                }
            }
        };
        let allocated_here = allocating_idx
            .and_then(|idx| self.schools.get(idx))
            .and_then(|allocating| {
                self.upns.allocate(
                    allocating.la_code(),
                    allocating.establishment_number,
                    year_2d,
                )
            });
        if allocated_here.is_some() {
            return allocated_here;
        }
        // An outside primary school; retry on the rare chance one has used all its serials.
        for _ in 0..20 {
            let la_code = draw::one_of(self.rng, &OUTSIDE_LA_CODES).unwrap_or(LA_CODE);
            let establishment_number = self.rng.gen_range(2000..=2999);
            if let Some(upn) = self.upns.allocate(la_code, establishment_number, year_2d) {
                return Some(upn);
            }
        }
        None
    }
}

/// A date of birth for a pupil in NC year `nc` during `academic_year`: pupils in year n in
/// the year starting September Y were born between 1 September Y-n-5 and 31 August Y-n-4
/// (DfE school admissions: reception in the September after the fourth birthday).
fn draw_date_of_birth(rng: &mut DemoRng, academic_year: AcademicYear, nc: i8) -> NaiveDate {
    let mut birth_year = academic_year;
    for _ in 0..(i16::from(nc) + 5).max(0) {
        birth_year = birth_year.previous();
    }
    let span_days =
        u64::try_from((birth_year.last_day() - birth_year.first_day()).num_days()).unwrap_or(364);
    add_days(birth_year.first_day(), rng.gen_range(0..=span_days))
}

/// Draws a new pupil's profile from the catchment of the school they arrive at.
fn draw_profile(rng: &mut DemoRng, school: &SchoolSpec, sex: Sex, nc: i8) -> PupilProfile {
    let catchment = school.catchment;
    let ethnicity = names::pick_ethnicity(rng, catchment.diversity);
    let eal = draw::chance(rng, names::eal_rate(ethnicity));
    // About 0.5% of pupils are looked after (DfE "Children looked after in England"), more in
    // special schools; looked-after pupils count as disadvantaged.
    let looked_after_rate = if school.is_special() { 0.02 } else { 0.005 };
    let looked_after = draw::chance(rng, looked_after_rate);
    let disadvantaged = looked_after || draw::chance(rng, catchment.disadvantaged);

    let sen = if school.is_special() {
        if draw::chance(rng, catchment.ehcp) {
            SenProvision::Ehcp
        } else {
            SenProvision::Support
        }
    } else {
        // Boys are identified with SEN about twice as often as girls, and disadvantaged pupils
        // about twice as often as others (DfE "Special educational needs in England"). The
        // multipliers average to 1 so the catchment rates hold overall.
        let sex_factor = match sex {
            Sex::Male => 1.35,
            Sex::Female => 0.65,
        };
        let disadvantage_factor = if disadvantaged { 1.6 } else { 0.8 };
        let factor = sex_factor * disadvantage_factor;
        // Needs are often not yet identified when a child starts reception.
        let age_factor = if nc <= 0 { 0.5 } else { 1.0 };
        let draw = draw::unit(rng);
        let ehcp = catchment.ehcp * factor * age_factor;
        let support = catchment.sen_support * factor * age_factor;
        if draw < ehcp {
            SenProvision::Ehcp
        } else if draw < ehcp + support {
            SenProvision::Support
        } else {
            SenProvision::None
        }
    };

    let sen_effect = match sen {
        SenProvision::None => 0.0,
        SenProvision::Support => 0.6,
        SenProvision::Ehcp => 1.3,
    };
    let special_effect = if school.is_special() { 0.8 } else { 0.0 };
    let disadvantage_effect = if disadvantaged { 0.45 } else { 0.0 };
    let ability = (draw::standard_normal(rng) - disadvantage_effect - sen_effect - special_effect)
        .clamp(-4.0, 4.0);

    // Absence is skewed: most pupils miss a few per cent of sessions, a tail misses far more.
    // A log-normal spread around 5.5%, raised for disadvantage and SEN and a little for low
    // ability, gives a mean near 7% (overall absence in England was about 7% in 2023/24).
    let mut absence = 0.055 * (0.55 * draw::standard_normal(rng) - 0.15 * ability).exp();
    if disadvantaged {
        absence *= 1.5;
    }
    absence *= match sen {
        SenProvision::None => 1.0,
        SenProvision::Support => 1.2,
        SenProvision::Ehcp => 1.4,
    };
    let attendance_propensity = 1.0 - absence.clamp(0.0, 0.6);

    PupilProfile {
        ability,
        attendance_propensity,
        ethnicity,
        eal,
        disadvantaged,
        looked_after,
        sen,
        special_school: school.is_special(),
    }
}
