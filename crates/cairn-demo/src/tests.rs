use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use cairn_domain::{
    AcademicYear, Characteristics, Enrolment, GroupKind, NcYear, Partnership, Phase, SchoolType,
    SenProvision, Sex, SharingLevel, Term, Upn, Urn,
};
use chrono::NaiveDate;
use rstest::rstest;

use super::*;
use crate::cohort::Cohort;
use crate::schools::SCHOOLS;

/// Generated once and shared, so the suite stays quick in debug builds.
static DEMO: LazyLock<Partnership> = LazyLock::new(|| generate(DEFAULT_SEED));

fn demo() -> &'static Partnership {
    &DEMO
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap()
}

fn phase_of(partnership: &Partnership) -> BTreeMap<Urn, Phase> {
    partnership
        .schools
        .iter()
        .map(|school| (school.urn, school.phase))
        .collect()
}

/// Each pupil's enrolments, keyed by UPN.
fn enrolments_by_pupil(partnership: &Partnership) -> BTreeMap<&Upn, Vec<&Enrolment>> {
    let mut by_pupil: BTreeMap<&Upn, Vec<&Enrolment>> = BTreeMap::new();
    for enrolment in &partnership.enrolments {
        by_pupil.entry(&enrolment.upn).or_default().push(enrolment);
    }
    by_pupil
}

/// Pupils seen in NC year `from_nc` at a school of phase `from` and, the next year, in
/// `from_nc + 1` at a school of one of the phases `to`.
fn count_transfers(from: Phase, from_nc: i8, to: &[Phase]) -> usize {
    let partnership = demo();
    let phases = phase_of(partnership);
    let years = demo_years();
    enrolments_by_pupil(partnership)
        .values()
        .filter(|enrolments| {
            enrolments.iter().any(|before| {
                before.nc_year.number() == from_nc
                    && phases.get(&before.urn) == Some(&from)
                    && enrolments.iter().any(|after| {
                        after.academic_year == before.academic_year.next()
                            && after.nc_year.number() == from_nc + 1
                            && phases
                                .get(&after.urn)
                                .is_some_and(|phase| to.contains(phase))
                            && years.contains(&after.academic_year)
                    })
            })
        })
        .count()
}

fn share(rows: &[Characteristics], predicate: impl Fn(&Characteristics) -> bool) -> f64 {
    let n_matching = rows.iter().filter(|row| predicate(row)).count();
    n_matching as f64 / rows.len() as f64
}

fn cohort_for(seed: u64) -> Cohort {
    cohort::simulate(&mut stage_rng(seed, COHORT_STREAM), &SCHOOLS, &demo_years())
}

#[test]
fn same_seed_gives_identical_partnership() {
    // assert! rather than assert_eq!, so a failure does not print 100,000 rows.
    assert!(generate(DEFAULT_SEED) == *demo());
}

#[test]
fn different_seeds_differ() {
    let other = generate(DEFAULT_SEED + 1);
    assert!(other.pupils != demo().pupils);
    assert!(other.enrolments != demo().enrolments);
    assert_eq!(other.schools, demo().schools, "schools are a fixed table");
}

#[test]
fn about_nine_thousand_pupils() {
    let n_pupils = demo().pupils.len();
    assert!((8_000..=10_000).contains(&n_pupils), "{n_pupils} pupils");
}

#[test]
fn every_upn_is_valid_and_unique_per_pupil() {
    let partnership = demo();
    let mut seen = BTreeSet::new();
    for pupil in &partnership.pupils {
        assert_eq!(Upn::parse(pupil.upn.as_str()).as_ref(), Ok(&pupil.upn));
        assert!(seen.insert(&pupil.upn), "duplicate UPN {}", pupil.upn);
    }
    for enrolment in &partnership.enrolments {
        assert!(
            seen.contains(&enrolment.upn),
            "unknown UPN {}",
            enrolment.upn
        );
    }
    for row in &partnership.characteristics {
        assert!(seen.contains(&row.upn), "unknown UPN {}", row.upn);
    }
    let enrolled: BTreeSet<&Upn> = partnership.enrolments.iter().map(|e| &e.upn).collect();
    assert_eq!(
        enrolled.len(),
        seen.len(),
        "every pupil is enrolled somewhere"
    );
}

#[test]
fn upns_start_with_the_allocating_la_and_school() {
    let partnership = demo();
    let in_this_la = partnership
        .pupils
        .iter()
        .filter(|pupil| pupil.upn.as_str().get(1..4) == Some("929"))
        .count();
    assert!(in_this_la * 2 > partnership.pupils.len());
}

#[test]
fn nc_year_matches_date_of_birth_for_every_enrolment() {
    let partnership = demo();
    let birthdays: BTreeMap<&Upn, NaiveDate> = partnership
        .pupils
        .iter()
        .map(|pupil| (&pupil.upn, pupil.date_of_birth))
        .collect();
    for enrolment in &partnership.enrolments {
        let date_of_birth = birthdays[&enrolment.upn];
        assert_eq!(
            NcYear::expected_for(date_of_birth, enrolment.academic_year),
            Some(enrolment.nc_year),
            "{} born {date_of_birth}",
            enrolment.upn
        );
    }
}

#[test]
fn cohorts_move_up_one_year_at_a_time() {
    for enrolments in enrolments_by_pupil(demo()).values() {
        for before in enrolments {
            for after in enrolments {
                if after.academic_year == before.academic_year.next() {
                    assert_eq!(after.nc_year.number(), before.nc_year.number() + 1);
                }
            }
        }
    }
}

#[test]
fn pupils_move_from_first_to_middle_school_at_year_5() {
    let n_moving = count_transfers(Phase::First, 4, &[Phase::Middle]);
    assert!(n_moving > 200, "{n_moving} first to middle");
    assert_eq!(count_transfers(Phase::First, 3, &[Phase::Middle]), 0);
}

#[test]
fn pupils_move_from_middle_to_high_school_at_year_9() {
    let n_moving = count_transfers(Phase::Middle, 8, &[Phase::Secondary]);
    assert!(n_moving > 200, "{n_moving} middle to high");
}

#[test]
fn pupils_move_from_primary_to_secondary_at_year_7() {
    let n_moving = count_transfers(Phase::Primary, 6, &[Phase::Secondary, Phase::AllThrough]);
    assert!(n_moving > 200, "{n_moving} primary to secondary");
    let n_to_all_through = count_transfers(Phase::Primary, 6, &[Phase::AllThrough]);
    assert!(
        n_to_all_through > 20,
        "{n_to_all_through} primary to all-through"
    );
}

#[test]
fn some_pupils_leave_the_partnership_at_transfer_and_others_join_from_outside() {
    let partnership = demo();
    let by_pupil = enrolments_by_pupil(partnership);
    let [first_year, second_year, _] = demo_years();
    let leaving_after_year_6 = partnership
        .enrolments
        .iter()
        .filter(|e| e.academic_year == first_year && e.nc_year.number() == 6)
        .filter(|e| {
            !by_pupil[&e.upn]
                .iter()
                .any(|other| other.academic_year == second_year)
        })
        .count();
    assert!(leaving_after_year_6 > 30, "{leaving_after_year_6}");
    let joining_in_year_7 = partnership
        .enrolments
        .iter()
        .filter(|e| e.academic_year == second_year && e.nc_year.number() == 7)
        .filter(|e| {
            !by_pupil[&e.upn]
                .iter()
                .any(|other| other.academic_year == first_year)
        })
        .count();
    assert!(joining_in_year_7 > 100, "{joining_in_year_7}");
}

#[test]
fn new_reception_cohorts_start_every_year() {
    let partnership = demo();
    for academic_year in demo_years() {
        let n_reception = partnership
            .enrolments
            .iter()
            .filter(|e| e.academic_year == academic_year && e.nc_year == NcYear::RECEPTION)
            .count();
        assert!(
            n_reception > 300,
            "{n_reception} in reception in {academic_year}"
        );
    }
}

#[test]
fn nobody_stays_beyond_year_13_in_mainstream_or_year_11_without_a_sixth_form() {
    let partnership = demo();
    let schools: BTreeMap<Urn, &cairn_domain::School> = partnership
        .schools
        .iter()
        .map(|school| (school.urn, school))
        .collect();
    for enrolment in &partnership.enrolments {
        let school = schools[&enrolment.urn];
        let nc = enrolment.nc_year.number();
        // Age at the start of the year is NC year + 4 (reception children are 4).
        let age = i16::from(nc) + 4;
        assert!(
            age >= i16::from(school.age_low) && age < i16::from(school.age_high),
            "{} in year {nc} at {}",
            enrolment.upn,
            school.name
        );
    }
}

#[test]
fn one_school_joins_the_trust_part_way() {
    let partnership = demo();
    let [first_year, second_year, last_year] = demo_years();
    let joining: Vec<_> = partnership
        .memberships
        .iter()
        .filter(|m| m.group_code == TRUST_CODE && m.joined_on > first_year.first_day())
        .collect();
    assert_eq!(joining.len(), 1);
    let membership = joining[0];
    assert_eq!(membership.joined_on, date(2024, 1, 1));
    assert!(second_year.contains(membership.joined_on));
    assert!(!membership.is_active_on(date(2023, 12, 31)));
    assert!(membership.is_active_on(last_year.first_day()));
    for academic_year in demo_years() {
        assert!(
            partnership
                .enrolments
                .iter()
                .any(|e| e.urn == membership.urn && e.academic_year == academic_year),
            "the school has pupils before and after it joins"
        );
    }
}

#[test]
fn trust_members_share_pupil_level_and_clusters_share_aggregates() {
    let partnership = demo();
    for membership in &partnership.memberships {
        let expected = if membership.group_code == TRUST_CODE {
            SharingLevel::PupilLevel
        } else {
            SharingLevel::Aggregate
        };
        assert_eq!(membership.sharing, expected);
    }
    let n_trust = partnership
        .memberships
        .iter()
        .filter(|m| m.group_code == TRUST_CODE)
        .count();
    assert_eq!(n_trust, 10);
    assert_eq!(partnership.memberships.len(), 10 + 13);
}

#[test]
fn some_cluster_schools_are_not_in_the_trust() {
    let partnership = demo();
    let in_trust: BTreeSet<Urn> = partnership
        .memberships
        .iter()
        .filter(|m| m.group_code == TRUST_CODE)
        .map(|m| m.urn)
        .collect();
    for cluster_code in CLUSTER_CODES {
        let members: Vec<Urn> = partnership
            .memberships
            .iter()
            .filter(|m| m.group_code == cluster_code)
            .map(|m| m.urn)
            .collect();
        assert!(members.len() >= 5, "{cluster_code}");
        assert!(
            members.iter().any(|urn| !in_trust.contains(urn)),
            "{cluster_code}"
        );
        assert!(
            members.iter().any(|urn| in_trust.contains(urn)),
            "{cluster_code}"
        );
    }
}

#[test]
fn memberships_reference_existing_groups_and_schools() {
    let partnership = demo();
    let urns: BTreeSet<Urn> = partnership.schools.iter().map(|s| s.urn).collect();
    let codes: BTreeSet<&str> = partnership.groups.iter().map(|g| g.code.as_str()).collect();
    for membership in &partnership.memberships {
        assert!(urns.contains(&membership.urn));
        assert!(codes.contains(membership.group_code.as_str()));
        assert!(
            membership
                .left_on
                .is_none_or(|left| left > membership.joined_on)
        );
    }
    let every_school_in_a_cluster = partnership.schools.iter().all(|school| {
        partnership
            .memberships
            .iter()
            .any(|m| m.urn == school.urn && CLUSTER_CODES.contains(&m.group_code.as_str()))
    });
    assert!(every_school_in_a_cluster);
}

#[test]
fn exported_codes_name_the_trust_and_clusters() {
    let partnership = demo();
    let kinds: BTreeMap<&str, GroupKind> = partnership
        .groups
        .iter()
        .map(|group| (group.code.as_str(), group.kind))
        .collect();
    assert_eq!(kinds.get(TRUST_CODE), Some(&GroupKind::Trust));
    for cluster_code in CLUSTER_CODES {
        assert_eq!(kinds.get(cluster_code), Some(&GroupKind::Cluster));
    }
    assert_eq!(kinds.len(), 3);
}

#[test]
fn demo_years_are_2022_23_to_2024_25_and_all_have_pupils() {
    let years = demo_years();
    let names: Vec<String> = years.iter().map(ToString::to_string).collect();
    assert_eq!(names, ["2022/23", "2023/24", "2024/25"]);
    let enrolled: BTreeSet<AcademicYear> =
        demo().enrolments.iter().map(|e| e.academic_year).collect();
    assert_eq!(enrolled, years.into_iter().collect());
}

#[test]
fn every_enrolment_school_exists() {
    let partnership = demo();
    let urns: BTreeSet<Urn> = partnership.schools.iter().map(|s| s.urn).collect();
    assert!(partnership.enrolments.iter().all(|e| urns.contains(&e.urn)));
    let with_pupils: BTreeSet<Urn> = partnership.enrolments.iter().map(|e| e.urn).collect();
    assert_eq!(with_pupils, urns, "every school has pupils");
}

#[test]
fn one_enrolment_row_per_pupil_school_and_year() {
    let mut seen = BTreeSet::new();
    for e in &demo().enrolments {
        assert!(
            seen.insert((&e.upn, e.urn, e.academic_year)),
            "{} twice",
            e.upn
        );
    }
}

#[test]
fn enrolment_dates_fall_inside_their_academic_year() {
    for e in &demo().enrolments {
        assert!(e.academic_year.contains(e.started_on));
        if let Some(left_on) = e.left_on {
            assert!(e.academic_year.contains(left_on));
            assert!(e.started_on <= left_on);
        }
    }
}

#[test]
fn no_pupil_is_enrolled_in_two_schools_on_the_same_day() {
    for (upn, enrolments) in enrolments_by_pupil(demo()) {
        for a in &enrolments {
            for b in &enrolments {
                if a.urn == b.urn {
                    continue;
                }
                let a_end = a.left_on.unwrap_or(a.academic_year.last_day());
                let b_end = b.left_on.unwrap_or(b.academic_year.last_day());
                let overlap = a.started_on <= b_end && b.started_on <= a_end;
                assert!(!overlap, "{upn} at {} and {} at once", a.urn, b.urn);
            }
        }
    }
}

#[test]
fn a_few_per_cent_join_or_leave_during_the_year() {
    let partnership = demo();
    let n_enrolments = partnership.enrolments.len() as f64;
    let joined_mid_year = partnership
        .enrolments
        .iter()
        .filter(|e| e.started_on != e.academic_year.first_day())
        .count() as f64;
    let left_mid_year = partnership
        .enrolments
        .iter()
        .filter(|e| {
            e.left_on
                .is_some_and(|left| left < date_in_july(e.academic_year))
        })
        .count() as f64;
    for (what, share) in [
        ("joined", joined_mid_year / n_enrolments),
        ("left", left_mid_year / n_enrolments),
    ] {
        assert!((0.01..0.06).contains(&share), "{what} mid-year: {share:.3}");
    }
}

#[test]
fn mid_year_joining_and_leaving_dates_are_school_days() {
    use chrono::{Datelike, Weekday};
    let is_school_day = |day: NaiveDate| {
        let christmas =
            (day.month() == 12 && day.day() >= 20) || (day.month() == 1 && day.day() <= 3);
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !christmas
    };
    for e in &demo().enrolments {
        if e.started_on != e.academic_year.first_day() {
            assert!(is_school_day(e.started_on), "{e:?}");
        }
        if let Some(left_on) = e.left_on {
            assert!(is_school_day(left_on), "{e:?}");
        }
    }
}

fn date_in_july(academic_year: AcademicYear) -> NaiveDate {
    date(i32::from(academic_year.start_year()) + 1, 7, 1)
}

#[test]
fn proportions_are_realistic() {
    let rows = &demo().characteristics;
    let checks = [
        (
            "disadvantaged",
            share(rows, |r| r.disadvantaged),
            0.18..0.32,
        ),
        ("FSM", share(rows, |r| r.fsm), 0.14..0.28),
        (
            "looked after",
            share(rows, |r| r.looked_after),
            0.002..0.012,
        ),
        (
            "SEN support",
            share(rows, |r| r.sen == SenProvision::Support),
            0.09..0.17,
        ),
        (
            "EHCP",
            share(rows, |r| r.sen == SenProvision::Ehcp),
            0.02..0.08,
        ),
        ("EAL", share(rows, |r| r.eal), 0.10..0.30),
        (
            "WBRI",
            share(rows, |r| r.ethnicity.as_deref() == Some("WBRI")),
            0.55..0.85,
        ),
    ];
    for (what, value, range) in checks {
        assert!(range.contains(&value), "{what}: {value:.3}");
    }
    let n_male = demo().pupils.iter().filter(|p| p.sex == Sex::Male).count();
    let male_share = n_male as f64 / demo().pupils.len() as f64;
    assert!((0.47..0.56).contains(&male_share), "male: {male_share:.3}");
}

#[test]
fn disadvantage_varies_by_school_from_about_10_to_45_per_cent() {
    let partnership = demo();
    let [_, year, _] = demo_years();
    let school_of: BTreeMap<&Upn, Urn> = partnership
        .enrolments
        .iter()
        .filter(|e| e.academic_year == year && e.started_on == year.first_day())
        .map(|e| (&e.upn, e.urn))
        .collect();
    let mut counts: BTreeMap<Urn, (usize, usize)> = BTreeMap::new();
    for row in &partnership.characteristics {
        if row.academic_year != year || row.term != Term::Autumn {
            continue;
        }
        if let Some(urn) = school_of.get(&row.upn) {
            let entry = counts.entry(*urn).or_default();
            entry.0 += usize::from(row.disadvantaged);
            entry.1 += 1;
        }
    }
    let shares: Vec<f64> = counts
        .values()
        .map(|(d, n)| *d as f64 / *n as f64)
        .collect();
    let lowest = shares.iter().copied().fold(1.0, f64::min);
    let highest = shares.iter().copied().fold(0.0, f64::max);
    assert!((0.05..0.2).contains(&lowest), "lowest {lowest:.3}");
    assert!((0.35..0.55).contains(&highest), "highest {highest:.3}");
}

#[test]
fn fsm_and_care_imply_disadvantaged() {
    for row in &demo().characteristics {
        if row.fsm || row.looked_after {
            assert!(
                row.disadvantaged,
                "{} in {} {}",
                row.upn, row.academic_year, row.term
            );
        }
    }
}

#[test]
fn sen_need_is_given_exactly_when_sen_is_not_none() {
    const CENSUS_NEEDS: [&str; 14] = [
        "SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH", "NSA",
        "DS",
    ];
    for row in &demo().characteristics {
        match (&row.sen, &row.sen_need) {
            (SenProvision::None, None) => {}
            (SenProvision::None, Some(need)) => panic!("need {need} without SEN"),
            (_, None) => panic!("{} has SEN and no need", row.upn),
            (SenProvision::Ehcp, Some(need)) if need == "NSA" => panic!("EHCP with NSA"),
            (_, Some(need)) => assert!(CENSUS_NEEDS.contains(&need.as_str()), "{need}"),
        }
    }
}

#[test]
fn special_school_pupils_mostly_have_ehcps() {
    let partnership = demo();
    let special = partnership
        .schools
        .iter()
        .find(|school| school.phase == Phase::Special)
        .unwrap();
    let pupils: BTreeSet<&Upn> = partnership
        .enrolments
        .iter()
        .filter(|e| e.urn == special.urn)
        .map(|e| &e.upn)
        .collect();
    let rows: Vec<Characteristics> = partnership
        .characteristics
        .iter()
        .filter(|row| pupils.contains(&row.upn))
        .cloned()
        .collect();
    let ehcp = share(&rows, |r| r.sen == SenProvision::Ehcp);
    assert!(ehcp > 0.85, "{ehcp:.3}");
}

#[test]
fn every_pupil_on_roll_in_a_year_has_characteristics_that_year() {
    let partnership = demo();
    let enrolled: BTreeSet<(&Upn, AcademicYear)> = partnership
        .enrolments
        .iter()
        .map(|e| (&e.upn, e.academic_year))
        .collect();
    let described: BTreeSet<(&Upn, AcademicYear)> = partnership
        .characteristics
        .iter()
        .map(|row| (&row.upn, row.academic_year))
        .collect();
    assert_eq!(enrolled, described);
    let mut seen = BTreeSet::new();
    for row in &partnership.characteristics {
        assert!(
            seen.insert((&row.upn, row.academic_year, row.term)),
            "{} twice",
            row.upn
        );
    }
}

#[test]
fn characteristics_change_a_little_over_time_but_ethnicity_and_eal_do_not() {
    let mut by_pupil: BTreeMap<&Upn, Vec<&Characteristics>> = BTreeMap::new();
    for row in &demo().characteristics {
        by_pupil.entry(&row.upn).or_default().push(row);
    }
    let changed = |field: fn(&Characteristics) -> String| {
        by_pupil
            .values()
            .filter(|rows| rows.iter().any(|row| field(row) != field(rows[0])))
            .count() as f64
            / by_pupil.len() as f64
    };
    let fsm_changed = changed(|r| r.fsm.to_string());
    let sen_changed = changed(|r| r.sen.to_string());
    assert!(
        (0.01..0.15).contains(&fsm_changed),
        "FSM changed for {fsm_changed:.3}"
    );
    assert!(
        (0.01..0.15).contains(&sen_changed),
        "SEN changed for {sen_changed:.3}"
    );
    assert_eq!(changed(|r| r.eal.to_string()), 0.0);
    assert_eq!(changed(|r| format!("{:?}", r.ethnicity)), 0.0);
}

#[test]
fn schools_have_plausible_identifiers_and_age_ranges() {
    let partnership = demo();
    assert_eq!(partnership.schools.len(), SCHOOLS.len());
    let urns: BTreeSet<Urn> = partnership.schools.iter().map(|s| s.urn).collect();
    assert_eq!(urns.len(), partnership.schools.len());
    for school in &partnership.schools {
        assert_eq!(school.laestab.la_code(), 929);
        let establishment = school.laestab.establishment_number();
        let (establishments, ages) = match school.phase {
            Phase::First => (2000..4000, (4, 9)),
            Phase::Primary => (2000..4000, (4, 11)),
            Phase::Middle => (4000..5000, (9, 13)),
            Phase::Secondary => (4000..5000, (if school.age_low == 11 { 11 } else { 13 }, 18)),
            Phase::AllThrough => (4000..5000, (4, 16)),
            Phase::Special => (7000..8000, (4, 19)),
            other => panic!("unexpected phase {other}"),
        };
        assert!(establishments.contains(&establishment), "{}", school.name);
        assert_eq!((school.age_low, school.age_high), ages, "{}", school.name);
        if school.school_type == SchoolType::VoluntaryAided {
            assert!(school.religious_character.is_some(), "{}", school.name);
        }
    }
    let phases: BTreeSet<Phase> = partnership.schools.iter().map(|s| s.phase).collect();
    assert_eq!(
        phases.len(),
        6,
        "first, middle, secondary, primary, all-through, special"
    );
}

#[test]
fn every_transfer_leads_to_a_school_teaching_the_next_year() {
    for spec in &SCHOOLS {
        for (urn, probability) in spec.transfers {
            let destination = SCHOOLS.iter().find(|s| s.urn == *urn).unwrap();
            assert!(
                destination.teaches(spec.nc_high + 1),
                "{} -> {urn}",
                spec.name
            );
            assert!((0.0..=1.0).contains(probability));
        }
        let total: f64 = spec.transfers.iter().map(|(_, p)| p).sum();
        assert!(total <= 1.0, "{}", spec.name);
        assert!(
            spec.entry_years.iter().all(|nc| spec.teaches(*nc)),
            "{}",
            spec.name
        );
    }
}

#[test]
fn names_are_tidy() {
    for pupil in &demo().pupils {
        for name in [&pupil.forename, &pupil.surname] {
            assert!(!name.is_empty() && name.trim() == name, "{name:?}");
        }
    }
}

#[test]
fn latent_ability_and_attendance_are_lower_for_disadvantaged_and_sen_pupils() {
    let cohort = cohort_for(DEFAULT_SEED);
    let mean = |select: &dyn Fn(&cohort::PupilProfile) -> bool,
                value: fn(&cohort::PupilProfile) -> f64| {
        let values: Vec<f64> = cohort
            .pupils
            .iter()
            .map(|p| &p.profile)
            .filter(|profile| select(profile))
            .map(value)
            .collect();
        values.iter().sum::<f64>() / values.len() as f64
    };
    let ability = |profile: &cohort::PupilProfile| profile.ability;
    let attendance = |profile: &cohort::PupilProfile| profile.attendance_propensity;
    let everyone = mean(&|_| true, ability);
    let disadvantaged = mean(&|p| p.disadvantaged, ability);
    let others = mean(&|p| !p.disadvantaged, ability);
    let with_ehcp = mean(&|p| p.sen == SenProvision::Ehcp, ability);
    assert!(everyone.abs() < 0.5, "mean ability {everyone:.2}");
    assert!(
        others - disadvantaged > 0.3,
        "{others:.2} vs {disadvantaged:.2}"
    );
    assert!(everyone - with_ehcp > 1.0, "EHCP {with_ehcp:.2}");

    let overall_attendance = mean(&|_| true, attendance);
    assert!(
        (0.90..0.95).contains(&overall_attendance),
        "{overall_attendance:.3}"
    );
    assert!(mean(&|p| p.disadvantaged, attendance) < mean(&|p| !p.disadvantaged, attendance));
}

#[test]
fn later_stages_do_not_change_the_pupils_an_earlier_stage_draws() {
    let cohort = cohort_for(DEFAULT_SEED);
    let pupils: Vec<_> = cohort.pupils.into_iter().map(|p| p.pupil).collect();
    assert!(pupils == demo().pupils);
}

// Census dates for 2023/24 from the DfE "School census: guide".
#[rstest]
#[case(Term::Autumn, date(2023, 10, 5))]
#[case(Term::Spring, date(2024, 1, 18))]
#[case(Term::Summer, date(2024, 5, 16))]
fn census_days_are_the_published_ones(#[case] term: Term, #[case] expected: NaiveDate) {
    let [_, year, _] = demo_years();
    assert_eq!(calendar::census_day(year, term), expected);
}

#[test]
fn the_summer_term_ends_on_a_friday_in_late_july() {
    let ends: Vec<NaiveDate> = demo_years().map(calendar::summer_term_end).to_vec();
    assert_eq!(
        ends,
        [date(2023, 7, 21), date(2024, 7, 19), date(2025, 7, 18)]
    );
}

#[test]
fn generation_is_quick_enough_for_tests() {
    let started = std::time::Instant::now();
    let partnership = generate(1);
    let elapsed = started.elapsed();
    assert!(!partnership.pupils.is_empty());
    // A generous bound for an unoptimised build on a busy machine; release is far quicker.
    assert!(elapsed.as_secs() < 20, "took {elapsed:?}");
}

// ---------------------------------------------------------------------------------------
// Assessments and attendance.

use cairn_domain::{
    AttendanceSummary, EyfsJudgement, Ks2Result, Ks2TestOutcome, Ks4Grade, Ks4ResultRow,
    MtcOutcome, PhonicsOutcome, WritingTa,
};

/// The characteristics row of each pupil's last census in each year.
static LAST_CENSUS: LazyLock<BTreeMap<(Upn, AcademicYear), &'static Characteristics>> =
    LazyLock::new(|| {
        demo()
            .characteristics
            .iter()
            .map(|row| ((row.upn.clone(), row.academic_year), row))
            .collect()
    });

fn census(upn: &Upn, year: AcademicYear) -> &'static Characteristics {
    LAST_CENSUS
        .get(&(upn.clone(), year))
        .unwrap_or_else(|| panic!("{upn} has no census in {year:?}"))
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    numerator as f64 / denominator.max(1) as f64
}

fn scaled(outcome: Ks2TestOutcome) -> u8 {
    outcome.scaled_score().unwrap_or(0)
}

fn rwm_expected(result: &Ks2Result) -> bool {
    scaled(result.reading) >= 100
        && scaled(result.maths) >= 100
        && matches!(
            result.writing,
            WritingTa::Expected | WritingTa::GreaterDepth
        )
}

fn rwm_higher(result: &Ks2Result) -> bool {
    scaled(result.reading) >= 110
        && scaled(result.maths) >= 110
        && result.writing == WritingTa::GreaterDepth
}

/// KS2 results taken in the demo years (not the Y11 pupils' earlier ones).
fn ks2_in_demo_years() -> Vec<&'static Ks2Result> {
    let years = demo_years();
    demo()
        .ks2_results
        .iter()
        .filter(|result| {
            result
                .academic_year
                .is_some_and(|year| years.contains(&year))
        })
        .collect()
}

/// Every (UPN, year, URN, NC year) someone is enrolled in.
static ENROLLED: LazyLock<BTreeSet<(Upn, AcademicYear, Urn, i8)>> = LazyLock::new(|| {
    demo()
        .enrolments
        .iter()
        .map(|e| (e.upn.clone(), e.academic_year, e.urn, e.nc_year.number()))
        .collect()
});

/// Every (UPN, year, NC year) someone is enrolled in, at any school.
static ENROLLED_ANYWHERE: LazyLock<BTreeSet<(Upn, AcademicYear, i8)>> = LazyLock::new(|| {
    ENROLLED
        .iter()
        .map(|(upn, year, _, nc)| (upn.clone(), *year, *nc))
        .collect()
});

fn enrolled(upn: &Upn, year: AcademicYear, nc: i8) -> bool {
    ENROLLED_ANYWHERE.contains(&(upn.clone(), year, nc))
}

fn years_before(year: AcademicYear, n: usize) -> AcademicYear {
    (0..n).fold(year, |year, _| year.previous())
}

const EBACC_SUBJECTS: [&str; 16] = [
    "Biology",
    "Chemistry",
    "Physics",
    "Computer Science",
    "History",
    "Geography",
    "French",
    "German",
    "Spanish",
    "Italian",
    "Latin",
    "Classical Greek",
    "Chinese (Mandarin)",
    "Arabic",
    "Urdu",
    "Polish",
];

/// Every subject in the KS4 catalogue (`../shared/reference/ks4_subjects.csv`).
const CATALOGUE: [&str; 36] = [
    "English Language",
    "English Literature",
    "Mathematics",
    "Combined Science",
    "Biology",
    "Chemistry",
    "Physics",
    "Computer Science",
    "History",
    "Geography",
    "French",
    "German",
    "Spanish",
    "Italian",
    "Latin",
    "Classical Greek",
    "Chinese (Mandarin)",
    "Arabic",
    "Urdu",
    "Polish",
    "Art and Design",
    "Religious Studies",
    "Music",
    "Drama",
    "Design and Technology",
    "Physical Education",
    "Business",
    "Statistics",
    "Food Preparation and Nutrition",
    "Media Studies",
    "Citizenship Studies",
    "Economics",
    "Sociology",
    "Psychology",
    "Dance",
    "Film Studies",
];

fn points(grade: Ks4Grade) -> f64 {
    match grade {
        Ks4Grade::Single(g) => f64::from(g),
        Ks4Grade::Double(a, b) => f64::from(a + b) / 2.0,
        Ks4Grade::U => 0.0,
    }
}

/// A simplified Attainment 8 (measures.md §1.1): English double weighted only with both
/// English qualifications, maths double, the best three EBacc slots (combined science fills
/// two), the best three of the rest.
fn attainment8(results: &[&Ks4ResultRow]) -> f64 {
    let (mut language, mut literature, mut maths) = (None, None, 0.0);
    let (mut ebacc, mut open) = (Vec::new(), Vec::new());
    for result in results {
        let p = points(result.grade);
        match result.subject.as_str() {
            "English Language" => language = Some(p),
            "English Literature" => literature = Some(p),
            "Mathematics" => maths = p,
            "Combined Science" => ebacc.extend([p, p]),
            subject if EBACC_SUBJECTS.contains(&subject) => ebacc.push(p),
            _ => open.push(p),
        }
    }
    let english = match (language, literature) {
        (Some(a), Some(b)) => {
            open.push(a.min(b));
            2.0 * a.max(b)
        }
        (Some(a), None) | (None, Some(a)) => a,
        (None, None) => 0.0,
    };
    ebacc.sort_by(|a, b| b.total_cmp(a));
    open.extend(ebacc.iter().skip(3));
    open.sort_by(|a, b| b.total_cmp(a));
    english + 2.0 * maths + ebacc.iter().take(3).sum::<f64>() + open.iter().take(3).sum::<f64>()
}

/// Each KS4 pupil's results, by (UPN, year, URN).
fn ks4_by_pupil() -> BTreeMap<(&'static Upn, AcademicYear, Urn), Vec<&'static Ks4ResultRow>> {
    let mut by_pupil: BTreeMap<_, Vec<_>> = BTreeMap::new();
    for result in &demo().ks4_results {
        by_pupil
            .entry((&result.upn, result.academic_year.unwrap(), result.urn))
            .or_default()
            .push(result);
    }
    by_pupil
}

/// Y11 pupils in each school and year (those on roll in May, when the exams start), with
/// their A8: pupils with no entries score 0 and still count.
fn ks4_cohort_a8() -> Vec<(Urn, AcademicYear, &'static Upn, f64)> {
    let by_pupil = ks4_by_pupil();
    demo()
        .enrolments
        .iter()
        .filter(|e| e.nc_year.number() == 11)
        .filter(|e| {
            let exams = calendar::may_tests_day(e.academic_year);
            e.started_on <= exams && e.left_on.is_none_or(|left| exams <= left)
        })
        .map(|e| {
            let results = by_pupil
                .get(&(&e.upn, e.academic_year, e.urn))
                .map_or(&[][..], Vec::as_slice);
            (e.urn, e.academic_year, &e.upn, attainment8(results))
        })
        .collect()
}

fn phonics_met(outcome: PhonicsOutcome) -> bool {
    matches!(outcome, PhonicsOutcome::Mark(mark) if mark >= 32)
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}

fn school_urn(name: &str) -> Urn {
    demo()
        .schools
        .iter()
        .find(|school| school.name == name)
        .unwrap_or_else(|| panic!("no school {name}"))
        .urn
}

/// A pupil-year's absence rate from their termly summaries.
fn yearly_absence(summaries: &[AttendanceSummary]) -> BTreeMap<(&Upn, AcademicYear), (u32, u32)> {
    let mut by_pupil: BTreeMap<_, (u32, u32)> = BTreeMap::new();
    for s in summaries {
        let entry = by_pupil.entry((&s.upn, s.academic_year)).or_default();
        entry.0 += s.sessions_possible;
        entry.1 += s.sessions_authorised + s.sessions_unauthorised;
    }
    by_pupil
}

fn share_of<T>(rows: &[T], predicate: impl Fn(&T) -> bool) -> f64 {
    ratio(rows.iter().filter(|row| predicate(row)).count(), rows.len())
}

fn correlation(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = pairs.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    let syy: f64 = pairs.iter().map(|(_, y)| (y - my).powi(2)).sum();
    sxy / (sxx * syy).sqrt()
}

#[test]
fn ks2_results_are_close_to_england_with_gaps_for_disadvantage_and_sen() {
    let ks2 = ks2_in_demo_years();
    assert!(ks2.len() > 1000, "{}", ks2.len());
    let rwm = share_of(&ks2, |r| rwm_expected(r));
    let higher = share_of(&ks2, |r| rwm_higher(r));
    assert!((0.53..0.67).contains(&rwm), "RWM expected {rwm:.3}");
    assert!((0.05..0.12).contains(&higher), "RWM higher {higher:.3}");
    for (subject, share) in [
        ("reading", share_of(&ks2, |r| scaled(r.reading) >= 100)),
        ("maths", share_of(&ks2, |r| scaled(r.maths) >= 100)),
        (
            "writing",
            share_of(&ks2, |r| {
                matches!(r.writing, WritingTa::Expected | WritingTa::GreaterDepth)
            }),
        ),
    ] {
        assert!((0.65..0.80).contains(&share), "{subject} {share:.3}");
    }
    let group = |select: &dyn Fn(&Characteristics) -> bool| {
        let rows: Vec<_> = ks2
            .iter()
            .filter(|r| select(census(&r.upn, r.academic_year.unwrap())))
            .collect();
        share_of(&rows, |r| rwm_expected(r))
    };
    let disadvantaged = group(&|c| c.disadvantaged);
    let others = group(&|c| !c.disadvantaged);
    let sen_support = group(&|c| c.sen == SenProvision::Support);
    let ehcp = group(&|c| c.sen == SenProvision::Ehcp);
    // England 2023/24: 46% against 67%; 24% on SEN support, 9% with a plan.
    assert!(
        (0.12..0.30).contains(&(others - disadvantaged)),
        "{disadvantaged:.3} vs {others:.3}"
    );
    assert!(
        (0.15..0.40).contains(&sen_support),
        "SEN support {sen_support:.3}"
    );
    assert!(ehcp < 0.2, "EHCP {ehcp:.3}");
}

#[test]
fn ks2_scores_and_codes_are_well_formed() {
    for result in &demo().ks2_results {
        for outcome in [result.reading, result.maths].into_iter().chain(result.gps) {
            if let Some(score) = outcome.scaled_score() {
                assert!((80..=120).contains(&score), "{score}");
            }
            assert_eq!(
                Ks2TestOutcome::parse(&outcome.to_string()).unwrap(),
                outcome
            );
        }
        assert_eq!(
            WritingTa::parse(&result.writing.to_string()).unwrap(),
            result.writing
        );
    }
    let ks2 = ks2_in_demo_years();
    let codes = share_of(&ks2, |r| r.reading.scaled_score().is_none());
    assert!((0.01..0.08).contains(&codes), "{codes:.3}");
}

#[test]
fn every_assessment_is_for_a_pupil_enrolled_in_its_year_group_that_year() {
    let partnership = demo();
    let years = demo_years();
    for result in &partnership.eyfs_results {
        assert!(
            enrolled(&result.upn, result.academic_year, 0),
            "EYFS {}",
            result.upn
        );
    }
    for result in &partnership.phonics_results {
        assert!(
            enrolled(&result.upn, result.academic_year, 1)
                || enrolled(&result.upn, result.academic_year, 2),
            "phonics {}",
            result.upn
        );
    }
    for result in &partnership.mtc_results {
        assert!(
            enrolled(&result.upn, result.academic_year, 4),
            "MTC {}",
            result.upn
        );
    }
    for result in &partnership.ks2_results {
        let year = result.academic_year.unwrap();
        if years.contains(&year) {
            assert!(enrolled(&result.upn, year, 6), "KS2 {}", result.upn);
        } else {
            // A Y11 pupil's KS2 results from five years before.
            let ks4_year = (0..5).fold(year, |year, _| year.next());
            assert!(
                enrolled(&result.upn, ks4_year, 11),
                "prior KS2 {}",
                result.upn
            );
        }
    }
    for result in &partnership.ks4_results {
        let year = result.academic_year.unwrap();
        assert!(
            ENROLLED.contains(&(result.upn.clone(), year, result.urn, 11)),
            "KS4 {} at {}",
            result.upn,
            result.urn
        );
    }
}

#[test]
fn each_pupil_has_at_most_one_result_per_assessment_and_year() {
    let partnership = demo();
    let ks2: BTreeSet<_> = partnership
        .ks2_results
        .iter()
        .map(|r| (&r.upn, r.academic_year))
        .collect();
    assert_eq!(ks2.len(), partnership.ks2_results.len());
    let phonics: BTreeSet<_> = partnership
        .phonics_results
        .iter()
        .map(|r| (&r.upn, r.academic_year))
        .collect();
    assert_eq!(phonics.len(), partnership.phonics_results.len());
    let mtc: BTreeSet<_> = partnership
        .mtc_results
        .iter()
        .map(|r| (&r.upn, r.academic_year))
        .collect();
    assert_eq!(mtc.len(), partnership.mtc_results.len());
    let eyfs: BTreeSet<_> = partnership
        .eyfs_results
        .iter()
        .map(|r| (&r.upn, r.academic_year))
        .collect();
    assert_eq!(eyfs.len(), partnership.eyfs_results.len());
    let ks4: BTreeSet<_> = partnership
        .ks4_results
        .iter()
        .map(|r| (&r.upn, r.academic_year, r.subject.as_str()))
        .collect();
    assert_eq!(ks4.len(), partnership.ks4_results.len());
}

#[test]
fn ks2_is_absent_for_cohorts_whose_tests_were_cancelled() {
    // measures.md §2.1: no KS2 tests in 2019/20 or 2020/21, so no Progress 8 for the
    // 2024/25 and 2025/26 KS4 cohorts.
    let cancelled = [
        AcademicYear::starting(2019).unwrap(),
        AcademicYear::starting(2020).unwrap(),
    ];
    let partnership = demo();
    assert!(
        partnership
            .ks2_results
            .iter()
            .all(|r| !cancelled.contains(&r.academic_year.unwrap()))
    );
    let with_ks2: BTreeSet<&Upn> = partnership.ks2_results.iter().map(|r| &r.upn).collect();
    for year in demo_years() {
        let y11: Vec<&Upn> = ks4_cohort_a8()
            .into_iter()
            .filter(|(_, y, _, _)| *y == year)
            .map(|(_, _, upn, _)| upn)
            .collect();
        let covered = share_of(&y11, |upn| with_ks2.contains(upn));
        if cancelled.contains(&years_before(year, 5)) {
            assert_eq!(covered, 0.0, "{year:?}");
        } else {
            // A few arrived from abroad or from independent schools after Y6.
            assert!((0.85..1.0).contains(&covered), "{year:?}: {covered:.3}");
        }
    }
}

#[test]
fn prior_ks2_results_predict_attainment_8() {
    let prior: BTreeMap<&Upn, &Ks2Result> = demo()
        .ks2_results
        .iter()
        .filter(|r| !demo_years().contains(&r.academic_year.unwrap()))
        .map(|r| (&r.upn, r))
        .collect();
    let pairs: Vec<(f64, f64)> = ks4_cohort_a8()
        .into_iter()
        .filter_map(|(_, _, upn, a8)| {
            let r = prior.get(upn)?;
            let average = f64::from(r.reading.scaled_score()? + r.maths.scaled_score()?) / 2.0;
            Some((average, a8))
        })
        .collect();
    assert!(pairs.len() > 500);
    let r = correlation(&pairs);
    assert!((0.55..0.9).contains(&r), "correlation {r:.2}");
}

#[test]
fn ks4_grades_are_valid_for_their_subjects() {
    for result in &demo().ks4_results {
        assert!(
            CATALOGUE.contains(&result.subject.as_str()),
            "{}",
            result.subject
        );
        let double_award = result.subject == "Combined Science";
        match result.grade {
            Ks4Grade::Double(a, b) => {
                assert!(double_award, "{} {}", result.subject, result.grade);
                assert!(
                    (1..=9).contains(&b) && (a == b || a == b + 1),
                    "{}",
                    result.grade
                );
            }
            Ks4Grade::Single(g) => {
                assert!(!double_award, "{}", result.grade);
                assert!((1..=9).contains(&g));
            }
            Ks4Grade::U => {}
        }
        assert_eq!(
            Ks4Grade::parse(&result.grade.to_string()).unwrap(),
            result.grade
        );
    }
}

#[test]
fn ks4_entries_follow_the_usual_pattern() {
    let special = school_urn("Willow Bank School");
    let by_pupil = ks4_by_pupil();
    let mainstream: Vec<Vec<&str>> = by_pupil
        .iter()
        .filter(|((_, _, urn), _)| *urn != special)
        .map(|(_, results)| results.iter().map(|r| r.subject.as_str()).collect())
        .collect();
    let taking = |subjects: &[&str]| {
        share_of(&mainstream, |entries| {
            subjects.iter().any(|s| entries.contains(s))
        })
    };
    let both_english = share_of(&mainstream, |e| {
        e.contains(&"English Language") && e.contains(&"English Literature")
    });
    assert!(both_english > 0.85, "{both_english:.3}");
    assert!(taking(&["Mathematics"]) > 0.95);
    let combined = taking(&["Combined Science"]);
    let triple = share_of(&mainstream, |e| {
        ["Biology", "Chemistry", "Physics"]
            .iter()
            .all(|s| e.contains(s))
    });
    assert!((0.6..0.88).contains(&combined), "combined {combined:.3}");
    assert!((0.1..0.35).contains(&triple), "triple {triple:.3}");
    assert!(taking(&["History", "Geography"]) > 0.7);
    let language = taking(&["French", "Spanish", "German"]);
    assert!((0.3..0.5).contains(&language), "language {language:.3}");
    let entries: Vec<f64> = mainstream.iter().map(|e| e.len() as f64).collect();
    let mean_entries = mean(&entries);
    assert!((8.0..10.0).contains(&mean_entries), "{mean_entries:.2}");
    // Special school pupils take a few GCSEs, if any.
    let special_entries: Vec<f64> = by_pupil
        .iter()
        .filter(|((_, _, urn), _)| *urn == special)
        .map(|(_, results)| results.len() as f64)
        .collect();
    assert!(special_entries.iter().all(|n| *n <= 4.0));
}

#[test]
fn attainment_8_is_near_england_with_spread_between_schools() {
    let special = school_urn("Willow Bank School");
    let mut by_school: BTreeMap<(Urn, AcademicYear), Vec<f64>> = BTreeMap::new();
    for (urn, year, _, a8) in ks4_cohort_a8() {
        by_school.entry((urn, year)).or_default().push(a8);
    }
    let mainstream: Vec<f64> = by_school
        .iter()
        .filter(|((urn, _), _)| *urn != special)
        .flat_map(|(_, values)| values.iter().copied())
        .collect();
    let overall = mean(&mainstream);
    assert!((43.0..50.0).contains(&overall), "A8 {overall:.1}");
    let school_means: Vec<f64> = by_school
        .iter()
        .filter(|((urn, _), _)| *urn != special)
        .map(|(_, values)| mean(values))
        .collect();
    let (low, high) = school_means
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), m| (lo.min(*m), hi.max(*m)));
    assert!(low > 38.0 && high < 56.0, "{school_means:?}");
    assert!(high - low > 3.0, "{school_means:?}");
    let special_means: Vec<f64> = by_school
        .iter()
        .filter(|((urn, _), _)| *urn == special)
        .map(|(_, values)| mean(values))
        .collect();
    assert!(special_means.iter().all(|m| *m < 15.0), "{special_means:?}");
}

#[test]
fn phonics_mtc_and_eyfs_are_close_to_england() {
    let partnership = demo();
    let (y1, y2): (Vec<_>, Vec<_>) = partnership
        .phonics_results
        .iter()
        .partition(|r| enrolled(&r.upn, r.academic_year, 1));
    let met_y1 = share_of(&y1, |r| phonics_met(r.outcome));
    assert!((0.74..0.84).contains(&met_y1), "phonics Y1 {met_y1:.3}");
    let met_y2 = share_of(&y2, |r| phonics_met(r.outcome));
    assert!((0.35..0.7).contains(&met_y2), "re-check {met_y2:.3}");
    // Only pupils who did not meet the standard in Y1 take the re-check.
    let met_in_y1: BTreeSet<&Upn> = y1
        .iter()
        .filter(|r| phonics_met(r.outcome))
        .map(|r| &r.upn)
        .collect();
    assert!(y2.iter().all(|r| !met_in_y1.contains(&r.upn)));
    for result in &partnership.phonics_results {
        if let PhonicsOutcome::Mark(mark) = result.outcome {
            assert!(mark <= 40);
        }
    }

    let mtc = &partnership.mtc_results;
    let scores: Vec<f64> = mtc
        .iter()
        .filter_map(|r| match r.outcome {
            MtcOutcome::Score(s) => Some(f64::from(s)),
            _ => None,
        })
        .collect();
    assert!(scores.iter().all(|s| *s <= 25.0));
    let average = mean(&scores);
    let full_marks = share_of(mtc, |r| r.outcome == MtcOutcome::Score(25));
    assert!((19.0..22.5).contains(&average), "MTC mean {average:.1}");
    assert!(
        (0.22..0.38).contains(&full_marks),
        "MTC 25/25 {full_marks:.3}"
    );

    let eyfs = &partnership.eyfs_results;
    for result in eyfs {
        let goals: Vec<&str> = result.goals.iter().map(|(goal, _)| *goal).collect();
        let expected: Vec<&str> = cairn_domain::EARLY_LEARNING_GOALS
            .iter()
            .map(|g| g.0)
            .collect();
        assert_eq!(goals, expected);
    }
    let gld = share_of(eyfs, |r| {
        r.goals.iter().zip(cairn_domain::EARLY_LEARNING_GOALS).all(
            |((_, judgement), (_, _, in_gld))| !in_gld || *judgement == EyfsJudgement::Expected,
        )
    });
    assert!((0.6..0.74).contains(&gld), "GLD {gld:.3}");
}

#[test]
fn attendance_summaries_are_consistent() {
    let partnership = demo();
    let mut keys = BTreeSet::new();
    for s in &partnership.attendance_summaries {
        // The marks year's terms follow its calendar (an autumn term of up to 74 days).
        assert!(
            s.sessions_possible > 0 && s.sessions_possible <= 150,
            "{s:?}"
        );
        assert_eq!(
            s.sessions_attended + s.sessions_authorised + s.sessions_unauthorised,
            s.sessions_possible,
            "{s:?}"
        );
        assert!(s.term.is_some());
        assert!(
            keys.insert((&s.upn, s.academic_year, s.term)),
            "{s:?} twice"
        );
        assert!(
            (-1..=14).any(|nc| enrolled(&s.upn, s.academic_year, nc)),
            "{} not on roll in {:?}",
            s.upn,
            s.academic_year
        );
    }
    // Everyone on roll for a whole year has all three terms.
    let full_year = partnership
        .enrolments
        .iter()
        .filter(|e| e.started_on == e.academic_year.first_day() && e.left_on.is_none())
        .count();
    assert!(partnership.attendance_summaries.len() > 3 * full_year);
}

// The latest year's marks add up to its termly summaries exactly (measures.md §6: X and Y4
// are not possible sessions; K, V, P, W, B count as attendance), earlier years have none, and
// each pupil has one mark per date and session.
#[test]
fn the_latest_years_marks_add_up_to_its_summaries() {
    use cairn_domain::StatisticalTreatment as T;
    let partnership = demo();
    let latest = demo_years()[2];
    let term_of = |date: NaiveDate| {
        use chrono::Datelike;
        match date.month() {
            9..=12 => Term::Autumn,
            1..=3 => Term::Spring,
            4 if date.day() < 15 => Term::Spring,
            _ => Term::Summer,
        }
    };
    let mut tallies: BTreeMap<(&Upn, Term), (u32, u32, u32, u32)> = BTreeMap::new();
    let mut keys = BTreeSet::new();
    let mut codes: BTreeSet<&str> = BTreeSet::new();
    for mark in &partnership.attendance_marks {
        assert_eq!(AcademicYear::containing(mark.date), latest, "{mark:?}");
        assert!(
            keys.insert((&mark.upn, mark.date, mark.session)),
            "{mark:?} twice"
        );
        codes.insert(mark.code.as_str());
        let tally = tallies.entry((&mark.upn, term_of(mark.date))).or_default();
        match mark.code.treatment() {
            T::NotCounted => continue,
            T::Present | T::ApprovedActivity => tally.1 += 1,
            T::Authorised => tally.2 += 1,
            T::Unauthorised => tally.3 += 1,
        }
        tally.0 += 1;
    }
    let summaries: BTreeMap<(&Upn, Term), (u32, u32, u32, u32)> = partnership
        .attendance_summaries
        .iter()
        .filter(|s| s.academic_year == latest)
        .map(|s| {
            (
                (&s.upn, s.term.unwrap()),
                (
                    s.sessions_possible,
                    s.sessions_attended,
                    s.sessions_authorised,
                    s.sessions_unauthorised,
                ),
            )
        })
        .collect();
    tallies.retain(|_, t| t.0 > 0);
    assert_eq!(tallies, summaries);
    for code in ["/", "\\", "L", "V", "I", "M", "G", "O", "N", "X", "Y4"] {
        assert!(codes.contains(code), "no {code} marks");
    }
    // Pupils on roll all year have the statutory 380 sessions (less X afternoons in
    // reception and the closure day at one school): the commonest yearly count.
    let mut yearly: BTreeMap<&Upn, u32> = BTreeMap::new();
    for ((upn, _), (possible, ..)) in &summaries {
        *yearly.entry(upn).or_default() += possible;
    }
    let mut how_often: BTreeMap<u32, usize> = BTreeMap::new();
    for possible in yearly.values() {
        *how_often.entry(*possible).or_default() += 1;
    }
    let commonest = how_often.iter().max_by_key(|(_, n)| **n).map(|(p, _)| *p);
    assert_eq!(commonest, Some(380), "{how_often:?}");
}

/// Per pupil-year absence rate for compulsory school age (Y1 to Y11), with the pupil's NC
/// year, disadvantage and SEN.
fn pupil_year_absence() -> Vec<(Urn, AcademicYear, i8, &'static Characteristics, f64)> {
    let placed: BTreeMap<(&Upn, AcademicYear), (Urn, i8)> = demo()
        .enrolments
        .iter()
        .map(|e| ((&e.upn, e.academic_year), (e.urn, e.nc_year.number())))
        .collect();
    yearly_absence(&demo().attendance_summaries)
        .into_iter()
        .filter_map(|((upn, year), (possible, absent))| {
            let (urn, nc) = *placed.get(&(upn, year))?;
            (1..=11).contains(&nc).then(|| {
                (
                    urn,
                    year,
                    nc,
                    census(upn, year),
                    f64::from(absent) / f64::from(possible),
                )
            })
        })
        .collect()
}

#[test]
fn absence_is_close_to_england_and_higher_for_disadvantaged_and_sen_pupils() {
    let rows = pupil_year_absence();
    let pooled = |select: &dyn Fn(i8) -> bool| {
        let selected: Vec<f64> = rows.iter().filter(|r| select(r.2)).map(|r| r.4).collect();
        mean(&selected)
    };
    let primary = pooled(&|nc| nc <= 6);
    let secondary = pooled(&|nc| nc >= 7);
    assert!((0.055..0.08).contains(&primary), "primary {primary:.3}");
    assert!(
        (0.08..0.105).contains(&secondary),
        "secondary {secondary:.3}"
    );
    let persistent = share_of(&rows, |r| r.4 >= 0.1);
    let severe = share_of(&rows, |r| r.4 >= 0.5);
    assert!(
        (0.17..0.24).contains(&persistent),
        "persistent {persistent:.3}"
    );
    assert!((0.01..0.025).contains(&severe), "severe {severe:.3}");
    let group = |select: &dyn Fn(&Characteristics) -> bool| {
        let selected: Vec<_> = rows.iter().filter(|r| select(r.3)).collect();
        share_of(&selected, |r| r.4 >= 0.1)
    };
    assert!(group(&|c| c.disadvantaged) > group(&|c| !c.disadvantaged) + 0.1);
    assert!(group(&|c| c.sen != SenProvision::None) > group(&|c| c.sen == SenProvision::None));
}

#[test]
fn a_pupils_absence_is_correlated_from_term_to_term() {
    let rate = |s: &AttendanceSummary| {
        f64::from(s.sessions_authorised + s.sessions_unauthorised) / f64::from(s.sessions_possible)
    };
    let by_key: BTreeMap<_, f64> = demo()
        .attendance_summaries
        .iter()
        .filter(|s| s.sessions_possible >= 100)
        .map(|s| ((&s.upn, s.academic_year, s.term), rate(s)))
        .collect();
    let pairs: Vec<(f64, f64)> = by_key
        .iter()
        .filter(|((_, _, term), _)| *term == Some(Term::Autumn))
        .filter_map(|((upn, year, _), autumn)| {
            Some((*autumn, *by_key.get(&(*upn, *year, Some(Term::Spring)))?))
        })
        .collect();
    let r = correlation(&pairs);
    assert!((0.4..0.95).contains(&r), "{r:.2}");
}

#[test]
fn story_millbrook_primary_improves_its_ks2_results_each_year() {
    let millbrook = school_urn("Millbrook Community Primary School");
    let shares: Vec<f64> = demo_years()
        .iter()
        .map(|&year| {
            let rows: Vec<_> = ks2_in_demo_years()
                .into_iter()
                .filter(|r| {
                    r.academic_year == Some(year)
                        && ENROLLED.contains(&(r.upn.clone(), year, millbrook, 6))
                })
                .collect();
            share_of(&rows, |r| rwm_expected(r))
        })
        .collect();
    assert!(
        shares.windows(2).all(|w| w[1] > w[0]) && shares[2] > shares[0] + 0.2,
        "RWM by year {shares:?}"
    );
}

/// A KS4 pupil's school, disadvantage, KS2 average and A8.
type ProgressRow = (Urn, bool, f64, f64);

#[test]
fn story_riverside_academy_disadvantaged_pupils_make_less_progress() {
    let riverside = school_urn("Riverside Academy");
    let prior: BTreeMap<&Upn, f64> = demo()
        .ks2_results
        .iter()
        .filter(|r| !demo_years().contains(&r.academic_year.unwrap()))
        .filter_map(|r| {
            let average = f64::from(r.reading.scaled_score()? + r.maths.scaled_score()?) / 2.0;
            Some((&r.upn, average))
        })
        .collect();
    let pupils: Vec<ProgressRow> = ks4_cohort_a8()
        .into_iter()
        .filter_map(|(urn, year, upn, a8)| {
            Some((urn, census(upn, year).disadvantaged, *prior.get(upn)?, a8))
        })
        .collect();
    // Progress as the residual from a straight line through all pupils.
    let pairs: Vec<(f64, f64)> = pupils.iter().map(|p| (p.2, p.3)).collect();
    let (mx, my) = (
        mean(&pairs.iter().map(|p| p.0).collect::<Vec<_>>()),
        mean(&pairs.iter().map(|p| p.1).collect::<Vec<_>>()),
    );
    let slope = pairs.iter().map(|(x, y)| (x - mx) * (y - my)).sum::<f64>()
        / pairs.iter().map(|(x, _)| (x - mx).powi(2)).sum::<f64>();
    let progress = |select: &dyn Fn(&ProgressRow) -> bool| {
        let residuals: Vec<f64> = pupils
            .iter()
            .filter(|p| select(p))
            .map(|p| p.3 - (my + slope * (p.2 - mx)))
            .collect();
        mean(&residuals)
    };
    let here = progress(&|p| p.0 == riverside && p.1);
    let elsewhere = progress(&|p| p.0 != riverside && p.1);
    let others_here = progress(&|p| p.0 == riverside && !p.1);
    // In A8 points: 5 points is half a grade per slot, a Progress 8 gap of 0.5.
    assert!(here < elsewhere - 5.0, "{here:.1} vs {elsewhere:.1}");
    assert!(here < others_here - 8.0, "{here:.1} vs {others_here:.1}");
}

#[test]
fn story_northvale_high_absence_rises_and_riverside_primary_absence_falls() {
    let rows = pupil_year_absence();
    let trend = |name: &str| -> Vec<f64> {
        let urn = school_urn(name);
        demo_years()
            .iter()
            .map(|&year| {
                let rates: Vec<f64> = rows
                    .iter()
                    .filter(|r| r.0 == urn && r.1 == year)
                    .map(|r| r.4)
                    .collect();
                mean(&rates)
            })
            .collect()
    };
    let rising = trend("Northvale High School");
    assert!(rising.windows(2).all(|w| w[1] > w[0] + 0.008), "{rising:?}");
    let falling = trend("Riverside Primary Academy");
    assert!(
        falling.windows(2).all(|w| w[1] < w[0] - 0.003),
        "{falling:?}"
    );
}

#[test]
fn assessments_and_attendance_are_deterministic_and_depend_on_the_seed() {
    let a = generate(7);
    let b = generate(7);
    assert!(a.ks2_results == b.ks2_results && a.ks4_results == b.ks4_results);
    assert!(a.phonics_results == b.phonics_results && a.mtc_results == b.mtc_results);
    assert!(a.eyfs_results == b.eyfs_results);
    assert!(a.attendance_summaries == b.attendance_summaries);
    let c = generate(8);
    assert!(a.ks4_results != c.ks4_results);
    assert!(a.attendance_summaries != c.attendance_summaries);
}

#[test]
fn the_new_stages_leave_the_characteristics_unchanged() {
    let cohort = cohort_for(DEFAULT_SEED);
    let characteristics = characteristics::build(
        &mut stage_rng(DEFAULT_SEED, CHARACTERISTICS_STREAM),
        &cohort,
        &demo_years(),
    );
    assert!(characteristics == demo().characteristics);
}

#[test]
fn a_larger_partnership_repeats_the_towns_with_distinct_identifiers() {
    let areas = 4;
    let partnership = generate_areas(DEFAULT_SEED, areas);
    assert_eq!(partnership.schools.len(), SCHOOLS.len() * 4);
    let urns: BTreeSet<_> = partnership.schools.iter().map(|s| s.urn).collect();
    let laestabs: BTreeSet<_> = partnership.schools.iter().map(|s| s.laestab).collect();
    assert_eq!(urns.len(), partnership.schools.len());
    assert_eq!(laestabs.len(), partnership.schools.len());
    let upns: BTreeSet<_> = partnership.pupils.iter().map(|p| &p.upn).collect();
    assert_eq!(upns.len(), partnership.pupils.len(), "UPNs are unique");
    // One trust and two clusters per area; every school in its area's cluster.
    assert_eq!(partnership.groups.len(), 1 + 2 * 4);
    let trust_members = partnership
        .memberships
        .iter()
        .filter(|m| m.group_code == TRUST_CODE)
        .count();
    assert_eq!(trust_members, 4 * 10, "ten trust schools in each area");
    // Pupils stay in their area: every enrolment of a pupil is in one local authority.
    let la_of: BTreeMap<Urn, u16> = partnership
        .schools
        .iter()
        .map(|s| (s.urn, s.laestab.la_code()))
        .collect();
    let mut pupil_la: BTreeMap<&Upn, u16> = BTreeMap::new();
    for enrolment in &partnership.enrolments {
        let la = la_of[&enrolment.urn];
        assert_eq!(*pupil_la.entry(&enrolment.upn).or_insert(la), la);
    }
    // Roughly four times the demo's pupils and results.
    let demo = demo();
    let ratio = partnership.pupils.len() as f64 / demo.pupils.len() as f64;
    assert!((3.6..4.4).contains(&ratio), "{ratio}");
    assert!(partnership.ks4_results.len() > 3 * demo.ks4_results.len());
}

#[test]
fn the_improvement_plan_names_demo_schools_groups_and_logins_and_is_the_same_every_time() {
    let plan = crate::improvement_plan();
    assert_eq!(plan, crate::improvement_plan());
    let partnership = generate(DEFAULT_SEED);
    let logins: Vec<&str> = demo_logins().iter().map(|l| l.username).collect();
    let known_scope = |scope: &cairn_domain::Scope| match scope {
        cairn_domain::Scope::Group(code) => partnership.groups.iter().any(|g| &g.code == code),
        cairn_domain::Scope::School(urn) => partnership.schools.iter().any(|s| s.urn == *urn),
    };
    assert!(plan.priorities.len() >= 3);
    for priority in &plan.priorities {
        assert!(known_scope(&priority.scope), "{}", priority.title);
        assert!(logins.contains(&priority.owner.as_str()));
        assert!(priority.criteria.iter().all(|c| known_scope(&c.scope)));
        for action in &priority.actions {
            assert!(logins.contains(&action.owner.as_str()));
            assert!(action.starts_on <= action.due_on, "{}", action.title);
        }
    }
    assert!(
        plan.meetings.iter().any(|m| m.urn.is_some()),
        "a school's governing board meets too"
    );
    for meeting in &plan.meetings {
        assert!(
            partnership
                .groups
                .iter()
                .any(|g| g.code == meeting.group_code)
        );
        if let Some(urn) = meeting.urn {
            assert!(
                partnership.memberships.iter().any(|m| m.urn == urn
                    && m.group_code == meeting.group_code
                    && m.is_active_on(meeting.held_on)),
                "{}: the school belongs to the meeting's group",
                meeting.title
            );
        }
        for (_, link) in &meeting.decisions {
            if let Some((p, a)) = link {
                assert!(
                    plan.priorities[*p].actions.get(*a).is_some(),
                    "{}",
                    meeting.title
                );
            }
        }
    }
}

mod national {
    use cairn_domain::{
        BenchmarkGroup, BenchmarkMeasure, BenchmarkValue, ContextFeature, NationalBenchmarks, Phase,
    };

    use crate::{DEFAULT_SEED, demo_years, national_benchmarks};

    fn england(b: &NationalBenchmarks, m: BenchmarkMeasure, phase: Option<Phase>) -> f64 {
        b.england
            .iter()
            .find(|e| {
                e.measure == m
                    && e.pupil_group == BenchmarkGroup::All
                    && e.phase == phase
                    && e.academic_year == demo_years()[0]
            })
            .unwrap()
            .value
    }

    fn correlation(xs: &[f64], ys: &[f64]) -> f64 {
        let n = xs.len() as f64;
        let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
        let cov: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let vx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
        let vy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
        cov / (vx * vy).sqrt()
    }

    #[test]
    fn the_national_set_is_deterministic_and_covers_every_demo_year() {
        let a = national_benchmarks(DEFAULT_SEED);
        assert_eq!(a, national_benchmarks(DEFAULT_SEED));
        assert_ne!(a, national_benchmarks(DEFAULT_SEED + 1));
        for year in demo_years() {
            let schools = a.schools.iter().filter(|s| s.academic_year == year);
            assert_eq!(schools.clone().count(), 3000);
            assert_eq!(schools.filter(|s| s.phase == Phase::Secondary).count(), 600);
        }
        // Synthetic URNs never collide with the partnership's.
        let partnership = crate::generate(DEFAULT_SEED);
        assert!(
            partnership
                .schools
                .iter()
                .all(|p| !a.schools.iter().any(|s| s.urn == p.urn))
        );
    }

    #[test]
    fn england_figures_land_near_englands_and_disadvantage_lowers_results() {
        let b = national_benchmarks(DEFAULT_SEED);
        let a8 = england(&b, BenchmarkMeasure::Ks4Attainment8, None);
        assert!((44.0..49.0).contains(&a8), "A8 {a8}");
        let p8 = england(&b, BenchmarkMeasure::Ks4Progress8, None);
        assert!(p8.abs() < 0.1, "P8 {p8}");
        let em5 = england(&b, BenchmarkMeasure::Ks4EnglishMaths5Plus, None);
        assert!((0.38..0.52).contains(&em5), "E&M 5+ {em5}");
        let rwm = england(&b, BenchmarkMeasure::Ks2RwmExpected, None);
        assert!((0.55..0.68).contains(&rwm), "RWM {rwm}");
        let pri = england(
            &b,
            BenchmarkMeasure::AttendanceOverallAbsence,
            Some(Phase::Primary),
        );
        let sec = england(
            &b,
            BenchmarkMeasure::AttendanceOverallAbsence,
            Some(Phase::Secondary),
        );
        assert!(pri < sec && (0.04..0.08).contains(&pri) && (0.07..0.11).contains(&sec));

        // Across secondaries in the first year: more disadvantage, lower Progress 8.
        let year = demo_years()[0];
        let mut xs = Vec::new();
        let mut ys = Vec::new();
        for f in b
            .figures
            .iter()
            .filter(|f| f.academic_year == year && f.measure == BenchmarkMeasure::Ks4Progress8)
        {
            let BenchmarkValue::Shown { value, ci, .. } = f.value else {
                continue;
            };
            let (low, high) = ci.unwrap();
            assert!(low <= value && value <= high);
            let dis = b
                .context
                .iter()
                .find(|c| {
                    c.urn == f.urn
                        && c.academic_year == year
                        && c.feature == ContextFeature::PercentDisadvantaged
                })
                .unwrap()
                .value;
            xs.push(dis);
            ys.push(value);
        }
        assert_eq!(xs.len(), 600);
        let r = correlation(&xs, &ys);
        assert!(r < -0.2, "disadvantage and P8 correlate at {r}");
    }
}

#[test]
fn the_peer_reviews_name_demo_schools_logins_focus_areas_and_plan_priorities() {
    let plan = crate::peer_reviews();
    assert_eq!(plan, crate::peer_reviews());
    let partnership = generate(DEFAULT_SEED);
    let logins = demo_logins();
    let priorities = crate::improvement_plan().priorities;
    assert!(partnership.groups.iter().any(|g| g.code == plan.group_code));
    assert!(
        plan.reviews
            .iter()
            .any(|r| r.freeze_pack && !r.follow_ups.is_empty())
    );
    assert!(
        plan.reviews
            .iter()
            .any(|r| !r.freeze_pack && r.findings.is_empty())
    );
    for review in &plan.reviews {
        assert!(partnership.schools.iter().any(|s| s.urn == review.urn));
        assert!(
            review
                .focus_areas
                .iter()
                .all(|idx| *idx < plan.focus_areas.len())
        );
        assert!(
            review
                .findings
                .iter()
                .all(|f| review.focus_areas.contains(&f.0))
        );
        for reviewer in &review.reviewers {
            let login = logins
                .iter()
                .find(|l| l.username == reviewer.as_str())
                .unwrap();
            assert_ne!(
                login.role.scope,
                cairn_domain::Scope::School(review.urn),
                "reviewers come from other schools"
            );
        }
        for follow_up in &review.follow_ups {
            assert!(
                priorities
                    .iter()
                    .any(|p| p.title == follow_up.priority_title)
            );
            assert!(
                logins
                    .iter()
                    .any(|l| l.username == follow_up.action.owner.as_str())
            );
        }
    }
}

#[test]
fn risk_decisions_name_demo_schools_demo_accounts_and_known_decisions() {
    let decisions = risk_decisions();
    assert!(decisions.len() >= 4);
    let logins: Vec<&str> = demo_logins().iter().map(|l| l.username).collect();
    for planned in &decisions {
        assert!(
            demo().schools.iter().any(|s| s.urn == planned.urn),
            "{planned:?}"
        );
        assert!(!planned.decisions.is_empty());
        for step in &planned.decisions {
            assert!(["monitor", "support", "intervene", "close"].contains(&step.decision_code));
            assert!(logins.contains(&step.by.as_str()), "{}", step.by);
            assert!(!step.note.is_empty());
        }
        assert!(
            planned.decisions.windows(2).all(|w| w[0].at < w[1].at),
            "oldest first"
        );
    }
}

#[test]
fn story_kingsmere_disadvantage_gap_in_absence_widens_in_the_latest_year() {
    let rows = pupil_year_absence();
    let kingsmere = school_urn("Kingsmere School");
    let gaps: Vec<f64> = demo_years()
        .iter()
        .map(|&year| {
            let of = |disadvantaged: bool| {
                let rates: Vec<f64> = rows
                    .iter()
                    .filter(|r| {
                        r.0 == kingsmere && r.1 == year && r.3.disadvantaged == disadvantaged
                    })
                    .map(|r| r.4)
                    .collect();
                mean(&rates)
            };
            of(true) - of(false)
        })
        .collect();
    // Steady for two years, then about three points wider.
    assert!((gaps[1] - gaps[0]).abs() < 0.015, "{gaps:?}");
    assert!(gaps[2] > gaps[1] + 0.02, "{gaps:?}");
}

#[test]
fn teacher_assessments_are_termly_for_the_latest_year_and_end_near_the_results() {
    let [.., latest] = demo_years();
    let tas = &demo().teacher_assessments;
    assert!(tas.len() > 1000, "{}", tas.len());
    assert!(tas.iter().all(|t| t.academic_year == Some(latest)));
    // Three dated points per pupil and subject, within the year and in order.
    let mut points: BTreeMap<(&Upn, &str), Vec<(NaiveDate, &str)>> = BTreeMap::new();
    for t in tas {
        let on = t.assessed_on.unwrap();
        assert!(latest.first_day() <= on && on <= latest.last_day(), "{on}");
        points
            .entry((&t.upn, t.subject.as_str()))
            .or_default()
            .push((on, t.result.as_str()));
    }
    assert!(points.values().all(|p| p.len() == 3));
    // Y6 summer judgements agree with the KS2 results nine times in ten.
    let scale = [
        "BLW", "PK1", "PK2", "PK3", "PK4", "PK5", "PK6", "WTS", "EXS", "GDS",
    ];
    let rank = |r: &str| scale.iter().position(|s| *s == r).unwrap();
    let (mut agree, mut total, mut climbed, mut slipped) = (0, 0, 0, 0);
    for ks2 in demo()
        .ks2_results
        .iter()
        .filter(|r| r.academic_year == Some(latest))
    {
        let Some(writing) = points.get(&(&ks2.upn, "Writing")) else {
            continue;
        };
        let mut sorted = writing.clone();
        sorted.sort();
        let [(_, autumn), _, (_, summer)] = sorted[..] else {
            panic!("three points")
        };
        total += 1;
        agree += usize::from(*summer == ks2.writing.to_string());
        climbed += usize::from(rank(summer) > rank(autumn));
        slipped += usize::from(rank(summer) < rank(autumn));
    }
    assert!(total > 300, "{total}");
    let agreement = agree as f64 / total as f64;
    assert!((0.85..0.97).contains(&agreement), "{agreement:.3}");
    // Pupils climb through the year more often than they slip.
    assert!(climbed > 3 * slipped && slipped > 0, "{climbed} {slipped}");
    // Y11 final predictions are within a grade of the GCSE nearly always.
    let (mut near, mut y11) = (0, 0);
    for row in demo()
        .ks4_results
        .iter()
        .filter(|r| r.academic_year == Some(latest) && r.subject == crate::ks4::MATHEMATICS)
    {
        let cairn_domain::Ks4Grade::Single(grade) = row.grade else {
            continue;
        };
        let finals = &points[&(&row.upn, "Maths")];
        let last = finals.iter().max().unwrap().1;
        y11 += 1;
        near += usize::from((i16::from(last.parse::<u8>().unwrap()) - i16::from(grade)).abs() <= 1);
    }
    assert!(
        y11 > 300 && near as f64 > 0.9 * y11 as f64,
        "{near} of {y11}"
    );
    // Kingsmere writes + and - on its earlier predictions.
    assert!(tas.iter().any(|t| t.result.ends_with('+')));
}
