//! Huffman tables and the bit reader of entropy-coded data.

use super::super::JpegError;

/// Bits of the fast Huffman lookup.
pub(super) const LOOKAHEAD: u32 = 9;

#[derive(Clone)]
pub(super) struct Huffman {
    /// For codes of at most `LOOKAHEAD` bits: `length << 8 | symbol`, 0 for longer ones.
    pub(super) fast: Vec<u16>,
    /// For codes whose magnitude bits (the symbol's low four) fit in `LOOKAHEAD` bits
    /// with them: `(length + magnitude bits) << 8 | symbol`, 0 otherwise. One lookup then
    /// steps over a whole coefficient.
    pub(super) whole: Vec<u16>,
    /// The largest code of each length (index 1..=16), -1 when there is none.
    pub(super) max_code: [i32; 18],
    /// Added to a code of each length gives its index into `values`.
    pub(super) offset: [i32; 17],
    pub(super) values: Vec<u8>,
}

impl Huffman {
    /// Builds a table from a DHT segment's counts and values (T.81 Annex C), refusing a
    /// table whose codes overflow their lengths, as libjpeg does.
    pub(super) fn new(counts: &[u8; 16], values: &[u8]) -> Result<Huffman, JpegError> {
        let mut fast = vec![0u16; 1 << LOOKAHEAD];
        let mut whole = vec![0u16; 1 << LOOKAHEAD];
        let mut max_code = [-1i32; 18];
        let mut offset = [0i32; 17];
        let mut code: i32 = 0;
        let mut index: i32 = 0;
        for length in 1..=16usize {
            let count = i32::from(counts[length - 1]);
            if code + count >= 1 << length && count > 0 {
                return Err(JpegError::Corrupt);
            }
            if count > 0 {
                offset[length] = index - code;
                for _ in 0..count {
                    if length <= LOOKAHEAD as usize {
                        let shift = LOOKAHEAD as usize - length;
                        let first = (code as usize) << shift;
                        let symbol = values[index as usize];
                        let entry = ((length as u16) << 8) | u16::from(symbol);
                        for slot in &mut fast[first..first + (1 << shift)] {
                            *slot = entry;
                        }
                        let total = length + usize::from(symbol & 0x0F);
                        if total <= LOOKAHEAD as usize {
                            let entry = ((total as u16) << 8) | u16::from(symbol);
                            for slot in &mut whole[first..first + (1 << shift)] {
                                *slot = entry;
                            }
                        }
                    }
                    code += 1;
                    index += 1;
                }
                max_code[length] = code - 1;
            }
            if code >= 1 << length {
                return Err(JpegError::Corrupt);
            }
            code <<= 1;
        }
        max_code[17] = i32::MAX;
        Ok(Huffman {
            fast,
            whole,
            max_code,
            offset,
            values: values.to_vec(),
        })
    }
}

/// The entropy-coded bits of one interval of a scan (up to the next marker), most
/// significant first, with stuffed zero bytes removed. Past the marker it supplies one
/// bits, as padding does, but counts them: consuming one is running out of data.
pub(super) struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
    acc: u64,
    /// Bits in `acc`, left-aligned.
    count: u32,
    /// Of those, how many came from the data (the rest is filler after the marker).
    real: u32,
    ended: bool,
}

impl<'a> Bits<'a> {
    pub(super) fn new(data: &'a [u8], pos: usize) -> Bits<'a> {
        Bits {
            data,
            pos,
            acc: 0,
            count: 0,
            real: 0,
            ended: false,
        }
    }

    /// Tops the accumulator up to at least 57 bits (filler past the marker).
    #[inline]
    pub(super) fn refill(&mut self) {
        while self.count <= 56 {
            if !self.ended {
                match self.data.get(self.pos) {
                    Some(&b) if b != 0xFF => {
                        self.pos += 1;
                        self.push(b, true);
                        continue;
                    }
                    Some(_) if self.data.get(self.pos + 1) == Some(&0x00) => {
                        self.pos += 2;
                        self.push(0xFF, true);
                        continue;
                    }
                    // A marker, or the end of the data.
                    _ => self.ended = true,
                }
            }
            self.push(0xFF, false);
        }
    }

    #[inline]
    pub(super) fn push(&mut self, byte: u8, real: bool) {
        self.acc |= u64::from(byte) << (56 - self.count);
        self.count += 8;
        if real {
            self.real += 8;
        }
    }

    /// Refills when fewer than 32 bits are left: enough for a code and its magnitude.
    #[inline]
    pub(super) fn ensure(&mut self) {
        if self.count < 32 {
            self.refill();
        }
    }

    pub(super) fn peek(&self, n: u32) -> u32 {
        (self.acc >> (64 - n)) as u32
    }

    #[inline]
    pub(super) fn consume(&mut self, n: u32) -> Result<(), JpegError> {
        if n > self.real {
            return Err(JpegError::Truncated);
        }
        self.acc <<= n;
        self.count -= n;
        self.real -= n;
        Ok(())
    }

    /// `n` (at most 16) raw bits.
    #[inline]
    pub(super) fn bits(&mut self, n: u32) -> Result<u32, JpegError> {
        if n == 0 {
            return Ok(0);
        }
        self.ensure();
        let value = self.peek(n);
        self.consume(n)?;
        Ok(value)
    }

    pub(super) fn bit(&mut self) -> Result<bool, JpegError> {
        Ok(self.bits(1)? == 1)
    }

    /// A magnitude category `s` and its `s` bits as the signed value (T.81 F.2.2.1).
    pub(super) fn extend(&mut self, s: u32) -> Result<i32, JpegError> {
        let v = self.bits(s)? as i32;
        Ok(if s > 0 && v < 1 << (s - 1) {
            v - (1 << s) + 1
        } else {
            v
        })
    }

    #[inline]
    pub(super) fn decode(&mut self, table: &Huffman) -> Result<u8, JpegError> {
        self.ensure();
        let entry = table.fast[self.peek(LOOKAHEAD) as usize];
        if entry != 0 {
            self.consume(u32::from(entry >> 8))?;
            return Ok(entry as u8);
        }
        self.decode_long(table)
    }

    /// A symbol whose code is longer than `LOOKAHEAD` bits (or no code at all).
    #[cold]
    pub(super) fn decode_long(&mut self, table: &Huffman) -> Result<u8, JpegError> {
        let mut length = LOOKAHEAD + 1;
        let mut code = self.peek(length) as i32;
        while length <= 16 && code > table.max_code[length as usize] {
            length += 1;
            code = self.peek(length.min(16)) as i32;
        }
        if length > 16 {
            // No code matches: bad data, unless the bits looked at ran past the marker.
            return Err(if self.real < 16 {
                JpegError::Truncated
            } else {
                JpegError::Corrupt
            });
        }
        let index = code + table.offset[length as usize];
        let symbol = *table
            .values
            .get(usize::try_from(index).map_err(|_| JpegError::Corrupt)?)
            .ok_or(JpegError::Corrupt)?;
        self.consume(length)?;
        Ok(symbol)
    }

    /// Where the next marker starts, skipping what libjpeg skips as extraneous bytes
    /// after the coded data (stuffed bytes, fill bytes, stray restart markers when
    /// `skip_restarts`).
    pub(super) fn next_marker(&self, skip_restarts: bool) -> Result<(usize, u8), JpegError> {
        let mut i = self.pos;
        loop {
            match (self.data.get(i), self.data.get(i + 1)) {
                (Some(0xFF), Some(0x00 | 0xFF)) => i += 1,
                (Some(0xFF), Some(0xD0..=0xD7)) if skip_restarts => i += 2,
                (Some(0xFF), Some(&marker)) => return Ok((i, marker)),
                (Some(_), _) => i += 1,
                (None, _) => return Err(JpegError::Truncated),
            }
        }
    }
}
