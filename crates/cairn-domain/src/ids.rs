//! Identifiers: URN, LAESTAB and UPN.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why an identifier was rejected. Each message says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("URN must be 6 digits, got {0:?}")]
    Urn(String),
    #[error(
        "LAESTAB must be 7 digits (3-digit LA code then 4-digit establishment number), got {0:?}"
    )]
    Laestab(String),
    #[error(
        "UPN must be 13 characters (a check letter, 11 digits, then a digit or letter), got {0:?}"
    )]
    UpnShape(String),
    #[error(
        "UPN {value:?} uses the letter {letter}, which is never used in UPNs (I, O and S are excluded)"
    )]
    UpnLetter { value: String, letter: char },
    #[error("UPN {value:?} has check letter {found}, expected {expected}")]
    UpnCheckLetter {
        value: String,
        found: char,
        expected: char,
    },
}

/// Unique Reference Number of an establishment on GIAS: six digits.
///
/// Source: DfE "Get Information about Schools" register; `../shared/reference/measures.md` §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Urn(u32);

impl Urn {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let trimmed = value.trim();
        if trimmed.len() == 6 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
            trimmed
                .parse()
                .map(Urn)
                .map_err(|_| IdError::Urn(value.to_owned()))
        } else {
            Err(IdError::Urn(value.to_owned()))
        }
    }

    /// The URN as a number, for storage and sorting.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Rebuilds a URN from a stored number, checking it is still six digits.
    pub fn from_u32(value: u32) -> Result<Self, IdError> {
        if (100_000..=999_999).contains(&value) {
            Ok(Urn(value))
        } else {
            Err(IdError::Urn(value.to_string()))
        }
    }
}

impl fmt::Display for Urn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl FromStr for Urn {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Urn {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Urn> for String {
    fn from(value: Urn) -> Self {
        value.to_string()
    }
}

/// LA code (3 digits) followed by the DfE establishment number (4 digits), e.g. 8502000.
///
/// Source: GIAS columns `LA (code)` and `EstablishmentNumber`; measures.md §7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Laestab(u32);

impl Laestab {
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let trimmed = value.trim();
        let digits: String = trimmed.chars().filter(|c| *c != '/').collect();
        let slash_ok =
            !trimmed.contains('/') || (trimmed.len() == 8 && trimmed.find('/') == Some(3));
        if slash_ok && digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit()) {
            digits
                .parse()
                .map(Laestab)
                .map_err(|_| IdError::Laestab(value.to_owned()))
        } else {
            Err(IdError::Laestab(value.to_owned()))
        }
    }

    /// Builds a LAESTAB from its two GIAS columns.
    pub fn from_parts(la_code: u16, establishment_number: u16) -> Result<Self, IdError> {
        if (100..=999).contains(&la_code) && establishment_number <= 9999 {
            Ok(Laestab(
                u32::from(la_code) * 10_000 + u32::from(establishment_number),
            ))
        } else {
            Err(IdError::Laestab(format!(
                "{la_code}/{establishment_number}"
            )))
        }
    }

    pub fn la_code(self) -> u16 {
        // Seven digits means the quotient is at most 999, which fits.
        u16::try_from(self.0 / 10_000).unwrap_or(u16::MAX)
    }

    pub fn establishment_number(self) -> u16 {
        u16::try_from(self.0 % 10_000).unwrap_or(u16::MAX)
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Laestab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:07}", self.0)
    }
}

impl FromStr for Laestab {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Laestab {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Laestab> for String {
    fn from(value: Laestab) -> Self {
        value.to_string()
    }
}

/// Whether a UPN is permanent or a temporary one awaiting its permanent replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpnKind {
    Permanent,
    /// Character 13 is a letter (format `A99999999999A`).
    Temporary,
}

/// Unique Pupil Number: a check letter, then 11 digits, then a digit (permanent) or a letter
/// (temporary).
///
/// Source: DfE "Unique pupil numbers (UPN)" guide v1.2, as summarised in
/// `../shared/reference/measures.md` §7 and `upn_check_letters.csv`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Upn(String);

/// Remainder mod 23 to check letter (UPN guide v1.2; I, O and S are never used).
const UPN_LETTERS: [char; 23] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'Q', 'R', 'T', 'U', 'V',
    'W', 'X', 'Y', 'Z',
];

fn upn_letter_value(letter: char) -> Option<u32> {
    UPN_LETTERS
        .iter()
        .position(|l| *l == letter)
        .and_then(|p| u32::try_from(p).ok())
}

impl Upn {
    /// Parses a UPN, accepting lower case and surrounding spaces, and checks the check letter.
    pub fn parse(value: &str) -> Result<Self, IdError> {
        let upn = value.trim().to_ascii_uppercase();
        let chars: Vec<char> = upn.chars().collect();
        let shape_ok = chars.len() == 13
            && chars.first().is_some_and(char::is_ascii_alphabetic)
            && chars
                .get(1..12)
                .is_some_and(|middle| middle.iter().all(char::is_ascii_digit))
            && chars.get(12).is_some_and(char::is_ascii_alphanumeric);
        if !shape_ok {
            return Err(IdError::UpnShape(value.to_owned()));
        }
        for &c in [chars.first(), chars.get(12)].into_iter().flatten() {
            if c.is_ascii_alphabetic() && upn_letter_value(c).is_none() {
                return Err(IdError::UpnLetter {
                    value: value.to_owned(),
                    letter: c,
                });
            }
        }
        let expected = Self::check_letter_for(&chars[1..]);
        let found = chars.first().copied().unwrap_or('?');
        if found != expected {
            return Err(IdError::UpnCheckLetter {
                value: value.to_owned(),
                found,
                expected,
            });
        }
        Ok(Upn(upn))
    }

    /// The check letter for the twelve characters after it: character k (k = 2..13) times k,
    /// summed, mod 23; a letter in position 13 counts as its value in the same table.
    fn check_letter_for(rest: &[char]) -> char {
        let sum: u32 = rest
            .iter()
            .zip(2u32..)
            .map(|(c, weight)| {
                let value = c.to_digit(10).or_else(|| upn_letter_value(*c)).unwrap_or(0);
                value * weight
            })
            .sum();
        UPN_LETTERS
            .get(usize::try_from(sum % 23).unwrap_or(0))
            .copied()
            .unwrap_or('A')
    }

    /// Builds a valid UPN from its twelve characters after the check letter, computing the
    /// letter. For generators and tests; the input must be 11 digits and a digit or letter.
    pub fn with_check_letter(rest: &str) -> Result<Self, IdError> {
        let chars: Vec<char> = rest.chars().collect();
        if chars.len() != 12 {
            return Err(IdError::UpnShape(rest.to_owned()));
        }
        let letter = Self::check_letter_for(&chars);
        Self::parse(&format!("{letter}{rest}"))
    }

    pub fn kind(&self) -> UpnKind {
        if self.0.ends_with(|c: char| c.is_ascii_alphabetic()) {
            UpnKind::Temporary
        } else {
            UpnKind::Permanent
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Upn {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Upn {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Upn {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Upn> for String {
    fn from(value: Upn) -> Self {
        value.0
    }
}
