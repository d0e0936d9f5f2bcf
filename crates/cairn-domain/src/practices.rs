//! A practice library as data: practices a group shares, the schools that adopted them and
//! when, and discussion posts (some reported, some hidden by a moderator). The demo
//! partnership builds one; the store loads it.
//!
//! The measure a practice aims to move is named by its stable code (`ks2_rwm_expected`), as in
//! [`crate::ImprovementPlan`], because the measure catalogue lives in the store.

use chrono::NaiveDate;

use crate::{Urn, Username};

#[derive(Debug, Clone, PartialEq)]
pub struct PracticeLibrary {
    pub practices: Vec<LibraryPractice>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LibraryPractice {
    /// The group that shares it.
    pub group_code: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    /// The pupils or groups it is for, in words.
    pub targets: String,
    /// The pupil group whose figures it aims to move (a pupil group code such as
    /// `disadvantaged`), when it targets one; its impact is then measured on that group too.
    pub target_group_code: Option<&'static str>,
    pub measure_code: &'static str,
    /// Links and materials, one a line.
    pub resources: String,
    pub created_by: Username,
    /// Each adopting school and the day it started.
    pub adoptions: Vec<(Urn, NaiveDate)>,
    pub posts: Vec<LibraryPost>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LibraryPost {
    pub author: Username,
    pub body: String,
    /// Who reported it and why.
    pub report: Option<(Username, String)>,
    /// The moderator who hid it and why.
    pub hidden: Option<(Username, String)>,
}
