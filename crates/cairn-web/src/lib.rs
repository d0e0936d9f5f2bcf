//! cairn-web
