//! cairn-measures
