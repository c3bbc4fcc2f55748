//! QR codes drawn locally as SVG: WeChat Pay Native's `code_url`, scanned to pay. Nothing
//! is fetched from an outside service (the address is a payment credential).

use rxing::qrcode::QRCodeWriter;
use rxing::{BarcodeFormat, Writer};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot draw a QR code: {0}")]
pub struct QrError(String);

/// `text` as an SVG QR code (error correction L, with its quiet zone), one unit per
/// module; the page sets its size. `label` becomes its accessible name.
pub fn svg(text: &str, label: &str) -> Result<String, QrError> {
    let matrix = QRCodeWriter
        .encode(text, &BarcodeFormat::QR_CODE, 0, 0)
        .map_err(|e| QrError(e.to_string()))?;
    let (width, height) = (matrix.width(), matrix.height());
    let mut path = String::new();
    for y in 0..height {
        let mut x = 0;
        while x < width {
            if matrix.get(x, y) {
                let start = x;
                while x < width && matrix.get(x, y) {
                    x += 1;
                }
                path.push_str(&format!("M{start} {y}h{}v1h-{}z", x - start, x - start));
            } else {
                x += 1;
            }
        }
    }
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    Ok(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" aria-label="{label}" shape-rendering="crispEdges"><rect width="{width}" height="{height}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_square_code_with_a_quiet_zone() {
        let drawn = svg("weixin://wxpay/bizpayurl?pr=abc123", "支付二维码").unwrap();
        assert!(drawn.starts_with("<svg"), "{drawn}");
        assert!(drawn.contains(r#"aria-label="支付二维码""#));
        // 34 bytes need version 3 at level L (29 modules), with a 4-module quiet zone.
        assert!(drawn.contains(r#"viewBox="0 0 37 37""#), "{drawn}");
        assert!(
            drawn.contains("M4 4h7v1h-7z"),
            "the finder pattern's top row"
        );
    }

    #[test]
    fn refuses_nothing_to_draw() {
        assert!(svg("", "x").is_err());
    }
}
