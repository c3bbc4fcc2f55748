//! Drawing helpers over a krilla surface, in page coordinates (y down): text set in the
//! bundled fonts, cells that shrink and wrap their text, ruled boxes, bars, the photo.

use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::image::Image;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::TextDirection;

use super::font::Bundled;
use super::layout::{Align, Cell, fit_text};
use super::{FormError, GROUP_W, LEFT, TEXT_SIZE};

/// Drawing helpers over a krilla surface, in page coordinates (y down).
pub(super) struct Pen<'s, 'p> {
    surface: &'s mut Surface<'p>,
    font: &'static Bundled,
}

impl<'s, 'p> Pen<'s, 'p> {
    pub(super) fn new(surface: &'s mut Surface<'p>, font: &'static Bundled) -> Self {
        surface.set_fill(Some(Fill::default()));
        surface.set_stroke(None);
        Pen { surface, font }
    }

    /// `text` from `x` on, each run in the face that has its characters.
    pub(super) fn text(&mut self, text: &str, size: f32, x: f32, baseline: f32) {
        let mut x = x;
        for (face, run) in self.font.runs(text) {
            self.surface.draw_text(
                Point::from_xy(x, baseline),
                face.font.clone(),
                size,
                run,
                false,
                TextDirection::Auto,
            );
            x += face.width(run, size);
        }
    }

    pub(super) fn text_centered(&mut self, text: &str, size: f32, center: f32, baseline: f32) {
        let width = self.font.width(text, size);
        self.text(text, size, center - width / 2.0, baseline);
    }

    pub(super) fn text_right(&mut self, text: &str, size: f32, right: f32, baseline: f32) {
        let width = self.font.width(text, size);
        self.text(text, size, right - width, baseline);
    }

    /// `text` inside `rect`, shrunk and wrapped to fit, clipped as a last resort.
    pub(super) fn cell_text(&mut self, text: &str, rect: Option<Rect>, align: Align) {
        let Some(rect) = rect else { return };
        if text.is_empty() {
            return;
        }
        let padding = 3.0;
        let (size, lines) = fit_text(
            self.font,
            text,
            rect.width() - 2.0 * padding,
            rect.height() - 2.0 * padding,
            TEXT_SIZE,
        );
        let leading = size * 1.2;
        let block = leading * lines.len() as f32;
        let mut baseline = rect.top() + (rect.height() - block) / 2.0 + size * 0.95;
        let clip = rect_path(rect);
        if let Some(clip) = &clip {
            self.surface
                .push_clip_path(clip, &krilla::paint::FillRule::NonZero);
        }
        for line in &lines {
            match align {
                Align::Left => self.text(line, size, rect.left() + padding, baseline),
                Align::Center => {
                    self.text_centered(line, size, rect.left() + rect.width() / 2.0, baseline)
                }
            }
            baseline += leading;
        }
        if clip.is_some() {
            self.surface.pop();
        }
    }

    pub(super) fn row(&mut self, cells: &[Cell<'_>], x: f32, y: f32, height: f32) {
        let mut x = x;
        for cell in cells {
            let rect = Rect::from_xywh(x, y, cell.width, height);
            self.rect(rect);
            self.cell_text(cell.text, rect, cell.align);
            x += cell.width;
        }
    }

    /// A block name in the left column, one character under another.
    pub(super) fn group(&mut self, name: &str, top: f32, bottom: f32) {
        self.rect(Rect::from_xywh(LEFT, top, GROUP_W, bottom - top));
        self.vertical(name, LEFT + GROUP_W / 2.0, top, bottom);
    }

    pub(super) fn vertical(&mut self, text: &str, center: f32, top: f32, bottom: f32) {
        let count = text.chars().count() as f32;
        let size = TEXT_SIZE.min((bottom - top - 6.0) / (count * 1.15));
        let step = size * 1.15;
        let mut baseline = top + (bottom - top - step * count) / 2.0 + size * 0.95;
        let mut buf = [0u8; 4];
        for c in text.chars() {
            self.text_centered(c.encode_utf8(&mut buf), size, center, baseline);
            baseline += step;
        }
    }

    pub(super) fn rect(&mut self, rect: Option<Rect>) {
        let Some(path) = rect.and_then(rect_path) else {
            return;
        };
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            width: 0.6,
            ..Default::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(Fill::default()));
    }

    /// Dark modules of a barcode as filled bars.
    pub(super) fn bars(&mut self, modules: &[bool], x: f32, y: f32, module_w: f32, height: f32) {
        let mut builder = PathBuilder::new();
        for (i, dark) in modules.iter().enumerate() {
            if *dark
                && let Some(bar) = Rect::from_xywh(x + i as f32 * module_w, y, module_w, height)
            {
                builder.push_rect(bar);
            }
        }
        if let Some(path) = builder.finish() {
            self.surface.draw_path(&path);
        }
    }

    /// The photo, scaled to fit inside the cell with a small margin, centred.
    pub(super) fn photo(
        &mut self,
        jpeg: &[u8],
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    ) -> Result<(), FormError> {
        let image = Image::from_jpeg(jpeg.to_vec().into(), true).map_err(FormError::Photo)?;
        let (iw, ih) = image.size();
        let scale = ((w - 8.0) / iw as f32).min((h - 8.0) / ih as f32);
        let (dw, dh) = (iw as f32 * scale, ih as f32 * scale);
        let size = Size::from_wh(dw, dh).ok_or_else(|| FormError::Photo("empty".into()))?;
        self.surface
            .push_transform(&krilla::geom::Transform::from_translate(
                x + (w - dw) / 2.0,
                y + (h - dh) / 2.0,
            ));
        self.surface.draw_image(image, size);
        self.surface.pop();
        Ok(())
    }
}

fn rect_path(rect: Rect) -> Option<krilla::geom::Path> {
    let mut builder = PathBuilder::new();
    builder.push_rect(rect);
    builder.finish()
}
