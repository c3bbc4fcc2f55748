//! `examreg-load`: see the library (`examreg_loadgen`) and `docs/performance.md`.

use clap::Parser;
use examreg_loadgen::{Options, run};

#[derive(Debug, Parser)]
#[command(about = "The deadline rush against a running examreg, as an open loop")]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080 (a `serve --demo` server). Without it,
    /// only `--seed` is done.
    #[arg(long)]
    base: Option<String>,
    /// First writes this many seeded candidates with filled-in registrations (for
    /// `--exam`) straight into the database at `--database-url`: the 60,000 of
    /// Shanghai's peak. Run it before starting the server.
    #[arg(long, requires = "database_url")]
    seed: Option<u32>,
    /// The server's database (only for `--seed`).
    #[arg(long)]
    database_url: Option<String>,
    /// Multiple of the Shanghai peak (100 pages, 300 uploads, 5 sign-ins and
    /// 5 submissions a second).
    #[arg(long, default_value_t = 1.0)]
    multiple: f64,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Candidates whose registrations take the page views, uploads and sign-ins.
    #[arg(long, default_value_t = 100)]
    candidates: u32,
    /// Largest size of an uploaded scan (KB).
    #[arg(long, default_value_t = 148)]
    scan_kb: u32,
    /// The exam to register for.
    #[arg(long, default_value = "demo")]
    exam: String,
    /// Number of the first candidate (runs against one database take distinct ranges).
    #[arg(long, default_value_t = 0)]
    first: u32,
    /// The server's process id: its resident memory is sampled during the run.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Set-up requests in flight at once.
    #[arg(long, default_value_t = 8)]
    setup_concurrency: usize,
    /// Distinct scans to upload (at least a candidate's uploads in flight).
    #[arg(long, default_value_t = 16)]
    scans: u32,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let (Some(count), Some(url)) = (args.seed, &args.database_url) {
        use examreg_domain::clock::{Clock, SystemClock};
        let now = SystemClock.now();
        let exams = match examreg_server::exams::load(None, Some(now)) {
            Ok(exams) => exams,
            Err(err) => {
                eprintln!("the bundled exams do not load: {err}");
                std::process::exit(2);
            }
        };
        let Some(exam) = exams.get(&args.exam) else {
            eprintln!(
                "no exam {} among the bundled ones (and the demo)",
                args.exam
            );
            std::process::exit(2);
        };
        match examreg_loadgen::seed::seed(url, exam, 0, count, now).await {
            Ok(took) => println!(
                "seeded {count} registrations in {:.1} s",
                took.as_secs_f64()
            ),
            Err(err) => {
                eprintln!("seeding failed: {err}");
                std::process::exit(1);
            }
        }
    }
    let Some(base) = args.base else {
        return;
    };
    let options = Options {
        base,
        multiple: args.multiple,
        seconds: args.seconds,
        candidates: args.candidates,
        scan_kb: args.scan_kb,
        exam: args.exam,
        first: args.first,
        setup_concurrency: args.setup_concurrency,
        scans: args.scans,
    };
    println!(
        "set-up: {} candidates, a registration ready for each submission due, at {}",
        options.candidates, options.base
    );
    let report = run(&options).await;
    print!("{report}");
    if let Some(bytes) = args
        .server_pid
        .and_then(|pid| examreg_test_support::peak_resident_bytes(Some(pid)))
    {
        println!("server peak resident memory: {} MB", bytes >> 20);
    }
    if report.failed() > 0 {
        eprintln!("{} requests failed", report.failed());
        std::process::exit(1);
    }
}
