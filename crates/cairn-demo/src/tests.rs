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
