//! Code128 for the form's barcode: encoding to bars, and reading it back from a scan.

use rxing::oned::{Code128Writer, OneDimensionalCodeWriter};
use rxing::{BarcodeFormat, DecodeHints};

use super::FormError;

/// The bar pattern of `payload` (true = dark module), with quiet zones.
pub(super) fn modules(payload: &str) -> Result<Vec<bool>, FormError> {
    Code128Writer
        .encode_oned(payload)
        .map_err(|e| FormError::Barcode(e.to_string()))
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BarcodeError {
    #[error("no Code128 barcode could be read")]
    NotFound,
}

/// Reads a Code128 barcode from an 8-bit grey image (row-major, `width` × `height`).
/// Rows are read both ways (an upside-down scan reads), and a sideways scan is turned.
pub fn decode_code128(luma: &[u8], width: u32, height: u32) -> Result<String, BarcodeError> {
    if luma.len() != (width as usize) * (height as usize) || width == 0 || height == 0 {
        return Err(BarcodeError::NotFound);
    }
    let mut image = luma.to_vec();
    let (mut w, mut h) = (width, height);
    for _ in 0..2 {
        let mut hints = DecodeHints {
            TryHarder: Some(true),
            ..Default::default()
        };
        if let Ok(found) = rxing::helpers::detect_in_luma_with_hints(
            image.clone(),
            w,
            h,
            Some(BarcodeFormat::CODE_128),
            &mut hints,
        ) {
            return Ok(found.getText().to_owned());
        }
        image = rotate_quarter(&image, w, h);
        std::mem::swap(&mut w, &mut h);
    }
    Err(BarcodeError::NotFound)
}

/// Reads a Code128 barcode from a JPEG scan or photo. The JPEG is decoded to grey only;
/// callers have already checked it (size, pixel limits) with [`crate::jpeg::inspect`].
pub fn read_barcode_from_jpeg(jpeg: &[u8]) -> Result<String, BarcodeError> {
    use zune_core::bytestream::ZCursor;
    use zune_core::colorspace::ColorSpace;
    use zune_core::options::DecoderOptions;

    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(jpeg), options);
    let grey = decoder.decode().map_err(|_| BarcodeError::NotFound)?;
    let (width, height) = decoder.dimensions().ok_or(BarcodeError::NotFound)?;
    let (width, height) = (
        u32::try_from(width).map_err(|_| BarcodeError::NotFound)?,
        u32::try_from(height).map_err(|_| BarcodeError::NotFound)?,
    );
    decode_code128(&grey, width, height)
}

/// Rotates a grey image by 90° clockwise.
fn rotate_quarter(image: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut out = vec![0; w * h];
    for y in 0..h {
        for x in 0..w {
            out[x * h + (h - 1 - y)] = image[y * w + x];
        }
    }
    out
}
