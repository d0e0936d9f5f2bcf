//! The demo's peer reviews: the trust's framework of four focus areas, a completed review of
//! Northvale High School and a planned one of Kingsmere School, both by the headteacher of
//! Riverside Academy (`head.riverside`), and last summer's review of Riverside Academy by
//! Northvale High's headteacher, closed by the trust leader, so its reviewer no longer sees
//! Riverside Academy's figures.
//!
//! The completed review fits the planted story (see `stories`): Northvale High's absence has
//! risen for three years, so attendance is judged "working towards", and its follow-ups sit
//! under the school's attendance priority in `improvement`, one of them overdue by late
//! November 2026.

use cairn_domain::{
    ActionStatus, Judgement, PeerReviewPlan, PlanAction, PlanFollowUp, PlanReview, Rag,
};
use chrono::NaiveDate;

use crate::TRUST_CODE;
use crate::improvement::{day, school, user};
use crate::schools::{KINGSMERE, NORTHVALE_HIGH, RIVERSIDE_ACADEMY};

/// The title of the improvement plan's priority the follow-ups go under.
const ATTENDANCE_PRIORITY: &str = "Attendance in Years 9 to 11";

fn follow_up(title: &str, due_on: NaiveDate, status: ActionStatus, rag: Rag) -> PlanFollowUp {
    PlanFollowUp {
        priority_title: ATTENDANCE_PRIORITY.to_owned(),
        action: PlanAction {
            title: title.to_owned(),
            owner: user("head.northvale"),
            school: Some(school(NORTHVALE_HIGH)),
            starts_on: day(2026, 10, 12),
            due_on,
            status,
            rag,
        },
    }
}

/// The trust's review framework and its reviews (the same every time).
pub fn peer_reviews() -> PeerReviewPlan {
    let area = |title: &str, descriptor: &str| (title.to_owned(), descriptor.to_owned());
    let focus_areas = vec![
        area(
            "Quality of education",
            "The curriculum is ambitious and well taught; pupils know and remember more, and \
             results at each key stage show it.",
        ),
        area(
            "Inclusion and disadvantaged pupils",
            "Disadvantaged pupils and pupils with SEND achieve well, and their gaps to other \
             pupils narrow year on year.",
        ),
        area(
            "Attendance and behaviour",
            "Pupils attend regularly; absence, and persistent absence above all, is tackled \
             early and with families.",
        ),
        area(
            "Leadership and improvement",
            "Leaders know the school's strengths and weaknesses from evidence and act on them; \
             governors hold them to account.",
        ),
    ];
    let completed = PlanReview {
        urn: school(NORTHVALE_HIGH),
        title: "Autumn peer review: Northvale High School".to_owned(),
        visit_on: day(2026, 10, 8),
        reviewers: vec![user("head.riverside")],
        focus_areas: vec![1, 2, 3],
        freeze_pack: true,
        findings: vec![
            (
                1,
                "Year 11 tutoring in English and maths reached the disadvantaged pupils who \
                 needed it, and staff know who those pupils are."
                    .to_owned(),
                "Absence is now the main barrier for disadvantaged pupils: tie the attendance \
                 plan to the pupil premium strategy and track both together."
                    .to_owned(),
                Judgement::Effective,
            ),
            (
                2,
                "First-day calling has started and the families we spoke to knew whom to \
                 contact. Registers are accurate and checked weekly."
                    .to_owned(),
                "Overall absence has risen in each of the three years in the evidence pack, most \
                 in Years 9 to 11, and disadvantaged pupils are absent more often than others. \
                 Set termly targets by year group and a plan for each persistently absent pupil."
                    .to_owned(),
                Judgement::WorkingTowards,
            ),
            (
                3,
                "Leaders' self-evaluation matched the evidence pack, and governors receive an \
                 attendance report each half term."
                    .to_owned(),
                "Judge each attendance action by its effect on the success criterion, not only \
                 by whether it happened."
                    .to_owned(),
                Judgement::Effective,
            ),
        ],
        follow_ups: vec![
            follow_up(
                "Set termly attendance targets for each of Years 9 to 11",
                day(2026, 11, 20),
                ActionStatus::InProgress,
                Rag::Amber,
            ),
            follow_up(
                "Link the attendance plan to the pupil premium strategy",
                day(2027, 2, 12),
                ActionStatus::NotStarted,
                Rag::Green,
            ),
        ],
        closed_by: None,
    };
    let planned = PlanReview {
        urn: school(KINGSMERE),
        title: "Spring peer review: Kingsmere School".to_owned(),
        visit_on: day(2027, 2, 4),
        reviewers: vec![user("head.riverside")],
        focus_areas: vec![0, 1],
        freeze_pack: false,
        findings: Vec::new(),
        follow_ups: Vec::new(),
        closed_by: None,
    };
    let closed = PlanReview {
        urn: school(RIVERSIDE_ACADEMY),
        title: "Summer peer review: Riverside Academy".to_owned(),
        visit_on: day(2026, 6, 18),
        reviewers: vec![user("head.northvale")],
        focus_areas: vec![0, 3],
        freeze_pack: true,
        findings: vec![
            (
                0,
                "Lessons start promptly and routines are consistent from one classroom to the \
                 next; pupils could explain what they were learning and why."
                    .to_owned(),
                "Check that the Year 8 reading programme reaches the pupils who arrived below \
                 the expected standard, not only those who volunteer."
                    .to_owned(),
                Judgement::Effective,
            ),
            (
                3,
                "Leaders' plan names a success criterion for each priority and reviews it each \
                 term with governors."
                    .to_owned(),
                "Record why a target moved when it does, so the annual review can show it."
                    .to_owned(),
                Judgement::Leading,
            ),
        ],
        follow_ups: Vec::new(),
        closed_by: Some(user("trust.leader")),
    };
    PeerReviewPlan {
        group_code: TRUST_CODE.to_owned(),
        focus_areas,
        reviews: vec![completed, planned, closed],
    }
}
