//! Joins each module's data segments again after splitting.
//!
//! The browser build links with one data segment per constant
//! (`--no-merge-data-segments`), so that the splitter can give each page's
//! strings to that page's module: from one merged `.rodata` it moves the
//! whole segment into the main module whenever laying it out again per
//! module would make it longer. Thousands of segments cost about eight
//! bytes each, though, so after splitting each module's active segments
//! are joined where only a small gap lies between them, the gap filled with
//! zeros. The main module is instantiated before any other, so it may cover
//! any gap (a chunk loaded later writes its own data over those zeros, and
//! zeroed memory is what an uncovered gap holds anyway); a chunk covers
//! only gaps that no other module writes, so that it never overwrites the
//! data of a module loaded before it.
//!
//! Modules with passive segments are left as they are: code refers to
//! those by index, which joining would change.

use std::ops::Range;

type Error = Box<dyn std::error::Error>;

/// The largest gap worth filling: a segment header costs about 8 bytes,
/// and zeros compress to next to nothing.
pub const MAX_GAP: u32 = 64;

const CUSTOM: u8 = 0;
const DATA: u8 = 11;
/// The name section's subsection naming data segments, by index.
const DATA_NAMES: u8 = 9;
const DATA_COUNT: u8 = 12;

/// One active data segment: where it goes in memory and its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub offset: u32,
    pub bytes: Vec<u8>,
}

impl Segment {
    fn range(&self) -> Range<u32> {
        self.offset..self.offset + self.bytes.len() as u32
    }
}

/// A module's sections, its data section read into segments (`None` when it
/// holds anything but active segments at constant offsets).
pub struct Module {
    /// Section id and body, in order; the data section's body is rebuilt.
    sections: Vec<(u8, Vec<u8>)>,
    pub segments: Option<Vec<Segment>>,
}

impl Module {
    pub fn read(wasm: &[u8]) -> Result<Module, Error> {
        if wasm.len() < 8 || &wasm[..4] != b"\0asm" {
            return Err("not a WASM module".into());
        }
        let mut sections = vec![];
        let mut at = 8;
        while at < wasm.len() {
            let id = wasm[at];
            let (len, body) = uleb(wasm, at + 1)?;
            let end = body
                .checked_add(len as usize)
                .filter(|&e| e <= wasm.len())
                .ok_or("section past the end")?;
            sections.push((id, wasm[body..end].to_vec()));
            at = end;
        }
        let segments = match sections.iter().find(|(id, _)| *id == DATA) {
            Some((_, body)) => read_active(body)?,
            None => Some(vec![]),
        };
        Ok(Module { sections, segments })
    }

    /// The module with `segments` as its data section.
    pub fn write(&self, segments: &[Segment]) -> Vec<u8> {
        let mut out = b"\0asm\x01\0\0\0".to_vec();
        for (id, body) in &self.sections {
            let body = match *id {
                DATA => {
                    let mut b = vec![];
                    put_uleb(&mut b, segments.len() as u64);
                    for s in segments {
                        b.push(0); // active, memory 0
                        b.push(0x41); // i32.const
                        put_sleb(&mut b, i64::from(s.offset as i32));
                        b.push(0x0b); // end
                        put_uleb(&mut b, s.bytes.len() as u64);
                        b.extend_from_slice(&s.bytes);
                    }
                    b
                }
                DATA_COUNT => {
                    let mut b = vec![];
                    put_uleb(&mut b, segments.len() as u64);
                    b
                }
                CUSTOM => without_data_names(body),
                _ => body.clone(),
            };
            out.push(*id);
            put_uleb(&mut out, body.len() as u64);
            out.extend_from_slice(&body);
        }
        out
    }
}

/// A custom section, without the data segment names if it is the name
/// section: joining changes the indices they go by.
fn without_data_names(body: &[u8]) -> Vec<u8> {
    let names = || -> Result<Vec<u8>, Error> {
        let (len, at) = uleb(body, 0)?;
        let start = at + len as usize;
        if body.get(at..start) != Some(b"name".as_slice()) {
            return Err("not the name section".into());
        }
        let mut out = body[..start].to_vec();
        let mut at = start;
        while at < body.len() {
            let id = body[at];
            let (len, payload) = uleb(body, at + 1)?;
            let end = payload + len as usize;
            if end > body.len() {
                return Err("name subsection past the end".into());
            }
            if id != DATA_NAMES {
                out.extend_from_slice(&body[at..end]);
            }
            at = end;
        }
        Ok(out)
    };
    names().unwrap_or_else(|_| body.to_vec())
}

/// `segments` joined across gaps of at most [`MAX_GAP`] bytes that
/// `may_cover` allows, by offset; empty ones (the splitter leaves them in
/// place of other modules' data) are dropped.
pub fn join(mut segments: Vec<Segment>, may_cover: impl Fn(Range<u32>) -> bool) -> Vec<Segment> {
    segments.retain(|s| !s.bytes.is_empty());
    segments.sort_by_key(|s| s.offset);
    let mut out: Vec<Segment> = Vec::with_capacity(segments.len());
    for s in segments {
        if let Some(last) = out.last_mut() {
            let end = last.range().end;
            if s.offset >= end && s.offset - end <= MAX_GAP && may_cover(end..s.offset) {
                last.bytes.resize((s.offset - last.offset) as usize, 0);
                last.bytes.extend_from_slice(&s.bytes);
                continue;
            }
        }
        out.push(s);
    }
    out
}

/// Whether `gap` is clear of every range in `others` (sorted by start).
pub fn clear_of(others: &[Range<u32>], gap: Range<u32>) -> bool {
    let from = others.partition_point(|r| r.end <= gap.start);
    others.get(from).is_none_or(|r| r.start >= gap.end)
}

fn read_active(body: &[u8]) -> Result<Option<Vec<Segment>>, Error> {
    let (count, mut at) = uleb(body, 0)?;
    let mut segments = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let (flags, next) = uleb(body, at)?;
        if flags != 0 || body.get(next) != Some(&0x41) {
            return Ok(None);
        }
        let (offset, next) = sleb(body, next + 1)?;
        if body.get(next) != Some(&0x0b) {
            return Ok(None);
        }
        let offset = u32::try_from(offset).map_err(|_| "negative data offset")?;
        let (len, start) = uleb(body, next + 1)?;
        let end = start
            .checked_add(len as usize)
            .filter(|&e| e <= body.len())
            .ok_or("segment past the end")?;
        segments.push(Segment {
            offset,
            bytes: body[start..end].to_vec(),
        });
        at = end;
    }
    Ok(Some(segments))
}

fn uleb(b: &[u8], mut at: usize) -> Result<(u64, usize), Error> {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let byte = *b.get(at).ok_or("truncated number")?;
        at += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((v, at));
        }
        shift += 7;
        if shift > 63 {
            return Err("number too long".into());
        }
    }
}

fn sleb(b: &[u8], mut at: usize) -> Result<(i64, usize), Error> {
    let (mut v, mut shift) = (0i64, 0);
    loop {
        let byte = *b.get(at).ok_or("truncated number")?;
        at += 1;
        v |= i64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            if shift < 64 && byte & 0x40 != 0 {
                v |= -1 << shift;
            }
            return Ok((v, at));
        }
        if shift > 63 {
            return Err("number too long".into());
        }
    }
}

fn put_uleb(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_sleb(out: &mut Vec<u8>, mut v: i64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if (v == 0 && byte & 0x40 == 0) || (v == -1 && byte & 0x40 != 0) {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(offset: u32, bytes: &[u8]) -> Segment {
        Segment {
            offset,
            bytes: bytes.to_vec(),
        }
    }

    /// A module with a memory and `segments` (and a data count section).
    fn module(segments: &[Segment]) -> Vec<u8> {
        let m = Module {
            sections: vec![(5, vec![1, 0, 1]), (DATA_COUNT, vec![0]), (DATA, vec![0])],
            segments: None,
        };
        m.write(segments)
    }

    #[test]
    fn segments_survive_a_round_trip_with_large_offsets() {
        let segs = vec![
            seg(8, b"ab"),
            seg(1_048_576, b"xyz"),
            seg(0x7fff_fff0, b"z"),
        ];
        let read = Module::read(&module(&segs)).unwrap();
        assert_eq!(read.segments.as_deref(), Some(&segs[..]));
    }

    #[test]
    fn small_gaps_are_filled_and_large_ones_kept() {
        let joined = join(
            vec![
                seg(100, b"cd"),
                seg(10, b"ab"),
                seg(12, b""),
                seg(14, b"ef"),
                seg(200, b"gh"),
            ],
            |_| true,
        );
        assert_eq!(
            joined,
            vec![seg(10, b"ab\0\0ef"), seg(100, b"cd"), seg(200, b"gh")]
        );
        let written = Module::read(&module(&joined)).unwrap();
        assert_eq!(written.segments.unwrap().len(), 3);
        // The data count says the same.
        let bytes = module(&joined);
        let m = Module::read(&bytes).unwrap();
        assert_eq!(
            m.sections
                .iter()
                .find(|(id, _)| *id == DATA_COUNT)
                .unwrap()
                .1,
            vec![3]
        );
    }

    #[test]
    fn a_chunk_never_covers_another_modules_data() {
        let others = vec![20..24, 40..48];
        assert!(clear_of(&others, 12..20));
        assert!(!clear_of(&others, 12..21));
        assert!(!clear_of(&others, 22..23));
        assert!(clear_of(&others, 48..60));
        let joined = join(
            vec![seg(10, b"ab"), seg(30, b"cd"), seg(34, b"ef")],
            |gap| clear_of(&others, gap),
        );
        assert_eq!(joined, vec![seg(10, b"ab"), seg(30, b"cd\0\0ef")]);
    }

    #[test]
    fn data_segment_names_go_and_other_names_stay() {
        let mut name = vec![4];
        name.extend_from_slice(b"name");
        name.extend_from_slice(&[1, 2, 0xaa, 0xbb, DATA_NAMES, 1, 0xcc, 7, 0]);
        assert_eq!(without_data_names(&name)[5..], [1, 2, 0xaa, 0xbb, 7, 0]);
        let mut other = vec![3];
        other.extend_from_slice(b"foo\x09\x01\x00");
        assert_eq!(without_data_names(&other), other);
    }

    #[test]
    fn passive_segments_leave_the_module_alone() {
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend_from_slice(&[DATA, 4, 1, 1, 1, b'a']);
        assert_eq!(Module::read(&bytes).unwrap().segments, None);
        assert!(Module::read(b"\0asm").is_err());
    }
}
