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

mod bits;
mod scan;

use bits::Huffman;
use scan::{decode_scan, walk_sequential_scan};

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
