//! Generated images for upload tests: photo-like JPEGs of known size and pixels, each
//! `seed` giving different content (and so a different SHA-256).

use image::codecs::jpeg::JpegEncoder;
use image::{ImageEncoder, RgbImage};

fn noisy(width: u32, height: u32, quality: u8, noise: u32, seed: u32) -> Vec<u8> {
    // `| 1`: a xorshift state must not be zero.
    let mut state = (0x9E37_79B9_u32 ^ seed.wrapping_mul(0x85EB_CA6B)) | 1;
    let img = RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % noise.max(1)) as u8;
        image::Rgb([
            ((x * 255) / width) as u8 ^ n,
            ((y * 255) / height) as u8,
            (seed % 100) as u8 + n,
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .write_image(img.as_raw(), width, height, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A scanned-page-like JPEG of 600×800 pixels, within the 10–150 KB material limits.
pub fn material(seed: u32) -> Vec<u8> {
    let bytes = noisy(600, 800, 80, 24, seed);
    assert!(
        (10 * 1024..=150 * 1024).contains(&bytes.len()),
        "material fixture is {} bytes",
        bytes.len()
    );
    bytes
}

/// An A4 page scanned at 150 dpi (1240 × 1754): lines of "text" on paper with grain, at
/// the highest quality that stays within `max_kb` KB (what a candidate's scanner or phone
/// app sends). Each `seed` moves the text, so the bytes differ.
pub fn a4_scan(seed: u32, max_kb: u32) -> Vec<u8> {
    let mut state = (0x2545_F491_u32 ^ seed.wrapping_mul(0x85EB_CA6B)) | 1;
    let shift = seed % 40;
    let page = RgbImage::from_fn(1240, 1754, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state % 12) as u8;
        let line = (y + shift) % 40 < 14;
        let ink =
            line && x > 120 && x < 1120 && !(x / 9 + (y + shift) / 40 + seed).is_multiple_of(7);
        let v = if ink { 40 + grain } else { 235 - grain };
        image::Rgb([v, v, v.saturating_sub(4)])
    });
    let encode = |quality: u8| {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(page.as_raw(), 1240, 1754, image::ExtendedColorType::Rgb8)
            .unwrap();
        out
    };
    // The highest quality within the size, found by halving the range.
    let (mut low, mut high) = (5u8, 95u8);
    let mut best = encode(low);
    while low < high {
        let mid = (low + high).div_ceil(2);
        let out = encode(mid);
        if out.len() <= max_kb as usize * 1024 {
            (low, best) = (mid, out);
        } else {
            high = mid - 1;
        }
    }
    best
}

/// A portrait JPEG of 600×800 pixels within the photo limits (45 KB – 1 MB).
pub fn photo(seed: u32) -> Vec<u8> {
    let bytes = noisy(600, 800, 92, 48, seed);
    assert!(
        (45 * 1024..=1024 * 1024).contains(&bytes.len()),
        "photo fixture is {} bytes",
        bytes.len()
    );
    bytes
}

/// A phone-camera-sized JPEG, well over 150 KB.
pub fn oversized(seed: u32) -> Vec<u8> {
    let bytes = noisy(1200, 900, 90, 40, seed);
    assert!(
        (160 * 1024..1024 * 1024).contains(&bytes.len()),
        "oversized fixture is {} bytes",
        bytes.len()
    );
    bytes
}

/// A thumbnail-sized JPEG: too small in bytes and pixels for a registration photo.
pub fn tiny(seed: u32) -> Vec<u8> {
    noisy(200, 300, 80, 8, seed)
}

/// A PNG, as a candidate might upload by mistake.
pub fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            &vec![200u8; 400 * 400 * 3],
            400,
            400,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

/// A PNG of a scanned page (900×1200, noisy): what a candidate might pick from a phone's
/// screenshot folder; the upload page converts it to a JPEG.
pub fn large_png(seed: u32) -> Vec<u8> {
    let mut state = (0x9E37_79B9_u32 ^ seed.wrapping_mul(0x85EB_CA6B)) | 1;
    let img = RgbImage::from_fn(900, 1200, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = (state % 40) as u8;
        image::Rgb([
            ((x * 255) / 900) as u8 ^ n,
            ((y * 255) / 1200) as u8,
            200 - n,
        ])
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), 900, 1200, image::ExtendedColorType::Rgb8)
        .unwrap();
    out
}

/// A scan of a printed PDF's first page, as a candidate uploads the signed form: rendered
/// by poppler's `pdftoppm` at `dpi`, grey, JPEG at the highest quality that stays within
/// the 150 KB material limit. `nudge` changes a few pixels so that two scans of one print
/// are different files.
pub fn scan_of_pdf(pdf: &[u8], dpi: u32, nudge: u8) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("form.pdf");
    std::fs::write(&path, pdf).unwrap();
    let status = std::process::Command::new("pdftoppm")
        .args(["-gray", "-r", &dpi.to_string(), "-png", "-singlefile"])
        .arg(&path)
        .arg(dir.path().join("page"))
        .status()
        .unwrap(); // pdftoppm comes from Debian's poppler-utils, installed by .ci/run

    assert!(status.success());
    let mut page = image::open(dir.path().join("page.png")).unwrap().to_luma8();
    for x in 0..u32::from(nudge) {
        page.put_pixel(x, 0, image::Luma([0]));
    }
    let mut quality = 85;
    loop {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(
                page.as_raw(),
                page.width(),
                page.height(),
                image::ExtendedColorType::L8,
            )
            .unwrap();
        if out.len() <= 150 * 1024 || quality <= 30 {
            assert!(
                (10 * 1024..=150 * 1024).contains(&out.len()),
                "scan is {} bytes",
                out.len()
            );
            return out;
        }
        quality -= 5;
    }
}

/// A grey JPEG of `side` × `side` pixels that compresses to almost nothing: a pale page
/// with a few lines, the shape of a decompression bomb (few bytes, many pixels).
pub fn sparse_page(side: u32, seed: u32) -> Vec<u8> {
    // Flat but for one dark line: each 8×8 block costs only its few bits of Huffman code.
    let img = image::GrayImage::from_fn(side, side, |_, y| {
        image::Luma([if y == 8 * (seed % 64) { 40 } else { 235 }])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 60)
        .write_image(img.as_raw(), side, side, image::ExtendedColorType::L8)
        .unwrap();
    out
}

/// `jpeg` with a comment segment after its start marker.
pub fn with_comment(jpeg: &[u8], comment: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&u16::try_from(comment.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(comment);
    out.extend_from_slice(&jpeg[2..]);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a4_scans_fit_their_size_and_differ() {
        let scans: Vec<Vec<u8>> = (0..3).map(|seed| a4_scan(seed, 148)).collect();
        for (seed, scan) in scans.iter().enumerate() {
            assert!(
                scan.len() <= 148 * 1024,
                "seed {seed}: {} bytes",
                scan.len()
            );
            assert!(scan.len() > 60 * 1024, "seed {seed}: {} bytes", scan.len());
        }
        for (a, b) in scans.iter().zip(&scans[1..]) {
            assert_ne!(a, b);
        }
    }

    use super::*;

    #[test]
    fn fixtures_stay_within_their_limits_for_any_seed() {
        for seed in (0..4000).step_by(397).chain([u32::MAX, 1 << 31, 9_999_999]) {
            material(seed);
        }
        for seed in [0, 1, 255, 256, 9_999_999] {
            photo(seed);
            oversized(seed);
        }
    }
}
