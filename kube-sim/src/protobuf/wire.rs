//! The protobuf wire format: varints, tags and length-delimited fields.

/// One field's value as read off the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Raw {
    /// Wire type 0.
    Varint(u64),
    /// Wire type 1.
    Fixed64(u64),
    /// Wire type 2: strings, bytes, messages, packed lists.
    Bytes(Vec<u8>),
    /// Wire type 5.
    Fixed32(u32),
}

/// Reads fields off a buffer.
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    /// The next varint, or `None` at the end.
    pub fn varint_opt(&mut self) -> Result<Option<u64>, String> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let mut out: u64 = 0;
        for i in 0..10 {
            let Some((&b, rest)) = self.buf.split_first() else {
                return Err("truncated varint".into());
            };
            self.buf = rest;
            out |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(Some(out));
            }
        }
        Err("varint longer than 10 bytes".into())
    }

    fn varint(&mut self) -> Result<u64, String> {
        self.varint_opt()?
            .ok_or_else(|| "truncated message".to_string())
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.buf.len() < n {
            return Err("truncated message".into());
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    /// The next field's number and value, or `None` at the end.
    pub fn next_field(&mut self) -> Result<Option<(u32, Raw)>, String> {
        let Some(key) = self.varint_opt()? else {
            return Ok(None);
        };
        let tag = u32::try_from(key >> 3).map_err(|_| "field number too large".to_string())?;
        let value = match key & 7 {
            0 => Raw::Varint(self.varint()?),
            1 => {
                let b = self.take(8)?;
                Raw::Fixed64(u64::from_le_bytes(b.try_into().map_err(|_| "fixed64")?))
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| "length too large")?;
                Raw::Bytes(self.take(len)?.to_vec())
            }
            5 => {
                let b = self.take(4)?;
                Raw::Fixed32(u32::from_le_bytes(b.try_into().map_err(|_| "fixed32")?))
            }
            other => return Err(format!("unsupported wire type {other}")),
        };
        Ok(Some((tag, value)))
    }
}

/// Writes fields into a buffer.
#[derive(Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    fn raw_varint(&mut self, mut n: u64) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.buf.push(b);
                return;
            }
            self.buf.push(b | 0x80);
        }
    }

    fn key(&mut self, tag: u32, wire: u64) {
        self.raw_varint((u64::from(tag) << 3) | wire);
    }

    pub fn varint(&mut self, tag: u32, n: u64) {
        self.key(tag, 0);
        self.raw_varint(n);
    }

    pub fn fixed64(&mut self, tag: u32, n: u64) {
        self.key(tag, 1);
        self.buf.extend_from_slice(&n.to_le_bytes());
    }

    pub fn bytes(&mut self, tag: u32, b: &[u8]) {
        self.key(tag, 2);
        self.raw_varint(b.len() as u64);
        self.buf.extend_from_slice(b);
    }

    pub fn string(&mut self, tag: u32, s: &str) {
        self.bytes(tag, s.as_bytes());
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}
