//! The demo's decisions on its early-warning risk register: what the trust board and
//! Northvale High's head decided on the entries the default rules raise from the planted
//! stories (see `stories`) and from entries that fire naturally. Each is found by the entry's
//! key; the store skips one whose rule did not fire. Dates are fixed, like the improvement
//! plan's.

use cairn_domain::{PlanRiskDecision, PlanRiskStep};
use chrono::{DateTime, TimeZone, Utc};

use crate::improvement::{school, user};
use crate::schools::{NORTHVALE_HIGH, OAKFIELD_PRIMARY, RIVERSIDE_ACADEMY, WILLOW_BANK};

#[expect(
    clippy::expect_used,
    reason = "every value here is a constant checked by the crate's tests"
)]
fn step(decision_code: &'static str, by: &str, (m, d): (u32, u32), note: &str) -> PlanRiskStep {
    let at: DateTime<Utc> = Utc
        .with_ymd_and_hms(2026, m, d, 17, 30, 0)
        .single()
        .expect("a constant date");
    PlanRiskStep {
        decision_code,
        note: note.to_owned(),
        by: user(by),
        at,
    }
}

fn entry(
    rule_code: &'static str,
    urn: u32,
    measure_code: &'static str,
    decisions: Vec<PlanRiskStep>,
) -> PlanRiskDecision {
    PlanRiskDecision {
        rule_code,
        urn: school(urn),
        measure_code,
        pupil_group_code: "all",
        decisions,
    }
}

/// Decisions on five entries: Northvale High's rising absence (monitored, then an
/// intervention), its persistent absence (support), Riverside Academy's Progress 8 (monitored
/// under the plan's priority), Oakfield Primary's one-year KS2 fall (monitored) and Willow
/// Bank's comparison with England (closed: a special school).
pub fn risk_decisions() -> Vec<PlanRiskDecision> {
    vec![
        entry(
            "year_on_year_fall",
            NORTHVALE_HIGH,
            "attendance_overall_absence",
            vec![
                step(
                    "monitor",
                    "trust.leader",
                    (9, 22),
                    "Absence rose again last year. The head reports termly figures to the board.",
                ),
                step(
                    "intervene",
                    "trust.leader",
                    (11, 10),
                    "Riverside Academy's attendance lead seconded two days a week; weekly figures to the trust until Easter.",
                ),
            ],
        ),
        entry(
            "below_national",
            NORTHVALE_HIGH,
            "attendance_persistent_absence",
            vec![step(
                "support",
                "head.northvale",
                (10, 14),
                "First-day calling and a family support worker for Years 9 and 10 from November.",
            )],
        ),
        entry(
            "below_national",
            RIVERSIDE_ACADEMY,
            "ks4_progress8",
            vec![step(
                "monitor",
                "trust.leader",
                (10, 6),
                "2023/24 results; there is no Progress 8 for 2024/25. Covered by the priority on disadvantaged pupils' progress.",
            )],
        ),
        entry(
            "year_on_year_fall",
            OAKFIELD_PRIMARY,
            "ks2_rwm_expected",
            vec![step(
                "monitor",
                "trust.leader",
                (10, 6),
                "A class of 31, and the fall is only just outside the margin of error. Look again with the summer results.",
            )],
        ),
        entry(
            "below_national",
            WILLOW_BANK,
            "ks2_rwm_expected",
            vec![step(
                "close",
                "trust.leader",
                (9, 22),
                "A special school: England's figure is not a fair comparison. Progress is reviewed against pupils' EHC plans.",
            )],
        ),
    ]
}
