//! The `cairn` binary: a clap command line whose subcommands are thin wrappers over the
//! library crates. Configuration comes from flags and `CAIRN_*` environment variables, is read
//! here once into typed settings, and is passed down; nothing else reads the environment.

mod cli;

/// mimalloc rather than the system allocator: an import or a demo load makes and frees
/// millions of small values (a result row is four allocations), and freeing a million rows
/// took glibc's allocator 0.17 s, as long again from a second thread. Built without
/// transparent huge pages (`no_thp`): with them, faulting in its arenas doubled the system
/// time of a demo load and a first import (docs/benchmarks.md, "cairn import").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cairn: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One line: the chain of contexts, outermost first.
            eprintln!("cairn: {error:#}");
            ExitCode::FAILURE
        }
    }
}
