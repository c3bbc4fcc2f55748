use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = examreg_server::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("examreg: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line naming the problem: the context chain, joined with ": ".
            eprintln!("examreg: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
