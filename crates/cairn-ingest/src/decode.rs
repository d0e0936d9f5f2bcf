//! Turning the bytes of an uploaded file into text.
//!
//! Files reach Cairn from Excel, MIS exports and DfE downloads: UTF-8 with or without a byte
//! order mark (DfE files often start with one), Windows-1252 when Excel saved "CSV" on a
//! Windows machine (e.g. "Areté" in the DfE KS4 MAT file, "St Thomas à Becket" in the GIAS
//! links file; see `../shared/reference/public-data/README.md`), and UTF-16 when Excel saved
//! "Unicode text". Every byte sequence decodes to something, so decoding never fails:
//! Windows-1252 maps every byte.

use std::fmt;

/// The encoding a file was decoded from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 starting with the byte order mark EF BB BF, which is dropped.
    Utf8Bom,
    /// Not valid UTF-8, so read as Windows-1252 (Excel's "CSV" on Windows).
    Windows1252,
    /// UTF-16 little-endian with a byte order mark (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16 big-endian with a byte order mark.
    Utf16Be,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Windows1252 => "Windows-1252",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        })
    }
}

/// Decodes a file's bytes, guessing the encoding: a BOM decides; otherwise valid UTF-8 is
/// UTF-8 and anything else is Windows-1252.
pub fn decode(bytes: &[u8]) -> (String, Encoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(text) => (text.to_owned(), Encoding::Utf8Bom),
            // A BOM followed by invalid UTF-8: a file pasted together from two sources. The
            // lossless choice for the rest is still Windows-1252.
            Err(_) => (decode_1252(rest), Encoding::Windows1252),
        };
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let (text, _) = encoding_rs::UTF_16LE.decode_without_bom_handling(rest);
        return (text.into_owned(), Encoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        let (text, _) = encoding_rs::UTF_16BE.decode_without_bom_handling(rest);
        return (text.into_owned(), Encoding::Utf16Be);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), Encoding::Utf8),
        Err(_) => (decode_1252(bytes), Encoding::Windows1252),
    }
}

fn decode_1252(bytes: &[u8]) -> String {
    let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
    text.into_owned()
}
