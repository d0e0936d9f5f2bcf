//! Roles and the scope they apply to.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{RoleKind, Urn};

/// Where a role applies: a whole group (trust, cluster, ...) or one school.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// A group, by its code.
    Group(String),
    School(Urn),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Group(code) => write!(f, "group {code}"),
            Scope::School(urn) => write!(f, "school {urn}"),
        }
    }
}

/// A role a user holds within a scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Role {
    pub kind: RoleKind,
    pub scope: Scope,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {}", self.kind.label(), self.scope)
    }
}

/// How much of one school's data a user may see. Ordered: more access compares greater.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Access {
    None,
    /// Aggregated, suppressed figures only.
    Aggregate,
    /// Pupil-level records too (audit-logged where shown).
    PupilLevel,
}

/// A login name: 3 to 64 characters of lower-case letters, digits, `.`, `-` and `_`.
/// Lower case only, so that `Alice` and `alice` cannot be two accounts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("username {0:?} is not valid: use 3 to 64 lower-case letters, digits, '.', '-' or '_'")]
pub struct UsernameError(pub String);

impl Username {
    pub fn parse(value: &str) -> Result<Self, UsernameError> {
        let name = value.trim();
        let ok = (3..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
        if ok {
            Ok(Username(name.to_owned()))
        } else {
            Err(UsernameError(value.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Username {
    type Err = UsernameError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}
