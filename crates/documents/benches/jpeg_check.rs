#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

//! The upload check of a JPEG (budget: under 2 ms of CPU per 150 KB file), against two
//! baselines measured in the same run on the same bytes: a bare read (every byte touched
//! once, as receiving the body does) and a full decode to grey in strict mode (what the
//! check cost before it walked the coded data instead). Also the preview of a large scan
//! from its DC coefficients against the same preview from a full decode.
//!
//! Run: `cargo bench -p examreg-documents --bench jpeg_check`
//! (`JPEG_BENCH_SAMPLES` sets the runs per measurement, default 300).

use std::hint::black_box;
use std::time::{Duration, Instant};

use examreg_documents::jpeg::{self, ImageRules};
use image::ImageEncoder as _;
use zune_core::bytestream::ZCursor;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

const RULES: ImageRules = ImageRules {
    min_bytes: 10 * 1024,
    max_bytes: 150 * 1024,
    min_width: 200,
    min_height: 200,
    max_width: 8000,
    max_height: 8000,
    max_pixels: 25_000_000,
    max_scans: 64,
};

/// An A4 page scanned at 150 dpi (1240 × 1754): lines of "text" on paper with grain,
/// at the highest quality that stays under 150 KB.
fn a4_scan() -> Vec<u8> {
    let mut state = 0x2545_F491_u32;
    let page = image::RgbImage::from_fn(1240, 1754, |x, y| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let grain = (state % 12) as u8;
        let ink = y % 40 < 14 && x > 120 && x < 1120 && (x / 9 + y / 40) % 7 != 0;
        let v = if ink { 40 + grain } else { 235 - grain };
        image::Rgb([v, v, v.saturating_sub(4)])
    });
    let mut quality = 95u8;
    loop {
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(page.as_raw(), 1240, 1754, image::ExtendedColorType::Rgb8)
            .unwrap();
        if out.len() <= 148 * 1024 || quality < 30 {
            return out;
        }
        quality -= 3;
    }
}

fn median(label: &str, samples: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[samples / 2];
    let p99 = times[(samples * 99 / 100).min(samples - 1)];
    println!("{label:<40} median {median:>10.2?}   p99 {p99:>10.2?}");
    median
}

fn full_decode(bytes: &[u8]) -> Vec<u8> {
    let options = DecoderOptions::default()
        .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::Luma)
        .set_strict_mode(true);
    JpegDecoder::new_with_options(ZCursor::new(bytes), options)
        .decode()
        .unwrap()
}

fn main() {
    let samples: usize = std::env::var("JPEG_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let scan = a4_scan();
    let progressive: &[u8] = include_bytes!("../src/jpeg/corpus/progressive-large.jpg");
    println!(
        "A4 scan: {} KB baseline; progressive: {} KB, 2600 × 1800",
        scan.len() / 1024,
        progressive.len() / 1024
    );
    for (name, bytes) in [("A4 scan", &scan[..]), ("progressive", progressive)] {
        let rules = ImageRules {
            min_bytes: 1,
            ..RULES
        };
        jpeg::inspect(bytes, &rules).unwrap();
        let read = median(&format!("{name}: bare read"), samples, || {
            black_box(black_box(bytes).iter().fold(0u8, |a, b| a ^ b));
        });
        let decode = median(&format!("{name}: full decode (grey)"), samples, || {
            black_box(full_decode(black_box(bytes)));
        });
        let check = median(&format!("{name}: upload check"), samples, || {
            black_box(jpeg::inspect(black_box(bytes), &rules).unwrap());
        });
        println!(
            "{name}: check = {:.2}× the full decode, {:.0}× the bare read",
            check.as_secs_f64() / decode.as_secs_f64(),
            check.as_secs_f64() / read.as_secs_f64()
        );
    }
    let preview = median(
        "progressive: preview (DC, 1/8 scale)",
        samples / 5 + 1,
        || {
            black_box(jpeg::thumbnail(black_box(progressive), 320).unwrap());
        },
    );
    let decoded = median("progressive: full decode to RGB", samples / 5 + 1, || {
        let options = DecoderOptions::default()
            .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB);
        black_box(
            JpegDecoder::new_with_options(ZCursor::new(progressive), options)
                .decode()
                .unwrap(),
        );
    });
    println!(
        "preview = {:.2}× a full colour decode alone",
        preview.as_secs_f64() / decoded.as_secs_f64()
    );
}
