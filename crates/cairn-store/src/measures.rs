//! Stored measure results: the refresh that computes every measure from pupil-level records
//! and stores it, and the reads pages use (DESIGN.md principle 6: pages read precomputed
//! results).
//!
//! A refresh loads the records with plain selects (no arithmetic in SQL, except that session
//! marks, millions of them, are summed by pupil, school and month in `monthly::tally_sql`), places
//! each pupil in one school per academic year, builds `cairn-measures` inputs, computes figures
//! by school and pooled per group, and writes them under one new `measure_refreshes` row, all
//! in one transaction. Older refreshes are kept; readers take the newest.
//!
//! Placement rules:
//! * a pupil's school in a year is the school where they were on roll on that year's spring
//!   census day, or else their last enrolment that year (latest start date);
//! * characteristics are that year's latest census term (autumn < spring < summer); a pupil
//!   with none counts as not disadvantaged, no SEN and not EAL;
//! * a group's figure for a year pools the pupils of the schools that were members on that
//!   year's spring census day (pupils are pooled, school figures are never averaged);
//! * KS4 results with no enrolment that year count at the school named on the result; other
//!   records with no enrolment that year are left out (KS2 results from before the data start
//!   still serve as prior attainment);
//! * KS4 prior attainment is the pupil's latest KS2 result before the KS4 year with scaled
//!   scores in both reading and maths;
//! * KS2 pupils with reading or maths coded J (just arrived) or L (left) are not in the cohort;
//!   other codes count as no scaled score;
//! * phonics counts Year 1 pupils (by their enrolment), leaving out L (left) and Q (annulled);
//! * attendance uses the annual summary when there is one, else the sum of the termly ones,
//!   all counted at the pupil's school for the year;
//! * attendance by month comes from session marks only (`monthly`), each mark counted at the
//!   school whose enrolment covers its date (not the pupil's school for the year; a mark on a
//!   date with no enrolment counts nowhere and is a record issue), and is stored in its own
//!   table; a year with summaries but no marks has no monthly figures.
//!
//! Proportions and rates are stored as fractions (0 to 1), means in their own units. A
//! suppressed figure is stored with no value, pupil count, interval or banding, and the table's
//! CHECK constraint enforces that.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cairn_domain::{
    AcademicYear, EARLY_LEARNING_GOALS, EyfsJudgement, Ks2TestOutcome, MtcOutcome, PhonicsOutcome,
    SenProvision, Sex, Term, Urn, WritingTa,
};
pub use cairn_measures::attendance::monthly::CalendarMonth;
use cairn_measures::attendance::{
    AttendanceCodes, AttendancePupil, AttendanceSummary, SessionCounts,
    summarise_attendance_by_school, summarise_attendance_pooled,
};
use cairn_measures::early::{
    EarlyLearningGoals, ElgJudgement, EyfsPupil, MtcPupil, N_ELGS, PhonicsPupil, phonics_threshold,
    summarise_eyfs_by_school, summarise_eyfs_pooled, summarise_mtc_by_school, summarise_mtc_pooled,
    summarise_phonics_by_school, summarise_phonics_pooled,
};
use cairn_measures::groups::{GroupFamily, differencing_hides};
use cairn_measures::ks2::{
    Ks2Pupil, Ks2Summary, TestOutcome, WritingAssessment, summarise_ks2_by_school,
    summarise_ks2_pooled,
};
use cairn_measures::ks4::tables::{Ks2Average, Release};
use cairn_measures::ks4::{
    Ks4Config, Ks4Entry, Ks4Pupil, Ks4Summary, compute_ks4, summarise_ks4_by_school,
    summarise_ks4_pooled,
};
use cairn_measures::similar::SimilarityMethod;
use cairn_measures::{
    GroupFigures, Interval, MeasureError, P8Banding, PointEstimate, Published, PupilContext,
    PupilGroup, SuppressionPolicy, SuppressionReason,
};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;

use self::comparisons::default_similarity;
use crate::rows::{code_from_db, urn_from_db, year_from_db, year_to_db};
use crate::{Store, StoreError, on_pool};

/// Result rows per INSERT: 12 columns, well under SQLite's bound-parameter limit.
const BATCH: usize = 1000;

macro_rules! measures {
    ($( $(#[$meta:meta])* $variant:ident = $code:literal, $label:literal; )+) => {
        /// A stored measure, with a stable snake_case code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Measure {
            $( $(#[$meta])* $variant, )+
        }

        impl Measure {
            pub const ALL: &'static [Measure] = &[ $( Measure::$variant, )+ ];

            /// The stable code stored in the database and used in URLs and exports.
            pub fn code(self) -> &'static str {
                match self { $( Measure::$variant => $code, )+ }
            }

            /// A human label for pages.
            pub fn label(self) -> &'static str {
                match self { $( Measure::$variant => $label, )+ }
            }
        }
    };
}

measures! {
    /// Mean Attainment 8 (0 to 90).
    Ks4Attainment8 = "ks4_attainment8", "Attainment 8";
    /// Progress 8 (adjusted for extreme scores when minimums are loaded), with its banding.
    Ks4Progress8 = "ks4_progress8", "Progress 8";
    Ks4EnglishMaths4Plus = "ks4_english_maths_4plus", "English and maths grade 4 or above";
    Ks4EnglishMaths5Plus = "ks4_english_maths_5plus", "English and maths grade 5 or above";
    Ks4EbaccEntry = "ks4_ebacc_entry", "Entering the EBacc";
    /// EBacc average point score (0 to 9).
    Ks4EbaccAps = "ks4_ebacc_aps", "EBacc average point score";
    Ks2RwmExpected = "ks2_rwm_expected", "Reading, writing and maths: expected standard";
    Ks2RwmHigher = "ks2_rwm_higher", "Reading, writing and maths: higher standard";
    Ks2ReadingExpected = "ks2_reading_expected", "Reading: expected standard";
    Ks2WritingExpected = "ks2_writing_expected", "Writing: expected standard";
    Ks2MathsExpected = "ks2_maths_expected", "Maths: expected standard";
    Ks2ReadingAverage = "ks2_reading_average", "Reading: average scaled score";
    Ks2MathsAverage = "ks2_maths_average", "Maths: average scaled score";
    PhonicsY1Met = "phonics_y1_met", "Phonics: Year 1 meeting the expected standard";
    MtcAverageScore = "mtc_average_score", "Multiplication tables check: average score";
    MtcFullMarks = "mtc_full_marks", "Multiplication tables check: full marks";
    EyfsGld = "eyfs_gld", "EYFS: good level of development";
    EyfsAverageGoalsExpected = "eyfs_average_goals_expected", "EYFS: average goals at expected";
    AttendanceOverallAbsence = "attendance_overall_absence", "Overall absence";
    AttendanceAuthorisedAbsence = "attendance_authorised_absence", "Authorised absence";
    AttendanceUnauthorisedAbsence = "attendance_unauthorised_absence", "Unauthorised absence";
    AttendancePersistentAbsence = "attendance_persistent_absence", "Persistent absence";
    AttendanceSevereAbsence = "attendance_severe_absence", "Severe absence";
}

impl Measure {
    pub fn parse(code: &str) -> Option<Measure> {
        Measure::ALL.iter().copied().find(|m| m.code() == code)
    }

    /// Whether the value is a proportion or rate (stored as a fraction, 0 to 1).
    pub fn is_proportion(self) -> bool {
        !matches!(
            self,
            Measure::Ks4Attainment8
                | Measure::Ks4Progress8
                | Measure::Ks4EbaccAps
                | Measure::Ks2ReadingAverage
                | Measure::Ks2MathsAverage
                | Measure::MtcAverageScore
                | Measure::EyfsAverageGoalsExpected
        )
    }

    /// Whether pupils' KS2 prior attainment is known for this measure, so the prior
    /// attainment groups are reported (KS4 only).
    fn has_prior_groups(self) -> bool {
        self.code().starts_with("ks4_")
    }
}

/// What a stored figure covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScopeKind {
    School,
    Group,
    National,
}

impl ScopeKind {
    pub fn code(self) -> &'static str {
        match self {
            ScopeKind::School => "school",
            ScopeKind::Group => "group",
            ScopeKind::National => "national",
        }
    }
}

/// The school, group of schools, or country a figure is for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultScope {
    School(Urn),
    /// A group (trust, cluster ...) by its code.
    Group(String),
    /// England; not computed from pupil data (reserved for published national figures).
    National,
}

impl ResultScope {
    pub fn kind(&self) -> ScopeKind {
        match self {
            ResultScope::School(_) => ScopeKind::School,
            ResultScope::Group(_) => ScopeKind::Group,
            ResultScope::National => ScopeKind::National,
        }
    }

    /// The stored `scope_code`: URN, group code, or `england`.
    pub(crate) fn code(&self) -> String {
        match self {
            ResultScope::School(urn) => urn.to_string(),
            ResultScope::Group(code) => code.clone(),
            ResultScope::National => "england".to_owned(),
        }
    }

    pub(crate) fn from_db(kind: &str, code: &str) -> Result<ResultScope, StoreError> {
        match kind {
            "school" => code
                .parse::<i64>()
                .map_err(|_| StoreError::corrupt("URN", code))
                .and_then(urn_from_db)
                .map(ResultScope::School),
            "group" => Ok(ResultScope::Group(code.to_owned())),
            "national" => Ok(ResultScope::National),
            other => Err(StoreError::corrupt("scope kind", other)),
        }
    }
}

/// A stored figure: shown with its pupil count and 95 % interval, or suppressed with nothing
/// inside.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoredValue {
    Shown {
        value: f64,
        n_pupils: u32,
        ci_low: Option<f64>,
        ci_high: Option<f64>,
    },
    Suppressed,
}

impl StoredValue {
    pub fn value(&self) -> Option<f64> {
        match self {
            StoredValue::Shown { value, .. } => Some(*value),
            StoredValue::Suppressed => None,
        }
    }

    pub fn n_pupils(&self) -> Option<u32> {
        match self {
            StoredValue::Shown { n_pupils, .. } => Some(*n_pupils),
            StoredValue::Suppressed => None,
        }
    }

    pub fn is_suppressed(&self) -> bool {
        matches!(self, StoredValue::Suppressed)
    }
}

/// One stored figure.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResult {
    pub academic_year: AcademicYear,
    pub scope: ResultScope,
    pub measure: Measure,
    pub pupil_group: PupilGroup,
    pub value: StoredValue,
    /// The DfE banding, for shown Progress 8 figures only.
    pub banding: Option<P8Banding>,
}

/// Appends `(scope is one of these)` to a query on a results table, one bound pair of kind
/// and code per scope; both the yearly and the monthly reads filter scopes this way.
fn push_scopes<'a, DB: sqlx::Database>(qb: &mut QueryBuilder<'a, DB>, scopes: &[ResultScope])
where
    &'static str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    qb.push("(");
    for (i, scope) in scopes.iter().enumerate() {
        if i > 0 {
            qb.push(" OR ");
        }
        qb.push("(scope_kind = ")
            .push_bind(scope.kind().code())
            .push(" AND scope_code = ")
            .push_bind(scope.code())
            .push(")");
    }
    qb.push(")");
}

/// One run of [`Store::refresh_measures`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureRefresh {
    pub id: i64,
    pub computed_at: DateTime<Utc>,
    pub reason: String,
}

/// The newest refresh (if any has run) and its figures that matched the filters.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestResults {
    pub refresh: Option<MeasureRefresh>,
    /// By academic year, scope, measure and pupil group (in [`PupilGroup::ALL`] order).
    pub results: Vec<StoredResult>,
}

/// Which scopes [`Store::latest_results`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeFilter {
    All,
    Kind(ScopeKind),
    /// Exactly these scopes; an empty list matches nothing.
    Only(Vec<ResultScope>),
}

/// What a refresh computed and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshSummary {
    pub refresh: MeasureRefresh,
    /// Years with enrolments, each computed.
    pub academic_years: Vec<AcademicYear>,
    /// Figures stored, of which `suppressed` were stored suppressed.
    pub results: usize,
    /// Monthly attendance figures stored (from session marks), suppressed ones included.
    pub monthly_results: usize,
    pub suppressed: usize,
    /// Of the suppressed, trust and cluster figures hidden so that a suppressed member
    /// school's figure cannot be worked out by subtraction (`SUPPMAT`).
    pub hidden_across_levels: usize,
    /// Distinct schools and groups with at least one figure.
    pub schools: usize,
    pub groups: usize,
    /// Records left out because the pupil had no enrolment that year.
    pub unplaced_records: usize,
    /// Records the engine could not use (an unknown KS4 subject or grade, a stored value that
    /// no longer parses for a measure).
    pub record_issues: usize,
}

impl Store {
    /// Computes every measure for every academic year with enrolments, by school and pooled
    /// per group, and stores the figures under one new refresh, in one transaction.
    /// National figures are not computed (they cannot come from a partnership's pupils).
    /// It also stores each school's context, similar schools and comparisons with the
    /// national benchmarks (`measures::comparisons`), with the default number of similar schools.
    pub async fn refresh_measures(
        &self,
        reason: &str,
        now: DateTime<Utc>,
        policy: SuppressionPolicy,
    ) -> Result<RefreshSummary, StoreError> {
        self.refresh_measures_with(reason, now, policy, &default_similarity())
            .await
    }

    /// [`Store::refresh_measures`] with a chosen similar-schools method (how many, weights).
    #[tracing::instrument(skip_all, fields(reason))]
    pub async fn refresh_measures_with(
        &self,
        reason: &str,
        now: DateTime<Utc>,
        policy: SuppressionPolicy,
        similarity: &SimilarityMethod,
    ) -> Result<RefreshSummary, StoreError> {
        // Summing the session marks is the refresh's longest statement; it runs (on its own
        // connection) while the other records load and their figures are computed.
        let yearly = async {
            let records = self.load_pupil_records().await?;
            let computed = compute(&records, policy)?;
            let prepared = self
                .prepare_comparisons(&records, &computed, similarity)
                .await?;
            Ok::<_, StoreError>((records, computed, prepared))
        };
        let (marks, (records, mut computed, prepared)) =
            futures::try_join!(self.load_mark_tallies(), yearly)?;
        compute_monthly(&records, &marks, policy, &mut computed)?;
        let refresh = on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let (id, computed_at, reason): (i64, DateTime<Utc>, String) = sqlx::query_as(
                "INSERT INTO measure_refreshes (computed_at, reason) VALUES ($1, $2) \
                 RETURNING id, computed_at, reason",
            )
            .bind(now)
            .bind(reason)
            .fetch_one(&mut *tx)
            .await?;
            for chunk in computed.rows.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO measure_results (refresh_id, academic_year, scope_kind, \
                     scope_code, measure, pupil_group, n_pupils, value, ci_low, ci_high, \
                     suppressed, banding) ",
                );
                qb.push_values(chunk, |mut b, row| {
                    let (n, value, low, high, banding) = match row.shown {
                        Ok(s) => (
                            Some(i64::from(s.n_pupils)),
                            Some(s.value),
                            s.ci.map(|ci| ci.lower),
                            s.ci.map(|ci| ci.upper),
                            s.banding.map(banding_code),
                        ),
                        Err(_) => (None, None, None, None, None),
                    };
                    b.push_bind(id)
                        .push_bind(row.year)
                        .push_bind(row.scope.kind().code())
                        .push_bind(row.scope.code())
                        .push_bind(row.measure.code())
                        .push_bind(row.group.code())
                        .push_bind(n)
                        .push_bind(value)
                        .push_bind(low)
                        .push_bind(high)
                        .push_bind(row.shown.is_err())
                        .push_bind(banding);
                });
                qb.build().execute(&mut *tx).await?;
            }
            // Pupils on roll, counted once here so pages never count enrolments per request.
            for year in &computed.years {
                let day = year.spring_census_day().min(now.date_naive());
                sqlx::query(
                    "INSERT INTO school_rolls \
                     (refresh_id, academic_year, on_date, urn, nc_year, n_pupils) \
                     SELECT $1, academic_year, $2, urn, nc_year, COUNT(*) FROM enrolments \
                     WHERE academic_year = $3 AND started_on <= $2 \
                       AND (left_on IS NULL OR left_on >= $2) \
                     GROUP BY academic_year, urn, nc_year",
                )
                .bind(id)
                .bind(day)
                .bind(year_to_db(*year))
                .execute(&mut *tx)
                .await?;
            }
            for chunk in computed.monthly.chunks(BATCH) {
                let mut qb = QueryBuilder::new(
                    "INSERT INTO monthly_attendance_results (refresh_id, academic_year, month, \
                     scope_kind, scope_code, measure, pupil_group, n_pupils, possible_sessions, \
                     value, ci_low, ci_high, suppressed) ",
                );
                qb.push_values(chunk, |mut b, monthly| {
                    let row = &monthly.row;
                    let (n, value, low, high) = match row.shown {
                        Ok(s) => (
                            Some(i64::from(s.n_pupils)),
                            Some(s.value),
                            s.ci.map(|ci| ci.lower),
                            s.ci.map(|ci| ci.upper),
                        ),
                        Err(_) => (None, None, None, None),
                    };
                    let possible = monthly.possible.and_then(|p| i64::try_from(p).ok());
                    b.push_bind(id)
                        .push_bind(row.year)
                        .push_bind(monthly::month_to_db(monthly.month))
                        .push_bind(row.scope.kind().code())
                        .push_bind(row.scope.code())
                        .push_bind(row.measure.code())
                        .push_bind(row.group.code())
                        .push_bind(n)
                        .push_bind(possible)
                        .push_bind(value)
                        .push_bind(low)
                        .push_bind(high)
                        .push_bind(row.shown.is_err());
                });
                qb.build().execute(&mut *tx).await?;
            }
            comparisons::write(&mut *tx, id, &prepared).await?;
            tx.commit().await?;
            MeasureRefresh { id, computed_at, reason }
        });
        let schools: BTreeSet<&ResultScope> = computed
            .rows
            .iter()
            .map(|r| &r.scope)
            .filter(|s| s.kind() == ScopeKind::School)
            .collect();
        let groups: BTreeSet<&ResultScope> = computed
            .rows
            .iter()
            .map(|r| &r.scope)
            .filter(|s| s.kind() == ScopeKind::Group)
            .collect();
        let summary = RefreshSummary {
            refresh,
            academic_years: computed.years,
            results: computed.rows.len(),
            monthly_results: computed.monthly.len(),
            suppressed: computed.rows.iter().filter(|r| r.shown.is_err()).count(),
            hidden_across_levels: computed.differencing,
            schools: schools.len(),
            groups: groups.len(),
            unplaced_records: computed.unplaced,
            record_issues: computed.issues,
        };
        tracing::info!(
            refresh.id = summary.refresh.id,
            results = summary.results,
            suppressed = summary.suppressed,
            hidden_across_levels = summary.hidden_across_levels,
            "measures refreshed"
        );
        self.evaluate_criteria().await?; // Success criteria follow every refresh (improvement.rs).
        self.update_risk_register().await?; // So does the early-warning register (risks.rs).
        Ok(summary)
    }

    /// The newest refresh, if any has run.
    pub async fn latest_refresh(&self) -> Result<Option<MeasureRefresh>, StoreError> {
        let row: Option<(i64, DateTime<Utc>, String)> = on_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, computed_at, reason FROM measure_refreshes ORDER BY id DESC LIMIT 1",
            )
            .fetch_optional(pool)
            .await?
        });
        Ok(row.map(|(id, computed_at, reason)| MeasureRefresh {
            id,
            computed_at,
            reason,
        }))
    }

    /// The newest refresh's figures for one academic year (or every year), the scopes the
    /// filter names, and the given measures (every measure when empty).
    pub async fn latest_results(
        &self,
        academic_year: Option<AcademicYear>,
        scopes: &ScopeFilter,
        measures: &[Measure],
    ) -> Result<LatestResults, StoreError> {
        self.latest_results_for(academic_year, scopes, measures, &[])
            .await
    }

    /// [`Store::latest_results`] for the given pupil groups only (every group when empty):
    /// a page showing all pupils reads a thirteenth of the rows.
    pub async fn latest_results_for(
        &self,
        academic_year: Option<AcademicYear>,
        scopes: &ScopeFilter,
        measures: &[Measure],
        pupil_groups: &[PupilGroup],
    ) -> Result<LatestResults, StoreError> {
        let Some(refresh) = self.latest_refresh().await? else {
            return Ok(LatestResults {
                refresh: None,
                results: Vec::new(),
            });
        };
        if matches!(scopes, ScopeFilter::Only(list) if list.is_empty()) {
            return Ok(LatestResults {
                refresh: Some(refresh),
                results: Vec::new(),
            });
        }
        let rows: Vec<ResultRowDb> = on_pool!(self, pool => {
            let mut qb = QueryBuilder::new(
                "SELECT academic_year, scope_kind, scope_code, measure, pupil_group, n_pupils, \
                 value, ci_low, ci_high, suppressed, banding FROM measure_results \
                 WHERE refresh_id = ",
            );
            qb.push_bind(refresh.id);
            if let Some(year) = academic_year {
                qb.push(" AND academic_year = ").push_bind(year_to_db(year));
            }
            match scopes {
                ScopeFilter::All => {}
                ScopeFilter::Kind(kind) => {
                    qb.push(" AND scope_kind = ").push_bind(kind.code());
                }
                ScopeFilter::Only(list) => {
                    qb.push(" AND ");
                    push_scopes(&mut qb, list);
                }
            }
            if !measures.is_empty() {
                qb.push(" AND measure IN (");
                let mut list = qb.separated(", ");
                for measure in measures {
                    list.push_bind(measure.code());
                }
                qb.push(")");
            }
            if !pupil_groups.is_empty() {
                qb.push(" AND pupil_group IN (");
                let mut list = qb.separated(", ");
                for group in pupil_groups {
                    list.push_bind(group.code());
                }
                qb.push(")");
            }
            qb.build_query_as().fetch_all(pool).await?
        });
        let mut results = rows
            .into_iter()
            .map(StoredResult::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        results.sort_by(|a, b| {
            (a.academic_year, &a.scope, a.measure, a.pupil_group).cmp(&(
                b.academic_year,
                &b.scope,
                b.measure,
                b.pupil_group,
            ))
        });
        Ok(LatestResults {
            refresh: Some(refresh),
            results,
        })
    }
}

/// One stored monthly attendance figure.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyResult {
    pub academic_year: AcademicYear,
    pub month: CalendarMonth,
    pub scope: ResultScope,
    /// [`Measure::AttendanceOverallAbsence`] (the month's rate) or
    /// [`Measure::AttendancePersistentAbsence`] (persistent absence to the end of the month).
    pub measure: Measure,
    pub pupil_group: PupilGroup,
    pub value: StoredValue,
    /// The month's possible sessions, for a shown overall absence rate.
    pub possible_sessions: Option<u64>,
}

impl Store {
    /// The newest refresh's monthly attendance figures for one academic year and the given
    /// scopes, by scope, month, measure and pupil group. Empty when no refresh has run, or
    /// when the year has no session marks.
    pub async fn latest_monthly_attendance(
        &self,
        academic_year: AcademicYear,
        scopes: &[ResultScope],
    ) -> Result<Vec<MonthlyResult>, StoreError> {
        let Some(refresh) = self.latest_refresh().await? else {
            return Ok(Vec::new());
        };
        if scopes.is_empty() {
            return Ok(Vec::new());
        }
        type Row = (
            String,
            String,
            String,
            String,
            String,
            Option<i64>,
            Option<i64>,
            Option<f64>,
            Option<f64>,
            Option<f64>,
            bool,
        );
        let rows: Vec<Row> = on_pool!(self, pool => {
            let mut qb = QueryBuilder::new(
                "SELECT month, scope_kind, scope_code, measure, pupil_group, n_pupils, \
                 possible_sessions, value, ci_low, ci_high, suppressed \
                 FROM monthly_attendance_results WHERE refresh_id = ",
            );
            qb.push_bind(refresh.id)
                .push(" AND academic_year = ")
                .push_bind(year_to_db(academic_year))
                .push(" AND ");
            push_scopes(&mut qb, scopes);
            qb.build_query_as().fetch_all(pool).await?
        });
        let mut results = Vec::with_capacity(rows.len());
        for (month, kind, code, measure, group, n, possible, value, low, high, suppressed) in rows {
            let value = match (suppressed, value, n) {
                (true, _, _) => StoredValue::Suppressed,
                (false, Some(value), Some(n)) => StoredValue::Shown {
                    value,
                    n_pupils: u32::try_from(n)
                        .map_err(|_| StoreError::corrupt("pupil count", &n))?,
                    ci_low: low,
                    ci_high: high,
                },
                (false, _, _) => return Err(StoreError::corrupt("shown figure", "with no value")),
            };
            results.push(MonthlyResult {
                academic_year,
                month: monthly::month_from_db(&month)?,
                scope: ResultScope::from_db(&kind, &code)?,
                measure: Measure::parse(&measure)
                    .ok_or_else(|| StoreError::corrupt("measure", &measure))?,
                pupil_group: PupilGroup::parse(&group)
                    .ok_or_else(|| StoreError::corrupt("pupil group", &group))?,
                value,
                possible_sessions: possible.and_then(|p| u64::try_from(p).ok()),
            });
        }
        results.sort_by(|a, b| {
            (&a.scope, a.month, a.measure, a.pupil_group).cmp(&(
                &b.scope,
                b.month,
                b.measure,
                b.pupil_group,
            ))
        });
        Ok(results)
    }
}

#[derive(sqlx::FromRow)]
struct ResultRowDb {
    academic_year: i64,
    scope_kind: String,
    scope_code: String,
    measure: String,
    pupil_group: String,
    n_pupils: Option<i64>,
    value: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    suppressed: bool,
    banding: Option<String>,
}

impl TryFrom<ResultRowDb> for StoredResult {
    type Error = StoreError;
    fn try_from(row: ResultRowDb) -> Result<Self, StoreError> {
        let value = match (row.suppressed, row.value, row.n_pupils) {
            (true, _, _) => StoredValue::Suppressed,
            (false, Some(value), Some(n)) => StoredValue::Shown {
                value,
                n_pupils: u32::try_from(n).map_err(|_| StoreError::corrupt("pupil count", &n))?,
                ci_low: row.ci_low,
                ci_high: row.ci_high,
            },
            (false, _, _) => return Err(StoreError::corrupt("shown figure", "with no value")),
        };
        Ok(StoredResult {
            academic_year: year_from_db(row.academic_year)?,
            scope: ResultScope::from_db(&row.scope_kind, &row.scope_code)?,
            measure: Measure::parse(&row.measure)
                .ok_or_else(|| StoreError::corrupt("measure", &row.measure))?,
            pupil_group: PupilGroup::parse(&row.pupil_group)
                .ok_or_else(|| StoreError::corrupt("pupil group", &row.pupil_group))?,
            banding: match (&value, row.banding) {
                (StoredValue::Shown { .. }, Some(code)) => Some(
                    banding_from_code(&code)
                        .ok_or_else(|| StoreError::corrupt("Progress 8 banding", &code))?,
                ),
                _ => None,
            },
            value,
        })
    }
}

const BANDINGS: [P8Banding; 5] = [
    P8Banding::WellAboveAverage,
    P8Banding::AboveAverage,
    P8Banding::Average,
    P8Banding::BelowAverage,
    P8Banding::WellBelowAverage,
];

/// The stored snake_case code of a banding (the engine's serde name).
fn banding_code(banding: P8Banding) -> &'static str {
    match banding {
        P8Banding::WellAboveAverage => "well_above_average",
        P8Banding::AboveAverage => "above_average",
        P8Banding::Average => "average",
        P8Banding::BelowAverage => "below_average",
        P8Banding::WellBelowAverage => "well_below_average",
    }
}

fn banding_from_code(code: &str) -> Option<P8Banding> {
    BANDINGS.into_iter().find(|b| banding_code(*b) == code)
}

// ---------------------------------------------------------------------------------------
// Loading pupil-level records.

/// Pupil-level records as stored, typed but not yet placed.
#[derive(Debug, Default)]
struct Records {
    sexes: HashMap<i64, Sex>,
    /// (pupil, year) -> where the pupil was that year.
    placements: HashMap<(i64, i64), Placement>,
    /// (pupil, year) -> that year's latest characteristics.
    characteristics: HashMap<(i64, i64), Traits>,
    /// (group code, URN, joined, left)
    memberships: Vec<(String, Urn, NaiveDate, Option<NaiveDate>)>,
    ks2: Vec<Ks2Row>,
    ks4: Vec<Ks4Row>,
    phonics: Vec<(i64, i64, String)>,
    mtc: Vec<(i64, i64, String)>,
    eyfs: Vec<(i64, i64, String, String)>,
    attendance: Vec<AttendanceRow>,
}

#[derive(Debug, Clone, Copy)]
struct Placement {
    urn: Urn,
    nc_year: i64,
    on_census_day: bool,
    started_on: NaiveDate,
}

impl Placement {
    /// Whether this enrolment decides the pupil's school over `other`: on roll on census
    /// day first, then the later start, then the higher URN (so the choice is deterministic).
    fn beats(&self, other: &Placement) -> bool {
        (self.on_census_day, self.started_on, self.urn)
            > (other.on_census_day, other.started_on, other.urn)
    }
}

#[derive(Debug, Clone, Copy)]
struct Traits {
    term: Term,
    disadvantaged: bool,
    sen: SenProvision,
    eal: bool,
}

#[derive(Debug, sqlx::FromRow)]
struct Ks2Row {
    pupil_id: i64,
    academic_year: Option<i64>,
    reading: String,
    maths: String,
    writing: String,
}

#[derive(Debug, sqlx::FromRow)]
struct Ks4Row {
    pupil_id: i64,
    academic_year: Option<i64>,
    subject: String,
    urn: i64,
    grade: String,
}

#[derive(Debug, sqlx::FromRow)]
struct AttendanceRow {
    pupil_id: i64,
    academic_year: i64,
    term: Option<String>,
    sessions_possible: i64,
    sessions_attended: i64,
    sessions_authorised: i64,
    sessions_unauthorised: i64,
}

type EnrolmentRow = (i64, i64, i64, i64, NaiveDate, Option<NaiveDate>);
type CharacteristicsRow = (i64, i64, String, bool, String, bool);

impl Store {
    /// Reads every record the measures need and the session marks' tallies.
    #[cfg(test)]
    async fn load_records(&self) -> Result<(Records, monthly::MarkTallies), StoreError> {
        futures::try_join!(self.load_pupil_records(), self.load_mark_tallies())
    }

    /// The session marks summed by pupil, enrolling school and month (`monthly::tally_sql`).
    async fn load_mark_tallies(&self) -> Result<monthly::MarkTallies, StoreError> {
        let codes = AttendanceCodes::dfe_2024().map_err(|e| measure_error(&e))?;
        let tally_sql = monthly::tally_sql(mark_dates(self.backend()), &codes);
        let (rows, total) = on_pool!(self, pool => {
            let mut tally = sqlx::query_as(&tally_sql);
            for (code, _) in codes.codes() {
                tally = tally.bind(code);
            }
            let rows: Vec<monthly::TallyRow> = tally.fetch_all(pool).await?;
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM attendance_marks")
                .fetch_one(pool)
                .await?;
            (rows, total)
        });
        monthly::tallies(rows, total)
    }

    /// Reads every record the measures need but the session marks, with plain selects;
    /// placement happens in Rust.
    async fn load_pupil_records(&self) -> Result<Records, StoreError> {
        let (
            sexes,
            enrolments,
            characteristics,
            memberships,
            ks2,
            ks4,
            phonics,
            mtc,
            eyfs,
            attendance,
        ) = on_pool!(self, pool => {
            let sexes: Vec<(i64, String)> =
                sqlx::query_as("SELECT id, sex FROM pupils").fetch_all(pool).await?;
            let enrolments: Vec<EnrolmentRow> = sqlx::query_as(
                "SELECT pupil_id, urn, academic_year, nc_year, started_on, left_on \
                 FROM enrolments",
            )
            .fetch_all(pool)
            .await?;
            let characteristics: Vec<CharacteristicsRow> = sqlx::query_as(
                "SELECT pupil_id, academic_year, term, disadvantaged, sen, eal \
                 FROM characteristics",
            )
            .fetch_all(pool)
            .await?;
            let memberships: Vec<(String, i64, NaiveDate, Option<NaiveDate>)> =
                sqlx::query_as("SELECT group_code, urn, joined_on, left_on FROM memberships")
                    .fetch_all(pool)
                    .await?;
            let ks2: Vec<Ks2Row> = sqlx::query_as(
                "SELECT pupil_id, academic_year, reading, maths, writing FROM ks2_results",
            )
            .fetch_all(pool)
            .await?;
            let ks4: Vec<Ks4Row> = sqlx::query_as(
                "SELECT pupil_id, academic_year, subject, urn, grade FROM ks4_results",
            )
            .fetch_all(pool)
            .await?;
            let phonics: Vec<(i64, i64, String)> =
                sqlx::query_as("SELECT pupil_id, academic_year, outcome FROM phonics_results")
                    .fetch_all(pool)
                    .await?;
            let mtc: Vec<(i64, i64, String)> =
                sqlx::query_as("SELECT pupil_id, academic_year, outcome FROM mtc_results")
                    .fetch_all(pool)
                    .await?;
            let eyfs: Vec<(i64, i64, String, String)> = sqlx::query_as(
                "SELECT pupil_id, academic_year, goal, judgement FROM eyfs_results",
            )
            .fetch_all(pool)
            .await?;
            let attendance: Vec<AttendanceRow> = sqlx::query_as(
                "SELECT pupil_id, academic_year, term, sessions_possible, sessions_attended, \
                 sessions_authorised, sessions_unauthorised FROM attendance_summaries",
            )
            .fetch_all(pool)
            .await?;
            (sexes, enrolments, characteristics, memberships, ks2, ks4, phonics, mtc, eyfs, attendance)
        });

        let mut records = Records {
            ks2,
            ks4,
            phonics,
            mtc,
            eyfs,
            attendance,
            ..Records::default()
        };
        for (id, sex) in sexes {
            records
                .sexes
                .insert(id, code_from_db("sex", &sex, Sex::parse)?);
        }
        let mut census_days: HashMap<i64, NaiveDate> = HashMap::new();
        for (pupil_id, urn, year, nc_year, started_on, left_on) in enrolments {
            let census_day = match census_days.get(&year) {
                Some(day) => *day,
                None => {
                    let day = year_from_db(year)?.spring_census_day();
                    census_days.insert(year, day);
                    day
                }
            };
            let placement = Placement {
                urn: urn_from_db(urn)?,
                nc_year,
                on_census_day: started_on <= census_day && left_on.is_none_or(|l| l >= census_day),
                started_on,
            };
            records
                .placements
                .entry((pupil_id, year))
                .and_modify(|p| {
                    if placement.beats(p) {
                        *p = placement;
                    }
                })
                .or_insert(placement);
        }
        for (pupil_id, year, term, disadvantaged, sen, eal) in characteristics {
            let traits = Traits {
                term: code_from_db("term", &term, Term::parse)?,
                disadvantaged,
                sen: code_from_db("SEN provision", &sen, SenProvision::parse)?,
                eal,
            };
            records
                .characteristics
                .entry((pupil_id, year))
                .and_modify(|t| {
                    if traits.term > t.term {
                        *t = traits;
                    }
                })
                .or_insert(traits);
        }
        for (group, urn, joined, left) in memberships {
            records
                .memberships
                .push((group, urn_from_db(urn)?, joined, left));
        }
        Ok(records)
    }
}

/// The backend's expressions for the dates of session marks and enrolments: SQLite stores
/// dates as `YYYY-MM-DD` text, compared as text, PostgreSQL as `DATE`, which has no `substr`.
fn mark_dates(backend: crate::Backend) -> monthly::DateSql {
    match backend {
        crate::Backend::Sqlite => monthly::DateSql {
            month: "substr(m.date, 1, 7)",
            year_start: "({y} || '-09-01')",
            year_end: "({y} || '-08-31')",
        },
        crate::Backend::Postgres => monthly::DateSql {
            month: "to_char(m.date, 'YYYY-MM')",
            year_start: "make_date(CAST({y} AS INTEGER), 9, 1)",
            year_end: "make_date(CAST({y} AS INTEGER), 8, 31)",
        },
    }
}

// ---------------------------------------------------------------------------------------
// Computing.

/// A figure ready to store.
#[derive(Debug, Clone)]
struct ResultRow {
    year: i64,
    scope: ResultScope,
    measure: Measure,
    group: PupilGroup,
    /// The figure with its pupil count, or why the engine hid it.
    shown: Result<Shown, SuppressionReason>,
}

impl ResultRow {
    /// What a reader of the published figures sees of this one.
    fn published(&self) -> Published {
        match self.shown {
            Ok(shown) => Published::Shown {
                n_pupils: shown.n_pupils,
            },
            Err(reason) => Published::Hidden(reason),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Shown {
    value: f64,
    n_pupils: u32,
    ci: Option<Interval>,
    banding: Option<P8Banding>,
}

#[derive(Debug, Default)]
struct Computed {
    years: Vec<AcademicYear>,
    rows: Vec<ResultRow>,
    /// Attendance by month, from session marks.
    monthly: Vec<monthly::MonthlyRow>,
    /// Group-of-schools figures hidden because they would reveal a member by subtraction.
    differencing: usize,
    unplaced: usize,
    issues: usize,
}

/// Collects figures for one year.
struct Sink<'a> {
    year: i64,
    rows: &'a mut Vec<ResultRow>,
    /// Member schools each group's figure for a measure leaves out ([`Sink::pooled_members`]).
    left_out: BTreeMap<(String, Measure), BTreeSet<Urn>>,
}

impl Sink<'_> {
    /// The members a group-of-schools figure pools: every member school except those whose own
    /// all-pupils figure for a measure of the block (the figures pushed since row `block`) is
    /// too small to publish. Otherwise the group figure, beside its other members' figures,
    /// would give the small school's back by subtraction, and the whole group figure would
    /// have to be hidden ([`hide_differencing`]), taking a trust's headline away because of one
    /// special school's four pupils. The DfE's trust measures likewise cover the schools that
    /// meet their inclusion rules, not every school in the trust (`INSTITUTIONS_MATPTINC` in
    /// the 2023/24 MAT performance files). A school with pupils in the block but none counted
    /// by one of its measures (a special school whose pupils all worked below the KS2 tests has
    /// no average scaled score) is left out too: the block's measures are pooled together, and
    /// its pupils would otherwise be the remainder of that measure's group figure.
    fn pooled_members(&mut self, block: usize, code: &str, members: &[Urn]) -> Vec<Urn> {
        let block_rows = self.rows.get(block..).unwrap_or_default();
        let mut too_small = BTreeSet::new();
        let mut measures = BTreeSet::new();
        for row in block_rows {
            let ResultScope::School(urn) = row.scope else {
                continue;
            };
            measures.insert(row.measure);
            let hidden = row.shown.is_err();
            if row.group == PupilGroup::All && hidden && members.contains(&urn) {
                too_small.insert(urn);
            }
        }
        for measure in measures {
            self.left_out
                .insert((code.to_owned(), measure), too_small.clone());
        }
        members
            .iter()
            .copied()
            .filter(|urn| !too_small.contains(urn))
            .collect()
    }

    fn push<T: PointEstimate>(
        &mut self,
        scope: &ResultScope,
        measure: Measure,
        figures: &GroupFigures<T>,
        banding: impl Fn(&T) -> Option<P8Banding>,
    ) {
        for (group, figure) in figures.iter() {
            if group.family() == Some(GroupFamily::PriorAttainment) && !measure.has_prior_groups() {
                continue;
            }
            let shown = figure.shown_or_reason().map(|(value, n_pupils)| Shown {
                value: value.point(),
                n_pupils,
                ci: Some(value.interval()),
                banding: banding(value),
            });
            self.rows.push(ResultRow {
                year: self.year,
                scope: scope.clone(),
                measure,
                group,
                shown,
            });
        }
    }

    fn plain<T: PointEstimate>(
        &mut self,
        scope: &ResultScope,
        measure: Measure,
        figures: &GroupFigures<T>,
    ) {
        self.push(scope, measure, figures, |_| None);
    }

    fn ks4(&mut self, scope: &ResultScope, summary: &Ks4Summary) {
        self.plain(scope, Measure::Ks4Attainment8, &summary.attainment8);
        if let Some(p8) = &summary.progress8 {
            self.push(scope, Measure::Ks4Progress8, p8, |f| Some(f.banding));
        }
        self.plain(
            scope,
            Measure::Ks4EnglishMaths4Plus,
            &summary.english_maths_4,
        );
        self.plain(
            scope,
            Measure::Ks4EnglishMaths5Plus,
            &summary.english_maths_5,
        );
        self.plain(scope, Measure::Ks4EbaccEntry, &summary.ebacc_entry);
        self.plain(scope, Measure::Ks4EbaccAps, &summary.ebacc_aps);
    }

    fn ks2(&mut self, scope: &ResultScope, s: &Ks2Summary) {
        self.plain(scope, Measure::Ks2RwmExpected, &s.rwm_expected);
        self.plain(scope, Measure::Ks2RwmHigher, &s.rwm_high);
        self.plain(scope, Measure::Ks2ReadingExpected, &s.reading_expected);
        self.plain(scope, Measure::Ks2WritingExpected, &s.writing_expected);
        self.plain(scope, Measure::Ks2MathsExpected, &s.maths_expected);
        self.plain(scope, Measure::Ks2ReadingAverage, &s.reading_average);
        self.plain(scope, Measure::Ks2MathsAverage, &s.maths_average);
    }

    fn attendance(&mut self, scope: &ResultScope, s: &AttendanceSummary) {
        self.plain(scope, Measure::AttendanceOverallAbsence, &s.overall_absence);
        self.plain(
            scope,
            Measure::AttendanceAuthorisedAbsence,
            &s.authorised_absence,
        );
        self.plain(
            scope,
            Measure::AttendanceUnauthorisedAbsence,
            &s.unauthorised_absence,
        );
        self.plain(
            scope,
            Measure::AttendancePersistentAbsence,
            &s.persistent_absence,
        );
        self.plain(scope, Measure::AttendanceSevereAbsence, &s.severe_absence);
    }
}

/// The schools in each group on a day.
fn members_on(records: &Records, day: NaiveDate) -> BTreeMap<&str, Vec<Urn>> {
    let mut groups: BTreeMap<&str, Vec<Urn>> = BTreeMap::new();
    for (code, urn, joined, left) in &records.memberships {
        if *joined <= day && left.is_none_or(|l| day < l) {
            groups.entry(code.as_str()).or_default().push(*urn);
        }
    }
    for urns in groups.values_mut() {
        urns.sort_unstable();
        urns.dedup();
    }
    groups
}

/// The groups (with their member schools) that have any of `urns` among their members.
fn groups_with<'g>(
    groups: &'g BTreeMap<&'g str, Vec<Urn>>,
    urns: impl Iterator<Item = Urn>,
) -> Vec<(&'g str, &'g [Urn])> {
    let present: BTreeSet<Urn> = urns.collect();
    groups
        .iter()
        .filter(|(_, members)| members.iter().any(|u| present.contains(u)))
        .map(|(code, members)| (*code, members.as_slice()))
        .collect()
}

/// The academic year in which each pupil with KS4 results ends KS4, and how many results fall
/// after it. A pupil ends KS4 in the year they are in national curriculum year 11 (the latest,
/// if they repeated it), or, with no such enrolment, in the last year they have results. The
/// DfE's KS4 cohort is the pupils at the end of KS4, and their results from earlier years
/// (early entries) count in it under the first-entry rule (DfE KS4 performance tables metadata
/// 2018/19, ks4_meta_methodology.csv, "_PTQ" and "_PTQ_EE suffix"; measures.md §1.3), so an
/// early entry in year 10 neither makes a cohort of its own nor is lost. Results after that
/// year (resits in the sixth form) belong to no KS4 cohort and are counted as unused.
fn ks4_cohorts(records: &Records) -> (HashMap<i64, i64>, usize) {
    let mut cohorts: HashMap<i64, i64> = HashMap::new();
    for row in &records.ks4 {
        if let Some(year) = row.academic_year {
            let last = cohorts.entry(row.pupil_id).or_insert(year);
            *last = (*last).max(year);
        }
    }
    let mut year11: HashMap<i64, i64> = HashMap::new();
    for (&(pupil_id, year), placement) in &records.placements {
        if placement.nc_year == 11 && cohorts.contains_key(&pupil_id) {
            let latest = year11.entry(pupil_id).or_insert(year);
            *latest = (*latest).max(year);
        }
    }
    cohorts.extend(year11);
    let after = records
        .ks4
        .iter()
        .filter(|r| {
            r.academic_year
                .is_some_and(|y| cohorts.get(&r.pupil_id).is_some_and(|&c| y > c))
        })
        .count();
    (cohorts, after)
}

fn compute(records: &Records, policy: SuppressionPolicy) -> Result<Computed, StoreError> {
    let mut out = Computed::default();
    let years: BTreeSet<i64> = records.placements.keys().map(|(_, year)| *year).collect();
    let goals = EarlyLearningGoals::dfe_2021().map_err(|e| measure_error(&e))?;
    let goal_index = goal_index(&goals)?;
    let prior = prior_attainment(records);
    let (ks4_cohorts, after_cohort) = ks4_cohorts(records);
    out.issues += after_cohort;
    let context = |pupil_id: i64, year: i64| context_of(records, pupil_id, year);

    for &year in &years {
        let academic_year = year_from_db(year)?;
        out.years.push(academic_year);
        let groups = members_on(records, academic_year.spring_census_day());
        let first_row = out.rows.len();
        let mut sink = Sink {
            year,
            rows: &mut out.rows,
            left_out: BTreeMap::new(),
        };
        let place = |pupil_id: i64| records.placements.get(&(pupil_id, year));

        // KS4: the year's cohort (see `ks4_cohorts`) with every result up to this year,
        // grouped by pupil, the latest year's rows first so a pupil with no placement is at
        // the school of their last results.
        let config = ks4_config(academic_year)?;
        let mut ks4_rows: Vec<&Ks4Row> = records
            .ks4
            .iter()
            .filter(|r| {
                ks4_cohorts.get(&r.pupil_id) == Some(&year)
                    && r.academic_year.is_some_and(|y| y <= year)
            })
            .collect();
        ks4_rows.sort_by_key(|r| (r.pupil_id, std::cmp::Reverse(r.academic_year)));
        let mut pupils: Vec<Ks4Pupil> = Vec::new();
        let mut entries: Vec<Ks4Entry> = Vec::new();
        let mut last_pupil = None;
        for row in ks4_rows {
            if last_pupil != Some(row.pupil_id) {
                last_pupil = Some(row.pupil_id);
                let urn = match place(row.pupil_id) {
                    Some(p) => p.urn,
                    None => urn_from_db(row.urn)?,
                };
                let ks2_average = prior_before(&prior, row.pupil_id, year);
                pupils.push(Ks4Pupil {
                    urn,
                    context: context(row.pupil_id, year),
                    ks2_average,
                });
            }
            let subject = config.catalogue.lookup(&row.subject).ok();
            let grade = subject.and_then(|s| config.catalogue.parse_grade(s, &row.grade).ok());
            match (
                subject,
                grade,
                u32::try_from(pupils.len().saturating_sub(1)),
            ) {
                (Some(subject), Some(grade), Ok(pupil_idx)) => entries.push(Ks4Entry {
                    pupil_idx,
                    subject,
                    grade,
                    // An earlier year's result is an earlier entry (first entry, measures.md
                    // §1.3); one year holds one result per subject, so the year is the sitting.
                    sitting: row
                        .academic_year
                        .and_then(|y| u16::try_from(y).ok())
                        .unwrap_or(u16::MAX),
                }),
                _ => out.issues += 1,
            }
        }
        if !pupils.is_empty() {
            let output = compute_ks4(&config, &pupils, &entries);
            out.issues += output.issues.len();
            let block = sink.rows.len();
            for (urn, summary) in summarise_ks4_by_school(&config, policy, &pupils, &output.pupils)
            {
                sink.ks4(&ResultScope::School(urn), &summary);
            }
            for (code, members) in groups_with(&groups, pupils.iter().map(|p| p.urn)) {
                let members = &sink.pooled_members(block, code, members);
                let summary =
                    summarise_ks4_pooled(&config, policy, &pupils, &output.pupils, members);
                sink.ks4(&ResultScope::Group(code.to_owned()), &summary);
            }
        }

        // KS2.
        let mut ks2: Vec<Ks2Pupil> = Vec::new();
        for row in records.ks2.iter().filter(|r| r.academic_year == Some(year)) {
            let Some(placement) = place(row.pupil_id) else {
                out.unplaced += 1;
                continue;
            };
            match ks2_pupil(row) {
                Ok(Some((reading, writing, maths))) => ks2.push(Ks2Pupil {
                    urn: placement.urn,
                    context: context(row.pupil_id, year),
                    reading,
                    writing,
                    maths,
                    gps: None,
                }),
                Ok(None) => {}
                Err(()) => out.issues += 1,
            }
        }
        if !ks2.is_empty() {
            let block = sink.rows.len();
            for (urn, summary) in summarise_ks2_by_school(policy, &ks2) {
                sink.ks2(&ResultScope::School(urn), &summary);
            }
            for (code, members) in groups_with(&groups, ks2.iter().map(|p| p.urn)) {
                let members = &sink.pooled_members(block, code, members);
                let summary = summarise_ks2_pooled(policy, &ks2, members);
                sink.ks2(&ResultScope::Group(code.to_owned()), &summary);
            }
        }

        // Phonics: Year 1.
        if let Some(threshold) = phonics_threshold(academic_year) {
            let mut phonics: Vec<PhonicsPupil> = Vec::new();
            for (pupil_id, _, outcome) in records.phonics.iter().filter(|r| r.1 == year) {
                let Some(placement) = place(*pupil_id) else {
                    out.unplaced += 1;
                    continue;
                };
                if placement.nc_year != 1 {
                    continue;
                }
                let outcome = match PhonicsOutcome::parse(outcome) {
                    Ok(PhonicsOutcome::Mark(mark)) => {
                        cairn_measures::early::PhonicsOutcome::Mark(mark)
                    }
                    Ok(PhonicsOutcome::Absent) => cairn_measures::early::PhonicsOutcome::Absent,
                    Ok(PhonicsOutcome::Disapplied) => {
                        cairn_measures::early::PhonicsOutcome::Disapplied
                    }
                    Ok(PhonicsOutcome::Left | PhonicsOutcome::Maladministration) => continue,
                    Err(_) => {
                        out.issues += 1;
                        continue;
                    }
                };
                phonics.push(PhonicsPupil {
                    urn: placement.urn,
                    context: context(*pupil_id, year),
                    outcome,
                });
            }
            let block = sink.rows.len();
            for (urn, summary) in summarise_phonics_by_school(policy, threshold, &phonics) {
                sink.plain(
                    &ResultScope::School(urn),
                    Measure::PhonicsY1Met,
                    &summary.expected_standard,
                );
            }
            for (code, members) in groups_with(&groups, phonics.iter().map(|p| p.urn)) {
                let members = &sink.pooled_members(block, code, members);
                let summary = summarise_phonics_pooled(policy, threshold, &phonics, members);
                sink.plain(
                    &ResultScope::Group(code.to_owned()),
                    Measure::PhonicsY1Met,
                    &summary.expected_standard,
                );
            }
        }

        // MTC.
        let mut mtc: Vec<MtcPupil> = Vec::new();
        for (pupil_id, _, outcome) in records.mtc.iter().filter(|r| r.1 == year) {
            let Some(placement) = place(*pupil_id) else {
                out.unplaced += 1;
                continue;
            };
            let score = match MtcOutcome::parse(outcome) {
                Ok(MtcOutcome::Score(score)) => Some(score),
                Ok(_) => None,
                Err(_) => {
                    out.issues += 1;
                    continue;
                }
            };
            mtc.push(MtcPupil {
                urn: placement.urn,
                context: context(*pupil_id, year),
                score,
            });
        }
        let block = sink.rows.len();
        for (urn, summary) in summarise_mtc_by_school(policy, &mtc) {
            let scope = ResultScope::School(urn);
            sink.plain(&scope, Measure::MtcAverageScore, &summary.average_score);
            sink.plain(&scope, Measure::MtcFullMarks, &summary.full_marks);
        }
        for (code, members) in groups_with(&groups, mtc.iter().map(|p| p.urn)) {
            let members = &sink.pooled_members(block, code, members);
            let summary = summarise_mtc_pooled(policy, &mtc, members);
            let scope = ResultScope::Group(code.to_owned());
            sink.plain(&scope, Measure::MtcAverageScore, &summary.average_score);
            sink.plain(&scope, Measure::MtcFullMarks, &summary.full_marks);
        }

        // EYFS: one row per goal, gathered per pupil.
        let mut profiles: BTreeMap<i64, [Option<ElgJudgement>; N_ELGS]> = BTreeMap::new();
        for (pupil_id, _, goal, judgement) in records.eyfs.iter().filter(|r| r.1 == year) {
            let (Some(&idx), Ok(judgement)) = (
                goal_index.get(goal.as_str()),
                EyfsJudgement::parse(judgement),
            ) else {
                out.issues += 1;
                continue;
            };
            let judgement = match judgement {
                EyfsJudgement::Expected => Some(ElgJudgement::Expected),
                EyfsJudgement::Emerging => Some(ElgJudgement::Emerging),
                EyfsJudgement::NotAssessed => None,
            };
            if let Some(slot) = profiles
                .entry(*pupil_id)
                .or_insert([None; N_ELGS])
                .get_mut(idx)
            {
                *slot = judgement;
            }
        }
        let mut eyfs: Vec<EyfsPupil> = Vec::with_capacity(profiles.len());
        for (pupil_id, judgements) in profiles {
            let Some(placement) = place(pupil_id) else {
                out.unplaced += 1;
                continue;
            };
            eyfs.push(EyfsPupil {
                urn: placement.urn,
                context: context(pupil_id, year),
                judgements,
            });
        }
        let block = sink.rows.len();
        for (urn, summary) in summarise_eyfs_by_school(policy, &goals, &eyfs) {
            let scope = ResultScope::School(urn);
            sink.plain(&scope, Measure::EyfsGld, &summary.good_level_of_development);
            sink.plain(
                &scope,
                Measure::EyfsAverageGoalsExpected,
                &summary.average_goals_expected,
            );
        }
        for (code, members) in groups_with(&groups, eyfs.iter().map(|p| p.urn)) {
            let members = &sink.pooled_members(block, code, members);
            let summary = summarise_eyfs_pooled(policy, &goals, &eyfs, members);
            let scope = ResultScope::Group(code.to_owned());
            sink.plain(&scope, Measure::EyfsGld, &summary.good_level_of_development);
            sink.plain(
                &scope,
                Measure::EyfsAverageGoalsExpected,
                &summary.average_goals_expected,
            );
        }

        // Attendance: the annual summary, or the sum of the termly ones.
        let mut sessions: BTreeMap<i64, (bool, SessionCounts)> = BTreeMap::new();
        for row in records
            .attendance
            .iter()
            .filter(|r| r.academic_year == year)
        {
            let Some(counts) = session_counts(row) else {
                out.issues += 1;
                continue;
            };
            let annual = row.term.is_none();
            match sessions.get_mut(&row.pupil_id) {
                None => {
                    sessions.insert(row.pupil_id, (annual, counts));
                }
                Some((true, _)) => {}
                Some(slot) if annual => *slot = (true, counts),
                Some((_, total)) => *total = total.plus(counts),
            }
        }
        let mut attendance: Vec<AttendancePupil> = Vec::with_capacity(sessions.len());
        for (pupil_id, (_, counts)) in sessions {
            let Some(placement) = place(pupil_id) else {
                out.unplaced += 1;
                continue;
            };
            attendance.push(AttendancePupil {
                urn: placement.urn,
                context: context(pupil_id, year),
                sessions: counts,
            });
        }
        let block = sink.rows.len();
        for (urn, summary) in summarise_attendance_by_school(policy, &attendance) {
            sink.attendance(&ResultScope::School(urn), &summary);
        }
        for (code, members) in groups_with(&groups, attendance.iter().map(|p| p.urn)) {
            let members = &sink.pooled_members(block, code, members);
            let summary = summarise_attendance_pooled(policy, &attendance, members);
            sink.attendance(&ResultScope::Group(code.to_owned()), &summary);
        }
        let left_out = sink.left_out;
        if let Some(rows) = out.rows.get_mut(first_row..) {
            out.differencing += hide_differencing(policy, &groups, &left_out, rows);
        }
    }
    Ok(out)
}

/// A pupil's characteristics in a year; the prior band comes from the KS2 average, for KS4
/// only (the engine derives it).
fn context_of(records: &Records, pupil_id: i64, year: i64) -> PupilContext {
    let traits = records.characteristics.get(&(pupil_id, year));
    PupilContext {
        disadvantaged: traits.is_some_and(|t| t.disadvantaged),
        sen: traits.map_or(SenProvision::None, |t| t.sen),
        eal: traits.is_some_and(|t| t.eal),
        sex: records.sexes.get(&pupil_id).copied().unwrap_or(Sex::Female),
        prior: None,
    }
}

/// Attendance by month from the marks' tallies, for every year with marks, into `out`.
fn compute_monthly(
    records: &Records,
    marks: &monthly::MarkTallies,
    policy: SuppressionPolicy,
    out: &mut Computed,
) -> Result<(), StoreError> {
    out.issues += marks.issues;
    if marks.unenrolled > 0 {
        tracing::warn!(
            marks = marks.unenrolled,
            "session marks on dates with no enrolment count nowhere"
        );
    }
    for (&year, by_enrolment) in &marks.by_year {
        let groups = members_on(records, year_from_db(year)?.spring_census_day());
        monthly::compute_year(
            policy,
            year,
            by_enrolment,
            &groups,
            |pupil_id| context_of(records, pupil_id, year),
            out,
        );
    }
    Ok(())
}

/// Suppression across levels for one year's figures: hides each group-of-schools figure that,
/// beside its member schools' published figures, would give back a suppressed member's
/// figure by subtraction (`cairn_measures::groups::differencing_hides`, which also hides what
/// would undo it). Members are the schools the group's figure pooled: its schools on the
/// year's spring census day less those `left_out` of it. Returns how many figures it hid.
fn hide_differencing(
    policy: SuppressionPolicy,
    groups: &BTreeMap<&str, Vec<Urn>>,
    left_out: &BTreeMap<(String, Measure), BTreeSet<Urn>>,
    rows: &mut [ResultRow],
) -> usize {
    // Each school's figures as published, and where each group's figures are in `rows`.
    let mut schools: BTreeMap<(Urn, Measure), BTreeMap<PupilGroup, Published>> = BTreeMap::new();
    let mut group_rows: BTreeMap<(&str, Measure), BTreeMap<PupilGroup, usize>> = BTreeMap::new();
    for (row_idx, row) in rows.iter().enumerate() {
        match &row.scope {
            ResultScope::School(urn) => {
                let figures = schools.entry((*urn, row.measure)).or_default();
                figures.insert(row.group, row.published());
            }
            ResultScope::Group(code) => {
                let figures = group_rows.entry((code.as_str(), row.measure)).or_default();
                figures.insert(row.group, row_idx);
            }
            ResultScope::National => {}
        }
    }
    let mut to_hide: Vec<usize> = Vec::new();
    for ((code, measure), figure_rows) in &group_rows {
        let Some(urns) = groups.get(code) else {
            continue;
        };
        let left_out = left_out.get(&((*code).to_owned(), *measure));
        let members: Vec<&BTreeMap<PupilGroup, Published>> = urns
            .iter()
            .filter(|urn| left_out.is_none_or(|l| !l.contains(urn)))
            .filter_map(|urn| schools.get(&(*urn, *measure)))
            .collect();
        let figures: BTreeMap<PupilGroup, Published> = figure_rows
            .iter()
            .filter_map(|(group, row_idx)| Some((*group, rows.get(*row_idx)?.published())))
            .collect();
        for group in differencing_hides(policy, &figures, &members) {
            to_hide.extend(figure_rows.get(&group));
        }
    }
    let mut n_hidden = 0;
    for row_idx in to_hide {
        if let Some(row) = rows.get_mut(row_idx).filter(|row| row.shown.is_ok()) {
            row.shown = Err(SuppressionReason::Differencing);
            n_hidden += 1;
        }
    }
    n_hidden
}

fn measure_error(error: &MeasureError) -> StoreError {
    StoreError::corrupt("measures table", error)
}

/// The year's KS4 tables: the revised DfE release where there is one, else the provisional.
fn ks4_config(year: AcademicYear) -> Result<Ks4Config, StoreError> {
    let revised = Ks4Config::dfe(year, Release::Revised).map_err(|e| measure_error(&e))?;
    if revised.estimates.is_some() {
        return Ok(revised);
    }
    let provisional = Ks4Config::dfe(year, Release::Provisional).map_err(|e| measure_error(&e))?;
    Ok(if provisional.estimates.is_some() {
        provisional
    } else {
        revised
    })
}

/// Stored goal code -> position in the engine's goal order.
fn goal_index(goals: &EarlyLearningGoals) -> Result<HashMap<&'static str, usize>, StoreError> {
    EARLY_LEARNING_GOALS
        .iter()
        .map(|(code, name, _)| {
            goals
                .goals()
                .iter()
                .position(|g| g.goal == *name)
                .map(|i| (*code, i))
                .ok_or_else(|| StoreError::corrupt("early learning goal", code))
        })
        .collect()
}

/// Each pupil's KS2 averages by year (`None` year sorts first), for KS4 prior attainment.
fn prior_attainment(records: &Records) -> HashMap<i64, Vec<(Option<i64>, Ks2Average)>> {
    let mut prior: HashMap<i64, Vec<(Option<i64>, Ks2Average)>> = HashMap::new();
    for row in &records.ks2 {
        if let Some(average) = ks2_average(&row.reading, &row.maths) {
            prior
                .entry(row.pupil_id)
                .or_default()
                .push((row.academic_year, average));
        }
    }
    for list in prior.values_mut() {
        list.sort_by_key(|(year, _)| *year);
    }
    prior
}

/// A KS2 average from stored reading and maths outcomes, when both are scaled scores (or
/// their equivalents).
pub(crate) fn ks2_average(reading: &str, maths: &str) -> Option<Ks2Average> {
    let reading = Ks2TestOutcome::parse(reading).ok()?.scaled_score()?;
    let maths = Ks2TestOutcome::parse(maths).ok()?.scaled_score()?;
    Ks2Average::from_scaled_scores(reading, maths).ok()
}

/// The latest KS2 average from before `year` (a result with no year counts as before).
fn prior_before(
    prior: &HashMap<i64, Vec<(Option<i64>, Ks2Average)>>,
    pupil_id: i64,
    year: i64,
) -> Option<Ks2Average> {
    prior
        .get(&pupil_id)?
        .iter()
        .rev()
        .find(|(y, _)| y.is_none_or(|y| y < year))
        .map(|(_, average)| *average)
}

/// A KS2 pupil's outcomes, `Ok(None)` when they are not in the cohort (J or L in reading
/// or maths), `Err` when a stored value does not parse.
fn ks2_pupil(row: &Ks2Row) -> Result<Option<(TestOutcome, WritingAssessment, TestOutcome)>, ()> {
    let reading = Ks2TestOutcome::parse(&row.reading).map_err(drop)?;
    let maths = Ks2TestOutcome::parse(&row.maths).map_err(drop)?;
    let writing = WritingTa::parse(&row.writing).map_err(drop)?;
    let outside =
        |o: Ks2TestOutcome| matches!(o, Ks2TestOutcome::JustArrived | Ks2TestOutcome::Left);
    if outside(reading) || outside(maths) {
        return Ok(None);
    }
    let test = |o: Ks2TestOutcome| match o.scaled_score() {
        Some(score) => TestOutcome::Scaled(score),
        None => TestOutcome::NoScaledScore,
    };
    let writing = match writing {
        WritingTa::GreaterDepth => WritingAssessment::GreaterDepth,
        WritingTa::Expected => WritingAssessment::Expected,
        WritingTa::WorkingTowards => WritingAssessment::WorkingTowards,
        _ => WritingAssessment::Below,
    };
    Ok(Some((test(reading), writing, test(maths))))
}

fn session_counts(row: &AttendanceRow) -> Option<SessionCounts> {
    let count = |n: i64| u32::try_from(n).ok();
    Some(SessionCounts {
        possible: count(row.sessions_possible)?,
        attended: count(row.sessions_attended)?,
        authorised: count(row.sessions_authorised)?,
        unauthorised: count(row.sessions_unauthorised)?,
    })
}

pub mod comparisons;
mod monthly;
#[cfg(test)]
mod tests;
