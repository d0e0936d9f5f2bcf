//! cairn-demo
