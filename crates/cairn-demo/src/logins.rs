//! The demo's sign-in accounts: one per role, each scoped as a real partnership would scope it.

use cairn_domain::{Role, RoleKind, Scope, Urn};

use crate::schools::{NORTHVALE_HIGH, RIVERSIDE_ACADEMY};
use crate::{CLUSTER_CODES, TRUST_CODE};

/// The password every demo account has. It is printed by `cairn demo`; it is a demo.
pub const DEMO_PASSWORD: &str = "cairn-demo";

/// One demo account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// What the account shows, for the printed list.
    pub what: &'static str,
}

/// The demo accounts, one per role.
pub fn demo_logins() -> Vec<DemoLogin> {
    let high = Urn::from_u32(NORTHVALE_HIGH).ok();
    let mut logins = vec![
        DemoLogin {
            username: "trust.leader",
            display_name: "Priya Shah (Director of Education)",
            role: Role {
                kind: RoleKind::TrustLeader,
                scope: Scope::Group(TRUST_CODE.to_owned()),
            },
            what: "every trust school, pupil-level where shared",
        },
        DemoLogin {
            username: "governor",
            display_name: "Tom Evans (Trustee)",
            role: Role {
                kind: RoleKind::Governor,
                scope: Scope::Group(TRUST_CODE.to_owned()),
            },
            what: "every trust school, aggregates only",
        },
        DemoLogin {
            username: "cluster.member",
            display_name: "Grace Okafor (Riverside Cluster coordinator)",
            role: Role {
                kind: RoleKind::ClusterMember,
                scope: Scope::Group(CLUSTER_CODES[1].to_owned()),
            },
            what: "Riverside Cluster schools, aggregates only",
        },
    ];
    if let Some(high) = high {
        logins.push(DemoLogin {
            username: "head.northvale",
            display_name: "Helen Carter (Headteacher, Northvale High)",
            role: Role {
                kind: RoleKind::SchoolLeader,
                scope: Scope::School(high),
            },
            what: "Northvale High School only, pupil-level",
        });
        logins.push(DemoLogin {
            username: "governor.northvale",
            display_name: "Ruth Ahmed (Chair of governors, Northvale High)",
            role: Role {
                kind: RoleKind::Governor,
                scope: Scope::School(high),
            },
            what: "Northvale High School only, aggregates; its governing board's meetings",
        });
        logins.push(DemoLogin {
            username: "data.northvale",
            display_name: "Sam Patel (Data manager, Northvale High)",
            role: Role {
                kind: RoleKind::DataManager,
                scope: Scope::School(high),
            },
            what: "Northvale High School only, pupil-level",
        });
    }
    if let Ok(riverside) = Urn::from_u32(RIVERSIDE_ACADEMY) {
        logins.push(DemoLogin {
            username: "head.riverside",
            display_name: "Daniel Brooks (Headteacher, Riverside Academy)",
            role: Role {
                kind: RoleKind::SchoolLeader,
                scope: Scope::School(riverside),
            },
            what: "Riverside Academy, pupil-level; reviews Northvale High",
        });
    }
    logins
}
