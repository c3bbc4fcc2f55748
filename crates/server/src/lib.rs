#![doc = include_str!("../README.md")]

pub mod admission;
pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod exams;
pub mod format;
pub mod jobs;
pub mod listen;
pub mod passwords;
pub mod payments;
pub mod secrets;
pub mod services;
pub mod state;
pub mod telemetry;
pub mod web;

pub use state::AppState;

/// The process allocator (see the `mimalloc` feature): every binary that links the server
/// (the command, its tests and benchmarks) allocates through it.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(test)]
mod layering {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.map(|e| e.path()).unwrap_or_default();
            if path.is_dir() {
                rust_files(&path, found);
            } else if path.extension().is_some_and(|x| x == "rs") {
                found.push(path);
            }
        }
    }

    /// Pages and the API ask services; only services (and jobs) touch the store, so a
    /// rule cannot hide in a handler.
    #[test]
    fn pages_and_the_api_do_not_reach_the_store() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src.join("web"), &mut files);
        rust_files(&src.join("api"), &mut files);
        assert!(files.len() > 20, "found {} files", files.len());
        let offenders: Vec<String> = files
            .iter()
            .filter(|f| {
                std::fs::read_to_string(f)
                    .unwrap_or_default()
                    .contains("examreg_store")
            })
            .map(|f| f.display().to_string())
            .collect();
        assert!(offenders.is_empty(), "{offenders:#?}");
    }
}
