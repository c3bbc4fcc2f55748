//! The bundled CJK font, loaded once per process, and text measurement.

use std::sync::LazyLock;

use krilla::text::Font;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static BYTES: &[u8] = include_bytes!("../../fonts/NotoSansSC-Regular.subset.ttf");

/// The font as krilla embeds it and as skrifa measures it.
pub(super) struct Bundled {
    pub(super) font: Font,
    metrics: FontRef<'static>,
}

static BUNDLED: LazyLock<Option<Bundled>> = LazyLock::new(|| {
    Some(Bundled {
        font: Font::new(BYTES.into(), 0)?,
        metrics: FontRef::new(BYTES).ok()?,
    })
});

/// The bundled font; `None` only if the file in the build is not a font.
pub(super) fn bundled() -> Option<&'static Bundled> {
    BUNDLED.as_ref()
}

impl Bundled {
    /// Width of `text` set at `size` points (no kerning: the bundled font has none).
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        let charmap = self.metrics.charmap();
        let glyphs = self
            .metrics
            .glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|g| glyphs.advance_width(g))
                    .unwrap_or(size)
            })
            .sum()
    }

    fn has(&self, c: char) -> bool {
        self.metrics.charmap().map(c).is_some()
    }
}

/// The characters of `text` that the bundled font cannot draw, each once, in order.
pub fn missing_glyphs(text: &str) -> Vec<char> {
    let mut missing = Vec::new();
    for c in text.chars() {
        let drawable = c.is_control() || bundled().is_some_and(|b| b.has(c));
        if !drawable && !missing.contains(&c) {
            missing.push(c);
        }
    }
    missing
}
