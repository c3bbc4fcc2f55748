#![expect(clippy::unwrap_used, reason = "a benchmark fails loudly")]

//! The application form PDF: time per form (budget: median ≤ 20 ms, p99 ≤ 50 ms in
//! release on the 2-core machine), against a baseline measured in the same run: a
//! one-page PDF with one line of text in the same font, which is what krilla and the font
//! subsetter cost before any of the form's layout.
//!
//! Run: `cargo bench -p examreg-documents --bench form_pdf`. It first prints median and
//! p99 over `FORM_BENCH_SAMPLES` renders each (default 300), then criterion's estimates.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use examreg_documents::form::{self, ApplicationForm};

fn baseline() -> ApplicationForm {
    ApplicationForm {
        title: "报名申请表".into(),
        barcode: "0".into(),
        ..ApplicationForm::default()
    }
}

fn with_photo() -> ApplicationForm {
    let mut form = form::specimen();
    let img = image::RgbImage::from_fn(390, 567, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&img)
        .unwrap();
    form.photo_jpeg = Some(jpeg);
    form
}

/// The specimen with a name whose characters only the second face (HanaMinB) draws.
fn with_extension_b_name() -> ApplicationForm {
    let mut form = form::specimen();
    form.fields.name = "王𪚥𠮷".into();
    form
}

fn percentiles(label: &str, form: &ApplicationForm, samples: usize) -> (Duration, Duration) {
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let start = Instant::now();
            black_box(form::render(black_box(form)).unwrap());
            start.elapsed()
        })
        .collect();
    times.sort();
    let median = times[samples / 2];
    let p99 = times[(samples * 99 / 100).min(samples - 1)];
    println!("{label:<28} median {median:>10.2?}   p99 {p99:>10.2?}   ({samples} renders)");
    (median, p99)
}

fn main() {
    let samples: usize = std::env::var("FORM_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    // The font loads once per process; the first render pays for it.
    let start = Instant::now();
    form::render(&baseline()).unwrap();
    println!("first render (font load)     {:>10.2?}", start.elapsed());

    let (base, _) = percentiles("baseline: one line of text", &baseline(), samples);
    let (median, _) = percentiles("application form", &form::specimen(), samples);
    let (photo, _) = percentiles("application form + photo", &with_photo(), samples);
    let (rare, _) = percentiles("form, Extension B name", &with_extension_b_name(), samples);
    println!(
        "ratio to baseline (median): form {:.2}×, form + photo {:.2}×, Extension B name {:.2}×",
        median.as_secs_f64() / base.as_secs_f64(),
        photo.as_secs_f64() / base.as_secs_f64(),
        rare.as_secs_f64() / base.as_secs_f64()
    );
    println!(
        "PDF bytes: form {}, Extension B name {}",
        form::render(&form::specimen()).unwrap().len(),
        form::render(&with_extension_b_name()).unwrap().len()
    );

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("form_pdf");
    group.bench_function("baseline", |b| {
        b.iter(|| form::render(&baseline()).unwrap())
    });
    group.bench_function("form", |b| {
        let form = form::specimen();
        b.iter(|| form::render(&form).unwrap());
    });
    group.bench_function("form_with_photo", |b| {
        let form = with_photo();
        b.iter(|| form::render(&form).unwrap());
    });
    group.bench_function("form_extension_b_name", |b| {
        let form = with_extension_b_name();
        b.iter(|| form::render(&form).unwrap());
    });
    group.finish();
    c.final_summary();
}
