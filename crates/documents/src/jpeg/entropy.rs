//! A walk through a JPEG's entropy-coded data that decodes every Huffman symbol of every
//! block of every scan, and nothing more: no inverse DCT, no upsampling, no colour
//! conversion, no output buffer. It settles what a full decode would about a file's
//! integrity (every code valid, every block present, restart markers in sequence, a
//! progressive image refined to its last bit) at a small part of the cost, and keeps
//! what a preview needs: each block's DC coefficient, the image at 1/8 scale.
//!
//! The decoding follows ITU-T T.81 (Annexes F and G) as libjpeg implements it, including
//! its tolerance of a run that points past the end of a block.

use super::JpegError;

/// Bits of the fast Huffman lookup.
const LOOKAHEAD: u32 = 9;

/// What the walk found, beyond "the data is complete and valid".
pub(super) struct Walked {
    /// The DC plane of each component, when asked for.
    pub(super) planes: Option<Vec<DcPlane>>,
    pub(super) max_h: u8,
    pub(super) max_v: u8,
}

/// One component at 1/8 scale: each block's mean sample (0–255).
pub(super) struct DcPlane {
    pub(super) h: u8,
    pub(super) v: u8,
    /// Blocks per row and rows as stored (padded to whole MCUs).
    pub(super) stride: usize,
    pub(super) rows: usize,
    pub(super) samples: Vec<u8>,
}

/// About how many bytes [`walk`] holds at its peak for a frame of `pixels` pixels and
/// `components` components: a progressive image keeps, per block, which coefficients are
/// nonzero (8 bytes) and its DC coefficient (4 bytes).
pub(super) fn memory(pixels: u64, components: u8) -> u64 {
    (pixels / 64 + 1) * u64::from(components) * 12
}

#[derive(Clone)]
struct Huffman {
    /// For codes of at most `LOOKAHEAD` bits: `length << 8 | symbol`, 0 for longer ones.
    fast: Vec<u16>,
    /// For codes whose magnitude bits (the symbol's low four) fit in `LOOKAHEAD` bits
    /// with them: `(length + magnitude bits) << 8 | symbol`, 0 otherwise. One lookup then
    /// steps over a whole coefficient.
    whole: Vec<u16>,
    /// The largest code of each length (index 1..=16), -1 when there is none.
    max_code: [i32; 18],
    /// Added to a code of each length gives its index into `values`.
    offset: [i32; 17],
    values: Vec<u8>,
}

impl Huffman {
    /// Builds a table from a DHT segment's counts and values (T.81 Annex C), refusing a
    /// table whose codes overflow their lengths, as libjpeg does.
    fn new(counts: &[u8; 16], values: &[u8]) -> Result<Huffman, JpegError> {
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
struct Bits<'a> {
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
    fn new(data: &'a [u8], pos: usize) -> Bits<'a> {
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
    fn refill(&mut self) {
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
    fn push(&mut self, byte: u8, real: bool) {
        self.acc |= u64::from(byte) << (56 - self.count);
        self.count += 8;
        if real {
            self.real += 8;
        }
    }

    /// Refills when fewer than 32 bits are left: enough for a code and its magnitude.
    #[inline]
    fn ensure(&mut self) {
        if self.count < 32 {
            self.refill();
        }
    }

    fn peek(&self, n: u32) -> u32 {
        (self.acc >> (64 - n)) as u32
    }

    #[inline]
    fn consume(&mut self, n: u32) -> Result<(), JpegError> {
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
    fn bits(&mut self, n: u32) -> Result<u32, JpegError> {
        if n == 0 {
            return Ok(0);
        }
        self.ensure();
        let value = self.peek(n);
        self.consume(n)?;
        Ok(value)
    }

    fn bit(&mut self) -> Result<bool, JpegError> {
        Ok(self.bits(1)? == 1)
    }

    /// A magnitude category `s` and its `s` bits as the signed value (T.81 F.2.2.1).
    fn extend(&mut self, s: u32) -> Result<i32, JpegError> {
        let v = self.bits(s)? as i32;
        Ok(if s > 0 && v < 1 << (s - 1) {
            v - (1 << s) + 1
        } else {
            v
        })
    }

    #[inline]
    fn decode(&mut self, table: &Huffman) -> Result<u8, JpegError> {
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
    fn decode_long(&mut self, table: &Huffman) -> Result<u8, JpegError> {
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
    fn next_marker(&self, skip_restarts: bool) -> Result<(usize, u8), JpegError> {
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

#[derive(Clone, Copy)]
struct Component {
    id: u8,
    h: u8,
    v: u8,
    quant: u8,
}

/// Per-component state across scans.
struct Coefficients {
    /// Blocks per row and rows as stored, padded to whole MCUs.
    stride: usize,
    rows: usize,
    /// Blocks per row and rows a single-component scan covers.
    width: usize,
    height: usize,
    /// DC coefficient of each block (with its successive-approximation bits).
    dc: Vec<i32>,
    /// Which coefficients of each block are nonzero (bit k for zig-zag index k); only
    /// progressive refinement needs it.
    nonzero: Vec<u64>,
    /// Coefficients (by zig-zag index) that some scan coded down to their last bit.
    finished: u64,
    quant_dc: u16,
}

struct Scan {
    /// Indexes into the frame's components.
    components: Vec<(usize, u8, u8)>,
    ss: u8,
    se: u8,
    ah: u8,
    al: u8,
}

struct Frame {
    width: usize,
    height: usize,
    progressive: bool,
    components: Vec<Component>,
    max_h: u8,
    max_v: u8,
    mcus_x: usize,
    mcus_y: usize,
}

/// Walks every scan of `bytes` (a JPEG whose marker structure [`super::structure`]
/// accepted), decoding each Huffman symbol. With `keep_dc` it returns each component's
/// DC plane.
pub(super) fn walk(bytes: &[u8], keep_dc: bool) -> Result<Walked, JpegError> {
    let mut dc_tables: [Option<Huffman>; 4] = [None, None, None, None];
    let mut ac_tables: [Option<Huffman>; 4] = [None, None, None, None];
    let mut quant_dc = [0u16; 4];
    let mut restart_interval = 0usize;
    let mut frame: Option<Frame> = None;
    let mut state: Vec<Coefficients> = Vec::new();
    let mut i = 2;
    loop {
        let (at, marker) = marker_at(bytes, i)?;
        i = at;
        if marker == 0xD9 {
            break;
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        let length = usize::from(u16::from_be_bytes([
            *bytes.get(i).ok_or(JpegError::Truncated)?,
            *bytes.get(i + 1).ok_or(JpegError::Truncated)?,
        ]));
        let segment = bytes
            .get(i + 2..i + length.max(2))
            .ok_or(JpegError::Truncated)?;
        i += length;
        match marker {
            0xC4 => define_huffman(segment, &mut dc_tables, &mut ac_tables)?,
            0xDB => define_quantization(segment, &mut quant_dc)?,
            0xDD => {
                let ri = segment.get(..2).ok_or(JpegError::Corrupt)?;
                restart_interval = usize::from(u16::from_be_bytes([ri[0], ri[1]]));
            }
            0xC0..=0xC2 => {
                let f = read_frame(segment, marker == 0xC2)?;
                state = f
                    .components
                    .iter()
                    .map(|c| Coefficients {
                        stride: f.mcus_x * usize::from(c.h),
                        rows: f.mcus_y * usize::from(c.v),
                        width: (f.width * usize::from(c.h)).div_ceil(usize::from(f.max_h) * 8),
                        height: (f.height * usize::from(c.v)).div_ceil(usize::from(f.max_v) * 8),
                        dc: Vec::new(),
                        nonzero: Vec::new(),
                        finished: 0,
                        quant_dc: 0,
                    })
                    .collect();
                frame = Some(f);
            }
            0xDA => {
                let f = frame.as_ref().ok_or(JpegError::Corrupt)?;
                let scan = read_scan(segment, f)?;
                for &(c, _, _) in &scan.components {
                    let s = &mut state[c];
                    s.quant_dc = quant_dc[usize::from(f.components[c].quant & 3)];
                    if s.dc.is_empty() && (keep_dc || f.progressive) {
                        s.dc = vec![0; s.stride * s.rows];
                    }
                    if f.progressive && scan.ss > 0 && s.nonzero.is_empty() {
                        s.nonzero = vec![0; s.stride * s.rows];
                    }
                }
                let mut tables = Vec::with_capacity(scan.components.len());
                for &(_, td, ta) in &scan.components {
                    let dc = (scan.ss == 0 && scan.ah == 0)
                        .then(|| {
                            dc_tables[usize::from(td)]
                                .as_ref()
                                .ok_or(JpegError::Corrupt)
                        })
                        .transpose()?;
                    let ac = (scan.se > 0)
                        .then(|| {
                            ac_tables[usize::from(ta)]
                                .as_ref()
                                .ok_or(JpegError::Corrupt)
                        })
                        .transpose()?;
                    tables.push((dc, ac));
                }
                i = if f.progressive || keep_dc {
                    decode_scan(bytes, i, f, &scan, &tables, &mut state, restart_interval)?
                } else {
                    walk_sequential_scan(bytes, i, f, &scan, &tables, &state, restart_interval)?
                };
                let last_bits: u64 = if scan.se == 63 {
                    u64::MAX << scan.ss
                } else {
                    ((1u64 << (scan.se + 1)) - 1) & (u64::MAX << scan.ss)
                };
                if scan.al == 0 {
                    for &(c, _, _) in &scan.components {
                        state[c].finished |= last_bits;
                    }
                }
            }
            _ => {}
        }
    }
    let f = frame.ok_or(JpegError::Corrupt)?;
    // Every coefficient of every component coded to its last bit: a progressive file cut
    // between scans, or a frame with a component no scan carries, is incomplete.
    if state.iter().any(|s| s.finished != u64::MAX) {
        return Err(JpegError::Truncated);
    }
    let planes = keep_dc.then(|| {
        state
            .iter()
            .zip(&f.components)
            .map(|(s, c)| DcPlane {
                h: c.h,
                v: c.v,
                stride: s.stride,
                rows: s.rows,
                samples: s
                    .dc
                    .iter()
                    .map(|&dc| {
                        // The DC coefficient is 8 × the block's mean (level-shifted by 128).
                        let mean = i64::from(dc) * i64::from(s.quant_dc) / 8 + 128;
                        mean.clamp(0, 255) as u8
                    })
                    .collect(),
            })
            .collect()
    });
    Ok(Walked {
        planes,
        max_h: f.max_h,
        max_v: f.max_v,
    })
}

/// The marker at or after `i` (skipping fill bytes): its position after the marker
/// byte, and the marker.
fn marker_at(bytes: &[u8], mut i: usize) -> Result<(usize, u8), JpegError> {
    if *bytes.get(i).ok_or(JpegError::Truncated)? != 0xFF {
        return Err(JpegError::Corrupt);
    }
    while bytes.get(i) == Some(&0xFF) {
        i += 1;
    }
    let marker = *bytes.get(i).ok_or(JpegError::Truncated)?;
    Ok((i + 1, marker))
}

fn define_huffman(
    mut segment: &[u8],
    dc: &mut [Option<Huffman>; 4],
    ac: &mut [Option<Huffman>; 4],
) -> Result<(), JpegError> {
    while let Some((&class_id, rest)) = segment.split_first() {
        let counts: [u8; 16] = rest
            .get(..16)
            .and_then(|c| c.try_into().ok())
            .ok_or(JpegError::Corrupt)?;
        let total: usize = counts.iter().map(|&c| usize::from(c)).sum();
        if total > 256 {
            return Err(JpegError::Corrupt);
        }
        let values = rest.get(16..16 + total).ok_or(JpegError::Corrupt)?;
        let table = Huffman::new(&counts, values)?;
        let id = usize::from(class_id & 0x0F);
        match class_id >> 4 {
            0 if id < 4 => dc[id] = Some(table),
            1 if id < 4 => ac[id] = Some(table),
            _ => return Err(JpegError::Corrupt),
        }
        segment = &rest[16 + total..];
    }
    Ok(())
}

fn define_quantization(mut segment: &[u8], dc: &mut [u16; 4]) -> Result<(), JpegError> {
    while let Some((&precision_id, rest)) = segment.split_first() {
        let id = usize::from(precision_id & 0x0F);
        let wide = precision_id >> 4;
        if id >= 4 || wide > 1 {
            return Err(JpegError::Corrupt);
        }
        let size = if wide == 1 { 128 } else { 64 };
        let values = rest.get(..size).ok_or(JpegError::Corrupt)?;
        dc[id] = if wide == 1 {
            u16::from_be_bytes([values[0], values[1]])
        } else {
            u16::from(values[0])
        };
        segment = &rest[size..];
    }
    Ok(())
}

fn read_frame(segment: &[u8], progressive: bool) -> Result<Frame, JpegError> {
    let header = segment.get(..6).ok_or(JpegError::Corrupt)?;
    if header[0] != 8 {
        return Err(JpegError::UnsupportedKind);
    }
    let height = usize::from(u16::from_be_bytes([header[1], header[2]]));
    let width = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let count = usize::from(header[5]);
    if width == 0 || height == 0 || count == 0 || count > 4 {
        return Err(JpegError::UnsupportedKind);
    }
    let specs = segment.get(6..6 + 3 * count).ok_or(JpegError::Corrupt)?;
    let components: Vec<Component> = specs
        .chunks_exact(3)
        .map(|c| Component {
            id: c[0],
            h: c[1] >> 4,
            v: c[1] & 0x0F,
            quant: c[2],
        })
        .collect();
    if components
        .iter()
        .any(|c| !(1..=4).contains(&c.h) || !(1..=4).contains(&c.v) || c.quant > 3)
    {
        return Err(JpegError::Corrupt);
    }
    let max_h = components.iter().map(|c| c.h).max().unwrap_or(1);
    let max_v = components.iter().map(|c| c.v).max().unwrap_or(1);
    Ok(Frame {
        width,
        height,
        progressive,
        max_h,
        max_v,
        mcus_x: width.div_ceil(usize::from(max_h) * 8),
        mcus_y: height.div_ceil(usize::from(max_v) * 8),
        components,
    })
}

fn read_scan(segment: &[u8], frame: &Frame) -> Result<Scan, JpegError> {
    let count = usize::from(*segment.first().ok_or(JpegError::Corrupt)?);
    if !(1..=4).contains(&count) {
        return Err(JpegError::Corrupt);
    }
    let specs = segment.get(1..1 + 2 * count).ok_or(JpegError::Corrupt)?;
    let mut components = Vec::with_capacity(count);
    for spec in specs.chunks_exact(2) {
        let index = frame
            .components
            .iter()
            .position(|c| c.id == spec[0])
            .ok_or(JpegError::Corrupt)?;
        if components.iter().any(|&(c, _, _)| c == index) {
            return Err(JpegError::Corrupt);
        }
        let (td, ta) = (spec[1] >> 4, spec[1] & 0x0F);
        if td > 3 || ta > 3 {
            return Err(JpegError::Corrupt);
        }
        components.push((index, td, ta));
    }
    let tail = segment
        .get(1 + 2 * count..1 + 2 * count + 3)
        .ok_or(JpegError::Corrupt)?;
    let (ss, se, ah, al) = (tail[0], tail[1], tail[2] >> 4, tail[2] & 0x0F);
    let blocks_per_mcu: usize = components
        .iter()
        .map(|&(c, _, _)| usize::from(frame.components[c].h) * usize::from(frame.components[c].v))
        .sum();
    if count > 1 && blocks_per_mcu > 10 {
        return Err(JpegError::Corrupt);
    }
    let valid = if frame.progressive {
        let band = if ss == 0 {
            se == 0
        } else {
            count == 1 && ss <= se && se <= 63
        };
        band && al <= 13 && (ah == 0 || al + 1 == ah)
    } else {
        ss == 0 && se == 63 && ah == 0 && al == 0
    };
    if !valid {
        return Err(JpegError::Corrupt);
    }
    Ok(Scan {
        components,
        ss,
        se,
        ah,
        al,
    })
}

type Tables<'t> = (Option<&'t Huffman>, Option<&'t Huffman>);

/// Walks one sequential scan whose data starts at `start`, keeping nothing: the hot
/// path of the upload check. Returns where the next marker starts.
fn walk_sequential_scan(
    bytes: &[u8],
    start: usize,
    frame: &Frame,
    scan: &Scan,
    tables: &[Tables<'_>],
    state: &[Coefficients],
    restart_interval: usize,
) -> Result<usize, JpegError> {
    // The tables of each block of an MCU, in order.
    let mut plan: Vec<(&Huffman, &Huffman)> = Vec::with_capacity(10);
    for (&(c, _, _), &(dc, ac)) in scan.components.iter().zip(tables) {
        let blocks = if scan.components.len() == 1 {
            1
        } else {
            usize::from(frame.components[c].h) * usize::from(frame.components[c].v)
        };
        let pair = (dc.ok_or(JpegError::Corrupt)?, ac.ok_or(JpegError::Corrupt)?);
        plan.extend(std::iter::repeat_n(pair, blocks));
    }
    let total = if let [(c, _, _)] = scan.components[..] {
        state[c].width * state[c].height
    } else {
        frame.mcus_x * frame.mcus_y
    };
    let mut bits = Bits::new(bytes, start);
    let mut next_restart = 0u8;
    let mut left_in_interval = restart_interval;
    for _ in 0..total {
        if restart_interval > 0 {
            if left_in_interval == 0 {
                bits = restart(&bits, bytes, &mut next_restart)?;
                left_in_interval = restart_interval;
            }
            left_in_interval -= 1;
        }
        for &(dc, ac) in &plan {
            let size = u32::from(bits.decode(dc)?);
            if size > 11 {
                return Err(JpegError::Corrupt);
            }
            bits.bits(size)?;
            let mut k = 1u32;
            while k < 64 {
                bits.ensure();
                let entry = ac.whole[bits.peek(LOOKAHEAD) as usize];
                let rs = if entry != 0 {
                    bits.consume(u32::from(entry >> 8))?;
                    entry as u8
                } else {
                    let rs = bits.decode(ac)?;
                    let size = u32::from(rs & 0x0F);
                    if size > 10 {
                        return Err(JpegError::Corrupt);
                    }
                    bits.bits(size)?;
                    rs
                };
                if rs == 0 {
                    break;
                }
                if rs & 0x0F == 0 && rs != 0xF0 {
                    // EOBn is for progressive scans; libjpeg reads it as an end of block.
                    break;
                }
                k += u32::from(rs >> 4) + 1;
            }
        }
    }
    let (at, _) = bits.next_marker(true)?;
    Ok(at)
}

/// At the end of a restart interval: the next marker must be the restart marker due;
/// returns a reader after it.
fn restart<'a>(bits: &Bits<'a>, bytes: &'a [u8], next: &mut u8) -> Result<Bits<'a>, JpegError> {
    let (at, marker) = bits.next_marker(false)?;
    match marker {
        0xD0..=0xD7 if marker - 0xD0 == *next => {}
        0xD0..=0xD7 => return Err(JpegError::Corrupt),
        _ => return Err(JpegError::Truncated),
    }
    *next = (*next + 1) & 7;
    Ok(Bits::new(bytes, at + 2))
}

/// Decodes one scan whose data starts at `start`; returns where its next marker starts.
fn decode_scan(
    bytes: &[u8],
    start: usize,
    frame: &Frame,
    scan: &Scan,
    tables: &[Tables<'_>],
    state: &mut [Coefficients],
    restart_interval: usize,
) -> Result<usize, JpegError> {
    let mut bits = Bits::new(bytes, start);
    let mut predictors = [0i32; 4];
    let mut eob_run = 0u32;
    let mut next_restart = 0u8;
    // The blocks of each MCU, as (scan component, block index in its state).
    let single = scan.components.len() == 1;
    let (mcus_x, mcus_y) = if single {
        let s = &state[scan.components[0].0];
        (s.width, s.height)
    } else {
        (frame.mcus_x, frame.mcus_y)
    };
    let total = mcus_x * mcus_y;
    for mcu in 0..total {
        if restart_interval > 0 && mcu > 0 && mcu % restart_interval == 0 {
            bits = restart(&bits, bytes, &mut next_restart)?;
            predictors = [0; 4];
            eob_run = 0;
        }
        let (mx, my) = (mcu % mcus_x, mcu / mcus_x);
        for (n, &(c, _, _)) in scan.components.iter().enumerate() {
            let component = frame.components[c];
            let (h, v) = if single {
                (1, 1)
            } else {
                (usize::from(component.h), usize::from(component.v))
            };
            for by in 0..v {
                for bx in 0..h {
                    let s = &mut state[c];
                    let block = (my * v + by) * s.stride + mx * h + bx;
                    decode_block(
                        &mut bits,
                        scan,
                        tables[n],
                        s,
                        block,
                        &mut predictors[n],
                        &mut eob_run,
                    )?;
                }
            }
        }
    }
    let (at, _) = bits.next_marker(true)?;
    Ok(at)
}

#[inline]
fn decode_block(
    bits: &mut Bits<'_>,
    scan: &Scan,
    (dc_table, ac_table): Tables<'_>,
    s: &mut Coefficients,
    block: usize,
    predictor: &mut i32,
    eob_run: &mut u32,
) -> Result<(), JpegError> {
    if scan.ss == 0 {
        if scan.ah == 0 {
            let table = dc_table.ok_or(JpegError::Corrupt)?;
            let size = u32::from(bits.decode(table)?);
            if size > 11 {
                return Err(JpegError::Corrupt);
            }
            *predictor = predictor.wrapping_add(bits.extend(size)?);
            if let Some(dc) = s.dc.get_mut(block) {
                *dc = predictor.wrapping_shl(u32::from(scan.al));
            }
        } else if bits.bit()?
            && let Some(dc) = s.dc.get_mut(block)
        {
            *dc |= 1 << scan.al;
        }
        if scan.se == 0 {
            return Ok(());
        }
    }
    let table = ac_table.ok_or(JpegError::Corrupt)?;
    if scan.ah == 0 {
        ac_first(bits, scan, table, s.nonzero.get_mut(block), eob_run)
    } else {
        let nonzero = s.nonzero.get_mut(block).ok_or(JpegError::Corrupt)?;
        ac_refine(bits, scan, table, nonzero, eob_run)
    }
}

/// The AC coefficients of a baseline block or of a progressive first scan (T.81 G.1.2.2).
#[inline]
fn ac_first(
    bits: &mut Bits<'_>,
    scan: &Scan,
    table: &Huffman,
    mut nonzero: Option<&mut u64>,
    eob_run: &mut u32,
) -> Result<(), JpegError> {
    if *eob_run > 0 {
        *eob_run -= 1;
        return Ok(());
    }
    let mut k = u32::from(scan.ss.max(1));
    let end = u32::from(scan.se);
    while k <= end {
        bits.ensure();
        let entry = table.whole[bits.peek(LOOKAHEAD) as usize];
        let rs = entry as u8;
        // The common case: a coefficient (or a baseline EOB, or ZRL) in one lookup.
        if entry != 0 && (rs & 0x0F != 0 || rs == 0xF0 || (rs == 0 && scan.ss == 0)) {
            bits.consume(u32::from(entry >> 8))?;
            if rs == 0 {
                break;
            }
            k += u32::from(rs >> 4);
            if rs & 0x0F != 0 {
                if let Some(mask) = nonzero.as_deref_mut() {
                    *mask |= 1 << k.min(63);
                }
                k += 1;
            } else {
                k += 1;
            }
            continue;
        }
        let rs = bits.decode(table)?;
        let (run, size) = (u32::from(rs >> 4), u32::from(rs & 0x0F));
        if size != 0 {
            k += run;
            if size > 10 {
                return Err(JpegError::Corrupt);
            }
            bits.bits(size)?;
            if let Some(mask) = nonzero.as_deref_mut() {
                *mask |= 1 << k.min(63);
            }
            k += 1;
        } else if run == 15 {
            k += 16;
        } else {
            if scan.ah == 0 && (scan.ss > 0) {
                *eob_run = (1 << run) + bits.bits(run)? - 1;
            }
            break;
        }
    }
    Ok(())
}

/// The correction bits and newly nonzero coefficients of a progressive refinement scan
/// (T.81 G.1.2.3), as libjpeg's `decode_mcu_AC_refine`.
fn ac_refine(
    bits: &mut Bits<'_>,
    scan: &Scan,
    table: &Huffman,
    nonzero: &mut u64,
    eob_run: &mut u32,
) -> Result<(), JpegError> {
    let end = u32::from(scan.se);
    let mut k = u32::from(scan.ss);
    if *eob_run == 0 {
        while k <= end {
            let rs = bits.decode(table)?;
            let (mut run, size) = (i32::from(rs >> 4), rs & 0x0F);
            let newly = if size != 0 {
                bits.bit()?;
                true
            } else if run != 15 {
                *eob_run = (1 << run) + bits.bits(run as u32)?;
                break;
            } else {
                false
            };
            while k <= end {
                if *nonzero & (1 << k) != 0 {
                    bits.bit()?;
                } else {
                    run -= 1;
                    if run < 0 {
                        break;
                    }
                }
                k += 1;
            }
            if newly {
                *nonzero |= 1 << k.min(63);
            }
            k += 1;
        }
    }
    if *eob_run > 0 {
        // One correction bit for each nonzero coefficient left in the band.
        let band = if k > end {
            0
        } else {
            (u64::MAX >> (63 - end)) & (u64::MAX << k)
        };
        let mut pending = (*nonzero & band).count_ones();
        while pending > 0 {
            let n = pending.min(16);
            bits.bits(n)?;
            pending -= n;
        }
        *eob_run -= 1;
    }
    Ok(())
}
