//! A user column-mapping file (TOML) and a CSV export, split at the first NUL byte: parsing
//! the mapping and applying it to every MIS parser may fail with an error but never panic.
#![no_main]

use cairn_ingest::mis::UserMapping;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let split = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (toml, csv) = bytes.split_at(split);
    let csv = csv.get(1..).unwrap_or_default();
    let Ok(toml) = std::str::from_utf8(toml) else {
        return;
    };
    if let Ok(mapping) = UserMapping::parse("mapping.toml", toml) {
        cairn_ingest::fuzz_all_parsers_with(csv, Some(&mapping));
    }
});
