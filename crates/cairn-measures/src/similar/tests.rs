#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly on purpose"
)]

use cairn_domain::{Phase, Urn};
use proptest::prelude::*;

use super::*;

fn school(urn: u32, phase: Phase, prior: f64, disadvantaged: f64, n: u32) -> SchoolContext {
    SchoolContext {
        urn: Urn::from_u32(urn).unwrap(),
        phase,
        prior_attainment: Some(prior),
        percent_disadvantaged: Some(disadvantaged),
        percent_sen: Some(12.0),
        percent_eal: Some(10.0),
        n_pupils: Some(n),
    }
}

fn method(n: usize) -> SimilarityMethod {
    SimilarityMethod {
        n_neighbours: n,
        ..SimilarityMethod::default()
    }
}

#[test]
fn neighbours_are_the_nearest_schools_of_the_same_phase() {
    let schools = [
        school(100_001, Phase::Secondary, 105.0, 20.0, 1000),
        school(100_002, Phase::Secondary, 105.5, 21.0, 1000),
        school(100_003, Phase::Secondary, 95.0, 60.0, 600),
        school(100_004, Phase::Primary, 105.0, 20.0, 1000),
        school(100_005, Phase::Secondary, 104.0, 25.0, 900),
    ];
    let sets = find_similar_schools(&schools, &method(2));
    assert_eq!(sets.len(), 5);
    let first = &sets[0];
    assert_eq!(first.urn.get(), 100_001);
    let urns: Vec<u32> = first.neighbours.iter().map(|n| n.urn.get()).collect();
    assert_eq!(urns, [100_002, 100_005]);
    assert_eq!(first.neighbours[0].rank, 1);
    // The primary school has no other primary to compare with.
    let primary = sets.iter().find(|s| s.urn.get() == 100_004).unwrap();
    assert!(primary.neighbours.is_empty());
}

#[test]
fn contributions_sum_to_the_squared_distance_and_differences_are_in_natural_units() {
    let schools = [
        school(100_001, Phase::Secondary, 105.0, 20.0, 1000),
        school(100_002, Phase::Secondary, 101.0, 30.0, 800),
        school(100_003, Phase::Secondary, 95.0, 60.0, 600),
    ];
    let sets = find_similar_schools(&schools, &method(2));
    for set in &sets {
        for neighbour in &set.neighbours {
            let sum: f64 = neighbour.contributions.iter().sum();
            assert!((sum - neighbour.distance.powi(2)).abs() < 1e-9);
        }
    }
    let to_second = &sets[0].neighbours[0];
    assert_eq!(to_second.urn.get(), 100_002);
    assert_eq!(to_second.differences[0], Some(-4.0));
    assert_eq!(to_second.differences[4], Some(-200.0));
    // Identical SEN and EAL contribute nothing.
    assert_eq!(to_second.contributions[2], 0.0);
}

#[test]
fn ties_are_broken_by_urn_and_missing_values_are_imputed_and_flagged() {
    let mut schools = vec![
        school(100_009, Phase::Secondary, 100.0, 30.0, 900),
        school(100_001, Phase::Secondary, 100.0, 30.0, 900),
        school(100_005, Phase::Secondary, 100.0, 30.0, 900),
    ];
    schools.push(SchoolContext {
        percent_eal: None,
        ..school(100_007, Phase::Secondary, 100.0, 30.0, 900)
    });
    let sets = find_similar_schools(&schools, &method(3));
    let set = sets.iter().find(|s| s.urn.get() == 100_009).unwrap();
    let urns: Vec<u32> = set.neighbours.iter().map(|n| n.urn.get()).collect();
    assert_eq!(urns, [100_001, 100_005, 100_007]);
    let imputed = sets.iter().find(|s| s.urn.get() == 100_007).unwrap();
    assert_eq!(imputed.imputed, [false, false, false, true, false]);
}

#[test]
fn similar_schools_average_skips_neighbours_without_a_value() {
    let schools = [
        school(100_001, Phase::Secondary, 105.0, 20.0, 1000),
        school(100_002, Phase::Secondary, 105.5, 21.0, 1000),
        school(100_003, Phase::Secondary, 95.0, 60.0, 600),
    ];
    let sets = find_similar_schools(&schools, &method(2));
    let average = sets[0].average_of(|urn| (urn.get() == 100_002).then_some(0.4));
    assert_eq!(average, Some((0.4, 1)));
}

/// Real school context: the January 2019 census for every school in England (DfE
/// performance tables 2018/19, `../shared/reference/public-data/README.md` §3), with % FSM
/// ever, % SEN (EHC plan plus SEN support), % EAL and pupils; prior attainment is not in the file.
#[test]
fn matching_runs_on_the_2019_england_census_and_is_reproducible() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/reference/public-data/england-2018-19-perf-tables/england_census.csv"
    );
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the England census file must be present at {path}: {e}"));
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (c_urn, c_nor, c_ehcp, c_sen, c_eal, c_fsm) = (
        col("URN"),
        col("NOR"),
        col("PSENELSE"),
        col("PSENELK"),
        col("PNUMEAL"),
        col("PNUMFSMEVER"),
    );
    let percent = |s: &str| s.trim_end_matches('%').parse::<f64>().ok();
    let mut schools = Vec::new();
    for record in reader.records().take(1_500) {
        let record = record.unwrap();
        let Ok(urn) = Urn::parse(&record[c_urn]) else {
            continue;
        };
        schools.push(SchoolContext {
            urn,
            phase: Phase::Primary,
            prior_attainment: None,
            percent_disadvantaged: percent(&record[c_fsm]),
            percent_sen: percent(&record[c_sen])
                .zip(percent(&record[c_ehcp]))
                .map(|(k, e)| k + e),
            percent_eal: percent(&record[c_eal]),
            n_pupils: record[c_nor].parse().ok(),
        });
    }
    assert!(schools.len() > 1_000);
    let first = find_similar_schools(&schools, &SimilarityMethod::default());
    schools.reverse();
    let second = find_similar_schools(&schools, &SimilarityMethod::default());
    assert_eq!(first, second);
    assert!(first.iter().all(|s| s.neighbours.len() == 30));
}

fn schools_strategy() -> impl Strategy<Value = Vec<SchoolContext>> {
    prop::collection::vec((90.0f64..115.0, 0.0f64..80.0, 0u32..3000), 2..40).prop_map(|rows| {
        rows.into_iter()
            .enumerate()
            .map(|(i, (prior, fsm, n))| school(100_000 + i as u32, Phase::Secondary, prior, fsm, n))
            .collect()
    })
}

proptest! {
    #[test]
    fn neighbours_are_sorted_exclude_the_school_and_ignore_input_order(
        schools in schools_strategy(),
        n in 1usize..10,
    ) {
        let sets = find_similar_schools(&schools, &method(n));
        for set in &sets {
            prop_assert!(set.neighbours.len() == n.min(schools.len() - 1));
            prop_assert!(set.neighbours.iter().all(|x| x.urn != set.urn));
            for pair in set.neighbours.windows(2) {
                prop_assert!((pair[0].distance, pair[0].urn) <= (pair[1].distance, pair[1].urn));
            }
        }
        let mut reversed = schools.clone();
        reversed.reverse();
        prop_assert_eq!(sets, find_similar_schools(&reversed, &method(n)));
    }
}

/// Upper quartile of 1..=8 by R's default (type 7): h = 7·0.75 = 5.25, so 6 + 0.25·(7 − 6)
/// = 6.25; lower quartile h = 1.75: 2 + 0.75 = 2.75.
#[test]
fn top_quarter_uses_the_upper_quartile_or_the_lower_one_when_lower_is_better() {
    let others = [8.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
    assert_eq!(in_top_quarter(6.25, &others, false), Some(true));
    assert_eq!(in_top_quarter(6.2, &others, false), Some(false));
    assert_eq!(in_top_quarter(2.75, &others, true), Some(true));
    assert_eq!(in_top_quarter(2.8, &others, true), Some(false));
    assert_eq!(in_top_quarter(9.0, &[1.0, 2.0, 3.0], false), None);
    assert_eq!(in_top_quarter(f64::NAN, &others, false), None);
}

#[test]
fn finding_for_some_schools_gives_the_same_neighbours_as_finding_for_all() {
    let schools: Vec<SchoolContext> = (0..40)
        .map(|i| {
            school(
                100_000 + i,
                Phase::Secondary,
                100.0 + f64::from(i % 7),
                10.0 + f64::from((i * 13) % 50),
                500 + 37 * i,
            )
        })
        .collect();
    let all = find_similar_schools(&schools, &method(5));
    let some = find_similar_schools_for(&schools, &method(5), |urn| urn.get() % 10 == 3);
    assert_eq!(some.len(), 4);
    for set in &some {
        assert_eq!(Some(set), all.iter().find(|s| s.urn == set.urn));
    }
}
