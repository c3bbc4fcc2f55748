//! An operator's exam definition file: any text loads as a definition or is refused with
//! a message, without panicking.
#![no_main]

use examreg_domain::exam::ExamDefinition;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    match ExamDefinition::from_toml("fuzz.toml", text) {
        Ok(exam) => {
            std::hint::black_box(exam);
        }
        Err(err) => {
            assert!(!err.to_string().is_empty(), "a refusal says why");
        }
    }
});
