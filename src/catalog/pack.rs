//! Prepared bytes live in pack files: every chapter and resource of a
//! version appended to one file, found again by (offset, length). One file
//! means one fsync before publishing and one open file per title when
//! serving, whatever the number of chapters.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};

/// Brotli quality for text: 5 compresses within a few percent of 11 at a
/// small fraction of the time (ingestion must stay under a second).
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

/// Where some bytes are in a pack file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Offset in bytes.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// The stored encodings of one piece of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variants {
    /// The bytes themselves.
    pub identity: Span,
    /// Gzip, for text.
    pub gzip: Option<Span>,
    /// Brotli, for text.
    pub brotli: Option<Span>,
}

/// A content encoding a client accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// No compression.
    Identity,
    /// `gzip`.
    Gzip,
    /// `br`.
    Brotli,
}

impl Variants {
    /// The span for an encoding, if stored.
    pub fn get(&self, encoding: Encoding) -> Option<Span> {
        match encoding {
            Encoding::Identity => Some(self.identity),
            Encoding::Gzip => self.gzip,
            Encoding::Brotli => self.brotli,
        }
    }
}

/// Appends content to a new pack file.
pub struct PackWriter {
    file: BufWriter<File>,
    offset: u64,
}

impl PackWriter {
    /// Creates the pack file (it must not exist).
    pub fn create(path: &Path) -> io::Result<PackWriter> {
        let file = File::options().write(true).create_new(true).open(path)?;
        Ok(PackWriter {
            file: BufWriter::with_capacity(256 * 1024, file),
            offset: 0,
        })
    }

    /// Appends bytes as they are.
    pub fn append(&mut self, bytes: &[u8]) -> io::Result<Span> {
        self.file.write_all(bytes)?;
        let span = Span {
            offset: self.offset,
            len: bytes.len() as u64,
        };
        self.offset += span.len;
        Ok(span)
    }

    /// Appends a binary resource (already compressed formats: images, fonts).
    pub fn append_binary(&mut self, bytes: &[u8]) -> io::Result<Variants> {
        Ok(Variants {
            identity: self.append(bytes)?,
            gzip: None,
            brotli: None,
        })
    }

    /// Appends text with its gzip and brotli encodings.
    pub fn append_text(&mut self, bytes: &[u8]) -> io::Result<Variants> {
        let identity = self.append(bytes)?;
        let gzip = self.append(&gzip(bytes)?)?;
        let brotli = self.append(&brotli(bytes)?)?;
        Ok(Variants {
            identity,
            gzip: Some(gzip),
            brotli: Some(brotli),
        })
    }

    /// Flushes and makes the content durable.
    pub fn finish(self) -> io::Result<()> {
        let file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    }
}

/// Gzip of `bytes` at the default level.
pub fn gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::default());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Brotli of `bytes` at the level chapters use (fast, close to the best ratio for text).
pub fn brotli(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut writer =
            brotli::CompressorWriter::new(&mut out, 64 * 1024, BROTLI_QUALITY, BROTLI_WINDOW);
        writer.write_all(bytes)?;
    }
    Ok(out)
}

/// Reads a span of a pack file.
pub fn read(path: &Path, span: Span) -> io::Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut bytes = vec![0; span.len as usize];
    file.read_exact_at(&mut bytes, span.offset)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn text_is_found_again_in_every_encoding() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("content.pack");
        let mut pack = PackWriter::create(&path).unwrap();
        let first = pack.append_binary(b"\x89PNG").unwrap();
        let text = "<p>Il était une fois…</p>".repeat(50);
        let variants = pack.append_text(text.as_bytes()).unwrap();
        pack.finish().unwrap();
        assert_eq!(read(&path, first.identity).unwrap(), b"\x89PNG");
        assert_eq!(read(&path, variants.identity).unwrap(), text.as_bytes());
        let gz = read(&path, variants.gzip.unwrap()).unwrap();
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        let br = read(&path, variants.brotli.unwrap()).unwrap();
        let mut out = String::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_string(&mut out)
            .unwrap();
        assert_eq!(out, text);
        assert!(br.len() < text.len() / 4);
    }
}
