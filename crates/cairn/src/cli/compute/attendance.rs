//! `cairn compute attendance`: absence rates and persistent and severe absence.

use std::path::{Path, PathBuf};

use cairn_measures::PupilGroup;
use cairn_measures::attendance::{
    AttendancePupil, AttendanceSummary, SessionCounts, summarise_attendance_by_school,
};
use clap::Args;

use super::CommonArgs;
use super::input::{self, CsvFile, Problems, UpnKey};
use super::output;
use super::pupils::{self, Cohort};

pub(super) const LONG_ABOUT: &str = "\
Attendance: overall, authorised and unauthorised absence rates, and persistent (10 % or more
of possible sessions) and severe (50 % or more) absence, per school and pupil group
(measures.md section 6).

Inputs (CSV with a header line; columns matched by name, ignoring case; extra columns ignored):
  --sessions  upn,urn,possible,authorised,unauthorised
              session counts for the period (for example a row per term; a pupil's rows are
              added up). Attended sessions are possible minus absences.
  --pupils    upn,urn,disadvantaged,sen,eal,sex   (optional; enables group breakdowns)

Output:
  --out-schools  urn,group,n_pupils,overall_absence_pct,authorised_absence_pct,
                 unauthorised_absence_pct,persistent_absence_pct,severe_absence_pct
                 Pupils with no possible sessions are left out. SUPP marks suppressed figures,
                 NA figures with no pupils.

Bad rows are listed with file, line, column and value; unless --skip-invalid is given,
nothing is written and the exit code is non-zero. See docs/compute.md.";

#[derive(Debug, Args)]
pub(crate) struct AttendanceArgs {
    /// Session counts: `upn,urn,possible,authorised,unauthorised`.
    #[arg(long, value_name = "CSV")]
    sessions: PathBuf,
    /// Where to write one row per school and pupil group.
    #[arg(long, value_name = "CSV")]
    out_schools: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
}

/// Sessions in a year are at most about 400; a generous cap catches swapped columns.
const MAX_SESSIONS: u32 = 1_000;

pub(super) fn run(args: &AttendanceArgs) -> anyhow::Result<()> {
    let mut problems = Problems::default();
    let mut cohort = match &args.common.pupils {
        Some(path) => Cohort::from_pupils_file(path, &mut problems)?,
        None => Cohort::open(),
    };
    let sessions = read_sessions(&args.sessions, &mut cohort, &mut problems)?;
    problems.finish(args.common.skip_invalid)?;
    let pupils: Vec<AttendancePupil> = cohort
        .urns
        .iter()
        .zip(&cohort.contexts)
        .zip(
            sessions
                .iter()
                .chain(std::iter::repeat(&SessionCounts::default())),
        )
        .map(|((&urn, &context), &sessions)| AttendancePupil {
            urn,
            context,
            sessions,
        })
        .collect();
    let schools = summarise_attendance_by_school(args.common.policy(), &pupils);
    let groups = output::groups(cohort.has_characteristics(), false);
    write_schools(&args.out_schools, &schools, &groups)?.publish()?;
    tracing::info!(
        pupils = pupils.len(),
        schools = schools.len(),
        "wrote {}",
        args.out_schools.display()
    );
    Ok(())
}

fn read_sessions(
    path: &Path,
    cohort: &mut Cohort,
    problems: &mut Problems,
) -> anyhow::Result<Vec<SessionCounts>> {
    let file = CsvFile::open(path)?;
    let columns = file.columns(["upn", "urn", "possible", "authorised", "unauthorised"])?;
    let (name, headers) = (file.name.clone(), file.headers.clone());
    let mut sessions: Vec<SessionCounts> = vec![SessionCounts::default(); cohort.len()];
    file.for_each_parsed_block(
        problems,
        |row, problems| parse_row(row, columns, problems),
        |rows, problems| {
            for (upn, urn, counts, line) in rows {
                match cohort.pupil_for(&upn, urn, line) {
                    Ok(idx) => {
                        let idx = idx as usize;
                        if sessions.len() <= idx {
                            sessions.resize(idx + 1, SessionCounts::default());
                        }
                        if let Some(total) = sessions.get_mut(idx) {
                            *total = total.plus(counts);
                        }
                    }
                    Err(refusal) => problems.push(pupils::cohort_error(
                        &name,
                        &headers,
                        [columns[0], columns[1]],
                        (&upn, urn, line),
                        refusal,
                    )),
                }
            }
        },
    )?;
    Ok(sessions)
}

fn parse_row(
    row: input::Row<'_>,
    [c_upn, c_urn, c_possible, c_auth, c_unauth]: [usize; 5],
    problems: &mut Problems,
) -> Option<(UpnKey, cairn_domain::Urn, SessionCounts, u64)> {
    let upn = input::upn_key(row.get(c_upn));
    let urn = input::urn(row.get(c_urn));
    let possible = input::whole(row.get(c_possible), 0, MAX_SESSIONS);
    let authorised = input::whole(row.get(c_auth), 0, MAX_SESSIONS);
    let unauthorised = input::whole(row.get(c_unauth), 0, MAX_SESSIONS);
    let mut ok = true;
    for (column, error) in [
        (c_upn, upn.as_ref().err()),
        (c_urn, urn.as_ref().err()),
        (c_possible, possible.as_ref().err()),
        (c_auth, authorised.as_ref().err()),
        (c_unauth, unauthorised.as_ref().err()),
    ] {
        if let Some(rule) = error {
            problems.push(row.error(column, rule.clone()));
            ok = false;
        }
    }
    let (true, Ok(upn), Ok(urn), Ok(possible), Ok(authorised), Ok(unauthorised)) =
        (ok, upn, urn, possible, authorised, unauthorised)
    else {
        return None;
    };
    match SessionCounts::from_summary(possible, authorised, unauthorised) {
        Some(counts) => Some((upn, urn, counts, row.line)),
        None => {
            problems.push(row.error(
                c_possible,
                format!(
                    "is fewer than the absences ({authorised} authorised + {unauthorised} unauthorised)"
                ),
            ));
            None
        }
    }
}

const SCHOOLS_HEADER: &str = "urn,group,n_pupils,overall_absence_pct,authorised_absence_pct,\
unauthorised_absence_pct,persistent_absence_pct,severe_absence_pct";

fn write_schools(
    path: &Path,
    schools: &[(cairn_domain::Urn, AttendanceSummary)],
    groups: &[PupilGroup],
) -> anyhow::Result<output::Finished> {
    output::school_lines(
        path,
        SCHOOLS_HEADER,
        schools,
        groups,
        |s| &s.n_pupils,
        |s, group| s.persistent_absence.get(group),
        |line, s, group| {
            for figures in [
                &s.overall_absence,
                &s.authorised_absence,
                &s.unauthorised_absence,
            ] {
                line.figure(figures.get(group), |l, f| {
                    l.fixed(f.percent(), 2);
                });
            }
            for figures in [&s.persistent_absence, &s.severe_absence] {
                line.figure(figures.get(group), |l, f| {
                    l.fixed(f.percent(), 1);
                });
            }
        },
    )
}
