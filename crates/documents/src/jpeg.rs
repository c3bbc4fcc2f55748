//! Checking an uploaded image before anything stores it. The content decides, never the
//! name or the declared type: the bytes must be a well-formed JPEG (SOI, one frame,
//! at least one scan, EOI, nothing after it) within the size and pixel limits, and every
//! block of every scan must be present and decodable, which the walk in `entropy` settles
//! without making pixels. Every refusal says what was wrong and what to do.

use std::fmt;

use zune_core::bytestream::ZCursor;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

/// What an image must satisfy (from the exam definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageRules {
    pub min_bytes: u64,
    pub max_bytes: u64,
    pub min_width: u32,
    pub min_height: u32,
    pub max_width: u32,
    pub max_height: u32,
    /// Width × height at most: a small file may claim a huge image that takes hundreds
    /// of megabytes to decode.
    pub max_pixels: u64,
    /// Progressive JPEGs have a few scans; thousands are an attack on the decoder.
    pub max_scans: u32,
}

/// A checked JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u32,
    pub height: u32,
    pub progressive: bool,
    pub scans: u32,
    pub bytes: u64,
}

/// What the bytes are, when they are not a JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Gif,
    Bmp,
    Webp,
    Heic,
    Tiff,
    Pdf,
    Zip,
    Html,
    Unknown,
}

impl Format {
    fn sniff(bytes: &[u8]) -> Format {
        let starts = |magic: &[u8]| bytes.starts_with(magic);
        let text_start: Vec<u8> = bytes
            .iter()
            .skip_while(|b| b.is_ascii_whitespace())
            .take(15)
            .map(u8::to_ascii_lowercase)
            .collect();
        if starts(b"\x89PNG\r\n\x1a\n") {
            Format::Png
        } else if starts(b"GIF87a") || starts(b"GIF89a") {
            Format::Gif
        } else if starts(b"BM") {
            Format::Bmp
        } else if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
            Format::Webp
        } else if bytes.get(4..8) == Some(b"ftyp") {
            Format::Heic
        } else if starts(b"II*\0") || starts(b"MM\0*") {
            Format::Tiff
        } else if starts(b"%PDF") {
            Format::Pdf
        } else if starts(b"PK\x03\x04") {
            Format::Zip
        } else if text_start.starts_with(b"<!doctype")
            || text_start.starts_with(b"<html")
            || text_start.starts_with(b"<")
        {
            Format::Html
        } else {
            Format::Unknown
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Png => "PNG 图片",
            Format::Gif => "GIF 图片",
            Format::Bmp => "BMP 图片",
            Format::Webp => "WebP 图片",
            Format::Heic => "HEIC/HEIF 图片（苹果手机默认格式）",
            Format::Tiff => "TIFF 图片",
            Format::Pdf => "PDF 文档",
            Format::Zip => "压缩包或 Office 文档",
            Format::Html => "网页或文本",
            Format::Unknown => "无法识别的格式",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JpegError {
    Empty,
    TooSmall {
        bytes: u64,
        min: u64,
    },
    TooLarge {
        bytes: u64,
        max: u64,
    },
    NotJpeg(Format),
    /// The file ends before the image does.
    Truncated,
    /// Bytes that no JPEG has.
    Corrupt,
    /// Arithmetic-coded, lossless or hierarchical JPEG: rare, and not accepted.
    UnsupportedKind,
    TooManyScans {
        max: u32,
    },
    /// Something is appended after the end of the image (a ZIP, a script …).
    TrailingData {
        bytes: u64,
    },
    PixelsTooFew {
        width: u32,
        height: u32,
        min_width: u32,
        min_height: u32,
    },
    PixelsTooMany {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
    },
    MegapixelsTooMany {
        width: u32,
        height: u32,
        max_pixels: u64,
    },
}

fn kb(bytes: u64) -> String {
    // Round up, so that 150 KB + 1 byte does not read as "150 KB".
    format!("{}", bytes.div_ceil(1024))
}

impl fmt::Display for JpegError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JpegError::Empty => write!(f, "文件为空（0 字节），请重新选择文件"),
            JpegError::TooSmall { bytes, min } => write!(
                f,
                "文件 {} KB，小于 {} KB 下限。请用更高的清晰度重新扫描或拍照后上传",
                kb(*bytes),
                min / 1024
            ),
            JpegError::TooLarge { bytes, max } => write!(
                f,
                "文件 {} KB，超过 {} KB 上限。请用图片工具压缩（如降低分辨率或画质）后重新上传",
                kb(*bytes),
                max / 1024
            ),
            JpegError::NotJpeg(format) => {
                write!(
                    f,
                    "文件为{}，不是 JPG 格式。请用图片工具另存为 JPG 格式后上传",
                    format.name()
                )
            }
            JpegError::Truncated => write!(
                f,
                "文件不完整（可能上传中断或文件已损坏），请重新保存后上传"
            ),
            JpegError::Corrupt => write!(f, "文件已损坏，无法作为 JPG 图片读取，请重新保存后上传"),
            JpegError::UnsupportedKind => {
                write!(
                    f,
                    "这种特殊编码的 JPG 无法使用，请用图片工具重新另存为普通 JPG 后上传"
                )
            }
            JpegError::TooManyScans { max } => {
                write!(
                    f,
                    "图片的渐进式扫描超过 {max} 次，请重新另存为普通 JPG 后上传"
                )
            }
            JpegError::TrailingData { bytes } => write!(
                f,
                "图片结尾后附带了 {bytes} 字节的其他数据，请用图片工具重新另存为 JPG 后上传"
            ),
            JpegError::PixelsTooFew {
                width,
                height,
                min_width,
                min_height,
            } => write!(
                f,
                "图片为 {width}×{height} 像素，至少需要 {min_width}×{min_height} 像素，请用更高的分辨率扫描或拍照"
            ),
            JpegError::PixelsTooMany {
                width,
                height,
                max_width,
                max_height,
            } => write!(
                f,
                "图片为 {width}×{height} 像素，超过 {max_width}×{max_height} 像素的上限，请缩小后上传"
            ),
            JpegError::MegapixelsTooMany {
                width,
                height,
                max_pixels,
            } => write!(
                f,
                "图片为 {width}×{height} 像素（约 {} 万像素），超过 {} 万像素的上限，请缩小后上传",
                (u64::from(*width) * u64::from(*height)).div_ceil(10_000),
                max_pixels / 10_000
            ),
        }
    }
}

impl std::error::Error for JpegError {}

/// What the markers alone say about a JPEG.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frame {
    width: u32,
    height: u32,
    components: u8,
    progressive: bool,
    scans: u32,
}

/// The frame header and scan count, from the markers alone.
fn structure(bytes: &[u8], max_scans: u32) -> Result<Frame, JpegError> {
    let len = bytes.len();
    let mut i = 2;
    let mut frame: Option<(u32, u32, u8, bool)> = None;
    let mut scans = 0u32;
    loop {
        if i >= len {
            return Err(JpegError::Truncated);
        }
        if bytes[i] != 0xFF {
            return Err(JpegError::Corrupt);
        }
        while i < len && bytes[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return Err(JpegError::Truncated);
        };
        i += 1;
        match marker {
            0xD8 | 0x00 => return Err(JpegError::Corrupt),
            0xD9 => {
                let rest = &bytes[i..];
                if rest.iter().any(|b| *b != 0) {
                    return Err(JpegError::TrailingData {
                        bytes: rest.len() as u64,
                    });
                }
                break;
            }
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (bytes.get(i), bytes.get(i + 1)) else {
            return Err(JpegError::Truncated);
        };
        let segment = usize::from(u16::from_be_bytes([hi, lo]));
        if segment < 2 {
            return Err(JpegError::Corrupt);
        }
        let end = i + segment;
        if end > len {
            return Err(JpegError::Truncated);
        }
        match marker {
            0xC0..=0xC2 => {
                if frame.is_some() || segment < 8 {
                    return Err(JpegError::Corrupt);
                }
                let height = u32::from(u16::from_be_bytes([bytes[i + 3], bytes[i + 4]]));
                let width = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
                let components = bytes[i + 7];
                if width == 0 || height == 0 || components == 0 {
                    return Err(JpegError::UnsupportedKind);
                }
                frame = Some((width, height, components, marker == 0xC2));
            }
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(JpegError::UnsupportedKind);
            }
            0xDA => {
                if frame.is_none() {
                    return Err(JpegError::Corrupt);
                }
                scans += 1;
                if scans > max_scans {
                    return Err(JpegError::TooManyScans { max: max_scans });
                }
                // Skip the entropy-coded data up to the next marker.
                i = entropy_coded_end(bytes, end).ok_or(JpegError::Truncated)?;
                continue;
            }
            _ => {}
        }
        i = end;
    }
    let Some((width, height, components, progressive)) = frame else {
        return Err(JpegError::Corrupt);
    };
    if scans == 0 {
        return Err(JpegError::Corrupt);
    }
    Ok(Frame {
        width,
        height,
        components,
        progressive,
        scans,
    })
}

/// About how many bytes a full decode of `bytes` (the form's barcode, a small image's
/// preview) takes at its peak, from its header alone (zero when there is no readable
/// header: the check then refuses it without decoding). The output is one grey byte a
/// pixel; a progressive image also keeps every coefficient of every component (two bytes
/// each) until its last scan.
pub fn decode_memory(bytes: &[u8]) -> u64 {
    let Ok(frame) = structure(bytes, u32::MAX) else {
        return 0;
    };
    let pixels = u64::from(frame.width) * u64::from(frame.height);
    let coefficients = if frame.progressive {
        pixels * u64::from(frame.components) * 2
    } else {
        0
    };
    pixels + coefficients
}

/// About how many bytes [`inspect`] holds at its peak for `bytes`, from the header alone
/// (zero when there is no readable header: the check then refuses it unread).
pub fn check_memory(bytes: &[u8]) -> u64 {
    structure(bytes, u32::MAX).map_or(0, |frame| {
        entropy::memory(
            u64::from(frame.width) * u64::from(frame.height),
            frame.components,
        )
    })
}

/// Checks `bytes` against `rules`; on success the image is a complete JPEG whose every
/// block decodes: each Huffman code of each scan is read (restart markers in sequence,
/// a progressive image refined to its last bit), without making pixels. Call it off the
/// async runtime (a 150 KB file takes about a millisecond).
pub fn inspect(bytes: &[u8], rules: &ImageRules) -> Result<JpegInfo, JpegError> {
    let info = header(bytes, rules)?;
    entropy::walk(bytes, false)?;
    Ok(info)
}

/// [`inspect`], then the decoded grey image (`width` × `height` bytes) for what needs the
/// pixels (the form's barcode): one full decode more.
pub fn inspect_keeping_luma(
    bytes: &[u8],
    rules: &ImageRules,
) -> Result<(JpegInfo, Vec<u8>), JpegError> {
    let info = inspect(bytes, rules)?;
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::Luma)
        .set_max_width(rules.max_width as usize)
        .set_max_height(rules.max_height as usize);
    let mut luma = unpanicked(|| {
        JpegDecoder::new_with_options(ZCursor::new(bytes), options)
            .decode()
            .map_err(|_| JpegError::Corrupt)
    })?;
    let expected = (info.width as usize) * (info.height as usize);
    if luma.len() < expected {
        return Err(JpegError::Corrupt);
    }
    luma.truncate(expected);
    Ok((info, luma))
}

/// The checks the header alone settles: kind, size, structure, pixel limits.
fn header(bytes: &[u8], rules: &ImageRules) -> Result<JpegInfo, JpegError> {
    let size = bytes.len() as u64;
    if size == 0 {
        return Err(JpegError::Empty);
    }
    if !bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(JpegError::NotJpeg(Format::sniff(bytes)));
    }
    if size > rules.max_bytes {
        return Err(JpegError::TooLarge {
            bytes: size,
            max: rules.max_bytes,
        });
    }
    if size < rules.min_bytes {
        return Err(JpegError::TooSmall {
            bytes: size,
            min: rules.min_bytes,
        });
    }
    let Frame {
        width,
        height,
        progressive,
        scans,
        ..
    } = structure(bytes, rules.max_scans)?;
    if width > rules.max_width || height > rules.max_height {
        return Err(JpegError::PixelsTooMany {
            width,
            height,
            max_width: rules.max_width,
            max_height: rules.max_height,
        });
    }
    if width < rules.min_width || height < rules.min_height {
        return Err(JpegError::PixelsTooFew {
            width,
            height,
            min_width: rules.min_width,
            min_height: rules.min_height,
        });
    }
    if u64::from(width) * u64::from(height) > rules.max_pixels {
        return Err(JpegError::MegapixelsTooMany {
            width,
            height,
            max_pixels: rules.max_pixels,
        });
    }
    Ok(JpegInfo {
        width,
        height,
        progressive,
        scans,
        bytes: size,
    })
}

mod entropy;
mod metadata;
mod preview;

#[cfg(test)]
use metadata::exif_orientation;
pub use metadata::strip_metadata;
pub use preview::thumbnail;
#[cfg(test)]
use preview::{dc_image, full_rgb};

#[cfg(test)]
mod tests;

/// Where the entropy-coded data that starts at `start` ends: at the next marker that is
/// not a stuffed zero, a restart marker or fill. `None` when the file ends first.
pub(crate) fn entropy_coded_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        match (bytes.get(i), bytes.get(i + 1)) {
            (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
            (Some(0xFF), Some(0xFF)) => i += 1,
            (Some(0xFF), Some(_)) => return Some(i),
            (Some(_), _) => i += 1,
            (None, _) => return None,
        }
    }
}

/// Runs a decode by `zune-jpeg`, which panics on some hostile files (an unwrap in its
/// AVX2 IDCT, found by the `jpeg_check` fuzz target): such a file is refused as corrupt.
pub(crate) fn unpanicked<T>(decode: impl FnOnce() -> Result<T, JpegError>) -> Result<T, JpegError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode))
        .unwrap_or(Err(JpegError::Corrupt))
}
