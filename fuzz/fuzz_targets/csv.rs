//! Every CSV parser (GIAS, MIS exports, DfE performance tables, the subject catalogue) and the
//! CTF parser on the same bytes: none may panic, whatever the input.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    cairn_ingest::fuzz_all_parsers(bytes);
});
