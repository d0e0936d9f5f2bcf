//! The binary's integration suite: real `cairn` processes on real databases.

mod cli;
mod http;
mod serve;
mod tidy;
