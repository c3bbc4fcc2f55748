//! What a stored JPEG keeps of the metadata an upload may carry.

/// The JPEG as it is kept: the same image without the metadata a file may carry
/// (comments, application segments with text, maker notes, thumbnails, GPS): only JFIF,
/// the ICC colour profile and the EXIF orientation stay, so stored bytes never carry
/// markup or personal data beyond the picture. Call it on bytes [`super::inspect`] accepted; a
/// structure it cannot follow is returned unchanged.
pub fn strip_metadata(bytes: &[u8]) -> Vec<u8> {
    strip(bytes).unwrap_or_else(|| bytes.to_vec())
}

fn strip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..2)?);
    let mut i = 2;
    loop {
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let marker = *bytes.get(i)?;
        i += 1;
        if marker == 0xD9 {
            out.extend_from_slice(&[0xFF, 0xD9]);
            return Some(out);
        }
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            out.extend_from_slice(&[0xFF, marker]);
            continue;
        }
        let length = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        let end = i.checked_add(length)?;
        let payload = bytes.get(i + 2..end)?;
        match marker {
            // Comments, and application segments other than JFIF, EXIF and ICC.
            0xFE | 0xE3..=0xEF => {}
            0xE1 => {
                if let Some(orientation) = exif_orientation(payload).filter(|o| *o != 1) {
                    out.extend_from_slice(&orientation_only_exif(orientation));
                }
            }
            0xE2 if !payload.starts_with(b"ICC_PROFILE\0") => {}
            _ => out.extend_from_slice(&bytes[i - 2..end]),
        }
        i = end;
        if marker == 0xDA {
            // The entropy-coded data, up to the next marker.
            let start = i;
            i = super::entropy_coded_end(bytes, i)?;
            out.extend_from_slice(&bytes[start..i]);
        }
    }
}

/// The orientation (tag 0x0112) of an EXIF segment's first image directory.
pub(super) fn exif_orientation(payload: &[u8]) -> Option<u16> {
    let tiff = payload.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b = [*tiff.get(at)?, *tiff.get(at + 1)?];
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b = [
            *tiff.get(at)?,
            *tiff.get(at + 1)?,
            *tiff.get(at + 2)?,
            *tiff.get(at + 3)?,
        ];
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let entries = usize::from(u16_at(ifd)?);
    (0..entries.min(256)).find_map(|n| {
        let entry = ifd + 2 + n * 12;
        (u16_at(entry)? == 0x0112)
            .then(|| u16_at(entry + 8))
            .flatten()
    })
}

/// An APP1 segment holding only an EXIF orientation.
fn orientation_only_exif(orientation: u16) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0*\0\0\0\x08"); // big-endian, first directory at 8
    tiff.extend_from_slice(&1u16.to_be_bytes()); // one entry
    tiff.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
    tiff.extend_from_slice(&3u16.to_be_bytes()); // SHORT
    tiff.extend_from_slice(&1u32.to_be_bytes()); // one value
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&0u32.to_be_bytes()); // no next directory
    let length = u16::try_from(2 + 6 + tiff.len()).unwrap_or(u16::MAX);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&length.to_be_bytes());
    segment.extend_from_slice(b"Exif\0\0");
    segment.extend_from_slice(&tiff);
    segment
}
