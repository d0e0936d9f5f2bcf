//! The authorisation gate: from a user's roles and the schools' dated memberships, how much of
//! each school's data the user may see. Every handler asks here and nowhere else.
//!
//! The rules (DESIGN.md, "privacy by construction"):
//! - a role scoped to a school covers that school: pupil-level for school leaders and data
//!   managers, aggregates for everyone else;
//! - a role scoped to a group covers the schools that are members of the group today;
//!   trust leaders and data managers see pupil-level data only where the school shares
//!   pupil-level data with that group, aggregates otherwise;
//! - governors and cluster members only ever see aggregates;
//! - a user with several roles gets the most any one of them allows.

use std::collections::{BTreeMap, BTreeSet};

use cairn_domain::{Access, Membership, Role, RoleKind, Scope, SharingLevel, Urn, Username};
use chrono::NaiveDate;

/// What one user may see, school by school, on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gate {
    by_school: BTreeMap<Urn, Access>,
    /// Schools a data manager role lets the user import pupil data into.
    importable: BTreeSet<Urn>,
    roles: Vec<Role>,
    /// For each group the user holds a role in, its member schools today.
    group_members: BTreeMap<String, BTreeSet<Urn>>,
    /// The peer reviews the user is on, with the school each reviews.
    reviewing: BTreeMap<i64, Urn>,
    /// The signed-in user, for what they own (priorities).
    user: Option<Username>,
}

impl Gate {
    /// Works out the gate for `roles` given every membership, as on `today`.
    pub fn new(roles: &[Role], memberships: &[Membership], today: NaiveDate) -> Gate {
        let mut by_school: BTreeMap<Urn, Access> = BTreeMap::new();
        let mut importable: BTreeSet<Urn> = BTreeSet::new();
        let mut group_members: BTreeMap<String, BTreeSet<Urn>> = BTreeMap::new();
        let mut grant = |urn: Urn, access: Access, kind: RoleKind| {
            let entry = by_school.entry(urn).or_insert(Access::None);
            *entry = (*entry).max(access);
            if kind == RoleKind::DataManager && access == Access::PupilLevel {
                importable.insert(urn);
            }
        };
        for role in roles {
            match &role.scope {
                Scope::School(urn) => {
                    let access = match role.kind {
                        RoleKind::SchoolLeader | RoleKind::DataManager => Access::PupilLevel,
                        RoleKind::TrustLeader | RoleKind::Governor | RoleKind::ClusterMember => {
                            Access::Aggregate
                        }
                    };
                    grant(*urn, access, role.kind);
                }
                Scope::Group(code) => {
                    let members = group_members.entry(code.clone()).or_default();
                    members.extend(
                        memberships
                            .iter()
                            .filter(|m| &m.group_code == code && m.is_active_on(today))
                            .map(|m| m.urn),
                    );
                    for membership in memberships
                        .iter()
                        .filter(|m| &m.group_code == code && m.is_active_on(today))
                    {
                        let access = if role.kind.may_see_pupils()
                            && membership.sharing == SharingLevel::PupilLevel
                        {
                            Access::PupilLevel
                        } else {
                            Access::Aggregate
                        };
                        grant(membership.urn, access, role.kind);
                    }
                }
            }
        }
        Gate {
            by_school,
            importable,
            roles: roles.to_vec(),
            group_members,
            reviewing: BTreeMap::new(),
            user: None,
        }
    }

    /// Names the signed-in user, so the gate can tell what they own.
    pub fn for_user(mut self, username: Username) -> Gate {
        self.user = Some(username);
        self
    }

    /// How much of this school the user may see.
    pub fn access(&self, urn: Urn) -> Access {
        self.by_school.get(&urn).copied().unwrap_or(Access::None)
    }

    /// The schools the user may see at all.
    pub fn visible_schools(&self) -> impl Iterator<Item = Urn> + '_ {
        self.by_school
            .iter()
            .filter(|(_, access)| **access > Access::None)
            .map(|(urn, _)| *urn)
    }

    /// Whether the user may see who viewed this school's pupils: its leaders, and trust
    /// leaders who may see its pupils.
    pub fn may_see_audit(&self, urn: Urn) -> bool {
        self.access(urn) == Access::PupilLevel
            && self
                .roles
                .iter()
                .any(|r| matches!(r.kind, RoleKind::SchoolLeader | RoleKind::TrustLeader))
    }

    /// Whether the user may import pupil data into this school: a data manager role that
    /// reaches the school's pupils (its own school, or a group the school shares pupil-level
    /// data with).
    pub fn may_import(&self, urn: Urn) -> bool {
        self.importable.contains(&urn)
    }

    /// Whether the user may see the log of imports into no one school (the register,
    /// national benchmarks, a file of several schools, all from the command line): a data
    /// manager for a group, who looks after the partnership's data.
    pub fn may_see_partnership_imports(&self) -> bool {
        self.roles
            .iter()
            .any(|r| r.kind == RoleKind::DataManager && matches!(r.scope, Scope::Group(_)))
    }

    /// The schools the user may import into.
    pub fn importable_schools(&self) -> impl Iterator<Item = Urn> + '_ {
        self.importable.iter().copied()
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    fn has_role(&self, kinds: &[RoleKind], scope: &Scope) -> bool {
        self.roles
            .iter()
            .any(|r| kinds.contains(&r.kind) && &r.scope == scope)
    }

    /// Whether the user holds any role in the group itself (trust leaders, governors and
    /// cluster members of that group). Group-wide plans, reviews and meetings are theirs to
    /// read; a school's own staff see their school's.
    pub fn may_see_group(&self, code: &str) -> bool {
        self.group_members.contains_key(code)
    }

    /// The group's member schools today, when the user holds a role in the group.
    pub fn group_schools(&self, code: &str) -> Option<&BTreeSet<Urn>> {
        self.group_members.get(code)
    }

    /// The other schools of `urn`'s partnership that the user may see: members today of any
    /// group the user holds a role in that also has `urn` as a member. Empty for a user whose
    /// roles are all scoped to single schools.
    pub fn partnership_of(&self, urn: Urn) -> BTreeSet<Urn> {
        self.group_members
            .values()
            .filter(|members| members.contains(&urn))
            .flatten()
            .copied()
            .filter(|&other| other != urn && self.access(other) > Access::None)
            .collect()
    }

    /// Whether the user may read an improvement priority for this scope: any role in the
    /// group, or at least aggregate access to the school.
    pub fn may_see_plan(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Group(code) => self.may_see_group(code),
            Scope::School(urn) => self.access(*urn) > Access::None,
        }
    }

    /// Whether the user may create and change priorities, criteria and actions for this
    /// scope: trust leaders for their group and its schools, school leaders for their school.
    /// Governors, cluster members and data managers read only.
    pub fn may_edit_plan(&self, scope: &Scope) -> bool {
        match scope {
            Scope::Group(code) => {
                self.has_role(&[RoleKind::TrustLeader], scope) && self.may_see_group(code)
            }
            Scope::School(urn) => {
                self.has_role(&[RoleKind::SchoolLeader], scope) || self.leads_group_of(*urn)
            }
        }
    }

    /// Whether the user is a trust leader of a group the school is a member of today.
    fn leads_group_of(&self, urn: Urn) -> bool {
        self.group_members.iter().any(|(code, members)| {
            members.contains(&urn)
                && self.has_role(&[RoleKind::TrustLeader], &Scope::Group(code.clone()))
        })
    }

    /// Whether the user may change a priority (title, owner, scope, years) and its success
    /// criteria, actions and narrative: whoever may edit plans for its scope, and its owner
    /// while they may still read it.
    pub fn may_edit_priority(&self, scope: &Scope, owner: &Username) -> bool {
        self.may_edit_plan(scope) || (self.user.as_ref() == Some(owner) && self.may_see_plan(scope))
    }

    /// Whether the user may remove a priority with everything under it: only whoever may
    /// edit plans for its scope (trust leaders, the school's headteacher), not its owner
    /// alone, since its actions may be other people's.
    pub fn may_remove_priority(&self, scope: &Scope) -> bool {
        self.may_edit_plan(scope)
    }

    /// Whether the user may record the group's meetings (create them, minute them, freeze
    /// their packs): its trust leaders and cluster members. Governors read.
    pub fn may_run_meetings(&self, code: &str) -> bool {
        self.has_role(
            &[RoleKind::TrustLeader, RoleKind::ClusterMember],
            &Scope::Group(code.to_owned()),
        )
    }

    /// Whether the user may read a meeting. A group's meeting (no school): anyone holding a
    /// role in the group. A school's governing board meeting: the school's headteacher and
    /// governors and the leaders of its trust, who also record it; nobody else, not the
    /// group's other members nor other schools' staff.
    pub fn may_see_meeting(&self, group_code: &str, urn: Option<Urn>) -> bool {
        match urn {
            None => self.may_see_group(group_code),
            Some(urn) => self.may_run_meeting(group_code, Some(urn)),
        }
    }

    /// Whether the user may record a meeting (minute it, add decisions, freeze its pack):
    /// see [`Gate::may_run_meetings`] for a group's, [`Gate::may_see_meeting`] for a
    /// school's.
    pub fn may_run_meeting(&self, group_code: &str, urn: Option<Urn>) -> bool {
        match urn {
            None => self.may_run_meetings(group_code),
            Some(urn) => {
                self.has_role(
                    &[RoleKind::SchoolLeader, RoleKind::Governor],
                    &Scope::School(urn),
                ) || self.leads_group_of(urn)
            }
        }
    }

    /// The schools whose governing board meetings the user may add, in URN order.
    pub fn board_schools(&self) -> Vec<Urn> {
        self.by_school
            .keys()
            .copied()
            .filter(|urn| self.may_run_meeting("", Some(*urn)))
            .collect()
    }

    /// Whether the user sets the early-warning rules and thresholds of a group's schools (a
    /// school uses its trust's, else its cluster's): the trust's leaders, or the cluster's
    /// coordinators, who would otherwise have no way to set them for schools outside a trust.
    pub fn may_set_risk_rules(&self, code: &str) -> bool {
        self.has_role(
            &[RoleKind::TrustLeader, RoleKind::ClusterMember],
            &Scope::Group(code.to_owned()),
        )
    }

    /// The scopes the user may create priorities for.
    pub fn editable_scopes(&self) -> Vec<Scope> {
        let mut scopes: Vec<Scope> = self
            .group_members
            .keys()
            .map(|code| Scope::Group(code.clone()))
            .chain(self.by_school.keys().map(|urn| Scope::School(*urn)))
            .filter(|scope| self.may_edit_plan(scope))
            .collect();
        scopes.dedup();
        scopes
    }

    /// Whether the user reads a group's practice library and joins its discussions: anyone
    /// with a role in the group.
    pub fn may_read_practices(&self, code: &str) -> bool {
        self.may_see_group(code)
    }

    /// Whether the user adds practices to a group's library and records which of the
    /// group's schools adopted them: its trust leaders and cluster members.
    pub fn may_add_practice(&self, code: &str) -> bool {
        self.has_role(
            &[RoleKind::TrustLeader, RoleKind::ClusterMember],
            &Scope::Group(code.to_owned()),
        )
    }

    /// Whether the user moderates a group's practice discussions (hides and shows posts,
    /// reads the reports and the trail): the trust's leaders for a trust, the cluster's
    /// coordinators (cluster members) for a cluster.
    pub fn may_moderate_practices(&self, code: &str) -> bool {
        self.may_add_practice(code)
    }

    /// Whether the user may change a practice and remove its adoptions (one recorded in
    /// error): its author, while they still read the group's library, and the group's
    /// moderators.
    pub fn may_edit_practice(&self, code: &str, author: &Username) -> bool {
        self.may_moderate_practices(code)
            || (self.user.as_ref() == Some(author) && self.may_read_practices(code))
    }
}

/// Peer review: a reviewer sees the reviewed school's aggregates, never more.
impl Gate {
    /// Adds the peer reviews the user is on (review id, reviewed school). Each grants
    /// aggregate access to the reviewed school, so reviewers read its pages and the review's
    /// pack; pupil-level access comes only from the user's own roles (a group role that
    /// may see pupils, where the school shares pupil-level data with that group).
    pub fn grant_reviews(&mut self, reviews: &[(i64, Urn)]) {
        for (review_id, urn) in reviews {
            self.reviewing.insert(*review_id, *urn);
            let entry = self.by_school.entry(*urn).or_insert(Access::None);
            *entry = (*entry).max(Access::Aggregate);
        }
    }

    /// Whether the user is on this review's team.
    pub fn is_reviewer(&self, review_id: i64) -> bool {
        self.reviewing.contains_key(&review_id)
    }

    /// Whether the user may read a review: anyone holding a role in the group running it,
    /// anyone with a role at the reviewed school itself, and the reviewers.
    pub fn may_see_review(&self, review_id: i64, group_code: &str, urn: Urn) -> bool {
        self.may_see_group(group_code)
            || self.roles.iter().any(|r| r.scope == Scope::School(urn))
            || self.is_reviewer(review_id)
    }

    /// Whether the user may create the group's reviews, set their framework and freeze
    /// their packs: the group's trust leaders.
    pub fn may_run_reviews(&self, group_code: &str) -> bool {
        self.has_role(
            &[RoleKind::TrustLeader],
            &Scope::Group(group_code.to_owned()),
        )
    }

    /// Whether the user may record a review's findings: its reviewers and the group's trust
    /// leaders, while the review is open. A closed review's findings are read-only.
    pub fn may_record_findings(&self, review_id: i64, group_code: &str, closed: bool) -> bool {
        !closed && (self.is_reviewer(review_id) || self.may_run_reviews(group_code))
    }

    /// Whether the user may agree a follow-up under a priority for this scope: whoever may
    /// edit the priority's plan, while the review is open.
    pub fn may_add_follow_up(&self, priority_scope: &Scope, closed: bool) -> bool {
        !closed && self.may_edit_plan(priority_scope)
    }

    /// Whether the user may close an open review, once its findings and follow-ups are
    /// agreed: the reviewed school's headteacher or the group's trust leaders. Closing ends
    /// the reviewers' access to the school (they are granted open reviews only).
    pub fn may_close_review(&self, group_code: &str, urn: Urn, closed: bool) -> bool {
        !closed
            && (self.has_role(&[RoleKind::SchoolLeader], &Scope::School(urn))
                || self.may_run_reviews(group_code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urn(n: &str) -> Urn {
        Urn::parse(n).unwrap()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn memberships() -> Vec<Membership> {
        let m = |group: &str, u: &str, joined: NaiveDate, sharing| Membership {
            group_code: group.to_owned(),
            urn: urn(u),
            joined_on: joined,
            left_on: None,
            sharing,
        };
        vec![
            m("trust", "100001", day(2020, 9, 1), SharingLevel::PupilLevel),
            m("trust", "100002", day(2025, 1, 1), SharingLevel::PupilLevel),
            m("trust", "100003", day(2020, 9, 1), SharingLevel::Aggregate),
            m(
                "cluster",
                "100001",
                day(2020, 9, 1),
                SharingLevel::Aggregate,
            ),
            m(
                "cluster",
                "100004",
                day(2020, 9, 1),
                SharingLevel::Aggregate,
            ),
        ]
    }

    fn check(role: RoleKind, scope: Scope, today: NaiveDate, expected: &[(&str, Access)]) {
        let gate = Gate::new(&[Role { kind: role, scope }], &memberships(), today);
        for (u, access) in expected {
            assert_eq!(gate.access(urn(u)), *access, "{role:?} on {u}");
        }
    }

    #[test]
    fn trust_leader_sees_pupils_only_where_the_school_shares_them() {
        check(
            RoleKind::TrustLeader,
            Scope::Group("trust".into()),
            day(2026, 1, 1),
            &[
                ("100001", Access::PupilLevel),
                ("100002", Access::PupilLevel),
                ("100003", Access::Aggregate),
                ("100004", Access::None),
            ],
        );
    }

    #[test]
    fn a_school_joining_later_is_not_covered_before_it_joins() {
        check(
            RoleKind::TrustLeader,
            Scope::Group("trust".into()),
            day(2024, 6, 1),
            &[("100002", Access::None)],
        );
    }

    #[test]
    fn a_schools_partnership_is_the_other_members_of_the_users_groups_it_belongs_to() {
        let trust = Role {
            kind: RoleKind::TrustLeader,
            scope: Scope::Group("trust".into()),
        };
        let cluster = Role {
            kind: RoleKind::ClusterMember,
            scope: Scope::Group("cluster".into()),
        };
        let both = Gate::new(&[trust.clone(), cluster], &memberships(), day(2026, 1, 1));
        let urns = |list: &[&str]| list.iter().map(|u| urn(u)).collect::<BTreeSet<Urn>>();
        assert_eq!(
            both.partnership_of(urn("100001")),
            urns(&["100002", "100003", "100004"])
        );
        assert_eq!(both.partnership_of(urn("100004")), urns(&["100001"]));
        // Before 100002 joined, it is not part of the trust's partnership.
        let earlier = Gate::new(&[trust], &memberships(), day(2024, 6, 1));
        assert_eq!(earlier.partnership_of(urn("100001")), urns(&["100003"]));
        // A head sees no other school, so there is no partnership to show.
        let head = Gate::new(
            &[Role {
                kind: RoleKind::SchoolLeader,
                scope: Scope::School(urn("100001")),
            }],
            &memberships(),
            day(2026, 1, 1),
        );
        assert!(head.partnership_of(urn("100001")).is_empty());
    }

    #[test]
    fn cluster_members_and_governors_only_ever_see_aggregates() {
        check(
            RoleKind::ClusterMember,
            Scope::Group("cluster".into()),
            day(2026, 1, 1),
            &[
                ("100001", Access::Aggregate),
                ("100004", Access::Aggregate),
                ("100002", Access::None),
            ],
        );
        check(
            RoleKind::Governor,
            Scope::Group("trust".into()),
            day(2026, 1, 1),
            &[("100001", Access::Aggregate)],
        );
        check(
            RoleKind::Governor,
            Scope::School(urn("100004")),
            day(2026, 1, 1),
            &[("100004", Access::Aggregate), ("100001", Access::None)],
        );
    }

    #[test]
    fn school_leader_sees_their_own_school_and_no_other() {
        check(
            RoleKind::SchoolLeader,
            Scope::School(urn("100003")),
            day(2026, 1, 1),
            &[("100003", Access::PupilLevel), ("100001", Access::None)],
        );
    }

    fn gate(role: RoleKind, scope: Scope) -> Gate {
        Gate::new(
            &[Role { kind: role, scope }],
            &memberships(),
            day(2026, 1, 1),
        )
    }

    #[test]
    fn a_schools_board_meetings_are_its_heads_governors_and_trust_leaders_only() {
        let school = Some(urn("100001"));
        let allowed = |role, scope| gate(role, scope).may_see_meeting("trust", school);
        let runs = |role, scope| gate(role, scope).may_run_meeting("trust", school);
        let own = Scope::School(urn("100001"));
        let other = Scope::School(urn("100003"));
        let trust = Scope::Group("trust".into());
        let cluster = Scope::Group("cluster".into());
        for kind in [RoleKind::SchoolLeader, RoleKind::Governor] {
            assert!(
                allowed(kind, own.clone()) && runs(kind, own.clone()),
                "{kind:?}"
            );
            assert!(!allowed(kind, other.clone()), "another school's {kind:?}");
        }
        assert!(runs(RoleKind::TrustLeader, trust.clone()));
        assert!(!allowed(RoleKind::DataManager, own.clone()));
        assert!(
            !allowed(RoleKind::Governor, trust.clone()),
            "a trustee reads the board's"
        );
        assert!(!allowed(RoleKind::ClusterMember, cluster.clone()));
        assert!(
            !gate(RoleKind::TrustLeader, trust.clone())
                .may_see_meeting("trust", Some(urn("100004"))),
            "not a trust school"
        );
        // A group's meeting is the group's, as before.
        assert!(gate(RoleKind::Governor, trust.clone()).may_see_meeting("trust", None));
        assert!(!gate(RoleKind::Governor, own.clone()).may_see_meeting("trust", None));
        assert_eq!(
            gate(RoleKind::Governor, own).board_schools(),
            vec![urn("100001")]
        );
        assert_eq!(
            gate(RoleKind::TrustLeader, trust).board_schools(),
            vec![urn("100001"), urn("100002"), urn("100003")]
        );
    }

    #[test]
    fn trust_leaders_edit_their_groups_plans_and_heads_their_schools() {
        let trust = Scope::Group("trust".into());
        let cluster = Scope::Group("cluster".into());
        let leader = gate(RoleKind::TrustLeader, trust.clone());
        assert!(leader.may_edit_plan(&trust));
        assert!(leader.may_edit_plan(&Scope::School(urn("100001"))));
        assert!(
            !leader.may_edit_plan(&Scope::School(urn("100004"))),
            "not a trust school"
        );
        assert!(!leader.may_see_plan(&cluster));
        assert!(leader.may_run_meetings("trust"));

        let head = gate(RoleKind::SchoolLeader, Scope::School(urn("100003")));
        assert!(head.may_edit_plan(&Scope::School(urn("100003"))));
        assert!(!head.may_edit_plan(&trust) && !head.may_see_plan(&trust));
        assert_eq!(head.editable_scopes(), vec![Scope::School(urn("100003"))]);

        let governor = gate(RoleKind::Governor, trust.clone());
        assert!(governor.may_see_plan(&trust) && !governor.may_edit_plan(&trust));
        assert!(!governor.may_run_meetings("trust"));
        assert!(governor.editable_scopes().is_empty());

        let member = gate(RoleKind::ClusterMember, cluster.clone());
        assert!(member.may_see_plan(&cluster) && !member.may_edit_plan(&cluster));
        assert!(member.may_run_meetings("cluster") && !member.may_run_meetings("trust"));
        assert_eq!(
            member.group_schools("cluster").map(|s| s.len()),
            Some(2),
            "its member schools today"
        );
    }

    #[test]
    fn several_roles_give_the_most_any_one_allows() {
        let roles = [
            Role {
                kind: RoleKind::Governor,
                scope: Scope::Group("trust".into()),
            },
            Role {
                kind: RoleKind::DataManager,
                scope: Scope::School(urn("100003")),
            },
        ];
        let gate = Gate::new(&roles, &memberships(), day(2026, 1, 1));
        assert_eq!(gate.access(urn("100003")), Access::PupilLevel);
        assert_eq!(gate.access(urn("100001")), Access::Aggregate);
        assert_eq!(gate.visible_schools().count(), 3);
    }

    #[test]
    fn only_data_managers_reaching_a_schools_pupils_may_import_into_it() {
        let today = day(2026, 1, 1);
        let trust_data_manager = Gate::new(
            &[Role {
                kind: RoleKind::DataManager,
                scope: Scope::Group("trust".into()),
            }],
            &memberships(),
            today,
        );
        assert!(trust_data_manager.may_import(urn("100001")));
        // Shares aggregates only with the trust: its pupils are not the trust's to import.
        assert!(!trust_data_manager.may_import(urn("100003")));
        assert!(!trust_data_manager.may_import(urn("100004")));
        let leader_and_manager = Gate::new(
            &[
                Role {
                    kind: RoleKind::SchoolLeader,
                    scope: Scope::School(urn("100001")),
                },
                Role {
                    kind: RoleKind::DataManager,
                    scope: Scope::School(urn("100004")),
                },
            ],
            &memberships(),
            today,
        );
        assert!(
            !leader_and_manager.may_import(urn("100001")),
            "leaders read, managers import"
        );
        assert!(leader_and_manager.may_import(urn("100004")));
        assert_eq!(leader_and_manager.importable_schools().count(), 1);
    }

    #[test]
    fn a_reviewer_gets_the_reviewed_schools_aggregates_and_never_its_pupils() {
        let mut head = gate(RoleKind::SchoolLeader, Scope::School(urn("100003")));
        assert_eq!(head.access(urn("100001")), Access::None);
        assert!(!head.may_see_review(7, "trust", urn("100001")));
        head.grant_reviews(&[(7, urn("100001"))]);
        assert_eq!(head.access(urn("100001")), Access::Aggregate);
        assert_eq!(
            head.access(urn("100003")),
            Access::PupilLevel,
            "own school unchanged"
        );
        assert!(head.may_see_review(7, "trust", urn("100001")));
        assert!(
            !head.may_see_review(8, "trust", urn("100001")),
            "only the review they are on"
        );
        assert!(head.may_record_findings(7, "trust", false) && !head.may_run_reviews("trust"));
        assert!(
            !head.may_record_findings(7, "trust", true),
            "closed: read-only"
        );
        assert!(
            !head.may_close_review("trust", urn("100001"), false),
            "a reviewer, not its head"
        );
        let own = gate(RoleKind::SchoolLeader, Scope::School(urn("100001")));
        assert!(own.may_close_review("trust", urn("100001"), false));
        assert!(
            !own.may_close_review("trust", urn("100001"), true),
            "closed once"
        );

        let mut leader = gate(RoleKind::TrustLeader, Scope::Group("trust".into()));
        leader.grant_reviews(&[(9, urn("100001"))]);
        assert_eq!(
            leader.access(urn("100001")),
            Access::PupilLevel,
            "never lowered"
        );
        assert!(
            leader.may_run_reviews("trust") && leader.may_see_review(8, "trust", urn("100001"))
        );
        let governor = gate(RoleKind::Governor, Scope::Group("trust".into()));
        assert!(governor.may_see_review(8, "trust", urn("100001")));
        assert!(!governor.may_record_findings(8, "trust", false));
        assert!(!governor.may_close_review("trust", urn("100001"), false));
        assert!(leader.may_close_review("trust", urn("100001"), false));
        let member = gate(RoleKind::ClusterMember, Scope::Group("cluster".into()));
        assert!(
            !member.may_see_review(8, "trust", urn("100001")),
            "another group's review"
        );
    }

    #[test]
    fn a_groups_members_read_its_practices_and_its_leaders_and_coordinators_moderate() {
        let leader = gate(RoleKind::TrustLeader, Scope::Group("trust".into()));
        assert!(leader.may_read_practices("trust") && leader.may_moderate_practices("trust"));
        assert!(leader.may_add_practice("trust") && !leader.may_read_practices("cluster"));
        let governor = gate(RoleKind::Governor, Scope::Group("trust".into()));
        assert!(governor.may_read_practices("trust"));
        assert!(!governor.may_add_practice("trust") && !governor.may_moderate_practices("trust"));
        let coordinator = gate(RoleKind::ClusterMember, Scope::Group("cluster".into()));
        assert!(coordinator.may_moderate_practices("cluster"));
        assert!(!coordinator.may_moderate_practices("trust"));
        let author = Username::parse("governor.one").unwrap();
        let stranger = Username::parse("someone.else").unwrap();
        assert!(leader.may_edit_practice("trust", &stranger), "a moderator");
        assert!(
            !governor.may_edit_practice("trust", &author),
            "not signed in as them"
        );
        let governor = governor.for_user(author.clone());
        assert!(
            governor.may_edit_practice("trust", &author)
                && !governor.may_edit_practice("trust", &stranger)
        );
        assert!(
            !governor.may_edit_practice("cluster", &author),
            "not their group's library"
        );
        let head = gate(RoleKind::SchoolLeader, Scope::School(urn("100003")));
        assert!(
            !head.may_read_practices("trust"),
            "a school role is not a role in the group"
        );
    }
}
