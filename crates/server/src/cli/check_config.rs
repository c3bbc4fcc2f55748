//! `examreg check-config`: validate without touching the database or the files.

use examreg_domain::exam::Provenance;
use examreg_domain::vocab::Vocabulary;
use examreg_store::Backend;
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::exams;
use crate::format;

pub(super) fn run(config: &Config) -> anyhow::Result<()> {
    let backend = Backend::from_url(config.database_url().expose_secret())?;
    let catalog = exams::load(config.exams_dir.as_deref(), None)?;
    println!("listen:    {}", config.listen);
    println!("data dir:  {}", config.data_dir.display());
    println!(
        "database:  {} ({})",
        config.database_url_for_humans(),
        backend.name()
    );
    println!(
        "exams:     {}",
        config
            .exams_dir
            .as_ref()
            .map_or("bundled".to_owned(), |d| d.display().to_string())
    );
    match (&config.payments.provider, &config.payments.wechatpay) {
        (crate::config::PaymentProviderConfig::Sandbox, _) => {
            println!("payments:  sandbox (no money moves)");
        }
        (crate::config::PaymentProviderConfig::Wechatpay, None) => {
            anyhow::bail!(
                "payments.provider is wechatpay but [payments.wechatpay] is not configured"
            );
        }
        (crate::config::PaymentProviderConfig::Wechatpay, Some(wechatpay)) => {
            // Reads the keys and the APIv3 key as serving would.
            crate::payments::wechatpay::WechatPay::from_config(
                wechatpay,
                std::sync::Arc::new(examreg_domain::SystemClock),
            )?;
            println!(
                "payments:  WeChat Pay API v3, merchant {} at {}; notifications to {}",
                wechatpay.mchid, wechatpay.base_url, wechatpay.notify_url
            );
        }
    }
    for exam in catalog.iter() {
        let c = &exam.calendar;
        let unconfirmed = exam
            .specialties
            .iter()
            .filter(|s| s.provenance == Provenance::Unconfirmed)
            .count();
        println!();
        println!("{} · {} · {}", exam.id, exam.title, exam.area.name);
        println!(
            "  registration {} → {}; resubmit before {}; results {}",
            format::date_time(c.registration.opens),
            format::date_time(c.registration.closes),
            format::date_time(c.resubmit_deadline),
            format::date_time(c.qualification_results_published),
        );
        println!(
            "  levels: {}",
            exam.levels
                .iter()
                .map(|l| l.label())
                .collect::<Vec<_>>()
                .join("、")
        );
        println!(
            "  {} registration points, {} specialties ({unconfirmed} unconfirmed), {} subjects, {} per subject",
            exam.points.len(),
            exam.specialties.len(),
            exam.subjects.len(),
            exam.fees.per_subject
        );
        println!(
            "  materials {}–{} KB, photo {}–{} KB; {} material slots",
            exam.uploads.materials.min_bytes / 1024,
            exam.uploads.materials.max_bytes / 1024,
            exam.uploads.photo.min_bytes / 1024,
            exam.uploads.photo.max_bytes / 1024,
            exam.slots.len()
        );
        if unconfirmed > 0 {
            println!(
                "  warning: import the official specialty catalog of the year before registration opens"
            );
        }
    }
    println!();
    println!("ok");
    Ok(())
}
