//! Fitting text into table cells: shrink, then wrap, never overflow.

use super::font::Bundled;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Align {
    Left,
    Center,
}

/// One cell of a table row: a label (centred) or a value (left-aligned).
#[derive(Debug, Clone, Copy)]
pub(super) struct Cell<'a> {
    pub text: &'a str,
    pub width: f32,
    pub align: Align,
}

impl<'a> Cell<'a> {
    pub(super) fn label(text: &'a str, width: f32) -> Self {
        Cell {
            text,
            width,
            align: Align::Center,
        }
    }

    pub(super) fn value(text: &'a str, width: f32) -> Self {
        Cell {
            text,
            width,
            align: Align::Left,
        }
    }

    pub(super) fn centered(mut self) -> Self {
        self.align = Align::Center;
        self
    }
}

/// The smallest size the form prints at; below it text would not be legible on paper.
const MIN_SIZE: f32 = 4.5;

/// The largest size from `preferred` down whose wrapped lines fit `max_w` × `max_h`, with
/// those lines. Text that does not fit even at the smallest size comes back at that size
/// (the caller clips it).
pub(super) fn fit_text(
    font: &Bundled,
    text: &str,
    max_w: f32,
    max_h: f32,
    preferred: f32,
) -> (f32, Vec<String>) {
    let mut size = preferred;
    loop {
        let lines = wrap(font, text, max_w, size);
        let fits = lines.len() as f32 * size * 1.2 <= max_h + 0.01
            && lines.iter().all(|l| font.width(l, size) <= max_w + 0.01);
        if fits || size <= MIN_SIZE {
            return (size, lines);
        }
        size = (size - 0.5).max(MIN_SIZE);
    }
}

/// Greedy line breaking at any character (Chinese has no spaces to break at).
fn wrap(font: &Bundled, text: &str, max_w: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_w = 0.0;
    for c in text.chars() {
        let w = font.width(c.encode_utf8(&mut [0; 4]), size);
        if !line.is_empty() && line_w + w > max_w {
            lines.push(std::mem::take(&mut line));
            line_w = 0.0;
        }
        line.push(c);
        line_w += w;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::font::bundled;

    #[test]
    fn short_text_keeps_the_preferred_size_on_one_line() {
        let (size, lines) = fit_text(bundled().unwrap(), "上海市第一人民医院", 200.0, 20.0, 9.5);
        assert_eq!(size, 9.5);
        assert_eq!(lines, ["上海市第一人民医院"]);
    }

    #[test]
    fn long_text_shrinks_then_wraps_inside_the_cell() {
        let long = "上海市浦东新区某某街道社区卫生服务中心附属第二康复护理分院".repeat(2);
        let font = bundled().unwrap();
        let (size, lines) = fit_text(font, &long, 127.0, 20.0, 9.5);
        assert!(size < 9.5);
        assert!(lines.len() >= 2);
        assert!(lines.len() as f32 * size * 1.2 <= 20.01);
        assert!(lines.iter().all(|l| font.width(l, size) <= 127.01));
        assert_eq!(lines.concat(), long, "nothing is dropped");
    }
}
