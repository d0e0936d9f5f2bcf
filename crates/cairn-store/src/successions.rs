//! Following a school across a change of URN. When a maintained school becomes an academy it
//! closes and the academy opens with a new URN (and the same LAESTAB); mergers and
//! amalgamations do the same. The register keeps one school per LAESTAB, the one open today
//! (`cairn_ingest::files`), so a file still naming the predecessor's URN (an MIS export made
//! before the conversion, a CTF from an older system) belongs to the successor. The GIAS links
//! file (`cairn import gias links_edubasealldata*.csv`) stores the successions this follows.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cairn_domain::{Placement, Succession, Urn};
use chrono::NaiveDate;
use sqlx::QueryBuilder;

use crate::rows::{urn_from_db, urn_to_db};
use crate::{Store, StoreError, on_pool};

/// Successions followed from one URN at most this far (a conversion, then a merger, …).
const MAX_STEPS: usize = 8;

impl Store {
    /// Where records naming each URN of `urns` that is not a school in the register belong:
    /// the school in the register that replaced it, through the stored successions. URNs in
    /// the register are left out of the answer.
    pub async fn place_schools(
        &self,
        urns: &BTreeSet<Urn>,
    ) -> Result<BTreeMap<Urn, Placement>, StoreError> {
        let known = self.school_names(urns).await?;
        let missing: Vec<Urn> = urns
            .iter()
            .copied()
            .filter(|u| !known.contains_key(u))
            .collect();
        if missing.is_empty() {
            return Ok(BTreeMap::new());
        }
        let rows: Vec<(i64, i64, String, Option<NaiveDate>)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT predecessor_urn, successor_urn, link_type, established_on \
                 FROM school_successions ORDER BY predecessor_urn, successor_urn",
            )
            .fetch_all(pool)
            .await?
        });
        let mut next: HashMap<Urn, Vec<Succession>> = HashMap::new();
        for (predecessor, successor, link_type, established_on) in rows {
            let predecessor = urn_from_db(predecessor)?;
            next.entry(predecessor).or_default().push(Succession {
                predecessor,
                successor: urn_from_db(successor)?,
                link_type,
                established_on,
            });
        }
        // Only the successors these URNs lead to need a name, not every successor in England.
        let mut reachable: BTreeSet<Urn> = BTreeSet::new();
        let mut frontier = missing.clone();
        while let Some(at) = frontier.pop() {
            for step in next.get(&at).into_iter().flatten() {
                if !urns.contains(&step.successor) && reachable.insert(step.successor) {
                    frontier.push(step.successor);
                }
            }
        }
        let mut names = self.school_names(&reachable).await?;
        names.extend(known);
        Ok(missing
            .into_iter()
            .map(|urn| (urn, place(urn, &next, &names)))
            .collect())
    }

    /// The names of the schools of `urns` that are in the register.
    async fn school_names(&self, urns: &BTreeSet<Urn>) -> Result<HashMap<Urn, String>, StoreError> {
        let wanted: Vec<Urn> = urns.iter().copied().collect();
        let mut names = HashMap::new();
        for chunk in wanted.chunks(1000) {
            let rows: Vec<(i64, String)> = on_pool!(self, pool => {
                let mut qb = QueryBuilder::new("SELECT urn, name FROM schools WHERE urn IN (");
                let mut list = qb.separated(", ");
                for urn in chunk {
                    list.push_bind(urn_to_db(*urn));
                }
                qb.push(")");
                qb.build_query_as().fetch_all(pool).await?
            });
            for (urn, name) in rows {
                names.insert(urn_from_db(urn)?, name);
            }
        }
        Ok(names)
    }
}

/// Follows successions from `start` (not in the register) to the first school in the register
/// (`names`). A school that split in two is not followed: which successor a record belongs to
/// cannot be told from the URN.
fn place(
    start: Urn,
    next: &HashMap<Urn, Vec<Succession>>,
    names: &HashMap<Urn, String>,
) -> Placement {
    let mut chain: Vec<Succession> = Vec::new();
    let mut at = start;
    for _ in 0..MAX_STEPS {
        let steps: Vec<&Succession> = next
            .get(&at)
            .into_iter()
            .flatten()
            .filter(|s| s.successor != start && chain.iter().all(|c| c.predecessor != s.successor))
            .collect();
        match steps.as_slice() {
            [] => break,
            [step] => {
                chain.push((*step).clone());
                at = step.successor;
                if let Some(name) = names.get(&at) {
                    return Placement::Successor {
                        urn: at,
                        name: name.clone(),
                        chain,
                    };
                }
            }
            several => return Placement::Split(several.iter().map(|s| s.successor).collect()),
        }
    }
    Placement::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urn(n: u32) -> Urn {
        Urn::from_u32(n).expect("a valid URN")
    }

    fn link(from: u32, to: u32) -> Succession {
        Succession {
            predecessor: urn(from),
            successor: urn(to),
            link_type: "Successor".to_owned(),
            established_on: None,
        }
    }

    fn graph(links: &[(u32, u32)]) -> HashMap<Urn, Vec<Succession>> {
        let mut next: HashMap<Urn, Vec<Succession>> = HashMap::new();
        for (from, to) in links {
            next.entry(urn(*from)).or_default().push(link(*from, *to));
        }
        next
    }

    fn register(urns: &[u32]) -> HashMap<Urn, String> {
        urns.iter()
            .map(|u| (urn(*u), format!("School {u}")))
            .collect()
    }

    #[test]
    fn a_conversion_then_a_merger_leads_to_the_school_in_the_register() {
        // 100001 converted to 140001, which later merged into 150001.
        let next = graph(&[(100_001, 140_001), (140_001, 150_001)]);
        let placed = place(urn(100_001), &next, &register(&[150_001]));
        assert_eq!(
            placed,
            Placement::Successor {
                urn: urn(150_001),
                name: "School 150001".to_owned(),
                chain: vec![link(100_001, 140_001), link(140_001, 150_001)],
            }
        );
    }

    #[test]
    fn the_nearest_school_in_the_register_wins_and_a_split_is_not_guessed() {
        let next = graph(&[(100_001, 140_001), (140_001, 150_001)]);
        let placed = place(urn(100_001), &next, &register(&[140_001, 150_001]));
        assert!(matches!(placed, Placement::Successor { urn: u, .. } if u == urn(140_001)));

        // Split into two schools: even with only one of them in the register, a record
        // naming the old school may belong to the other.
        let split = graph(&[(100_001, 140_001), (100_001, 140_002)]);
        for in_register in [&[140_001, 140_002][..], &[140_002]] {
            assert_eq!(
                place(urn(100_001), &split, &register(in_register)),
                Placement::Split(vec![urn(140_001), urn(140_002)])
            );
        }
    }

    #[test]
    fn no_successor_or_a_loop_leaves_the_urn_unplaced() {
        assert_eq!(
            place(urn(100_001), &HashMap::new(), &register(&[])),
            Placement::Unknown
        );
        let looped = graph(&[(100_001, 100_002), (100_002, 100_001)]);
        assert_eq!(
            place(urn(100_001), &looped, &register(&[])),
            Placement::Unknown
        );
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "tests fail loudly on purpose"
)]
mod stored {
    use cairn_domain::{Laestab, Partnership, Phase, School, SchoolType};
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::{ImportFile, ImportKind, backend_test};

    fn urn(n: u32) -> Urn {
        Urn::from_u32(n).unwrap()
    }

    fn gias(data: Partnership) -> ImportFile {
        ImportFile {
            kind: ImportKind::Gias,
            file_name: "links.csv".to_owned(),
            sha256: "0".repeat(64),
            user_id: None,
            at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).single().unwrap(),
            urn: None,
            rejected: 0,
            data,
        }
    }

    fn succession(from: u32, to: u32, link_type: &str) -> Succession {
        Succession {
            predecessor: urn(from),
            successor: urn(to),
            link_type: link_type.to_owned(),
            established_on: NaiveDate::from_ymd_opt(2020, 10, 31),
        }
    }

    backend_test! {
        async fn stored_successions_place_a_predecessors_records_and_reimport_changes_nothing(db) {
            let store = db.store();
            let awbridge = School {
                urn: urn(148_213),
                laestab: Laestab::parse("8502006").unwrap(),
                name: "Awbridge Primary School".to_owned(),
                phase: Phase::Primary,
                school_type: SchoolType::AcademyConverter,
                religious_character: None,
                age_low: 4,
                age_high: 11,
            };
            let links = Partnership {
                schools: vec![awbridge],
                successions: vec![
                    succession(115_856, 148_213, "Successor"),
                    succession(100_001, 140_001, "Successor - merged"),
                    succession(100_002, 140_002, "Successor - Split School"),
                    succession(100_002, 140_003, "Successor - Split School"),
                ],
                ..Partnership::default()
            };
            let outcome = store.import(&[gias(links.clone())], false).await.unwrap();
            assert_eq!(outcome[0].record.counts.added, 5);
            let again = store.import(&[gias(links)], false).await.unwrap();
            assert_eq!(again[0].record.counts.unchanged, 5);

            let asked: BTreeSet<Urn> = [148_213, 115_856, 100_001, 100_002, 999_999]
                .into_iter()
                .map(urn)
                .collect();
            let placed = store.place_schools(&asked).await.unwrap();
            assert_eq!(
                placed,
                BTreeMap::from([
                    (
                        urn(115_856),
                        Placement::Successor {
                            urn: urn(148_213),
                            name: "Awbridge Primary School".to_owned(),
                            chain: vec![succession(115_856, 148_213, "Successor")],
                        }
                    ),
                    // Its successor is not in the register.
                    (urn(100_001), Placement::Unknown),
                    (urn(100_002), Placement::Split(vec![urn(140_002), urn(140_003)])),
                    (urn(999_999), Placement::Unknown),
                ])
            );
        }
    }
}
