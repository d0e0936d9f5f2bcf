//! Stage 3: termly characteristics, one row per pupil for each census day they are on roll.
//!
//! Each pupil's profile gives their state when first seen. From then on the state moves a
//! little each term: some families become eligible for free school meals and some stop, a
//! few children come into or leave care, and SEN provision starts, ends or becomes an EHC
//! plan. Disadvantage follows the DfE definition, so it is sticky: once a pupil has had FSM
//! in the last six years, or been looked after, they stay disadvantaged.

use cairn_domain::{AcademicYear, Characteristics, NcYear, SenProvision, Term};
use chrono::NaiveDate;

use crate::calendar;
use crate::cohort::{Cohort, CohortPupil};
use crate::draw::{self, DemoRng};

/// Per-term probabilities of change. Annual rates are roughly three times these, chosen so
/// the overall proportions drift only slowly, as they do nationally (FSM eligibility rose
/// from about 21% to 25% between 2021/22 and 2024/25).
const FSM_STOPPING: f64 = 0.02;
const FSM_RESTARTING: f64 = 0.035;
const FSM_STARTING: f64 = 0.005;
/// A pupil with only older FSM history drops out of "FSM in the last six years".
const EVER_6_LAPSING: f64 = 0.06;
const CARE_STARTING: f64 = 0.0005;
const CARE_ENDING: f64 = 0.04;
const SEN_SUPPORT_STARTING: f64 = 0.005;
const SEN_SUPPORT_ENDING: f64 = 0.033;
const EHCP_STARTING: f64 = 0.007;
const EHCP_ENDING: f64 = 0.002;
/// Share of disadvantaged pupils currently eligible for FSM: the rest are disadvantaged
/// through earlier FSM (ever 6) or care.
const FSM_AMONG_DISADVANTAGED: f64 = 0.86;

/// Primary need codes from the census `SENtype` set with weights close to the national mix
/// (DfE "Special educational needs in England" 2023/24). NSA (no specialist assessment) is
/// only used for SEN support.
const SUPPORT_NEEDS_PRIMARY: [(&str, f64); 10] = [
    ("SLCN", 0.34),
    ("SEMH", 0.18),
    ("MLD", 0.15),
    ("SPLD", 0.07),
    ("ASD", 0.08),
    ("OTH", 0.04),
    ("PD", 0.03),
    ("HI", 0.02),
    ("VI", 0.01),
    ("NSA", 0.08),
];
const SUPPORT_NEEDS_SECONDARY: [(&str, f64); 10] = [
    ("SLCN", 0.14),
    ("SEMH", 0.25),
    ("MLD", 0.15),
    ("SPLD", 0.20),
    ("ASD", 0.10),
    ("OTH", 0.04),
    ("PD", 0.03),
    ("HI", 0.02),
    ("VI", 0.01),
    ("NSA", 0.06),
];
const EHCP_NEEDS: [(&str, f64); 12] = [
    ("ASD", 0.33),
    ("SLCN", 0.21),
    ("SEMH", 0.14),
    ("SLD", 0.08),
    ("MLD", 0.08),
    ("PMLD", 0.03),
    ("PD", 0.05),
    ("HI", 0.02),
    ("VI", 0.01),
    ("MSI", 0.01),
    ("SPLD", 0.03),
    ("OTH", 0.01),
];
const SPECIAL_SCHOOL_NEEDS: [(&str, f64); 7] = [
    ("ASD", 0.40),
    ("SLD", 0.25),
    ("PMLD", 0.08),
    ("MLD", 0.12),
    ("SLCN", 0.06),
    ("SEMH", 0.06),
    ("PD", 0.03),
];

/// One census day of the demo years.
#[derive(Debug, Clone, Copy)]
struct CensusSlot {
    year_idx: usize,
    academic_year: AcademicYear,
    term: Term,
    census_day: NaiveDate,
}

/// A pupil's recorded characteristics in one term, plus the history that decides
/// disadvantage.
#[derive(Debug, Clone)]
struct TermState {
    fsm: bool,
    /// FSM at some point since the pupil was first seen.
    fsm_seen: bool,
    /// FSM within six years before the pupil was first seen.
    fsm_history: bool,
    looked_after: bool,
    ever_looked_after: bool,
    sen: SenProvision,
    sen_need: Option<&'static str>,
}

impl TermState {
    /// Source: DfE KS4 performance tables guidance, "disadvantaged pupils" (FSM6, looked after
    /// or left care), `../shared/reference/measures.md` §9.
    fn disadvantaged(&self) -> bool {
        self.fsm || self.fsm_seen || self.fsm_history || self.looked_after || self.ever_looked_after
    }
}

/// Builds the characteristics rows, ordered by year, term and pupil.
pub(crate) fn build(
    rng: &mut DemoRng,
    cohort: &Cohort,
    years: &[AcademicYear],
) -> Vec<Characteristics> {
    let slots: Vec<CensusSlot> = years
        .iter()
        .enumerate()
        .flat_map(|(year_idx, &academic_year)| {
            Term::ALL.iter().map(move |&term| CensusSlot {
                year_idx,
                academic_year,
                term,
                census_day: calendar::census_day(academic_year, term),
            })
        })
        .collect();

    // A pupil is in a census if on roll somewhere on its day; the leaving date is the last
    // day on roll, so it counts.
    let mut on_roll = vec![vec![false; slots.len()]; cohort.pupils.len()];
    for spell in &cohort.spells {
        let Some(pupil_on_roll) = on_roll.get_mut(spell.pupil_idx) else {
            continue;
        };
        for (flag, slot) in pupil_on_roll.iter_mut().zip(&slots) {
            let covered = slot.year_idx == spell.year_idx
                && spell.started_on <= slot.census_day
                && spell
                    .left_on
                    .is_none_or(|left_on| slot.census_day <= left_on);
            *flag |= covered;
        }
    }

    let timelines: Vec<Vec<Option<TermState>>> = cohort
        .pupils
        .iter()
        .zip(&on_roll)
        .map(|(cohort_pupil, pupil_on_roll)| timeline(rng, cohort_pupil, pupil_on_roll, &slots))
        .collect();

    let mut characteristics = Vec::new();
    for (slot_idx, slot) in slots.iter().enumerate() {
        for (cohort_pupil, timeline) in cohort.pupils.iter().zip(&timelines) {
            let Some(Some(state)) = timeline.get(slot_idx) else {
                continue;
            };
            let profile = &cohort_pupil.profile;
            characteristics.push(Characteristics {
                upn: cohort_pupil.pupil.upn.clone(),
                academic_year: slot.academic_year,
                term: slot.term,
                disadvantaged: state.disadvantaged(),
                fsm: state.fsm,
                looked_after: state.looked_after,
                sen: state.sen,
                sen_need: state.sen_need.map(str::to_owned),
                eal: profile.eal,
                ethnicity: profile.ethnicity.map(str::to_owned),
            });
        }
    }
    characteristics
}

/// The pupil's state in each census slot they are on roll for, evolving term by term from
/// the first such slot (including any terms away in between).
fn timeline(
    rng: &mut DemoRng,
    cohort_pupil: &CohortPupil,
    on_roll: &[bool],
    slots: &[CensusSlot],
) -> Vec<Option<TermState>> {
    let mut timeline = vec![None; on_roll.len()];
    let Some(first) = on_roll.iter().position(|flag| *flag) else {
        return timeline;
    };
    let last = on_roll.iter().rposition(|flag| *flag).unwrap_or(first);
    let nc_in = |slot_idx: usize| {
        slots
            .get(slot_idx)
            .and_then(|slot| {
                NcYear::expected_for(cohort_pupil.pupil.date_of_birth, slot.academic_year)
            })
            .map_or(0, NcYear::number)
    };

    let mut state = first_state(rng, cohort_pupil, nc_in(first));
    for slot_idx in first..=last {
        if slot_idx > first {
            advance_one_term(rng, &mut state, cohort_pupil, nc_in(slot_idx));
        }
        let counted = on_roll.get(slot_idx).copied().unwrap_or(false);
        if let Some(entry) = timeline.get_mut(slot_idx).filter(|_| counted) {
            *entry = Some(state.clone());
        }
    }
    timeline
}

fn first_state(rng: &mut DemoRng, cohort_pupil: &CohortPupil, nc: i8) -> TermState {
    let profile = &cohort_pupil.profile;
    // Looked-after children are disadvantaged through care, and their FSM is rarely recorded.
    let fsm_history = profile.disadvantaged && !profile.looked_after;
    let fsm = fsm_history && draw::chance(rng, FSM_AMONG_DISADVANTAGED);
    TermState {
        fsm,
        fsm_seen: fsm,
        fsm_history,
        looked_after: profile.looked_after,
        ever_looked_after: profile.looked_after,
        sen: profile.sen,
        sen_need: pick_need(rng, profile.sen, nc, profile.special_school),
    }
}

fn advance_one_term(rng: &mut DemoRng, state: &mut TermState, cohort_pupil: &CohortPupil, nc: i8) {
    let profile = &cohort_pupil.profile;

    if state.looked_after {
        state.looked_after = !draw::chance(rng, CARE_ENDING);
    } else if draw::chance(rng, CARE_STARTING) {
        state.looked_after = true;
        state.ever_looked_after = true;
    }

    if state.fsm {
        state.fsm = !draw::chance(rng, FSM_STOPPING);
    } else {
        let starting = if state.fsm_seen || state.fsm_history {
            FSM_RESTARTING
        } else {
            FSM_STARTING
        };
        if draw::chance(rng, starting) {
            state.fsm = true;
            state.fsm_seen = true;
        }
    }
    if !state.fsm && !state.fsm_seen && state.fsm_history && draw::chance(rng, EVER_6_LAPSING) {
        state.fsm_history = false;
    }

    match state.sen {
        SenProvision::None => {
            // Lower attainers are more likely to be identified as needing support.
            let starting = SEN_SUPPORT_STARTING * (1.0 + 0.5 * (-profile.ability).max(0.0));
            if draw::chance(rng, starting) {
                state.sen = SenProvision::Support;
                state.sen_need = pick_need(rng, SenProvision::Support, nc, profile.special_school);
            }
        }
        SenProvision::Support => {
            let draw = draw::unit(rng);
            if draw < SEN_SUPPORT_ENDING {
                state.sen = SenProvision::None;
                state.sen_need = None;
            } else if draw < SEN_SUPPORT_ENDING + EHCP_STARTING {
                state.sen = SenProvision::Ehcp;
                // An assessment for a plan often names a different primary need, and NSA is
                // never a plan's need.
                if state.sen_need == Some("NSA") || draw::chance(rng, 0.4) {
                    state.sen_need = pick_need(rng, SenProvision::Ehcp, nc, profile.special_school);
                }
            }
        }
        SenProvision::Ehcp => {
            if !profile.special_school && draw::chance(rng, EHCP_ENDING) {
                state.sen = SenProvision::Support;
            }
        }
    }
}

/// A primary need code for a pupil with `sen` provision, or `None` without SEN.
fn pick_need(
    rng: &mut DemoRng,
    sen: SenProvision,
    nc: i8,
    special_school: bool,
) -> Option<&'static str> {
    let needs: &[(&'static str, f64)] = match sen {
        SenProvision::None => return None,
        _ if special_school => &SPECIAL_SCHOOL_NEEDS,
        SenProvision::Ehcp => &EHCP_NEEDS,
        SenProvision::Support if nc <= 6 => &SUPPORT_NEEDS_PRIMARY,
        SenProvision::Support => &SUPPORT_NEEDS_SECONDARY,
    };
    draw::weighted(rng, needs).or(Some("OTH"))
}
