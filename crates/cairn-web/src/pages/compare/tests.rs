#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use cairn_domain::Urn;
use cairn_store::{FunnelPoint, Measure};

use cairn_measures::ci::FunnelPosition;

use super::{funnel_spec, partnership_caption};

fn point(urn: u32, value: f64, n: u32) -> FunnelPoint {
    FunnelPoint {
        urn: Urn::from_u32(urn).unwrap(),
        name: format!("School {urn} </script>"),
        value,
        n_pupils: n,
    }
}

#[test]
fn the_funnel_spec_is_layered_vega_lite_with_points_limits_england_and_the_school() {
    let points = [point(100_001, 0.6, 40), point(100_002, 0.7, 90)];
    let spec = funnel_spec(
        Measure::Ks2RwmExpected,
        &points,
        Some(("Millbrook", 0.5, 30)),
        &[],
        0.65,
        None,
    );
    assert_eq!(
        spec["$schema"],
        "https://vega.github.io/schema/vega-lite/v5.json"
    );
    let layers = spec["layer"].as_array().unwrap();
    assert_eq!(layers.len(), 4);
    // Every national school is a point with its pupils and value.
    let national = layers[0]["data"]["values"].as_array().unwrap();
    assert_eq!(national.len(), 2);
    assert_eq!(national[1]["n"], 90);
    assert_eq!(national[1]["value"], 0.7);
    assert_eq!(layers[0]["encoding"]["x"]["field"], "n");
    assert_eq!(layers[0]["encoding"]["y"]["axis"]["format"], ".0%");
    // Four limit lines, each symmetric about England's figure for proportions well inside 0-1.
    let limits = layers[1]["data"]["values"].as_array().unwrap();
    assert_eq!(limits.len() % 4, 0);
    let at = |name: &str| {
        limits
            .iter()
            .filter(|r| r["limit"] == name)
            .map(|r| r["value"].as_f64().unwrap())
            .next_back()
            .unwrap()
    };
    assert!(at("99.8% lower") < at("95% lower") && at("95% lower") < 0.65);
    assert!((0.65 - at("95% lower") - (at("95% upper") - 0.65)).abs() < 1e-9);
    assert_eq!(layers[2]["mark"]["type"], "rule");
    assert_eq!(layers[2]["data"]["values"][0]["value"], 0.65);
    assert_eq!(layers[3]["data"]["values"][0]["school"], "Millbrook");
    assert_eq!(layers[3]["data"]["values"][0]["n"], 30);
}

#[test]
fn a_mean_measure_without_a_pupil_sd_draws_no_limits() {
    let spec = funnel_spec(
        Measure::Ks4Attainment8,
        &[point(100_001, 45.0, 150)],
        None,
        &[],
        46.2,
        None,
    );
    let layers = spec["layer"].as_array().unwrap();
    assert_eq!(
        layers.len(),
        3,
        "no school point when the figure is suppressed"
    );
    assert!(layers[1]["data"]["values"].as_array().unwrap().is_empty());
    let with_sd = funnel_spec(
        Measure::Ks4Progress8,
        &[point(100_001, 0.1, 150)],
        None,
        &[],
        -0.03,
        Some(1.26),
    );
    assert!(
        !with_sd["layer"][1]["data"]["values"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_partnership_is_a_layer_of_squares_under_the_school() {
    let spec = funnel_spec(
        Measure::Ks2RwmExpected,
        &[point(100_001, 0.6, 40)],
        Some(("Millbrook", 0.5, 30)),
        &[("Riverside", 0.7, 55), ("Oakfield", 0.62, 400)],
        0.65,
        None,
    );
    let layers = spec["layer"].as_array().unwrap();
    assert_eq!(layers.len(), 5);
    assert_eq!(layers[3]["mark"]["type"], "square");
    let partners = layers[3]["data"]["values"].as_array().unwrap();
    assert_eq!(partners.len(), 2);
    assert_eq!(partners[1]["school"], "Oakfield");
    // The limits reach the largest school drawn, a partner here.
    let limits = layers[1]["data"]["values"].as_array().unwrap();
    assert_eq!(limits.last().unwrap()["n"], 400);
    // The school's diamond is drawn last, on top.
    assert_eq!(layers[4]["data"]["values"][0]["school"], "Millbrook");
}

#[test]
fn the_partnership_caption_counts_schools_by_where_they_sit() {
    use FunnelPosition as P;
    assert_eq!(
        partnership_caption(4, 3, &[P::BelowOuter, P::Within, P::BelowInner]),
        "The partnership's other 4 schools are the purple squares (1 not drawn: its figure is \
         suppressed): 1 within, 2 below the funnel."
    );
    assert_eq!(
        partnership_caption(1, 1, &[P::AboveInner]),
        "The partnership's other school is the purple square: 1 above the funnel."
    );
    assert_eq!(
        partnership_caption(2, 2, &[]),
        "The partnership's other 2 schools are the purple squares."
    );
}
