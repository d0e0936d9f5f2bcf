#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests may panic: a panic is a failed test"
)]

use cairn_domain::Urn;
use rstest::rstest;

use super::*;
use crate::test_support::public_data;

fn read(path: &str) -> Parsed<PerfTable> {
    let name = path.rsplit('/').next().unwrap();
    parse_perf_table(name, &public_data(path))
}

#[rstest]
#[case::ks4_final_2016_850(
    "hampshire-surrey-perf-tables/ks4/2016-2017_850_ks4final.csv",
    123,
    1,
    2
)]
#[case::ks4_final_2016_936(
    "hampshire-surrey-perf-tables/ks4/2016-2017_936_ks4final.csv",
    127,
    1,
    2
)]
#[case::ks4_final_2017_850(
    "hampshire-surrey-perf-tables/ks4/2017-2018_850_ks4final.csv",
    121,
    1,
    2
)]
#[case::ks4_final_2017_936(
    "hampshire-surrey-perf-tables/ks4/2017-2018_936_ks4final.csv",
    127,
    1,
    2
)]
#[case::ks4_final_2018_936(
    "hampshire-surrey-perf-tables/ks4/2018-2019_936_ks4final.csv",
    130,
    1,
    2
)]
#[case::ks2_final_2016_850(
    "hampshire-surrey-perf-tables/ks2/2016-2017_850_ks2final.csv",
    328,
    1,
    2
)]
#[case::ks2_final_2016_936(
    "hampshire-surrey-perf-tables/ks2/2016-2017_936_ks2final.csv",
    232,
    1,
    2
)]
#[case::ks2_final_2017_850(
    "hampshire-surrey-perf-tables/ks2/2017-2018_850_ks2final.csv",
    328,
    1,
    2
)]
#[case::ks2_final_2017_936(
    "hampshire-surrey-perf-tables/ks2/2017-2018_936_ks2final.csv",
    235,
    1,
    2
)]
#[case::ks2_final_2018_850(
    "hampshire-surrey-perf-tables/ks2/2018-2019_850_ks2final.csv",
    331,
    1,
    2
)]
#[case::ks2_final_2018_936(
    "hampshire-surrey-perf-tables/ks2/2018-2019_936_ks2final.csv",
    239,
    1,
    2
)]
#[case::ks4_final_815("north-yorkshire-815/2017-2018_815_ks4final.csv", 70, 1, 2)]
#[case::ks4_provisional_815("north-yorkshire-815/2018-2019_815_ks4provisional.csv", 72, 1, 2)]
#[case::ks4_provisional_england(
    "england-2018-19-perf-tables/england_ks4provisional.csv",
    5495,
    155,
    2
)]
#[case::destinations_england("england-2018-19-perf-tables/england_ks4-pupdest.csv", 3728, 148, 1)]
#[case::census_england("england-2018-19-perf-tables/england_census.csv", 23939, 0, 3)]
#[case::absence_england("england-2018-19-perf-tables/england_abs.csv", 21214, 0, 3)]
#[case::census_815_2018("north-yorkshire-815/2017-2018_815_census.csv", 382, 2, 2)]
#[case::census_815_2019("north-yorkshire-815/2018-2019_815_census.csv", 388, 3, 3)]
#[case::spine_815("north-yorkshire-815/2018-2019_815_spine.csv", 413, 0, 0)]
fn real_dfe_files_read_with_no_errors(
    #[case] path: &str,
    #[case] n_schools: usize,
    #[case] n_las: usize,
    #[case] n_national: usize,
) {
    let parsed = read(path);
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    let table = &parsed.records[0];
    assert_eq!(
        (
            table.schools.len(),
            table.local_authorities.len(),
            table.national.len()
        ),
        (n_schools, n_las, n_national)
    );
}

#[test]
fn ks4_provisional_national_row_is_rectype_7() {
    let parsed = read("north-yorkshire-815/2018-2019_815_ks4provisional.csv");
    let table = &parsed.records[0];
    let national = table.national_row().unwrap();
    assert_eq!(
        national.level,
        RowLevel::National(NationalScope::StateFunded)
    );
    assert_eq!(national.value("ATT8SCR"), Some(46.5));
    assert_eq!(national.value("P8MEA"), Some(-0.03));
    assert_eq!(national.value("PTL2BASICS_94"), Some(64.4));
    let la = &table.local_authorities[0];
    assert_eq!(la.value("TPUP"), Some(6135.0));
}

#[test]
fn ks2_summary_rows_use_the_ks2_rectype_codes() {
    let parsed = read("hampshire-surrey-perf-tables/ks2/2018-2019_850_ks2final.csv");
    let table = &parsed.records[0];
    assert_eq!(
        table.local_authorities[0].get("LEA"),
        Some(&Cell::Value(850.0))
    );
    let national = table.national_row().unwrap();
    assert_eq!(
        national.level,
        RowLevel::National(NationalScope::StateFunded)
    );
    assert_eq!(national.value("TELIG"), Some(644967.0));
}

#[test]
fn school_rows_carry_codes_and_percentages_as_typed_cells() {
    let parsed = read("england-2018-19-perf-tables/england_ks4provisional.csv");
    let table = &parsed.records[0];
    let cells: Vec<&Cell> = table
        .schools
        .iter()
        .filter_map(|r| r.get("P8MEA"))
        .collect();
    assert!(cells.contains(&&Cell::Suppressed));
    assert!(cells.contains(&&Cell::NotApplicable));
    assert!(cells.iter().any(|c| c.value().is_some()));
    let first = &table.schools[0];
    assert!(first.urn.is_some());
    assert!(matches!(first.get("SCHNAME"), Some(Cell::Text(_))));
    assert!(table.schools.iter().any(|r| {
        r.get("PTL2BASICS_94")
            .and_then(Cell::value)
            .is_some_and(|v| v > 1.0)
    }));
}

#[test]
fn census_national_rows_are_split_by_phase() {
    let parsed = read("england-2018-19-perf-tables/england_census.csv");
    let phases: Vec<RowLevel> = parsed.records[0]
        .national
        .iter()
        .map(|r| r.level.clone())
        .collect();
    assert_eq!(
        phases,
        vec![
            RowLevel::National(NationalScope::Phase("PRI".to_owned())),
            RowLevel::National(NationalScope::Phase("SEC".to_owned())),
            RowLevel::National(NationalScope::Phase("SPE".to_owned())),
        ]
    );
}

#[test]
fn cfr_medians_with_thousands_separators_are_summary_rows() {
    let parsed = read("north-yorkshire-815/2017-2018_815_cfr.csv");
    assert_eq!(parsed.error_messages(), Vec::<String>::new());
    let table = &parsed.records[0];
    let primary = table
        .national
        .iter()
        .find(|r| r.level == RowLevel::National(NationalScope::Phase("PRI".to_owned())))
        .unwrap();
    assert_eq!(primary.get("GRANTFUNDING"), Some(&Cell::Value(4714.0)));
}

#[test]
fn a_known_school_is_found_by_urn() {
    let parsed = read("north-yorkshire-815/2018-2019_815_spine.csv");
    let table = &parsed.records[0];
    let first = &table.schools[0];
    let urn = first.urn.unwrap();
    assert_eq!(table.school(urn).unwrap().line, 2);
    assert!(table.school(Urn::parse("999999").unwrap()).is_none());
}

#[rstest]
#[case::percent("53%", Cell::Value(53.0))]
#[case::decimal_percent("68.8%", Cell::Value(68.8))]
#[case::negative("-0.4", Cell::Value(-0.4))]
#[case::thousands("4,714", Cell::Value(4714.0))]
#[case::space(" ", Cell::Empty)]
#[case::supp("SUPP", Cell::Suppressed)]
#[case::suppmat("SUPPMAT", Cell::SuppressedTrust)]
#[case::ne("NE", Cell::NotEntered)]
#[case::np("NP", Cell::NotPublished)]
#[case::na("NA", Cell::NotApplicable)]
#[case::lowcov("LOWCOV", Cell::LowCoverage)]
#[case::new("NEW", Cell::NewSchool)]
#[case::name("Alton School", Cell::Text("Alton School".to_owned()))]
#[case::dash("-", Cell::Text("-".to_owned()))]
fn cells_are_typed(#[case] raw: &str, #[case] expected: Cell) {
    assert_eq!(Cell::parse(raw), expected);
}
