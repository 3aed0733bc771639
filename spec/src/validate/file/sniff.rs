//! Before the first record: the first bytes tell a file that cannot be read as MS932 CSV at
//! all (a UTF-8 byte-order mark, UTF-16) and check that an image is a JPEG. Such a file gets
//! one diagnostic, and no record is read.

use std::io::{self, Read};

use crate::diagnostic::{Code, Diagnostic};
use crate::standard::FileFormat;

use super::{Context, Out};

/// The file's first four bytes (fewer if it is shorter).
pub(super) fn head<R: Read>(src: &mut R) -> io::Result<Vec<u8>> {
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        match src.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(head[..n].to_vec())
}

/// Whether the first bytes settle the whole file: an image (checked for the JPEG signature),
/// or text in another encoding, refused whole since its records cannot be read as MS932.
pub(super) fn whole_file(head: &[u8], ctx: &Context, out: &mut Out) -> bool {
    if ctx.spec.is_some_and(|s| s.format == FileFormat::Jpeg) {
        if !head.starts_with(&[0xFF, 0xD8, 0xFF]) {
            out.push(
                Diagnostic::new(
                    Code::StructureNotJpeg,
                    "画像ファイルが JPEG（FF D8 FF で始まる）ではありません",
                )
                .at(1, None, 0),
            );
        }
        return true;
    }
    let Some((code, message)) = foreign_encoding(head) else {
        return false;
    };
    out.push(Diagnostic::new(code, message).at(1, Some(1), 0));
    out.rep.facts.partial = true;
    true
}

/// A byte-order mark or the zero bytes of UTF-16.
fn foreign_encoding(head: &[u8]) -> Option<(Code, &'static str)> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some((
            Code::EncodingUtf8Bom,
            "ファイルが UTF-8 の BOM (EF BB BF) で始まります: 標準仕様の文字コードは Shift-JIS (MS932) です",
        ))
    } else if head.starts_with(&[0xFF, 0xFE])
        || head.starts_with(&[0xFE, 0xFF])
        || (head.len() >= 2 && (head[0] == 0 || head[1] == 0))
    {
        Some((
            Code::EncodingUtf16,
            "ファイルが UTF-16 です: 標準仕様の文字コードは Shift-JIS (MS932) です",
        ))
    } else {
        None
    }
}
