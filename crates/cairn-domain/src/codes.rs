//! Closed code sets: sex, SEN provision, school phase and type, group kind, sharing level,
//! term and role.
//!
//! Each code has one stable snake_case name, used in the database, URLs, CSV output and
//! templates alike, and `parse` also accepts the spellings seen in DfE and MIS files.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A value that is not in a closed code set. The message lists what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} {value:?} is not recognised; expected one of: {expected}")]
pub struct CodeError {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

/// Declares a closed code set. Each variant has its canonical code and the extra spellings
/// that `parse` accepts (compared case-insensitively, ignoring spaces, `-` and `_`).
macro_rules! code_set {
    (
        $(#[$meta:meta])*
        $name:ident, $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, $label:literal $(, $alias:literal)* ; )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The stable snake_case code used in storage, URLs and exports.
            pub fn code(self) -> &'static str {
                match self { $( $name::$variant => $code, )+ }
            }

            /// A human label for pages.
            pub fn label(self) -> &'static str {
                match self { $( $name::$variant => $label, )+ }
            }

            pub fn parse(value: &str) -> Result<Self, CodeError> {
                let key: String = value
                    .chars()
                    .filter(|c| !matches!(c, ' ' | '-' | '_'))
                    .flat_map(char::to_lowercase)
                    .collect();
                let squash = |s: &str| -> String {
                    s.chars()
                        .filter(|c| !matches!(c, ' ' | '-' | '_'))
                        .flat_map(char::to_lowercase)
                        .collect()
                };
                $(
                    if key == squash($code) || key == squash($label) $( || key == squash($alias) )* {
                        return Ok($name::$variant);
                    }
                )+
                Err(CodeError {
                    what: $what,
                    value: value.to_owned(),
                    expected: [$( $code ),+].join(", "),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl FromStr for $name {
            type Err = CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = CodeError;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self {
                value.code()
            }
        }
    };
}

code_set! {
    /// Pupil sex as recorded in the school census and CTF 25 (`Sex`, formerly `Gender`).
    Sex, "sex" {
        Female = "female", "Female", "F", "girl";
        Male = "male", "Male", "M", "boy";
    }
}

code_set! {
    /// SEN provision: DfE census codes N (none), K (SEN support) and E (EHC plan).
    /// Source: DfE school census guide, "SEN provision" code set.
    SenProvision, "SEN provision" {
        None = "none", "No SEN", "N", "no";
        Support = "support", "SEN support", "K";
        Ehcp = "ehcp", "EHC plan", "E", "statement", "S";
    }
}

code_set! {
    /// School phase, as on GIAS with Cairn's finer split of middle and first schools.
    Phase, "school phase" {
        Nursery = "nursery", "Nursery";
        Primary = "primary", "Primary";
        First = "first", "First";
        Middle = "middle", "Middle", "middle deemed primary", "middle deemed secondary";
        Secondary = "secondary", "Secondary";
        AllThrough = "all_through", "All-through";
        SixteenPlus = "sixteen_plus", "16 plus", "16plus";
        Special = "special", "Special";
        AlternativeProvision = "alternative_provision", "Alternative provision", "AP", "pupil referral unit";
    }
}

code_set! {
    /// Establishment type, grouped as the partnership talks about it.
    SchoolType, "school type" {
        AcademyConverter = "academy_converter", "Academy converter";
        AcademySponsorLed = "academy_sponsor_led", "Academy sponsor led", "academy sponsored";
        FreeSchool = "free_school", "Free school", "free schools";
        Community = "community", "Community school", "maintained";
        Foundation = "foundation", "Foundation school";
        VoluntaryAided = "voluntary_aided", "Voluntary aided school", "VA";
        VoluntaryControlled = "voluntary_controlled", "Voluntary controlled school", "VC";
        CommunitySpecial = "community_special", "Community special school";
        AcademySpecial = "academy_special", "Academy special", "academy special converter", "academy special sponsor led";
        Other = "other", "Other";
    }
}

code_set! {
    /// What kind of partnership a group is.
    GroupKind, "group kind" {
        Trust = "trust", "Multi-academy trust", "MAT";
        Cluster = "cluster", "Cluster";
        LaPartnership = "la_partnership", "LA partnership", "local authority partnership";
        Alliance = "alliance", "Alliance", "teaching school alliance";
    }
}

code_set! {
    /// What a member school shares with a group. Aggregates are always shared; pupil-level data
    /// only when the school says so (DESIGN.md, privacy by construction).
    SharingLevel, "sharing level" {
        Aggregate = "aggregate", "Aggregates only", "aggregates";
        PupilLevel = "pupil_level", "Pupil level", "pupil";
    }
}

code_set! {
    /// School census terms.
    Term, "term" {
        Autumn = "autumn", "Autumn";
        Spring = "spring", "Spring";
        Summer = "summer", "Summer";
    }
}

code_set! {
    /// What a user may do, always within a scope (a group or a school).
    RoleKind, "role" {
        /// Leads a trust or partnership: everything in the group, pupil-level where shared.
        TrustLeader = "trust_leader", "Trust leader", "ceo", "director of education";
        /// Head or senior leader: their school, pupil-level.
        SchoolLeader = "school_leader", "School leader", "headteacher", "head";
        /// Imports and checks data for their school (or group), pupil-level.
        DataManager = "data_manager", "Data manager";
        /// Trustee or local governor: read-only aggregates.
        Governor = "governor", "Governor or trustee", "trustee";
        /// Member of a cluster: aggregates of the cluster's schools, never pupil data.
        ClusterMember = "cluster_member", "Cluster member", "cluster coordinator";
    }
}

impl RoleKind {
    /// Whether this role may ever see pupil-level data (still subject to scope and sharing).
    pub fn may_see_pupils(self) -> bool {
        matches!(
            self,
            RoleKind::TrustLeader | RoleKind::SchoolLeader | RoleKind::DataManager
        )
    }
}

code_set! {
    /// How a success criterion judges its measure (the improvement cycle's comparisons).
    Comparison, "comparison" {
        /// The figure reaches a fixed target (at or above it, or at or below it for measures
        /// where lower is better, such as absence).
        Target = "target", "Reaches a target", "absolute";
        /// The gap to the national figure for other pupils (for example non-disadvantaged
        /// pupils nationally, against this school's disadvantaged pupils) closes to the target.
        GapToNationalOther = "gap_to_national_other", "Gap to national other pupils closes to";
        /// The figure is at or above (at or below, for absence) the similar-schools average.
        SimilarSchoolsAverage = "similar_schools_average", "At or above the similar-schools average";
        /// The school is in the best 25% of its similar schools.
        SimilarSchoolsTopQuarter = "similar_schools_top_quarter", "In the top 25% of similar schools";
    }
}

code_set! {
    /// Where an action in an improvement plan has got to.
    ActionStatus, "action status" {
        NotStarted = "not_started", "Not started";
        InProgress = "in_progress", "In progress";
        Done = "done", "Done", "complete", "completed";
        Dropped = "dropped", "Dropped", "stopped";
    }
}

impl ActionStatus {
    /// Whether the action is finished one way or another, so it can no longer be overdue.
    pub fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::Dropped)
    }
}

code_set! {
    /// The red, amber, green rating an action's owner gives its progress.
    Rag, "RAG rating" {
        Red = "red", "Red", "r";
        Amber = "amber", "Amber", "a";
        Green = "green", "Green", "g";
    }
}

code_set! {
    /// The kinds of meeting Cairn keeps records for.
    MeetingKind, "meeting kind" {
        /// A cluster's meeting of its schools' leaders.
        Cluster = "cluster", "Cluster meeting";
        /// A trust board or local governing board meeting.
        Board = "board", "Board meeting", "governors", "trustees";
    }
}

code_set! {
    /// The four-point scale peer-review programmes use (Challenge Partners' QA review:
    /// leading, effective, working towards, ineffective). It is the scale every partnership's
    /// framework starts from: the store seeds each group's own, editable judgement scale from
    /// it, in this order, so the demo's findings and those recorded before scales were
    /// editable keep their meaning.
    Judgement, "judgement" {
        Leading = "leading", "Leading";
        Effective = "effective", "Effective";
        WorkingTowards = "working_towards", "Working towards";
        Ineffective = "ineffective", "Ineffective";
    }
}

impl Judgement {
    /// What the judgement means, as the seeded scale describes it.
    pub fn description(self) -> &'static str {
        match self {
            Judgement::Leading => {
                "Practice strong and secure enough for other schools to learn from."
            }
            Judgement::Effective => "Consistently good practice with a clear impact on pupils.",
            Judgement::WorkingTowards => {
                "Improving, but not yet consistent or secure in its impact."
            }
            Judgement::Ineffective => "Weaknesses that hold pupils back and need urgent action.",
        }
    }
}
