//! The upload check of a JPEG: whatever the bytes, it answers (accepted with its facts, or
//! refused with a reason) without panicking, and what it accepts it can strip, measure,
//! thumbnail (from its DC coefficients or a full decode) and search for a barcode.
#![no_main]

use examreg_documents::form::decode_code128;
use examreg_documents::jpeg::{self, ImageRules};
use libfuzzer_sys::fuzz_target;

/// The material slots' rules, with limits small enough for a fuzzer to reach.
const RULES: ImageRules = ImageRules {
    min_bytes: 0,
    max_bytes: 512 * 1024,
    min_width: 1,
    min_height: 1,
    max_width: 4096,
    max_height: 4096,
    max_pixels: 4_000_000,
    max_scans: 64,
};

/// libFuzzer's panic hook aborts on every panic, caught or not. zune-jpeg panics on some
/// hostile files and `jpeg::unpanicked` catches that (the file is refused as corrupt);
/// those panics are let through to the catch, every other one still aborts.
fn tolerate_decoder_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().contains("zune-jpeg"))
            {
                return;
            }
            abort(info);
        }));
    });
}

fuzz_target!(|bytes: &[u8]| {
    tolerate_decoder_panics();
    let _ = jpeg::decode_memory(bytes);
    let _ = jpeg::check_memory(bytes);
    let Ok(info) = jpeg::inspect(bytes, &RULES) else {
        return;
    };
    assert!(info.width <= RULES.max_width && info.height <= RULES.max_height);
    assert!(u64::from(info.width) * u64::from(info.height) <= RULES.max_pixels);
    let stripped = jpeg::strip_metadata(bytes);
    assert!(stripped.len() <= bytes.len(), "stripping never adds");
    // From the DC coefficients when the image is 8 × 64 pixels or more, else decoded.
    let _ = jpeg::thumbnail(bytes, 64);
    if let Ok((checked, luma)) = jpeg::inspect_keeping_luma(bytes, &RULES) {
        assert_eq!(checked, info);
        assert_eq!(luma.len(), info.width as usize * info.height as usize);
        let _ = decode_code128(&luma, info.width, info.height);
    }
});
