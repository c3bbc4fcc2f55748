//! A captcha the server draws itself: digits as jittered strokes in an SVG, with noise
//! curves. There is no text in the SVG, so reading it means recognising shapes.

use std::fmt::Write as _;

/// Strokes of each digit on a 4 × 6 grid (x right, y down), as polylines.
const GLYPHS: [&[&[(f32, f32)]]; 10] = [
    &[&[
        (0.5, 0.0),
        (3.5, 0.0),
        (4.0, 1.0),
        (4.0, 5.0),
        (3.5, 6.0),
        (0.5, 6.0),
        (0.0, 5.0),
        (0.0, 1.0),
        (0.5, 0.0),
    ]],
    &[
        &[(1.0, 1.0), (2.5, 0.0), (2.5, 6.0)],
        &[(1.0, 6.0), (4.0, 6.0)],
    ],
    &[&[
        (0.0, 1.0),
        (1.0, 0.0),
        (3.0, 0.0),
        (4.0, 1.0),
        (4.0, 2.5),
        (0.0, 6.0),
        (4.0, 6.0),
    ]],
    &[
        &[
            (0.0, 0.5),
            (1.0, 0.0),
            (3.0, 0.0),
            (4.0, 1.0),
            (4.0, 2.0),
            (3.0, 3.0),
            (1.5, 3.0),
        ],
        &[
            (3.0, 3.0),
            (4.0, 4.0),
            (4.0, 5.0),
            (3.0, 6.0),
            (1.0, 6.0),
            (0.0, 5.5),
        ],
    ],
    &[&[(3.0, 6.0), (3.0, 0.0), (0.0, 4.0), (4.0, 4.0)]],
    &[&[
        (4.0, 0.0),
        (0.5, 0.0),
        (0.0, 3.0),
        (3.0, 2.5),
        (4.0, 3.5),
        (4.0, 5.0),
        (3.0, 6.0),
        (0.0, 6.0),
    ]],
    &[&[
        (3.5, 0.0),
        (1.5, 0.0),
        (0.0, 2.0),
        (0.0, 5.0),
        (1.0, 6.0),
        (3.0, 6.0),
        (4.0, 5.0),
        (4.0, 4.0),
        (3.0, 3.0),
        (1.0, 3.0),
        (0.0, 4.0),
    ]],
    &[
        &[(0.0, 0.0), (4.0, 0.0), (1.5, 6.0)],
        &[(1.0, 3.0), (3.5, 3.0)],
    ],
    &[&[
        (1.0, 3.0),
        (0.0, 2.0),
        (0.0, 1.0),
        (1.0, 0.0),
        (3.0, 0.0),
        (4.0, 1.0),
        (4.0, 2.0),
        (3.0, 3.0),
        (1.0, 3.0),
        (0.0, 4.0),
        (0.0, 5.0),
        (1.0, 6.0),
        (3.0, 6.0),
        (4.0, 5.0),
        (4.0, 4.0),
        (3.0, 3.0),
    ]],
    &[&[
        (4.0, 2.0),
        (3.0, 3.0),
        (1.0, 3.0),
        (0.0, 2.0),
        (0.0, 1.0),
        (1.0, 0.0),
        (3.0, 0.0),
        (4.0, 1.0),
        (4.0, 4.0),
        (2.5, 6.0),
        (0.5, 6.0),
    ]],
];

const WIDTH: f32 = 180.0;
const HEIGHT: f32 = 60.0;

/// A small deterministic generator; the caller supplies the randomness as a seed.
struct XorShift(u64);

impl XorShift {
    fn new(seed: [u8; 8]) -> Self {
        Self(u64::from_le_bytes(seed) | 1)
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let unit = (self.0 >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * unit
    }
}

/// Draws `digits` (ASCII `0`–`9`; anything else is skipped) as an SVG document.
pub fn draw_svg(digits: &str, seed: [u8; 8]) -> String {
    let mut rng = XorShift::new(seed);
    let mut svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}"><rect width="100%" height="100%" fill="#f4f4f0"/>"##
    );
    for _ in 0..5 {
        let _ = write!(
            svg,
            r##"<path d="M{:.1} {:.1} Q{:.1} {:.1} {:.1} {:.1}" stroke="#8a8a80" stroke-width="{:.1}" fill="none"/>"##,
            rng.range(0.0, 30.0),
            rng.range(5.0, HEIGHT - 5.0),
            rng.range(40.0, WIDTH - 40.0),
            rng.range(-20.0, HEIGHT + 20.0),
            rng.range(WIDTH - 30.0, WIDTH),
            rng.range(5.0, HEIGHT - 5.0),
            rng.range(1.0, 2.5),
        );
    }
    let digits: Vec<usize> = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| usize::from(b - b'0'))
        .collect();
    let cell = (WIDTH - 20.0) / digits.len().max(1) as f32;
    for (i, digit) in digits.into_iter().enumerate() {
        let scale = rng.range(5.5, 7.0);
        let angle = rng.range(-0.35, 0.35);
        let (sin, cos) = angle.sin_cos();
        let origin_x = 10.0 + cell * i as f32 + rng.range(2.0, (cell - 4.0 * scale).max(3.0));
        let origin_y = rng.range(6.0, (HEIGHT - 6.0 * scale - 4.0).max(7.0));
        for stroke in GLYPHS[digit] {
            let mut d = String::new();
            for (n, (gx, gy)) in stroke.iter().enumerate() {
                let (x, y) = ((gx - 2.0) * scale, (gy - 3.0) * scale);
                let px = origin_x + 2.0 * scale + x * cos - y * sin + rng.range(-1.2, 1.2);
                let py = origin_y + 3.0 * scale + x * sin + y * cos + rng.range(-1.2, 1.2);
                let _ = write!(d, "{}{px:.1} {py:.1}", if n == 0 { "M" } else { " L" });
            }
            let _ = write!(
                svg,
                r##"<path d="{d}" stroke="#1f2a44" stroke-width="{:.1}" fill="none" stroke-linecap="round" stroke-linejoin="round"/>"##,
                rng.range(2.2, 3.2)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_strokes_not_text() {
        let svg = draw_svg("40719", [7; 8]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(!svg.contains("<text"));
        for digit in ["4", "0", "7", "1", "9"] {
            assert!(!svg.contains(&format!(">{digit}<")));
        }
        // 5 noise curves plus the strokes of 4, 0, 7, 1, 9.
        let strokes: usize = [4, 0, 7, 1, 9].iter().map(|d| GLYPHS[*d].len()).sum();
        assert_eq!(svg.matches("<path").count(), 5 + strokes);
    }

    #[test]
    fn the_seed_changes_the_drawing() {
        assert_ne!(draw_svg("12345", [1; 8]), draw_svg("12345", [2; 8]));
        assert_eq!(draw_svg("12345", [1; 8]), draw_svg("12345", [1; 8]));
    }
}
