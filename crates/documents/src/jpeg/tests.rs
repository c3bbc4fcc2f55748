use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};

use super::*;

const MATERIALS: ImageRules = ImageRules {
    min_bytes: 10 * 1024,
    max_bytes: 150 * 1024,
    min_width: 200,
    min_height: 200,
    max_width: 8000,
    max_height: 8000,
    max_pixels: 25_000_000,
    max_scans: 64,
};

/// A photo-like JPEG: smooth gradients with some noise, so the size grows with quality.
fn jpeg(width: u32, height: u32, quality: u8, noise: u8) -> Vec<u8> {
    let mut seed = 0x2545_F491_u32;
    let img = RgbImage::from_fn(width, height, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = if noise == 0 {
            0
        } else {
            (seed % u32::from(noise)) as u8
        };
        image::Rgb([
            ((x * 255) / width) as u8 ^ n,
            ((y * 255) / height) as u8,
            128u8.wrapping_add(n),
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A JPEG of about 30–120 KB.
fn good() -> Vec<u8> {
    let bytes = jpeg(600, 800, 80, 24);
    assert!(
        (10 * 1024..150 * 1024).contains(&(bytes.len() as u64)),
        "fixture is {} bytes",
        bytes.len()
    );
    bytes
}

#[test]
fn a_good_jpeg_passes_with_its_dimensions() {
    let info = inspect(&good(), &MATERIALS).unwrap();
    assert_eq!(
        (info.width, info.height, info.progressive, info.scans),
        (600, 800, false, 1)
    );
}

#[test]
fn other_formats_are_named() {
    let png = {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                &[0u8; 300 * 300 * 3],
                300,
                300,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    };
    let cases: Vec<(Vec<u8>, Format)> = vec![
        (png, Format::Png),
        (b"GIF89a....".to_vec(), Format::Gif),
        (b"%PDF-1.7\n...".to_vec(), Format::Pdf),
        (b"PK\x03\x04zip".to_vec(), Format::Zip),
        (
            b"  <!DOCTYPE html><script>alert(1)</script>".to_vec(),
            Format::Html,
        ),
        (b"RIFF\0\0\0\0WEBPVP8 ".to_vec(), Format::Webp),
        (b"\0\0\0\x18ftypheic".to_vec(), Format::Heic),
        (b"hello".to_vec(), Format::Unknown),
    ];
    for (bytes, format) in cases {
        assert_eq!(inspect(&bytes, &MATERIALS), Err(JpegError::NotJpeg(format)));
    }
    let message = JpegError::NotJpeg(Format::Png).to_string();
    assert_eq!(
        message,
        "文件为PNG 图片，不是 JPG 格式。请用图片工具另存为 JPG 格式后上传"
    );
}

#[test]
fn sizes_outside_the_limits_say_how_big() {
    assert_eq!(inspect(&[], &MATERIALS), Err(JpegError::Empty));
    let big = jpeg(2000, 2000, 95, 64);
    assert!(big.len() > 150 * 1024);
    let err = inspect(&big, &MATERIALS).unwrap_err();
    assert!(matches!(err, JpegError::TooLarge { .. }));
    assert!(err.to_string().contains("超过 150 KB 上限"), "{err}");
    // 151 KB exactly is refused, 150 KB is fine.
    let message = JpegError::TooLarge {
        bytes: 151 * 1024,
        max: 150 * 1024,
    }
    .to_string();
    assert!(message.starts_with("文件 151 KB"), "{message}");
    let small = jpeg(300, 300, 30, 0);
    assert!(matches!(
        inspect(&small, &MATERIALS),
        Err(JpegError::TooSmall { .. })
    ));
}

#[test]
fn truncated_files_are_caught() {
    let bytes = good();
    for keep in [bytes.len() / 3, bytes.len() * 2 / 3, bytes.len() - 2] {
        assert_eq!(
            inspect(&bytes[..keep], &MATERIALS),
            Err(JpegError::Truncated),
            "kept {keep} bytes"
        );
    }
    // Cut mid-scan with an end marker appended (a decoder would zero-fill the missing
    // blocks without complaint): the walk runs out of coded data before the last block.
    for keep in [bytes.len() / 3, bytes.len() * 2 / 3, bytes.len() - 40] {
        let mut fake = bytes[..keep].to_vec();
        fake.extend_from_slice(&[0xFF, 0xD9]);
        assert_eq!(
            inspect(&fake, &MATERIALS),
            Err(JpegError::Truncated),
            "kept {keep} bytes and a fake end marker"
        );
    }
}

#[test]
fn appended_data_is_refused() {
    let mut bytes = good();
    bytes.extend_from_slice(b"PK\x03\x04 a zip archive follows");
    assert!(matches!(
        inspect(&bytes, &MATERIALS),
        Err(JpegError::TrailingData { .. })
    ));
    let mut padded = good();
    padded.extend_from_slice(&[0, 0, 0]);
    assert!(
        inspect(&padded, &MATERIALS).is_ok(),
        "zero padding after EOI is harmless"
    );
}

#[test]
fn a_header_claiming_huge_dimensions_is_refused_before_decoding() {
    let mut bytes = good();
    // Rewrite the SOF0 frame size to 60000 × 60000.
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&60000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&60000u16.to_be_bytes());
    assert!(matches!(
        inspect(&bytes, &MATERIALS),
        Err(JpegError::PixelsTooMany {
            width: 60000,
            height: 60000,
            ..
        })
    ));
}

#[test]
fn thousands_of_scans_are_refused_before_decoding() {
    // SOI, a progressive frame header, then 5000 tiny scans.
    let mut bytes = vec![
        0xFF, 0xD8, 0xFF, 0xC2, 0x00, 0x0B, 0x08, 0x01, 0x00, 0x01, 0x00, 0x01, 0x01, 0x11, 0x00,
    ];
    for _ in 0..5000 {
        bytes.extend_from_slice(&[
            0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34,
        ]);
    }
    bytes.extend_from_slice(&[0xFF, 0xD9]);
    bytes.resize(bytes.len().max(20 * 1024), 0);
    let rules = ImageRules {
        min_width: 1,
        min_height: 1,
        ..MATERIALS
    };
    assert_eq!(
        inspect(&bytes, &rules),
        Err(JpegError::TooManyScans { max: 64 })
    );
}

#[test]
fn too_few_pixels_are_refused() {
    let rules = ImageRules {
        min_bytes: 1,
        ..MATERIALS
    };
    let tiny = jpeg(150, 150, 90, 8);
    assert!(matches!(
        inspect(&tiny, &rules),
        Err(JpegError::PixelsTooFew {
            width: 150,
            height: 150,
            ..
        })
    ));
}

#[test]
fn thumbnails_keep_the_aspect_and_never_enlarge() {
    let big = jpeg(600, 800, 80, 24);
    let thumb = thumbnail(&big, 240).unwrap();
    let decoded = image::load_from_memory(&thumb).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (180, 240));
    assert!(thumb.len() < big.len());
    let small = jpeg(120, 90, 80, 24);
    let same = image::load_from_memory(&thumbnail(&small, 240).unwrap()).unwrap();
    assert_eq!((same.width(), same.height()), (120, 90));
    assert_eq!(
        thumbnail(b"\xff\xd8\xff junk", 240),
        Err(JpegError::Corrupt)
    );
}

#[test]
fn a_small_file_claiming_too_many_pixels_is_refused_before_decoding() {
    let mut bytes = good();
    // 6000 × 6000 is inside the side limits, but 36 million pixels.
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bytes[sof + 5..sof + 7].copy_from_slice(&6000u16.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&6000u16.to_be_bytes());
    let err = inspect(&bytes, &MATERIALS).unwrap_err();
    assert_eq!(
        err,
        JpegError::MegapixelsTooMany {
            width: 6000,
            height: 6000,
            max_pixels: 25_000_000
        }
    );
    assert_eq!(
        err.to_string(),
        "图片为 6000×6000 像素（约 3600 万像素），超过 2500 万像素的上限，请缩小后上传"
    );
    assert_eq!(
        decode_memory(&bytes),
        36_000_000,
        "baseline: the grey output"
    );
}

/// `jpeg` with segments inserted after SOI.
fn with_segments(jpeg: &[u8], segments: &[(u8, &[u8])]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    for (marker, payload) in segments {
        out.extend_from_slice(&[0xFF, *marker]);
        out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// An EXIF segment payload with the orientation and a maker note full of text.
fn exif(orientation: u16) -> Vec<u8> {
    let mut p = b"Exif\0\0II*\0\x08\0\0\0".to_vec();
    p.extend_from_slice(&2u16.to_le_bytes());
    p.extend_from_slice(&0x0112u16.to_le_bytes());
    p.extend_from_slice(&3u16.to_le_bytes());
    p.extend_from_slice(&1u32.to_le_bytes());
    p.extend_from_slice(&orientation.to_le_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(&0x010Eu16.to_le_bytes()); // ImageDescription, with markup
    p.extend_from_slice(&2u16.to_le_bytes());
    p.extend_from_slice(&20u32.to_le_bytes());
    p.extend_from_slice(&38u32.to_le_bytes());
    p.extend_from_slice(&0u32.to_le_bytes());
    p.extend_from_slice(b"<script>alert(1)</script>\0\0\0");
    p
}

#[test]
fn stored_bytes_keep_the_picture_and_lose_the_metadata() {
    let plain = good();
    let loaded = with_segments(
        &plain,
        &[
            (0xE1, &exif(6)),
            (
                0xFE,
                b"<?php system($_GET['c']); ?><script>alert(1)</script>",
            ),
            (0xED, b"Photoshop 3.0\08BIM <script>"),
            (0xE2, b"ICC_PROFILE\0\x01\x01 not really a profile"),
        ],
    );
    assert!(inspect(&loaded, &MATERIALS).is_ok());
    let kept = strip_metadata(&loaded);
    let text = String::from_utf8_lossy(&kept);
    assert!(!text.contains("<script"), "no markup is stored");
    assert!(!text.contains("<?php"));
    assert!(text.contains("ICC_PROFILE"), "the colour profile stays");
    let app1 = kept.windows(2).position(|w| w == [0xFF, 0xE1]).unwrap();
    assert_eq!(
        exif_orientation(&kept[app1 + 4..]),
        Some(6),
        "and so does the orientation"
    );
    let (_, before) = inspect_keeping_luma(&loaded, &MATERIALS).unwrap();
    let (_, after) = inspect_keeping_luma(&kept, &MATERIALS).unwrap();
    assert_eq!(before, after, "the same picture");
    assert_eq!(
        strip_metadata(&plain),
        plain,
        "nothing to strip: the same bytes"
    );
}

/// Files written by libjpeg-turbo's `cjpeg` (2.1.5) from a 601 × 457 picture with noise
/// (and a 2600 × 1800 gradient), covering what encoders make: chroma subsampling 4:2:0,
/// 4:2:2, 4:4:4 and grey; restart markers every few blocks; optimised Huffman tables;
/// one scan per component; progressive files with spectral selection, successive
/// approximation and end-of-band runs across restart intervals.
const CORPUS: [(&str, &[u8]); 7] = [
    (
        "baseline-420-restart-7-blocks",
        include_bytes!("corpus/baseline-420-restart-7-blocks.jpg"),
    ),
    (
        "baseline-444-optimized",
        include_bytes!("corpus/baseline-444-optimized.jpg"),
    ),
    (
        "sequential-one-scan-per-component",
        include_bytes!("corpus/sequential-one-scan-per-component.jpg"),
    ),
    (
        "progressive-420",
        include_bytes!("corpus/progressive-420.jpg"),
    ),
    (
        "progressive-grey",
        include_bytes!("corpus/progressive-grey.jpg"),
    ),
    (
        "progressive-422-restart-2-blocks",
        include_bytes!("corpus/progressive-422-restart-2-blocks.jpg"),
    ),
    (
        "progressive-large",
        include_bytes!("corpus/progressive-large.jpg"),
    ),
];

/// Limits that let every corpus file through on its size.
const ANY_SIZE: ImageRules = ImageRules {
    min_bytes: 1,
    max_bytes: 1 << 20,
    ..MATERIALS
};

#[test]
fn what_encoders_write_passes_and_decodes() {
    for (name, bytes) in CORPUS {
        let info = inspect(bytes, &ANY_SIZE).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(info.progressive, name.starts_with("progressive"), "{name}");
        // A full decoder agrees that it is a complete picture.
        let options = DecoderOptions::default().set_strict_mode(true);
        JpegDecoder::new_with_options(ZCursor::new(bytes), options)
            .decode()
            .unwrap_or_else(|e| panic!("{name}: zune-jpeg refuses it: {e:?}"));
    }
}

#[test]
fn arithmetic_coding_is_refused_by_name() {
    let bytes = include_bytes!("corpus/arithmetic.jpg");
    assert_eq!(inspect(bytes, &ANY_SIZE), Err(JpegError::UnsupportedKind));
}

#[test]
fn every_cut_of_every_encoding_is_refused() {
    for (name, bytes) in CORPUS {
        let eoi = bytes.len() - 2;
        for keep in (4..eoi).step_by(211).chain([eoi - 1]) {
            // Cut as an interrupted upload is, and cut with an end marker appended.
            let mut faked = bytes[..keep].to_vec();
            faked.extend_from_slice(&[0xFF, 0xD9]);
            for (how, cut) in [("cut", &bytes[..keep]), ("cut + EOI", &faked[..])] {
                assert!(
                    inspect(cut, &ANY_SIZE).is_err(),
                    "{name}: {how} at {keep} of {} bytes passed",
                    bytes.len()
                );
            }
        }
    }
}

#[test]
fn a_progressive_file_cut_between_scans_is_incomplete() {
    let (_, bytes) = CORPUS[3];
    // End the file after each complete scan but the last: every scan decodes, yet the
    // picture lacks its later refinements.
    let scans: Vec<usize> = bytes
        .windows(2)
        .enumerate()
        .filter(|(_, w)| *w == [0xFF, 0xDA])
        .map(|(i, _)| i)
        .collect();
    assert!(scans.len() > 5, "{} scans", scans.len());
    for &next in &scans[1..] {
        let mut early = bytes[..next].to_vec();
        early.extend_from_slice(&[0xFF, 0xD9]);
        assert_eq!(
            inspect(&early, &ANY_SIZE),
            Err(JpegError::Truncated),
            "ended before the scan at {next}"
        );
    }
}

#[test]
fn a_flipped_bit_in_the_coded_data_is_caught_or_harmless() {
    // A bit error in entropy-coded data either breaks a code (refused) or changes some
    // coefficient (a different but complete picture, which a full decoder also reads).
    let (_, bytes) = CORPUS[0];
    let start = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap() + 20;
    let mut refused = 0;
    for at in (start..bytes.len() - 2).step_by(97) {
        let mut flipped = bytes.to_vec();
        flipped[at] ^= 0x10;
        match inspect(&flipped, &ANY_SIZE) {
            Ok(_) => {
                let options = DecoderOptions::default().set_strict_mode(true);
                JpegDecoder::new_with_options(ZCursor::new(&flipped[..]), options)
                    .decode()
                    .unwrap_or_else(|e| panic!("passed, but zune-jpeg refuses it: {e:?}"));
            }
            Err(_) => refused += 1,
        }
    }
    assert!(refused > 0, "some flips must break a code");
}

#[test]
fn large_previews_come_from_the_dc_coefficients_and_look_the_same() {
    for (name, bytes) in [CORPUS[6], ("baseline-large", &jpeg(2700, 1500, 70, 0)[..])] {
        let from_dc = dc_image(bytes, 320)
            .unwrap()
            .expect("large enough for 1/8 scale");
        let full = full_rgb(bytes).unwrap();
        assert_eq!(
            from_dc.dimensions(),
            (full.width().div_ceil(8), full.height().div_ceil(8)),
            "{name}"
        );
        // Each DC sample is its 8 × 8 block's mean: compare with the decoded means.
        let mut total = 0u64;
        for (x, y, p) in from_dc.enumerate_pixels() {
            let mut sum = [0u64; 3];
            let mut n = 0;
            for yy in y * 8..((y + 1) * 8).min(full.height()) {
                for xx in x * 8..((x + 1) * 8).min(full.width()) {
                    let q = full.get_pixel(xx, yy);
                    for c in 0..3 {
                        sum[c] += u64::from(q[c]);
                    }
                    n += 1;
                }
            }
            for c in 0..3 {
                total += (sum[c] / n).abs_diff(u64::from(p[c]));
            }
        }
        let mean_error = total as f64 / (from_dc.len() as f64);
        assert!(
            mean_error < 4.0,
            "{name}: mean error {mean_error:.2} of 255"
        );
        let thumb = image::load_from_memory(&thumbnail(bytes, 320).unwrap()).unwrap();
        assert_eq!(thumb.width().max(thumb.height()), 320, "{name}");
    }
}

#[test]
fn the_walk_needs_a_tenth_of_a_decode_s_memory() {
    let (_, bytes) = CORPUS[6];
    assert!(check_memory(bytes) * 10 < decode_memory(bytes));
}

/// Found by the `jpeg_check` fuzz target: a small sequential file whose full decode makes
/// zune-jpeg panic (an unwrap in its AVX2 IDCT). The check passes it (its coded data is
/// whole), and every decode of it is refused as corrupt instead of panicking.
#[test]
fn a_file_the_decoder_panics_on_is_refused_not_crashed_on() {
    let bytes = include_bytes!("corpus/fuzz-zune-idct-panic.jpg");
    // Any picture: it is 37 × 29 pixels.
    let rules = ImageRules {
        min_width: 1,
        min_height: 1,
        ..ANY_SIZE
    };
    assert!(inspect(bytes, &rules).is_ok());
    let thumb = thumbnail(bytes, 64);
    assert!(thumb.is_ok() || matches!(thumb, Err(JpegError::Corrupt)));
    let kept = inspect_keeping_luma(bytes, &rules);
    assert!(kept.is_ok() || matches!(kept, Err(JpegError::Corrupt)));
}
