//! National benchmarks and comparisons, on both backends.

use cairn_domain::{
    AcademicYear, BenchmarkGroup, BenchmarkMeasure, BenchmarkValue, ContextFeature, EnglandFigure,
    NationalBenchmarks, NationalContextValue, NationalSchool, NationalSchoolFigure, Partnership,
    Phase, Urn,
};
use cairn_measures::{PupilGroup, SuppressionPolicy};
use chrono::{TimeZone, Utc};

use super::BenchmarkFile;
use crate::{ImportFile, ImportKind, Measure, ResultScope, ScopeFilter, StoredValue, backend_test};

fn year(start: u16) -> AcademicYear {
    AcademicYear::starting(start).expect("valid year")
}

fn urn(n: u32) -> Urn {
    Urn::from_u32(n).expect("valid URN")
}

/// Two schools and England's row as published in the 2018/19 provisional KS4 file
/// (`england_ks4provisional.csv`): Haverstock School and The UCL Academy.
fn published_ks4() -> NationalBenchmarks {
    let y = year(2018);
    let school = |n, name: &str| NationalSchool {
        academic_year: y,
        urn: urn(n),
        name: name.to_owned(),
        la_code: Some(202),
        phase: Phase::Secondary,
    };
    let p8 = |n, value, count, low, high| NationalSchoolFigure {
        academic_year: y,
        urn: urn(n),
        measure: BenchmarkMeasure::Ks4Progress8,
        value: BenchmarkValue::Shown {
            value,
            n_pupils: Some(count),
            ci: Some((low, high)),
        },
    };
    NationalBenchmarks {
        schools: vec![
            school(100_049, "Haverstock School"),
            school(137_181, "The UCL Academy"),
        ],
        context: vec![NationalContextValue {
            academic_year: y,
            urn: urn(100_049),
            feature: ContextFeature::PercentDisadvantaged,
            value: 61.9,
        }],
        figures: vec![
            p8(100_049, -0.09, 178, -0.28, 0.09),
            p8(137_181, 0.09, 163, -0.1, 0.29),
            NationalSchoolFigure {
                academic_year: y,
                urn: urn(100_381),
                measure: BenchmarkMeasure::Ks4Progress8,
                value: BenchmarkValue::Suppressed,
            },
        ],
        england: vec![EnglandFigure {
            academic_year: y,
            measure: BenchmarkMeasure::Ks4Progress8,
            pupil_group: BenchmarkGroup::All,
            phase: None,
            value: -0.03,
        }],
    }
}

fn file(benchmarks: NationalBenchmarks) -> BenchmarkFile {
    BenchmarkFile {
        file: ImportFile {
            kind: ImportKind::PerfKs4,
            file_name: "england_ks4provisional.csv".to_owned(),
            sha256: "0".repeat(64),
            user_id: None,
            at: Utc
                .with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
                .single()
                .expect("time"),
            urn: None,
            rejected: 0,
            data: Partnership::default(),
        },
        benchmarks,
    }
}

backend_test! {
    async fn benchmarks_import_with_exact_counts_and_read_back_for_funnels(db) {
        let store = db.store();
        let first = store.import_benchmarks(&[file(published_ks4())], false).await.unwrap();
        let counts = first[0].record.counts;
        assert_eq!((counts.added, counts.updated, counts.unchanged), (7, 0, 0));
        assert_eq!(first[0].record.kind, ImportKind::PerfKs4);

        // Re-importing changes nothing; a corrected figure updates exactly one row.
        let again = store.import_benchmarks(&[file(published_ks4())], false).await.unwrap();
        let counts = again[0].record.counts;
        assert_eq!((counts.added, counts.updated, counts.unchanged), (0, 0, 7));
        let mut corrected = published_ks4();
        corrected.figures[1] = NationalSchoolFigure {
            value: BenchmarkValue::Shown { value: 0.1, n_pupils: Some(163), ci: Some((-0.1, 0.29)) },
            ..corrected.figures[1]
        };
        let fixed = store.import_benchmarks(&[file(corrected.clone())], false).await.unwrap();
        let counts = fixed[0].record.counts;
        assert_eq!((counts.added, counts.updated, counts.unchanged), (0, 1, 6));
        // A dry run writes nothing but the log entry.
        corrected.figures[1] = NationalSchoolFigure {
            value: BenchmarkValue::Suppressed,
            ..corrected.figures[1]
        };
        store.import_benchmarks(&[file(corrected)], true).await.unwrap();

        let points = store.funnel_points(Measure::Ks4Progress8, year(2018)).await.unwrap();
        assert_eq!(points.len(), 2, "the suppressed school is not a point: {points:?}");
        assert_eq!(points[0].urn, urn(100_049));
        assert_eq!(points[0].name, "Haverstock School");
        assert!((points[0].value - -0.09).abs() < 1e-12);
        assert_eq!(points[0].n_pupils, 178);
        assert!((points[1].value - 0.1).abs() < 1e-12, "the correction, not the dry run");

        let england = store.national_figures(year(2018)).await.unwrap();
        assert_eq!(england.len(), 1);
        assert!((england[0].value - -0.03).abs() < 1e-12);
        assert!(store.national_figures(year(2019)).await.unwrap().is_empty());
    }
}

backend_test! {
    async fn a_refresh_over_the_demo_compares_every_school_with_england_and_similar_schools(db) {
        let store = db.store();
        let partnership = crate::tests::demo();
        store.load_partnership(&partnership).await.unwrap();
        let national = cairn_demo::national_benchmarks(cairn_demo::DEFAULT_SEED);
        let loaded = store.load_national_benchmarks(&national).await.unwrap();
        assert_eq!(loaded.added as usize, national.len());
        let again = store.load_national_benchmarks(&national).await.unwrap();
        assert_eq!(again.added + again.updated, 0);

        let started = std::time::Instant::now();
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 10, 0, 0).single().expect("time");
        store.refresh_measures("test", at, SuppressionPolicy::default()).await.unwrap();
        eprintln!("refresh with comparisons on {:?}: {:.2} s", store.backend(), started.elapsed().as_secs_f64());

        let latest = cairn_demo::demo_years()[2];
        let high = partnership.schools.iter().find(|s| s.name == "Northvale High School").unwrap();
        let comparisons = store.school_comparisons(high.urn, Some(latest)).await.unwrap();
        let absence = comparisons
            .iter()
            .find(|c| c.measure == Measure::AttendanceOverallAbsence && c.pupil_group == PupilGroup::All)
            .expect("overall absence compared");
        let national_secondary = store
            .national_figures(latest)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.measure == BenchmarkMeasure::AttendanceOverallAbsence && e.phase == Some(Phase::Secondary))
            .unwrap();
        assert_eq!(absence.national, Some(national_secondary.value));
        assert_eq!(absence.similar_n, Some(20));
        assert!(absence.similar_average.is_some() && absence.vs_national.is_some());
        // Northvale High's absence rises year on year (a planted story): significantly.
        assert_eq!(absence.vs_previous_year, Some(cairn_measures::Significance::SignificantlyAbove));

        let similar = store.similar_schools(high.urn, latest).await.unwrap();
        assert_eq!(similar.len(), 20);
        assert!(similar.iter().all(|s| s.phase == Phase::Secondary && s.urn != high.urn));
        assert!(similar.windows(2).all(|w| w[0].rank < w[1].rank && w[0].distance <= w[1].distance));
        for s in &similar {
            let sum: f64 = s.reasons.iter().map(|r| r.contribution).sum();
            assert!((sum - s.distance * s.distance).abs() < 1e-9, "{s:?}");
            assert!(s.name.is_some(), "{s:?}");
            assert!(!s.figures.is_empty(), "{s:?}");
        }

        // Nothing about a suppressed figure leaks through its comparison.
        let results = store.latest_results(None, &ScopeFilter::All, &[]).await.unwrap().results;
        let all = store.all_comparisons(latest).await.unwrap();
        assert!(all.iter().any(|c| matches!(c.scope, ResultScope::Group(_))), "groups compared too");
        let mut n_suppressed = 0;
        for c in &all {
            let stored = results
                .iter()
                .find(|r| r.academic_year == c.academic_year && r.scope == c.scope && r.measure == c.measure && r.pupil_group == c.pupil_group)
                .expect("a comparison is of a stored figure");
            if let StoredValue::Suppressed = stored.value {
                n_suppressed += 1;
                assert!(c.vs_national.is_none() && c.vs_similar.is_none(), "{c:?}");
                assert!(c.vs_previous_year.is_none() && c.similar_top_quartile.is_none(), "{c:?}");
            }
        }
        assert!(n_suppressed > 0, "the demo has suppressed disadvantaged figures");
    }
}
