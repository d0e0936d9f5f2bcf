//! The binary's integration suite: real `cairn` processes on real databases.

mod cli;
mod compute;
mod http;
mod import;
mod import_kill;
mod serve;
mod tidy;
