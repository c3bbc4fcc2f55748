//! The bundled fonts, loaded once per process, and text measurement.
//!
//! Two faces print the form: Noto Sans SC for everything it draws (all of 通用规范汉字表,
//! CJK Unified Ideographs and Extension A, punctuation, Latin), and HanaMinB for the
//! ideographs of Extensions B to F that names carry and Noto lacks. Text is set in runs,
//! each in the first face that has its characters.

use std::sync::LazyLock;

use krilla::text::Font;
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static MAIN: &[u8] = include_bytes!("../../fonts/NotoSansSC-Regular.subset.ttf");
static EXTENSIONS: &[u8] = include_bytes!("../../fonts/HanaMinB.subset.ttf");

/// One font as krilla embeds it and as skrifa measures it.
pub(super) struct Face {
    pub(super) font: Font,
    metrics: FontRef<'static>,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Option<Face> {
        Some(Face {
            font: Font::new(bytes.into(), 0)?,
            metrics: FontRef::new(bytes).ok()?,
        })
    }

    fn has(&self, c: char) -> bool {
        self.metrics.charmap().map(c).is_some()
    }

    /// Width of `text` set at `size` points (no kerning: the bundled faces have none).
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
}

/// The faces, in the order they are asked for a character.
pub(super) struct Bundled {
    faces: [Face; 2],
}

static BUNDLED: LazyLock<Option<Bundled>> = LazyLock::new(|| {
    Some(Bundled {
        faces: [Face::load(MAIN)?, Face::load(EXTENSIONS)?],
    })
});

/// The bundled faces; `None` only if a file in the build is not a font.
pub(super) fn bundled() -> Option<&'static Bundled> {
    BUNDLED.as_ref()
}

impl Bundled {
    /// The face that draws `c`: the first that has it, else the main one (which draws
    /// its box for a character nobody has; such text is refused before printing).
    fn face_of(&self, c: char) -> &Face {
        self.faces
            .iter()
            .find(|face| face.has(c))
            .unwrap_or(&self.faces[0])
    }

    /// `text` cut into runs, each set in one face, in order.
    pub(super) fn runs<'t>(&self, text: &'t str) -> Vec<(&Face, &'t str)> {
        let mut runs: Vec<(&Face, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<&Face> = None;
        for (at, c) in text.char_indices() {
            let face = self.face_of(c);
            match current {
                Some(open) if std::ptr::eq(open, face) => {}
                Some(open) => {
                    runs.push((open, &text[start..at]));
                    start = at;
                    current = Some(face);
                }
                None => current = Some(face),
            }
        }
        if let Some(open) = current {
            runs.push((open, &text[start..]));
        }
        runs
    }

    /// Width of `text` set at `size` points, each character in its face.
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        self.runs(text)
            .iter()
            .map(|(face, run)| face.width(run, size))
            .sum()
    }

    fn has(&self, c: char) -> bool {
        self.faces.iter().any(|face| face.has(c))
    }
}

/// The characters of `text` that no bundled face can draw, each once, in order.
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
