//! A captcha the server draws itself, as a raster: digits built from jittered strokes,
//! each turned, sheared and scaled on its own, the whole picture bent by waves, crossed by
//! fragments of other digits and by curves drawn in the same ink and the same width, on a
//! background whose shade varies. Nothing in the picture tells a digit's strokes from the
//! noise by colour or thickness, and no two challenges share a shape.
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

/// The picture's size, in pixels.
pub const WIDTH: u32 = 200;
pub const HEIGHT: u32 = 70;

/// A small deterministic generator; the caller supplies the randomness as a seed.
struct XorShift(u64);

impl XorShift {
    fn new(seed: [u8; 8]) -> Self {
        Self(u64::from_le_bytes(seed) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f32, hi: f32) -> f32 {
        let unit = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        lo + (hi - lo) * unit
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A grey canvas with its ink.
struct Canvas {
    pixels: Vec<f32>,
    ink: f32,
}

impl Canvas {
    fn new(rng: &mut XorShift) -> Canvas {
        let mut pixels = vec![0.0; (WIDTH * HEIGHT) as usize];
        // A background shade that drifts across the picture.
        let (base, slope_x, slope_y) = (
            rng.range(0.78, 0.92),
            rng.range(-0.08, 0.08),
            rng.range(-0.06, 0.06),
        );
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                pixels[(y * WIDTH + x) as usize] =
                    base + slope_x * x as f32 / WIDTH as f32 + slope_y * y as f32 / HEIGHT as f32;
            }
        }
        Canvas {
            pixels,
            ink: rng.range(0.05, 0.3),
        }
    }

    /// A thick segment, anti-aliased by distance.
    fn segment(&mut self, (x0, y0): (f32, f32), (x1, y1): (f32, f32), width: f32) {
        let r = width / 2.0;
        let (min_x, max_x) = (x0.min(x1) - r - 1.0, x0.max(x1) + r + 1.0);
        let (min_y, max_y) = (y0.min(y1) - r - 1.0, y0.max(y1) + r + 1.0);
        let (dx, dy) = (x1 - x0, y1 - y0);
        let len2 = (dx * dx + dy * dy).max(1e-6);
        for y in (min_y.max(0.0) as u32)..(max_y.min(HEIGHT as f32 - 1.0) as u32 + 1) {
            for x in (min_x.max(0.0) as u32)..(max_x.min(WIDTH as f32 - 1.0) as u32 + 1) {
                let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
                let t = (((px - x0) * dx + (py - y0) * dy) / len2).clamp(0.0, 1.0);
                let (cx, cy) = (x0 + t * dx - px, y0 + t * dy - py);
                let distance = (cx * cx + cy * cy).sqrt();
                let cover = (r + 0.5 - distance).clamp(0.0, 1.0);
                if cover > 0.0 {
                    let p = &mut self.pixels[(y * WIDTH + x) as usize];
                    *p = *p * (1.0 - cover) + self.ink * cover;
                }
            }
        }
    }

    fn polyline(&mut self, points: &[(f32, f32)], width: f32) {
        for pair in points.windows(2) {
            self.segment(pair[0], pair[1], width);
        }
    }

    /// The picture bent by two waves, with a sprinkle of ink and paper dots.
    fn finish(self, rng: &mut XorShift) -> Vec<u8> {
        let (ax, fx, px) = (
            rng.range(2.0, 4.0),
            rng.range(0.08, 0.16),
            rng.range(0.0, 6.3),
        );
        let (ay, fy, py) = (
            rng.range(2.0, 4.0),
            rng.range(0.04, 0.09),
            rng.range(0.0, 6.3),
        );
        let sample = |x: f32, y: f32| -> f32 {
            let (xi, yi) = (x.round() as i64, y.round() as i64);
            if xi < 0 || yi < 0 || xi >= i64::from(WIDTH) || yi >= i64::from(HEIGHT) {
                return self.pixels[0];
            }
            self.pixels[(yi as u32 * WIDTH + xi as u32) as usize]
        };
        let mut out = Vec::with_capacity((WIDTH * HEIGHT) as usize);
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                let sx = x as f32 + ax * (fx * y as f32 + px).sin();
                let sy = y as f32 + ay * (fy * x as f32 + py).sin();
                let mut v = sample(sx, sy);
                match rng.below(100) {
                    0..=2 => v = self.ink,
                    3..=5 => v = 0.95,
                    _ => {}
                }
                out.push((v.clamp(0.0, 1.0) * 255.0) as u8);
            }
        }
        out
    }
}

/// `glyph`'s strokes placed by an affine map with jitter.
fn place(
    glyph: &[&[(f32, f32)]],
    rng: &mut XorShift,
    origin: (f32, f32),
    scale: f32,
) -> Vec<Vec<(f32, f32)>> {
    let angle = rng.range(-0.45, 0.45);
    let shear = rng.range(-0.35, 0.35);
    let (sx, sy) = (scale * rng.range(0.8, 1.2), scale * rng.range(0.85, 1.25));
    let (sin, cos) = angle.sin_cos();
    glyph
        .iter()
        .map(|stroke| {
            stroke
                .iter()
                .map(|(gx, gy)| {
                    let (x, y) = ((gx - 2.0) * sx + (gy - 3.0) * sy * shear, (gy - 3.0) * sy);
                    (
                        origin.0 + x * cos - y * sin + rng.range(-1.5, 1.5),
                        origin.1 + x * sin + y * cos + rng.range(-1.5, 1.5),
                    )
                })
                .collect()
        })
        .collect()
}

/// Draws `digits` (ASCII `0`–`9`; anything else is skipped) as grey pixels, row by row,
/// [`WIDTH`] × [`HEIGHT`].
pub fn draw(digits: &str, seed: [u8; 8]) -> Vec<u8> {
    let mut rng = XorShift::new(seed);
    let mut canvas = Canvas::new(&mut rng);
    let width = rng.range(2.4, 3.4);
    let digits: Vec<usize> = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| usize::from(b - b'0'))
        .collect();
    let cell = (WIDTH as f32 - 24.0) / digits.len().max(1) as f32;
    // Fragments of other digits, and curves, in the same ink and width as the digits.
    for _ in 0..4 {
        let glyph = GLYPHS[rng.below(10)];
        let stroke = glyph[rng.below(glyph.len())];
        let origin = (
            rng.range(10.0, WIDTH as f32 - 10.0),
            rng.range(12.0, HEIGHT as f32 - 12.0),
        );
        let scale = rng.range(5.0, 7.5);
        let placed = place(&[stroke], &mut rng, origin, scale);
        let keep = 2 + rng.below(3);
        for part in placed {
            let n = part.len().min(keep);
            canvas.polyline(&part[..n], width);
        }
    }
    for _ in 0..3 {
        let mut points = Vec::new();
        let (mut x, mut y) = (rng.range(0.0, 20.0), rng.range(5.0, HEIGHT as f32 - 5.0));
        let (mut heading, step) = (rng.range(-0.5, 0.5), rng.range(6.0, 10.0));
        while x < WIDTH as f32 {
            points.push((x, y));
            heading = (heading + rng.range(-0.6, 0.6)).clamp(-1.1, 1.1);
            x += step * heading.cos();
            y = (y + step * heading.sin()).clamp(3.0, HEIGHT as f32 - 3.0);
        }
        canvas.polyline(&points, width * rng.range(0.7, 1.1));
    }
    // Digits at irregular distances, so that they do not sit in fixed columns.
    let mut x = rng.range(10.0, 22.0) + cell * 0.35;
    for digit in digits {
        let scale = rng.range(5.6, 7.6);
        let origin = (x, HEIGHT as f32 / 2.0 + rng.range(-8.0, 8.0));
        x += cell * rng.range(0.8, 1.15);
        for stroke in place(GLYPHS[digit], &mut rng, origin, scale) {
            canvas.polyline(&stroke, width);
        }
    }
    canvas.finish(&mut rng)
}

/// [`draw`] as a PNG file.
pub fn draw_png(digits: &str, seed: [u8; 8]) -> Vec<u8> {
    use image::ImageEncoder as _;
    let pixels = draw(digits, seed);
    let mut out = Vec::new();
    // Encoding grey pixels of a known size into memory cannot fail; an empty answer would
    // show as a broken image, which the candidate can refresh.
    let _ = image::codecs::png::PngEncoder::new(&mut out).write_image(
        &pixels,
        WIDTH,
        HEIGHT,
        image::ExtendedColorType::L8,
    );
    out
}

#[cfg(test)]
mod tests;
