//! Previews (thumbnails) of checked JPEGs.

use zune_core::bytestream::ZCursor;
use zune_core::options::DecoderOptions;
use zune_jpeg::JpegDecoder;

use super::{JpegError, entropy, structure};

/// A preview of a checked JPEG, at most `max_side` pixels on its longer side (never
/// enlarged), re-encoded as a baseline JPEG: for the candidate's 🔍 list and the reviewer's
/// queue, so phones and reviewers do not fetch every full image. An image at least
/// 8 × `max_side` on its longer side is drawn from its blocks' DC coefficients (the image
/// at 1/8 scale, no inverse DCT); a smaller one is decoded in full.
pub fn thumbnail(bytes: &[u8], max_side: u32) -> Result<Vec<u8>, JpegError> {
    use image::ImageEncoder as _;

    let image = match dc_image(bytes, max_side)? {
        Some(image) => image,
        None => full_rgb(bytes)?,
    };
    let (width, height) = image.dimensions();
    let scale = (f64::from(max_side) / f64::from(width.max(height))).min(1.0);
    let (tw, th) = (
        ((f64::from(width) * scale).round() as u32).max(1),
        ((f64::from(height) * scale).round() as u32).max(1),
    );
    let small = image::imageops::thumbnail(&image, tw, th);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75)
        .write_image(small.as_raw(), tw, th, image::ExtendedColorType::Rgb8)
        .map_err(|_| JpegError::Corrupt)?;
    Ok(out)
}

/// The image at 1/8 scale from its DC coefficients, when that is at least `min_side` on
/// its longer side and the image is grey or YCbCr.
pub(super) fn dc_image(bytes: &[u8], min_side: u32) -> Result<Option<image::RgbImage>, JpegError> {
    let Ok(frame) = structure(bytes, u32::MAX) else {
        return Ok(None);
    };
    let (width, height) = (frame.width.div_ceil(8), frame.height.div_ceil(8));
    if width.max(height) < min_side || !matches!(frame.components, 1 | 3) {
        return Ok(None);
    }
    let walked = entropy::walk(bytes, true)?;
    let Some(planes) = walked.planes else {
        return Ok(None);
    };
    // The sample of plane `p` under the 8 × 8 block (x, y) of the full image.
    let sample = |p: &entropy::DcPlane, x: u32, y: u32| -> f32 {
        let bx = x as usize * usize::from(p.h) / usize::from(walked.max_h);
        let by = y as usize * usize::from(p.v) / usize::from(walked.max_v);
        f32::from(
            p.samples
                .get(by.min(p.rows - 1) * p.stride + bx.min(p.stride - 1))
                .copied()
                .unwrap_or(128),
        )
    };
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let luma = sample(&planes[0], x, y);
        let [r, g, b] = if let [_, cb_plane, cr_plane] = planes.as_slice() {
            let (cb, cr) = (
                sample(cb_plane, x, y) - 128.0,
                sample(cr_plane, x, y) - 128.0,
            );
            [
                luma + 1.402 * cr,
                luma - 0.344_136 * cb - 0.714_136 * cr,
                luma + 1.772 * cb,
            ]
        } else {
            [luma; 3]
        };
        image::Rgb([r, g, b].map(|c| c.round().clamp(0.0, 255.0) as u8))
    });
    Ok(Some(image))
}

/// The whole image decoded to RGB.
pub(super) fn full_rgb(bytes: &[u8]) -> Result<image::RgbImage, JpegError> {
    use zune_core::colorspace::ColorSpace;

    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
    let mut decoder = JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let pixels = super::unpanicked(|| decoder.decode().map_err(|_| JpegError::Corrupt))?;
    let (width, height) = decoder.dimensions().ok_or(JpegError::Corrupt)?;
    let (width, height) = (
        u32::try_from(width).map_err(|_| JpegError::Corrupt)?,
        u32::try_from(height).map_err(|_| JpegError::Corrupt)?,
    );
    image::RgbImage::from_raw(width, height, pixels).ok_or(JpegError::Truncated)
}
