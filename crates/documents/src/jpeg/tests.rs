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
    // Cut mid-scan with an end marker appended: the decoder would zero-fill the missing
    // blocks without complaint, so the check decodes a second time with filler bytes
    // before the end marker and sees the picture change.
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
