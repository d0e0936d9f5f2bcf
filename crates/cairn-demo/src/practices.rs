//! The demo's practice library: three shared practices whose measured impact lands in each
//! kind of verdict on the demo's figures, and a short discussion with one post reported and
//! hidden by a moderator.
//!
//! - "First-day absence calls" (the trust) was adopted by Riverside Primary Academy in
//!   September 2023. Its effect is the planted story in `stories`: Riverside Primary's absence
//!   falls each year while its similar schools' barely moves, so the estimate shows adopting
//!   schools improved.
//! - "Reading fluency pairs" (Riverside Cluster) was adopted by two primaries with no planted
//!   effect: two adopters give a wide interval that spans zero, "no detectable effect yet".
//! - "Mastery maths in Year 10" (the trust) was adopted by Northvale High School only in
//!   September 2025, with no figures after adoption yet: too few schools to tell.

use cairn_domain::{LibraryPost, LibraryPractice, PracticeLibrary, Urn};
use chrono::NaiveDate;

use crate::improvement::user;
use crate::schools::{NORTHVALE_HIGH, RIVERSIDE_PRIMARY};
use crate::{CLUSTER_CODES, TRUST_CODE};

/// Oakfield Church of England Primary School and St Joseph's Catholic Primary School.
const OAKFIELD_PRIMARY: u32 = 137_915;
const ST_JOSEPHS_PRIMARY: u32 = 122_155;

#[expect(
    clippy::expect_used,
    reason = "every value here is a constant checked by the crate's tests"
)]
fn adopted(urn: u32, y: i32, m: u32, d: u32) -> (Urn, NaiveDate) {
    (
        Urn::from_u32(urn).expect("a constant URN"),
        NaiveDate::from_ymd_opt(y, m, d).expect("a constant date"),
    )
}

fn post(author: &str, body: &str) -> LibraryPost {
    LibraryPost {
        author: user(author),
        body: body.to_owned(),
        report: None,
        hidden: None,
    }
}

/// The demo's practice library.
pub fn practice_library() -> PracticeLibrary {
    let spam = LibraryPost {
        report: Some((
            user("governor"),
            "Spam: advertising, not about the practice".to_owned(),
        )),
        hidden: Some((user("trust.leader"), "Advertising".to_owned())),
        ..post(
            "j.bloggs",
            "Cheap attendance reward badges, bulk discounts, message me for a price list!",
        )
    };
    PracticeLibrary {
        practices: vec![
            LibraryPractice {
                group_code: TRUST_CODE.to_owned(),
                title: "First-day absence calls".to_owned(),
                summary: "A named adult phones home before 9:30 on the first morning of any \
                          unexplained absence."
                    .to_owned(),
                description: "The attendance lead checks registers at 9:05. Every pupil absent \
                              without a reason gets a call from an adult the family knows, \
                              not a text. A second day of absence brings a home visit. Calls \
                              are logged so patterns (Mondays, siblings) show up at the \
                              fortnightly attendance meeting."
                    .to_owned(),
                targets: "All pupils; families of persistently absent pupils first".to_owned(),
                target_group_code: None,
                measure_code: "attendance_persistent_absence",
                resources: "Call script and log template (trust shared drive, Attendance folder)\n\
                            https://www.gov.uk/government/publications/working-together-to-improve-school-attendance"
                    .to_owned(),
                created_by: user("trust.leader"),
                adoptions: vec![adopted(RIVERSIDE_PRIMARY, 2024, 9, 2)],
                posts: vec![
                    post(
                        "governor",
                        "Who makes the calls when the attendance lead is out? Our board asked.",
                    ),
                    post(
                        "trust.leader",
                        "At Riverside Primary the deputy head and two teaching assistants \
                         share a rota, so a familiar voice always calls.",
                    ),
                    spam,
                ],
            },
            LibraryPractice {
                group_code: CLUSTER_CODES[1].to_owned(),
                title: "Reading fluency pairs".to_owned(),
                summary: "Year 5 and 6 pupils read aloud in pairs for fifteen minutes, four \
                          mornings a week."
                    .to_owned(),
                description: "Pairs are matched by reading age. Each pair rereads a short text \
                              three times, timing the third read. Teachers model prosody first \
                              and listen to two pairs each session."
                    .to_owned(),
                targets: "Years 5 and 6, especially disadvantaged pupils".to_owned(),
                target_group_code: Some("disadvantaged"),
                measure_code: "ks2_rwm_expected",
                resources: "https://educationendowmentfoundation.org.uk/education-evidence/guidance-reports/literacy-ks2"
                    .to_owned(),
                created_by: user("cluster.member"),
                adoptions: vec![
                    adopted(OAKFIELD_PRIMARY, 2023, 9, 11),
                    adopted(ST_JOSEPHS_PRIMARY, 2023, 9, 18),
                ],
                posts: vec![post(
                    "cluster.member",
                    "Both schools found the timed third read the part pupils liked most.",
                )],
            },
            LibraryPractice {
                group_code: TRUST_CODE.to_owned(),
                title: "Mastery maths in Year 10".to_owned(),
                summary: "Whole-class teaching of one idea at a time, with same-day \
                          intervention for pupils who have not got it."
                    .to_owned(),
                description: "Lessons follow a shared scheme of small steps. Pupils who miss a \
                              step get fifteen minutes with their teacher that afternoon rather \
                              than moving on."
                    .to_owned(),
                targets: "Year 10 pupils".to_owned(),
                target_group_code: None,
                measure_code: "ks4_progress8",
                resources: "https://www.ncetm.org.uk/teaching-for-mastery/".to_owned(),
                created_by: user("trust.leader"),
                adoptions: vec![adopted(NORTHVALE_HIGH, 2025, 9, 1)],
                posts: Vec::new(),
            },
        ],
    }
}
