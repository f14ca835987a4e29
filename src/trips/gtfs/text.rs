//! Checks the bytes of a GTFS file as they stream past, refusing them with
//! the line and the reason: GTFS files are UTF-8 (a leading BOM is allowed),
//! without NUL bytes, with one line-ending style, in rows of sane length.
//!
//! The checks run over each chunk the CSV reader asks for, so a file is
//! never held whole in memory; the first problem in file order wins. The
//! reader also remembers where the lines that start with data begin, for
//! the few kilobytes the CSV reader has read ahead: [`Checked::line_of`]
//! turns a row's byte offset into its line number.

use std::collections::VecDeque;
use std::io::{self, Read};

use super::error::GtfsError;

/// The longest row read (quoted line breaks included). GTFS rows are well
/// under a kilobyte; the cap keeps one endless row from filling memory.
pub const MAX_ROW_BYTES: u64 = 64 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A reader of one GTFS file that refuses what is not clean UTF-8 text.
/// Its errors are `io::Error`s wrapping a [`GtfsError`] (see [`GtfsError::from_io`]).
pub struct Checked<R> {
    inner: R,
    file: &'static str,
    /// The first bytes, read ahead to find a byte order mark.
    head: Vec<u8>,
    head_done: bool,
    /// Bytes handed out so far (after the BOM).
    offset: u64,
    /// The line being read (1-based) and the offset it starts at.
    line: u64,
    line_start: u64,
    /// Bytes of the current row, quoted line breaks included.
    row_bytes: u64,
    in_quotes: bool,
    /// The previous byte was a carriage return outside quotes.
    cr_pending: bool,
    /// The first line ending seen, and its line.
    style: Option<(&'static str, u64)>,
    /// The start of a UTF-8 sequence cut by the end of the previous chunk,
    /// and the line and column it starts at.
    carry: Vec<u8>,
    carry_at: (u64, u64),
    /// The next byte starts a line.
    at_line_start: bool,
    /// `(offset, line)` of lines starting with data, not yet asked for.
    starts: VecDeque<(u64, u64)>,
}

impl<R: Read> Checked<R> {
    /// Checks `inner`, the content of `file`.
    pub fn new(file: &'static str, inner: R) -> Self {
        Self {
            inner,
            file,
            head: Vec::new(),
            head_done: false,
            offset: 0,
            line: 1,
            line_start: 0,
            row_bytes: 0,
            in_quotes: false,
            cr_pending: false,
            style: None,
            carry: Vec::new(),
            carry_at: (1, 0),
            at_line_start: true,
            starts: VecDeque::new(),
        }
    }

    /// The line of the first row starting at or after byte `offset`, and
    /// forgets the lines before it (rows are asked for in order).
    pub fn line_of(&mut self, offset: u64) -> u64 {
        while self.starts.front().is_some_and(|&(at, _)| at < offset) {
            self.starts.pop_front();
        }
        self.starts.front().map_or(self.line, |&(_, line)| line)
    }

    /// Reads the first bytes and refuses UTF-16; drops a UTF-8 BOM.
    fn read_head(&mut self) -> io::Result<()> {
        self.head_done = true;
        let mut head = [0u8; 3];
        let mut filled = 0;
        while filled < head.len() {
            match self.inner.read(&mut head[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        let head = &head[..filled];
        if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
            return Err(self.refuse(
                1,
                "the file is encoded as UTF-16; GTFS files must be UTF-8".into(),
            ));
        }
        if head != BOM {
            self.head = head.to_vec();
        }
        Ok(())
    }

    fn refuse(&self, line: u64, reason: String) -> io::Error {
        io::Error::other(GtfsError::invalid(self.file, line, reason))
    }

    /// Runs every check over the next chunk handed out.
    fn check(&mut self, bytes: &[u8]) -> io::Result<()> {
        let bad_utf8 = match self.utf8_error_at(bytes) {
            Ok(at) => at,
            Err(()) => {
                let (line, column) = self.carry_at;
                return Err(self.bad_utf8(line, column));
            }
        };
        for (i, &b) in bytes.iter().enumerate() {
            if b == 0 {
                let reason = "contains a NUL byte (a binary file, or UTF-16 without a byte order mark); GTFS files are UTF-8 text";
                return Err(self.refuse(self.line, reason.into()));
            }
            let at = self.offset + i as u64;
            if bad_utf8 == Some(i) {
                return Err(self.bad_utf8(self.line, at - self.line_start));
            }
            if !self.carry.is_empty() && i + self.carry.len() == bytes.len() {
                // The cut sequence starts here: remember where, for its refusal.
                self.carry_at = (self.line, at - self.line_start);
            }
            self.step(b, at)?;
        }
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn bad_utf8(&self, line: u64, column: u64) -> io::Error {
        self.refuse(line, format!("invalid UTF-8 at byte {column} of the line"))
    }

    /// Line endings, row length and line starts, one byte at a time.
    fn step(&mut self, b: u8, at: u64) -> io::Result<()> {
        let after_cr = std::mem::take(&mut self.cr_pending);
        if after_cr && b != b'\n' {
            return Err(self.bare_cr());
        }
        if self.at_line_start && b != b'\r' && b != b'\n' {
            self.starts.push_back((at, self.line));
            self.at_line_start = false;
        }
        self.row_bytes += 1;
        if self.row_bytes > MAX_ROW_BYTES {
            let reason = format!("a row longer than {MAX_ROW_BYTES} bytes");
            return Err(self.refuse(self.line, reason));
        }
        match b {
            b'"' => self.in_quotes = !self.in_quotes,
            b'\r' if !self.in_quotes => self.cr_pending = true,
            b'\n' => {
                if !self.in_quotes {
                    self.line_ending(after_cr)?;
                    self.row_bytes = 0;
                }
                self.line += 1;
                self.line_start = at + 1;
                self.at_line_start = true;
            }
            _ => {}
        }
        Ok(())
    }

    /// Refuses a mix of CRLF and LF line ends: it splits or glues rows in
    /// ways readers disagree on.
    fn line_ending(&mut self, crlf: bool) -> io::Result<()> {
        let ending = if crlf { "CRLF" } else { "LF" };
        match self.style {
            None => self.style = Some((ending, self.line)),
            Some((first, first_line)) if first != ending => {
                let reason = format!(
                    "line ends with {ending} but line {first_line} ends with {first} (mixed line endings)"
                );
                return Err(self.refuse(self.line, reason));
            }
            Some(_) => {}
        }
        Ok(())
    }

    fn bare_cr(&self) -> io::Error {
        self.refuse(
            self.line,
            "carriage return (CR) that does not end the line with a line feed (LF)".into(),
        )
    }

    /// Where in `bytes` the first invalid UTF-8 sequence starts, if any
    /// (`Err` when it is the sequence cut by the previous chunk); keeps a
    /// sequence cut by this chunk's end for the next one.
    fn utf8_error_at(&mut self, bytes: &[u8]) -> Result<Option<usize>, ()> {
        let mut rest = bytes;
        let mut skipped = 0;
        if !self.carry.is_empty() {
            let width = utf8_width(self.carry[0]);
            let take = width.saturating_sub(self.carry.len()).min(rest.len());
            if rest[..take].iter().any(|&b| !(0x80..=0xBF).contains(&b)) {
                return Err(());
            }
            self.carry.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            skipped = take;
            if self.carry.len() < width {
                return Ok(None);
            }
            let complete = std::mem::take(&mut self.carry);
            if std::str::from_utf8(&complete).is_err() {
                return Err(());
            }
        }
        match std::str::from_utf8(rest) {
            Ok(_) => Ok(None),
            Err(e) if e.error_len().is_none() => {
                self.carry = rest[e.valid_up_to()..].to_vec();
                Ok(None)
            }
            Err(e) => Ok(Some(skipped + e.valid_up_to())),
        }
    }

    /// The checks that need the end of the file.
    fn finish(&mut self) -> io::Result<()> {
        if self.cr_pending {
            return Err(self.bare_cr());
        }
        if !self.carry.is_empty() {
            let (line, column) = self.carry_at;
            return Err(self.bad_utf8(line, column));
        }
        Ok(())
    }
}

/// The length of the UTF-8 sequence a lead byte starts (1 for anything invalid).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.head_done {
            self.read_head()?;
        }
        let n = if self.head.is_empty() {
            self.inner.read(buf)?
        } else {
            let n = self.head.len().min(buf.len());
            buf[..n].copy_from_slice(&self.head[..n]);
            self.head.drain(..n);
            n
        };
        if n == 0 {
            self.finish()?;
        } else {
            self.check(&buf[..n])?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `bytes` through the checks in chunks of `chunk` bytes.
    fn read_in(bytes: &[u8], chunk: usize) -> Result<String, GtfsError> {
        let mut checked = Checked::new("stops.txt", bytes);
        let mut out = Vec::new();
        let mut buf = vec![0u8; chunk];
        loop {
            match checked.read(&mut buf) {
                Ok(0) => return Ok(String::from_utf8(out).unwrap()),
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return Err(GtfsError::from_io("stops.txt", e)),
            }
        }
    }

    fn refusal(bytes: &[u8]) -> (u64, String) {
        // Every chunk size gives the same answer: the checks carry their state.
        let answers: Vec<_> = [1, 2, 3, 7, 4096]
            .into_iter()
            .map(|chunk| match read_in(bytes, chunk) {
                Err(GtfsError::Invalid { line, reason, .. }) => (line, reason),
                other => panic!("expected a refusal, got {other:?}"),
            })
            .collect();
        assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
        answers[0].clone()
    }

    #[test]
    fn bom_is_stripped_and_crlf_accepted() {
        for chunk in [1, 2, 4096] {
            assert_eq!(
                read_in(b"\xEF\xBB\xBFa,b\r\n1,2\r\n", chunk).unwrap(),
                "a,b\r\n1,2\r\n"
            );
        }
    }

    #[test]
    fn nul_byte_is_refused_with_its_line() {
        assert_eq!(refusal(b"a,b\n1,2\n3,\x004\n").0, 3);
    }

    #[test]
    fn invalid_utf8_is_refused_with_its_line_and_column() {
        let (line, reason) = refusal(b"a,b\nx,\xEC\n");
        assert_eq!(line, 2);
        assert!(reason.contains("UTF-8 at byte 2"), "{reason}");
        // A valid sequence cut across chunks is fine; a truncated one at the end is not.
        assert_eq!(read_in("é,è\n".as_bytes(), 1).unwrap(), "é,è\n");
        assert_eq!(refusal(b"a,b\nx,\xC3").0, 2);
    }

    #[test]
    fn utf16_is_refused() {
        assert!(refusal(b"\xFF\xFEa\x00").1.contains("UTF-16"));
    }

    #[test]
    fn mixed_line_endings_are_refused_at_the_odd_line() {
        let (line, reason) = refusal(b"a,b\n1,2\r\n3,4\n");
        assert_eq!(line, 2);
        assert!(reason.contains("mixed"), "{reason}");
    }

    #[test]
    fn bare_carriage_return_is_refused() {
        assert_eq!(refusal(b"a,b\r\n1,2\r\r\n").0, 2);
        assert_eq!(refusal(b"a,b\r\n1,2\r").0, 2);
    }

    #[test]
    fn line_breaks_inside_quotes_are_data() {
        assert!(read_in(b"a,b\n\"x\r\ny\",2\n", 3).is_ok());
    }

    #[test]
    fn an_endless_row_is_refused() {
        let mut bytes = b"a,b\n".to_vec();
        bytes.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES as usize + 1));
        let (line, reason) = refusal(&bytes);
        assert_eq!(line, 2);
        assert!(reason.contains("longer than"), "{reason}");
    }

    #[test]
    fn rows_are_numbered_by_where_they_start() {
        let mut checked = Checked::new("stops.txt", &b"h\r\n\r\nA\r\n\"B\nb\"\r\nC\r\n"[..]);
        std::io::copy(&mut checked, &mut std::io::sink()).unwrap();
        // Offsets of the end of the previous line (as the CSV reader gives them) or of the row.
        assert_eq!(checked.line_of(1), 3, "A, after a blank line");
        assert_eq!(checked.line_of(8), 4, "B");
        assert_eq!(checked.line_of(14), 6, "C: B's quoted line break counts");
    }
}
