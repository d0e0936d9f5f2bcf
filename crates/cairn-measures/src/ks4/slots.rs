//! The Attainment 8 slot structure, as data, and the slot-filling rules.
//!
//! Since 2016 Attainment 8 has 10 slots in four elements (measures.md §1.1): English (2,
//! double weighted only when both English language and English literature were taken),
//! maths (2, always double weighted), EBacc (3, sciences, computer science, history,
//! geography, languages) and open (3, anything left, including the spare English and
//! approved non-GCSEs). The DfE consulted in February 2026 on replacing the EBacc and open
//! elements with 2 science, 2 breadth and 2 choice slots (measures.md §2.1), so the structure
//! is a value, [`SlotStructure`], with the current one as its default.
//!
//! Filling is greedy in element order: each element takes the highest-scoring units it
//! accepts that no earlier element used. A combined science double award gives two units
//! (one per slot it may fill), each worth the mean of its two grades (measures.md §1.2); any
//! other qualification gives one unit, so no qualification is counted twice.

use serde::{Deserialize, Serialize};

use super::tables::RoleMask;
use crate::MeasureError;

/// At most this many elements in a structure.
pub const MAX_ELEMENTS: usize = 6;
/// At most this many slots in a structure (keeps sums within `u16` hundredths).
pub const MAX_SLOTS: u8 = 20;

/// What an element is called; the current structure uses the first four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    English,
    Maths,
    Ebacc,
    Open,
    /// Proposed (DfE consultation, February 2026).
    Science,
    /// Proposed (DfE consultation, February 2026).
    Breadth,
    /// Proposed (DfE consultation, February 2026).
    Choice,
}

/// How an element's slots are filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// One unit per slot.
    Single,
    /// The best unit fills all the element's slots (maths).
    Double,
    /// The best unit fills all the element's slots if the pupil took both English language
    /// and English literature, otherwise one slot (measures.md §1.1).
    DoubleIfBothEnglish,
}

/// One element of the structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlotElement {
    pub kind: ElementKind,
    pub n_slots: u8,
    pub accepts: RoleMask,
    pub weighting: Weighting,
}

/// The Attainment 8 slot structure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotStructure {
    elements: Vec<SlotElement>,
}

impl Default for SlotStructure {
    /// The DfE structure in force since 2016 (measures.md §1.1).
    fn default() -> Self {
        SlotStructure {
            elements: vec![
                SlotElement {
                    kind: ElementKind::English,
                    n_slots: 2,
                    accepts: RoleMask::ENGLISH,
                    weighting: Weighting::DoubleIfBothEnglish,
                },
                SlotElement {
                    kind: ElementKind::Maths,
                    n_slots: 2,
                    accepts: RoleMask::MATHS,
                    weighting: Weighting::Double,
                },
                SlotElement {
                    kind: ElementKind::Ebacc,
                    n_slots: 3,
                    accepts: RoleMask::EBACC,
                    weighting: Weighting::Single,
                },
                SlotElement {
                    kind: ElementKind::Open,
                    n_slots: 3,
                    accepts: RoleMask::ANY,
                    weighting: Weighting::Single,
                },
            ],
        }
    }
}

impl SlotStructure {
    /// A custom structure: 1 to [`MAX_ELEMENTS`] elements, 1 to [`MAX_SLOTS`] slots in all.
    pub fn new(elements: Vec<SlotElement>) -> Result<Self, MeasureError> {
        let total: u32 = elements.iter().map(|e| u32::from(e.n_slots)).sum();
        if elements.is_empty() || elements.len() > MAX_ELEMENTS {
            return Err(MeasureError::InvalidSlotStructure {
                reason: format!("{} elements (1 to {MAX_ELEMENTS} allowed)", elements.len()),
            });
        }
        if total == 0 || total > u32::from(MAX_SLOTS) || elements.iter().any(|e| e.n_slots == 0) {
            return Err(MeasureError::InvalidSlotStructure {
                reason: format!("{total} slots (1 to {MAX_SLOTS} allowed, none empty)"),
            });
        }
        Ok(SlotStructure { elements })
    }

    pub fn elements(&self) -> &[SlotElement] {
        &self.elements
    }

    pub fn total_slots(&self) -> u8 {
        self.elements.iter().map(|e| e.n_slots).sum()
    }

    /// Whether this is the four-element structure the DfE estimates tables describe.
    pub fn is_dfe_2016(&self) -> bool {
        *self == SlotStructure::default()
    }
}

/// A qualification a pupil may count: one per subject after discounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SlotCandidate {
    /// The caller's index for this qualification (reported back in [`FilledSlot::entry`]).
    pub entry: u32,
    pub role: RoleMask,
    /// Points per slot, in hundredths.
    pub points_x100: u16,
    /// Double awards give two units.
    pub double_award: bool,
}

/// A slot (or a double-weighted pair of slots) and the qualification in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FilledSlot {
    /// Index into [`SlotStructure::elements`].
    pub element_idx: u8,
    pub entry: u32,
    pub points_x100: u16,
    /// How many slots this unit fills (2 for double-weighted English and maths).
    pub weight: u8,
}

#[derive(Debug, Clone, Copy)]
struct Unit {
    points_x100: u16,
    role: RoleMask,
    entry: u32,
    used: bool,
}

/// Reusable buffers for filling slots without allocating per pupil.
#[derive(Debug, Default)]
pub(crate) struct SlotFiller {
    units: Vec<Unit>,
    pub(crate) filled: Vec<FilledSlot>,
}

impl SlotFiller {
    /// Fills `self.filled` for one pupil's candidates.
    pub(crate) fn fill(&mut self, structure: &SlotStructure, candidates: &[SlotCandidate]) {
        self.units.clear();
        self.filled.clear();
        let mut has_language = false;
        let mut has_literature = false;
        for candidate in candidates {
            has_language |= candidate.role.intersects(RoleMask::ENGLISH_LANGUAGE);
            has_literature |= candidate.role.intersects(RoleMask::ENGLISH_LITERATURE);
            let unit = Unit {
                points_x100: candidate.points_x100,
                role: candidate.role,
                entry: candidate.entry,
                used: false,
            };
            self.units.push(unit);
            if candidate.double_award {
                self.units.push(unit);
            }
        }
        // Highest points first; ties by the caller's entry order, so results are reproducible.
        self.units.sort_unstable_by(|a, b| {
            b.points_x100
                .cmp(&a.points_x100)
                .then(a.entry.cmp(&b.entry))
        });
        for (element_idx, element) in structure.elements.iter().enumerate() {
            let element_idx = u8::try_from(element_idx).unwrap_or(u8::MAX);
            let (n_units, weight) = match element.weighting {
                Weighting::Single => (element.n_slots, 1),
                Weighting::Double => (1, element.n_slots),
                Weighting::DoubleIfBothEnglish => (
                    1,
                    if has_language && has_literature {
                        element.n_slots
                    } else {
                        1
                    },
                ),
            };
            let mut taken = 0;
            for unit in self.units.iter_mut() {
                if taken == n_units {
                    break;
                }
                if !unit.used && unit.role.intersects(element.accepts) {
                    unit.used = true;
                    taken += 1;
                    self.filled.push(FilledSlot {
                        element_idx,
                        entry: unit.entry,
                        points_x100: unit.points_x100,
                        weight,
                    });
                }
            }
        }
    }
}

/// Fills the slots for one pupil: the slots used and the qualification in each. For pages
/// that explain a pupil's Attainment 8; the bulk engine uses the same rules without
/// allocating.
pub fn fill_slots(structure: &SlotStructure, candidates: &[SlotCandidate]) -> Vec<FilledSlot> {
    let mut filler = SlotFiller::default();
    filler.fill(structure, candidates);
    filler.filled
}
