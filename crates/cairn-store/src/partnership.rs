//! Schools, groups, memberships, pupils, enrolments and characteristics.

use std::collections::HashMap;

use cairn_domain::{
    AcademicYear, Group, GroupKind, Membership, NcYear, Partnership, Phase, School, SchoolType,
    SenProvision, Sex, SharingLevel, Upn, Urn,
};
use chrono::NaiveDate;
use sqlx::QueryBuilder;

use crate::rows::{
    code_from_db, laestab_from_db, nc_year_from_db, urn_from_db, urn_to_db, year_from_db,
    year_to_db,
};
use crate::{Store, StoreError, on_pool};

/// Rows per multi-row INSERT: well under SQLite's 32,766 bound parameters at ten columns.
const BATCH: usize = 1000;

/// How many rows a load wrote, by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadSummary {
    pub schools: usize,
    pub groups: usize,
    pub memberships: usize,
    pub pupils: usize,
    pub enrolments: usize,
    pub characteristics: usize,
    /// KS2, KS4, phonics, MTC, EYFS and teacher assessment records.
    pub assessments: usize,
    /// Attendance summaries and marks.
    pub attendance: usize,
}

/// Pupils on a school's roll in one NC year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchoolRoll {
    pub urn: Urn,
    pub nc_year: NcYear,
    pub n_pupils: i64,
}

/// A pupil on a school's roll in a year, with their latest recorded characteristics that year.
/// Pupil-level: only for callers the web layer's gate allowed, and audit-logged there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PupilOnRoll {
    pub pupil_id: i64,
    pub upn: Upn,
    pub forename: String,
    pub surname: String,
    pub date_of_birth: NaiveDate,
    pub sex: Sex,
    pub nc_year: NcYear,
    pub sen: Option<SenProvision>,
    pub disadvantaged: Option<bool>,
    pub eal: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct SchoolRow {
    urn: i64,
    laestab: i64,
    name: String,
    phase: String,
    school_type: String,
    religious_character: Option<String>,
    age_low: i64,
    age_high: i64,
}

impl TryFrom<SchoolRow> for School {
    type Error = StoreError;
    fn try_from(row: SchoolRow) -> Result<Self, StoreError> {
        Ok(School {
            urn: urn_from_db(row.urn)?,
            laestab: laestab_from_db(row.laestab)?,
            name: row.name,
            phase: code_from_db("phase", &row.phase, Phase::parse)?,
            school_type: code_from_db("school type", &row.school_type, SchoolType::parse)?,
            religious_character: row.religious_character,
            age_low: u8::try_from(row.age_low)
                .map_err(|_| StoreError::corrupt("age", &row.age_low))?,
            age_high: u8::try_from(row.age_high)
                .map_err(|_| StoreError::corrupt("age", &row.age_high))?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    code: String,
    name: String,
    kind: String,
}

impl TryFrom<GroupRow> for Group {
    type Error = StoreError;
    fn try_from(row: GroupRow) -> Result<Self, StoreError> {
        Ok(Group {
            kind: code_from_db("group kind", &row.kind, GroupKind::parse)?,
            code: row.code,
            name: row.name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    group_code: String,
    urn: i64,
    joined_on: NaiveDate,
    left_on: Option<NaiveDate>,
    sharing: String,
}

impl TryFrom<MembershipRow> for Membership {
    type Error = StoreError;
    fn try_from(row: MembershipRow) -> Result<Self, StoreError> {
        Ok(Membership {
            group_code: row.group_code,
            urn: urn_from_db(row.urn)?,
            joined_on: row.joined_on,
            left_on: row.left_on,
            sharing: code_from_db("sharing level", &row.sharing, SharingLevel::parse)?,
        })
    }
}

#[derive(sqlx::FromRow)]
struct PupilOnRollRow {
    pupil_id: i64,
    upn: String,
    forename: String,
    surname: String,
    date_of_birth: NaiveDate,
    sex: String,
    nc_year: i64,
    sen: Option<String>,
    disadvantaged: Option<bool>,
    eal: Option<bool>,
}

impl TryFrom<PupilOnRollRow> for PupilOnRoll {
    type Error = StoreError;
    fn try_from(row: PupilOnRollRow) -> Result<Self, StoreError> {
        Ok(PupilOnRoll {
            pupil_id: row.pupil_id,
            upn: code_from_db("UPN", &row.upn, Upn::parse)?,
            forename: row.forename,
            surname: row.surname,
            date_of_birth: row.date_of_birth,
            sex: code_from_db("sex", &row.sex, Sex::parse)?,
            nc_year: nc_year_from_db(row.nc_year)?,
            sen: row
                .sen
                .map(|sen| code_from_db("SEN provision", &sen, SenProvision::parse))
                .transpose()?,
            disadvantaged: row.disadvantaged,
            eal: row.eal,
        })
    }
}

const SCHOOL_COLUMNS: &str =
    "urn, laestab, name, phase, school_type, religious_character, age_low, age_high";

impl Store {
    /// Writes a whole partnership in one transaction: all of it or none of it.
    /// Rows are upserted by their natural keys (URN, group code, UPN, ...), so loading the same
    /// partnership twice changes nothing.
    #[tracing::instrument(skip_all, fields(n_schools = partnership.schools.len(), n_pupils = partnership.pupils.len()))]
    pub async fn load_partnership(
        &self,
        partnership: &Partnership,
    ) -> Result<LoadSummary, StoreError> {
        // Assessment and attendance records go through the import's writer (compare, then
        // insert new rows and update changed ones; straight in when a table is empty), so
        // loading and importing agree. This function writes the rest itself.
        let records = crate::imports::RecordSet {
            schools: &[],
            groups: &[],
            memberships: &[],
            pupils: &[],
            enrolments: &[],
            characteristics: &[],
            ..crate::imports::RecordSet::from(partnership)
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in partnership.schools.chunks(BATCH) {
                let mut qb = QueryBuilder::new(format!("INSERT INTO schools ({SCHOOL_COLUMNS}) "));
                qb.push_values(chunk, |mut b, school| {
                    b.push_bind(urn_to_db(school.urn))
                        .push_bind(i64::from(school.laestab.get()))
                        .push_bind(school.name.clone())
                        .push_bind(school.phase.code())
                        .push_bind(school.school_type.code())
                        .push_bind(school.religious_character.clone())
                        .push_bind(i64::from(school.age_low))
                        .push_bind(i64::from(school.age_high));
                });
                qb.push(
                    " ON CONFLICT (urn) DO UPDATE SET laestab = excluded.laestab, \
                     name = excluded.name, phase = excluded.phase, \
                     school_type = excluded.school_type, \
                     religious_character = excluded.religious_character, \
                     age_low = excluded.age_low, age_high = excluded.age_high",
                );
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in partnership.groups.chunks(BATCH) {
                let mut qb = QueryBuilder::new("INSERT INTO groups (code, name, kind) ");
                qb.push_values(chunk, |mut b, group| {
                    b.push_bind(group.code.clone())
                        .push_bind(group.name.clone())
                        .push_bind(group.kind.code());
                });
                qb.push(" ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind");
                qb.build().execute(&mut *tx).await?;
            }
            for chunk in partnership.memberships.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO memberships (group_code, urn, joined_on, left_on, sharing) ",
                );
                qb.push_values(chunk, |mut b, membership| {
                    b.push_bind(membership.group_code.clone())
                        .push_bind(urn_to_db(membership.urn))
                        .push_bind(membership.joined_on)
                        .push_bind(membership.left_on)
                        .push_bind(membership.sharing.code());
                });
                qb.push(
                    " ON CONFLICT (group_code, urn, joined_on) DO UPDATE \
                     SET left_on = excluded.left_on, sharing = excluded.sharing",
                );
                qb.build().execute(&mut *tx).await?;
            }
            let mut pupil_ids: HashMap<String, i64> = HashMap::with_capacity(partnership.pupils.len());
            for chunk in partnership.pupils.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO pupils (upn, forename, surname, date_of_birth, sex) ",
                );
                qb.push_values(chunk, |mut b, pupil| {
                    b.push_bind(pupil.upn.as_str().to_owned())
                        .push_bind(pupil.forename.clone())
                        .push_bind(pupil.surname.clone())
                        .push_bind(pupil.date_of_birth)
                        .push_bind(pupil.sex.code());
                });
                // RETURNING also reports rows the upsert updated, so every UPN gets its id.
                qb.push(
                    " ON CONFLICT (upn) DO UPDATE SET forename = excluded.forename, \
                     surname = excluded.surname, date_of_birth = excluded.date_of_birth, \
                     sex = excluded.sex RETURNING id, upn",
                );
                let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *tx).await?;
                pupil_ids.extend(rows.into_iter().map(|(id, upn)| (upn, id)));
            }
            let pupil_id = |upn: &Upn| -> Result<i64, StoreError> {
                pupil_ids.get(upn.as_str()).copied().ok_or_else(|| StoreError::NotFound {
                    what: "pupil",
                    key: "(a UPN referenced by an enrolment)".to_owned(),
                })
            };
            let enrolments = partnership
                .enrolments
                .iter()
                .map(|e| Ok((pupil_id(&e.upn)?, e)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            for chunk in enrolments.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO enrolments (pupil_id, urn, academic_year, nc_year, started_on, left_on) ",
                );
                qb.push_values(chunk, |mut b, (id, enrolment)| {
                    b.push_bind(*id)
                        .push_bind(urn_to_db(enrolment.urn))
                        .push_bind(year_to_db(enrolment.academic_year))
                        .push_bind(i64::from(enrolment.nc_year.number()))
                        .push_bind(enrolment.started_on)
                        .push_bind(enrolment.left_on);
                });
                qb.push(
                    " ON CONFLICT (pupil_id, urn, academic_year) DO UPDATE \
                     SET nc_year = excluded.nc_year, started_on = excluded.started_on, \
                     left_on = excluded.left_on",
                );
                qb.build().execute(&mut *tx).await?;
            }
            let characteristics = partnership
                .characteristics
                .iter()
                .map(|c| Ok((pupil_id(&c.upn)?, c)))
                .collect::<Result<Vec<_>, StoreError>>()?;
            for chunk in characteristics.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO characteristics (pupil_id, academic_year, term, disadvantaged, \
                     fsm, looked_after, sen, sen_need, eal, ethnicity) ",
                );
                qb.push_values(chunk, |mut b, (id, c)| {
                    b.push_bind(*id)
                        .push_bind(year_to_db(c.academic_year))
                        .push_bind(c.term.code())
                        .push_bind(c.disadvantaged)
                        .push_bind(c.fsm)
                        .push_bind(c.looked_after)
                        .push_bind(c.sen.code())
                        .push_bind(c.sen_need.clone())
                        .push_bind(c.eal)
                        .push_bind(c.ethnicity.clone());
                });
                qb.push(
                    " ON CONFLICT (pupil_id, academic_year, term) DO UPDATE \
                     SET disadvantaged = excluded.disadvantaged, fsm = excluded.fsm, \
                     looked_after = excluded.looked_after, sen = excluded.sen, \
                     sen_need = excluded.sen_need, eal = excluded.eal, \
                     ethnicity = excluded.ethnicity",
                );
                qb.build().execute(&mut *tx).await?;
            }
            crate::imports::write_records(&mut *tx, records).await?;
            tx.commit().await?;
            // Every group judges its peer reviews' findings on a scale of its own.
            self.seed_judgement_scales().await?;
            Ok(LoadSummary {
                schools: partnership.schools.len(),
                groups: partnership.groups.len(),
                memberships: partnership.memberships.len(),
                pupils: partnership.pupils.len(),
                enrolments: enrolments.len(),
                characteristics: characteristics.len(),
                assessments: records.ks2_results.len()
                    + records.ks4_results.len()
                    + records.phonics_results.len()
                    + records.mtc_results.len()
                    + records.eyfs_results.len()
                    + records.teacher_assessments.len(),
                attendance: records.attendance_summaries.len() + records.attendance_marks.len(),
            })
        })
    }

    /// Creates or updates one school, by URN.
    #[tracing::instrument(skip_all, fields(school.urn = %school.urn))]
    pub async fn upsert_school(&self, school: &School) -> Result<(), StoreError> {
        let partnership = Partnership {
            schools: vec![school.clone()],
            ..Partnership::default()
        };
        self.load_partnership(&partnership).await.map(drop)
    }

    /// Every school, by name.
    pub async fn schools(&self) -> Result<Vec<School>, StoreError> {
        let sql = format!("SELECT {SCHOOL_COLUMNS} FROM schools ORDER BY name, urn");
        let rows: Vec<SchoolRow> =
            on_pool!(self, pool => sqlx::query_as(&sql).fetch_all(pool).await?);
        rows.into_iter().map(School::try_from).collect()
    }

    pub async fn school(&self, urn: Urn) -> Result<Option<School>, StoreError> {
        let sql = format!("SELECT {SCHOOL_COLUMNS} FROM schools WHERE urn = $1");
        let row: Option<SchoolRow> = on_pool!(self, pool => {
            sqlx::query_as(&sql).bind(urn_to_db(urn)).fetch_optional(pool).await?
        });
        row.map(School::try_from).transpose()
    }

    /// Every group, by name.
    pub async fn groups(&self) -> Result<Vec<Group>, StoreError> {
        let rows: Vec<GroupRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT code, name, kind FROM groups ORDER BY name, code")
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(Group::try_from).collect()
    }

    pub async fn group(&self, code: &str) -> Result<Option<Group>, StoreError> {
        let row: Option<GroupRow> = on_pool!(self, pool => {
            sqlx::query_as("SELECT code, name, kind FROM groups WHERE code = $1")
                .bind(code)
                .fetch_optional(pool)
                .await?
        });
        row.map(Group::try_from).transpose()
    }

    /// Every membership of every school in every group, past and present.
    pub async fn memberships(&self) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<MembershipRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT group_code, urn, joined_on, left_on, sharing FROM memberships \
                 ORDER BY group_code, urn, joined_on",
            )
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(Membership::try_from).collect()
    }

    /// The latest academic year with any enrolment, if there is any data.
    pub async fn latest_academic_year(&self) -> Result<Option<AcademicYear>, StoreError> {
        let year: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(academic_year) FROM enrolments")
                .fetch_one(pool)
                .await?
        });
        year.map(year_from_db).transpose()
    }

    /// Pupils on roll on `on_date`, by school and NC year. Enrolment rows are per academic
    /// year, so only the rows of the year containing `on_date` count.
    pub async fn school_rolls(&self, on_date: NaiveDate) -> Result<Vec<SchoolRoll>, StoreError> {
        let rows: Vec<(i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT urn, nc_year, COUNT(*) FROM enrolments \
                 WHERE academic_year = $2 AND started_on <= $1 \
                   AND (left_on IS NULL OR left_on >= $1) \
                 GROUP BY urn, nc_year ORDER BY urn, nc_year",
            )
            .bind(on_date)
            .bind(year_to_db(AcademicYear::containing(on_date)))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(urn, nc_year, n_pupils)| {
                Ok(SchoolRoll {
                    urn: urn_from_db(urn)?,
                    nc_year: nc_year_from_db(nc_year)?,
                    n_pupils,
                })
            })
            .collect()
    }

    /// Pupils on roll by school and NC year in `academic_year` as the newest measure refresh
    /// counted them, with the day counted (the spring census day, or the refresh's day if
    /// earlier); `None` before any refresh or for a year it did not count. Pages read this,
    /// not [`Store::school_rolls`], so no request counts enrolments.
    pub async fn stored_rolls(
        &self,
        academic_year: AcademicYear,
    ) -> Result<Option<(NaiveDate, Vec<SchoolRoll>)>, StoreError> {
        let rows: Vec<(NaiveDate, i64, i64, i64)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT on_date, urn, nc_year, n_pupils FROM school_rolls \
                 WHERE refresh_id = (SELECT MAX(id) FROM measure_refreshes) \
                   AND academic_year = $1 \
                 ORDER BY urn, nc_year",
            )
            .bind(year_to_db(academic_year))
            .fetch_all(pool)
            .await?
        });
        let Some(&(on_date, ..)) = rows.first() else {
            return Ok(None);
        };
        let rolls = rows
            .into_iter()
            .map(|(_, urn, nc_year, n_pupils)| {
                Ok(SchoolRoll {
                    urn: urn_from_db(urn)?,
                    nc_year: nc_year_from_db(nc_year)?,
                    n_pupils,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some((on_date, rolls)))
    }

    /// The pupils on a school's roll at any time in `academic_year`, with their latest
    /// characteristics that year (census terms sort autumn < spring < summer).
    #[tracing::instrument(skip_all, fields(school.urn = %urn))]
    pub async fn pupils_on_roll(
        &self,
        urn: Urn,
        academic_year: AcademicYear,
    ) -> Result<Vec<PupilOnRoll>, StoreError> {
        let rows: Vec<PupilOnRollRow> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT p.id AS pupil_id, p.upn, p.forename, p.surname, p.date_of_birth, p.sex, \
                        e.nc_year, c.sen, c.disadvantaged, c.eal \
                 FROM enrolments e \
                 JOIN pupils p ON p.id = e.pupil_id \
                 LEFT JOIN characteristics c ON c.pupil_id = e.pupil_id \
                      AND c.academic_year = e.academic_year \
                      AND c.term = (SELECT MAX(c2.term) FROM characteristics c2 \
                                    WHERE c2.pupil_id = e.pupil_id \
                                      AND c2.academic_year = e.academic_year) \
                 WHERE e.urn = $1 AND e.academic_year = $2 \
                 ORDER BY e.nc_year, p.surname, p.forename, p.id",
            )
            .bind(urn_to_db(urn))
            .bind(year_to_db(academic_year))
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(PupilOnRoll::try_from).collect()
    }

    /// How many pupils the store holds.
    pub async fn count_pupils(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, pool => {
            sqlx::query_scalar("SELECT COUNT(*) FROM pupils").fetch_one(pool).await?
        }))
    }
}
