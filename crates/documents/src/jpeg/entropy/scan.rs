//! Decoding the blocks of one scan: the sequential walk of the upload check, and the
//! general decoder that keeps DC coefficients and progressive state.

use super::super::JpegError;
use super::bits::{Bits, Huffman, LOOKAHEAD};
use super::{Coefficients, Frame, Scan};

pub(super) type Tables<'t> = (Option<&'t Huffman>, Option<&'t Huffman>);

/// Walks one sequential scan whose data starts at `start`, keeping nothing: the hot
/// path of the upload check. Returns where the next marker starts.
pub(super) fn walk_sequential_scan(
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
pub(super) fn decode_scan(
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
