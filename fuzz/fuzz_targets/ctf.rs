//! The Common Transfer File parser alone, so libFuzzer's coverage feedback is spent on XML.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let _ = cairn_ingest::ctf::parse_ctf("fuzz.xml", bytes);
});
