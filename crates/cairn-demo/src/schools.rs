//! Stage 1: the schools, the trust, the two clusters and their dated memberships.
//!
//! This stage is a fixed table and draws no random numbers, so the schools are the same for
//! every seed. The area is modelled on an English county with both systems side by side:
//! North Vale keeps three tiers (first schools R-Y4, a middle school Y5-Y8, a high school
//! Y9-Y13) while Riverside is two-tier (primaries R-Y6, a secondary Y7-Y13 and an
//! all-through school R-Y11). Names, URNs and establishment numbers are fictional but shaped
//! like the real ones.

use cairn_domain::{
    Group, GroupKind, Laestab, Membership, Phase, School, SchoolType, SharingLevel, Urn,
};
use chrono::NaiveDate;

use crate::{CLUSTER_CODES, TRUST_CODE};

/// One local authority for every school: 929 is Northumberland, a county that still has
/// first, middle and high schools in some towns and primaries and secondaries in others.
pub(crate) const LA_CODE: u16 = 929;

/// Local authorities of the repeated areas in a larger partnership ([`specs`]): area 0 is
/// [`LA_CODE`], then other counties with three-tier towns (Bedford, Central Bedfordshire,
/// Dorset, Isle of Wight, Worcestershire). Different LAs keep LAESTABs and UPNs distinct.
const AREA_LA_CODES: [u16; MAX_AREAS as usize] = [LA_CODE, 822, 823, 838, 921, 885];

/// The most areas [`specs`] repeats (78 schools).
pub(crate) const MAX_AREAS: u8 = 6;

/// URNs of area n are the table's plus n times this, keeping them six digits.
const AREA_URN_STEP: u32 = 100_000;

/// The two towns; each has one cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locality {
    NorthVale,
    Riverside,
}

impl Locality {
    fn cluster_code(self) -> &'static str {
        match self {
            Locality::NorthVale => CLUSTER_CODES[0],
            Locality::Riverside => CLUSTER_CODES[1],
        }
    }

    /// When the school joined its town's cluster: clusters formed before the demo years.
    fn cluster_joined_on(self) -> (i32, u32, u32) {
        match self {
            Locality::NorthVale => (2019, 9, 1),
            Locality::Riverside => (2018, 9, 1),
        }
    }
}

/// Who lives near a school: the rates new pupils are drawn with when they join from outside
/// the partnership. Pupils who move up from a feeder school keep their own characteristics,
/// so middle and high schools end up with their feeders' mix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Catchment {
    /// Share of new pupils who are disadvantaged (national average about 25%).
    pub(crate) disadvantaged: f64,
    /// Share on SEN support, K (national about 13%).
    pub(crate) sen_support: f64,
    /// Share with an EHC plan, E (about 2.5% in mainstream schools).
    pub(crate) ehcp: f64,
    /// Share of pupils who are not White British; drives ethnicity and, through it, EAL.
    pub(crate) diversity: f64,
}

/// Planned size of one year group, by key stage band (roughly the published admission
/// number times the usual fill).
#[derive(Debug, Clone, Copy)]
pub(crate) struct YearGroupSizes {
    pub(crate) to_year_6: u16,
    pub(crate) years_7_to_11: u16,
    pub(crate) sixth_form: u16,
}

/// Everything the generator needs to know about one school.
#[derive(Debug, Clone)]
pub(crate) struct SchoolSpec {
    pub(crate) urn: u32,
    pub(crate) establishment_number: u16,
    pub(crate) name: &'static str,
    pub(crate) phase: Phase,
    pub(crate) school_type: SchoolType,
    pub(crate) religious_character: Option<&'static str>,
    pub(crate) age_low: u8,
    pub(crate) age_high: u8,
    /// Lowest and highest NC year taught (R = 0).
    pub(crate) nc_low: i8,
    pub(crate) nc_high: i8,
    pub(crate) locality: Locality,
    pub(crate) sizes: YearGroupSizes,
    /// NC years in which the school admits a new cohort and fills up to its planned size
    /// from outside (reception, the first year of a middle or high school, year 7, year 12).
    pub(crate) entry_years: &'static [i8],
    /// Where pupils go after the school's top year, by URN, with the probability of each;
    /// the rest leave the partnership (a Catholic secondary elsewhere, independent schools,
    /// moving away).
    pub(crate) transfers: &'static [(u32, f64)],
    /// Probability that a year 11 pupil stays on into the school's own sixth form.
    pub(crate) sixth_form_staying_on: f64,
    pub(crate) catchment: Catchment,
    /// When the school joined the trust, if it is a trust school.
    pub(crate) trust_joined_on: Option<(i32, u32, u32)>,
    /// Which copy of the area the school is in: 0 for the demo itself; larger partnerships
    /// for benchmarks repeat the two towns in other local authorities ([`specs`]).
    pub(crate) area: u8,
}

impl SchoolSpec {
    pub(crate) fn teaches(&self, nc: i8) -> bool {
        (self.nc_low..=self.nc_high).contains(&nc)
    }

    pub(crate) fn is_special(&self) -> bool {
        self.phase == Phase::Special
    }

    pub(crate) fn year_group_size(&self, nc: i8) -> u16 {
        match nc {
            ..=6 => self.sizes.to_year_6,
            7..=11 => self.sizes.years_7_to_11,
            _ => self.sizes.sixth_form,
        }
    }

    /// The probability that a pupil finishing `nc` here carries on here next year.
    pub(crate) fn staying_on(&self, nc: i8) -> f64 {
        match nc {
            11 => self.sixth_form_staying_on,
            // Some families choose a different secondary even from an all-through school.
            6 => 0.88,
            // Year to year a few pupils move away over the summer.
            _ => 0.97,
        }
    }

    /// The URN in the table, the same in every area: transfers and stories name schools by
    /// it.
    pub(crate) fn table_urn(&self) -> u32 {
        self.urn - AREA_URN_STEP * u32::from(self.area)
    }

    /// The school's local authority.
    pub(crate) fn la_code(&self) -> u16 {
        AREA_LA_CODES
            .get(usize::from(self.area))
            .copied()
            .unwrap_or(LA_CODE)
    }

    /// The domain record, or `None` if the table held an invalid URN or LAESTAB (the tests
    /// check that every row builds).
    pub(crate) fn school(&self) -> Option<School> {
        Some(School {
            urn: Urn::from_u32(self.urn).ok()?,
            laestab: Laestab::from_parts(self.la_code(), self.establishment_number).ok()?,
            name: match self.area {
                0 => self.name.to_owned(),
                n => format!("{} (area {})", self.name, n + 1),
            },
            phase: self.phase,
            school_type: self.school_type,
            religious_character: self.religious_character.map(str::to_owned),
            age_low: self.age_low,
            age_high: self.age_high,
        })
    }
}

const COFE: Option<&str> = Some("Church of England");
const RC: Option<&str> = Some("Roman Catholic");

/// Sizes for a school that stops at year 6 or earlier.
const fn primary_sizes(size: u16) -> YearGroupSizes {
    YearGroupSizes {
        to_year_6: size,
        years_7_to_11: 0,
        sixth_form: 0,
    }
}

const NORTHVALE_MIDDLE: u32 = 140_212;
pub(crate) const NORTHVALE_HIGH: u32 = 140_213;
pub(crate) const RIVERSIDE_ACADEMY: u32 = 137_916;
pub(crate) const KINGSMERE: u32 = 145_590;
pub(crate) const RIVERSIDE_PRIMARY: u32 = 142_377;
pub(crate) const MILLBROOK_PRIMARY: u32 = 122_093;
pub(crate) const WILLOW_BANK: u32 = 148_730;
pub(crate) const OAKFIELD_PRIMARY: u32 = 137_915;

/// The partnership's schools. Establishment numbers follow the DfE convention: 2xxx
/// community and academy primary or first schools, 3xxx voluntary (church) primaries, 4xxx
/// secondary, middle-deemed-secondary and all-through, 7xxx special.
/// URNs: 12xxxx for long-standing maintained schools, 13xxxx-14xxxx for academies.
pub(crate) static SCHOOLS: [SchoolSpec; 13] = [
    // --- North Vale: three-tier, first -> middle -> high. ---
    SchoolSpec {
        urn: 139_421,
        establishment_number: 2103,
        name: "St Mary's Church of England First School",
        phase: Phase::First,
        school_type: SchoolType::AcademyConverter,
        religious_character: COFE,
        age_low: 4,
        age_high: 9,
        nc_low: 0,
        nc_high: 4,
        locality: Locality::NorthVale,
        sizes: primary_sizes(30),
        entry_years: &[0],
        transfers: &[(NORTHVALE_MIDDLE, 0.92)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.11,
            sen_support: 0.11,
            ehcp: 0.02,
            diversity: 0.06,
        },
        trust_joined_on: Some((2019, 4, 1)),
        area: 0,
    },
    SchoolSpec {
        urn: 141_058,
        establishment_number: 2117,
        name: "Hawthorn First School",
        phase: Phase::First,
        school_type: SchoolType::AcademyConverter,
        religious_character: None,
        age_low: 4,
        age_high: 9,
        nc_low: 0,
        nc_high: 4,
        locality: Locality::NorthVale,
        sizes: primary_sizes(60),
        entry_years: &[0],
        transfers: &[(NORTHVALE_MIDDLE, 0.93)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.19,
            sen_support: 0.13,
            ehcp: 0.025,
            diversity: 0.10,
        },
        trust_joined_on: Some((2017, 9, 1)),
        area: 0,
    },
    // Brookside was a community school and converted into the trust on 1 January 2024, in
    // the middle of 2023/24. In GIAS a converter gets a new URN; the demo keeps one URN so
    // the school's history reads as one line, as trusts usually present it.
    SchoolSpec {
        urn: 122_406,
        establishment_number: 2045,
        name: "Brookside First School",
        phase: Phase::First,
        school_type: SchoolType::AcademyConverter,
        religious_character: None,
        age_low: 4,
        age_high: 9,
        nc_low: 0,
        nc_high: 4,
        locality: Locality::NorthVale,
        sizes: primary_sizes(45),
        entry_years: &[0],
        transfers: &[(NORTHVALE_MIDDLE, 0.88)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.34,
            sen_support: 0.16,
            ehcp: 0.03,
            diversity: 0.12,
        },
        trust_joined_on: Some((2024, 1, 1)),
        area: 0,
    },
    // A Catholic voluntary aided school in the cluster but not the trust. About a third of
    // its pupils go on to a Catholic middle school in the next town.
    SchoolSpec {
        urn: 122_418,
        establishment_number: 3352,
        name: "St Cuthbert's Catholic First School",
        phase: Phase::First,
        school_type: SchoolType::VoluntaryAided,
        religious_character: RC,
        age_low: 4,
        age_high: 9,
        nc_low: 0,
        nc_high: 4,
        locality: Locality::NorthVale,
        sizes: primary_sizes(30),
        entry_years: &[0],
        transfers: &[(NORTHVALE_MIDDLE, 0.68)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.15,
            sen_support: 0.11,
            ehcp: 0.02,
            diversity: 0.20,
        },
        trust_joined_on: None,
        area: 0,
    },
    SchoolSpec {
        urn: NORTHVALE_MIDDLE,
        establishment_number: 4012,
        name: "Northvale Middle School",
        phase: Phase::Middle,
        school_type: SchoolType::AcademyConverter,
        religious_character: None,
        age_low: 9,
        age_high: 13,
        nc_low: 5,
        nc_high: 8,
        locality: Locality::NorthVale,
        sizes: YearGroupSizes {
            to_year_6: 165,
            years_7_to_11: 165,
            sixth_form: 0,
        },
        entry_years: &[5],
        transfers: &[(NORTHVALE_HIGH, 0.90)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.22,
            sen_support: 0.14,
            ehcp: 0.025,
            diversity: 0.10,
        },
        trust_joined_on: Some((2017, 9, 1)),
        area: 0,
    },
    SchoolSpec {
        urn: NORTHVALE_HIGH,
        establishment_number: 4205,
        name: "Northvale High School",
        phase: Phase::Secondary,
        school_type: SchoolType::AcademyConverter,
        religious_character: None,
        age_low: 13,
        age_high: 18,
        nc_low: 9,
        nc_high: 13,
        locality: Locality::NorthVale,
        sizes: YearGroupSizes {
            to_year_6: 0,
            years_7_to_11: 180,
            sixth_form: 120,
        },
        entry_years: &[9, 12],
        transfers: &[],
        sixth_form_staying_on: 0.55,
        catchment: Catchment {
            disadvantaged: 0.20,
            sen_support: 0.13,
            ehcp: 0.025,
            diversity: 0.10,
        },
        trust_joined_on: Some((2017, 9, 1)),
        area: 0,
    },
    // The trust's special school takes pupils from both towns, from reception to 19, almost
    // all with an EHC plan.
    SchoolSpec {
        urn: WILLOW_BANK,
        establishment_number: 7004,
        name: "Willow Bank School",
        phase: Phase::Special,
        school_type: SchoolType::AcademySpecial,
        religious_character: None,
        age_low: 4,
        age_high: 19,
        nc_low: 0,
        nc_high: 14,
        locality: Locality::NorthVale,
        sizes: YearGroupSizes {
            to_year_6: 9,
            years_7_to_11: 14,
            sixth_form: 10,
        },
        entry_years: &[],
        transfers: &[],
        sixth_form_staying_on: 0.92,
        catchment: Catchment {
            disadvantaged: 0.40,
            sen_support: 0.05,
            ehcp: 0.95,
            diversity: 0.18,
        },
        trust_joined_on: Some((2021, 9, 1)),
        area: 0,
    },
    // --- Riverside: two-tier, primary -> secondary or all-through. ---
    SchoolSpec {
        urn: RIVERSIDE_PRIMARY,
        establishment_number: 2231,
        name: "Riverside Primary Academy",
        phase: Phase::Primary,
        school_type: SchoolType::AcademySponsorLed,
        religious_character: None,
        age_low: 4,
        age_high: 11,
        nc_low: 0,
        nc_high: 6,
        locality: Locality::Riverside,
        sizes: primary_sizes(90),
        entry_years: &[0],
        transfers: &[(RIVERSIDE_ACADEMY, 0.58), (KINGSMERE, 0.22)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.42,
            sen_support: 0.16,
            ehcp: 0.03,
            diversity: 0.55,
        },
        trust_joined_on: Some((2016, 1, 1)),
        area: 0,
    },
    // The trust's founding school, hence the trust's name.
    SchoolSpec {
        urn: OAKFIELD_PRIMARY,
        establishment_number: 2058,
        name: "Oakfield Church of England Primary School",
        phase: Phase::Primary,
        school_type: SchoolType::AcademyConverter,
        religious_character: COFE,
        age_low: 4,
        age_high: 11,
        nc_low: 0,
        nc_high: 6,
        locality: Locality::Riverside,
        sizes: primary_sizes(30),
        entry_years: &[0],
        transfers: &[(RIVERSIDE_ACADEMY, 0.55), (KINGSMERE, 0.15)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.11,
            sen_support: 0.10,
            ehcp: 0.02,
            diversity: 0.25,
        },
        trust_joined_on: Some((2015, 9, 1)),
        area: 0,
    },
    // Catholic voluntary aided, cluster only; most of its leavers go to a Catholic secondary
    // outside the partnership.
    SchoolSpec {
        urn: 122_155,
        establishment_number: 3361,
        name: "St Joseph's Catholic Primary School",
        phase: Phase::Primary,
        school_type: SchoolType::VoluntaryAided,
        religious_character: RC,
        age_low: 4,
        age_high: 11,
        nc_low: 0,
        nc_high: 6,
        locality: Locality::Riverside,
        sizes: primary_sizes(30),
        entry_years: &[0],
        transfers: &[(RIVERSIDE_ACADEMY, 0.30), (KINGSMERE, 0.15)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.21,
            sen_support: 0.11,
            ehcp: 0.02,
            diversity: 0.45,
        },
        trust_joined_on: None,
        area: 0,
    },
    // A maintained community school, cluster only.
    SchoolSpec {
        urn: MILLBROOK_PRIMARY,
        establishment_number: 2064,
        name: "Millbrook Community Primary School",
        phase: Phase::Primary,
        school_type: SchoolType::Community,
        religious_character: None,
        age_low: 4,
        age_high: 11,
        nc_low: 0,
        nc_high: 6,
        locality: Locality::Riverside,
        sizes: primary_sizes(60),
        entry_years: &[0],
        transfers: &[(RIVERSIDE_ACADEMY, 0.50), (KINGSMERE, 0.25)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.35,
            sen_support: 0.15,
            ehcp: 0.03,
            diversity: 0.50,
        },
        trust_joined_on: None,
        area: 0,
    },
    SchoolSpec {
        urn: RIVERSIDE_ACADEMY,
        establishment_number: 4101,
        name: "Riverside Academy",
        phase: Phase::Secondary,
        school_type: SchoolType::AcademyConverter,
        religious_character: None,
        age_low: 11,
        age_high: 18,
        nc_low: 7,
        nc_high: 13,
        locality: Locality::Riverside,
        sizes: YearGroupSizes {
            to_year_6: 0,
            years_7_to_11: 300,
            sixth_form: 180,
        },
        entry_years: &[7, 12],
        transfers: &[],
        sixth_form_staying_on: 0.50,
        catchment: Catchment {
            disadvantaged: 0.26,
            sen_support: 0.13,
            ehcp: 0.025,
            diversity: 0.40,
        },
        trust_joined_on: Some((2015, 9, 1)),
        area: 0,
    },
    // An all-through free school with no sixth form; some of its year 11s go on to
    // Riverside Academy's sixth form.
    SchoolSpec {
        urn: KINGSMERE,
        establishment_number: 4110,
        name: "Kingsmere School",
        phase: Phase::AllThrough,
        school_type: SchoolType::FreeSchool,
        religious_character: None,
        age_low: 4,
        age_high: 16,
        nc_low: 0,
        nc_high: 11,
        locality: Locality::Riverside,
        sizes: YearGroupSizes {
            to_year_6: 60,
            years_7_to_11: 210,
            sixth_form: 0,
        },
        entry_years: &[0, 7],
        transfers: &[(RIVERSIDE_ACADEMY, 0.22)],
        sixth_form_staying_on: 0.0,
        catchment: Catchment {
            disadvantaged: 0.23,
            sen_support: 0.13,
            ehcp: 0.025,
            diversity: 0.35,
        },
        trust_joined_on: Some((2018, 9, 1)),
        area: 0,
    },
];

/// The schools of a partnership of `areas` copies of the two towns (1 to [`MAX_AREAS`]): the
/// demo is one area; benchmarks use more. Area n's schools follow area n-1's, in table order.
pub(crate) fn specs(areas: u8) -> Vec<SchoolSpec> {
    (0..areas.clamp(1, MAX_AREAS))
        .flat_map(|area| {
            SCHOOLS.iter().map(move |spec| SchoolSpec {
                urn: spec.urn + AREA_URN_STEP * u32::from(area),
                area,
                ..spec.clone()
            })
        })
        .collect()
}

/// A cluster's group code in an area: the demo's codes in area 0, numbered after.
fn cluster_code(locality: Locality, area: u8) -> String {
    match area {
        0 => locality.cluster_code().to_owned(),
        n => format!("{}-{}", locality.cluster_code(), n + 1),
    }
}

fn date((year, month, day): (i32, u32, u32)) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The trust and each area's two clusters.
pub(crate) fn groups(areas: u8) -> Vec<Group> {
    let trust = Group {
        code: TRUST_CODE.to_owned(),
        name: "Oakfield Learning Trust".to_owned(),
        kind: GroupKind::Trust,
    };
    let clusters = (0..areas.clamp(1, MAX_AREAS)).flat_map(|area| {
        let suffix = match area {
            0 => String::new(),
            n => format!(" (area {})", n + 1),
        };
        [
            (Locality::NorthVale, "North Vale Cluster"),
            (Locality::Riverside, "Riverside Cluster"),
        ]
        .map(|(locality, name)| Group {
            code: cluster_code(locality, area),
            name: format!("{name}{suffix}"),
            kind: GroupKind::Cluster,
        })
    });
    std::iter::once(trust).chain(clusters).collect()
}

/// Trust memberships first, then cluster memberships, each in table order. Trust schools
/// share pupil-level data with the trust; every school shares only aggregates with its
/// cluster, because a cluster is a locality group of schools with different employers.
pub(crate) fn memberships(schools: &[SchoolSpec]) -> Vec<Membership> {
    let trust = schools.iter().filter_map(|spec| {
        Some(Membership {
            group_code: TRUST_CODE.to_owned(),
            urn: Urn::from_u32(spec.urn).ok()?,
            joined_on: date(spec.trust_joined_on?)?,
            left_on: None,
            sharing: SharingLevel::PupilLevel,
        })
    });
    let clusters = schools.iter().filter_map(|spec| {
        Some(Membership {
            group_code: cluster_code(spec.locality, spec.area),
            urn: Urn::from_u32(spec.urn).ok()?,
            joined_on: date(spec.locality.cluster_joined_on())?,
            left_on: None,
            sharing: SharingLevel::Aggregate,
        })
    });
    trust.chain(clusters).collect()
}
