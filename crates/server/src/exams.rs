//! Where exam definitions come from: the files bundled in the binary, or a folder.

use std::path::Path;

use examreg_domain::exam::{DefinitionError, ExamCatalog, ExamDefinition};
use time::OffsetDateTime;

/// The definitions compiled into the binary, by file name.
pub const BUNDLED: &[(&str, &str)] = &[(
    "shanghai-2025.toml",
    include_str!("../../../exams/shanghai-2025.toml"),
)];

/// The bundled definition the demo exam copies its rules from.
const DEMO_SOURCE: &str = "shanghai-2025.toml";

#[derive(Debug, thiserror::Error)]
pub enum ExamsError {
    #[error("exam definition {0}")]
    Definition(#[from] DefinitionError),
    #[error("exam definitions folder {dir}: {message}")]
    Folder { dir: String, message: String },
}

/// Loads the bundled definitions, or every `*.toml` file of `dir` (in name order). With
/// `demo_at`, adds the demo copy of the bundled Shanghai exam, open at that instant, and
/// another whose payment window is open then (`demo-payment`).
pub fn load(
    dir: Option<&Path>,
    demo_at: Option<OffsetDateTime>,
) -> Result<ExamCatalog, ExamsError> {
    let mut catalog = ExamCatalog::default();
    match dir {
        None => {
            for (name, text) in BUNDLED {
                catalog.insert(ExamDefinition::from_toml(&format!("bundled:{name}"), text)?)?;
            }
        }
        Some(dir) => {
            let folder_err = |message: String| ExamsError::Folder {
                dir: dir.display().to_string(),
                message,
            };
            let entries = std::fs::read_dir(dir).map_err(|e| folder_err(e.to_string()))?;
            let mut files = Vec::new();
            for entry in entries {
                let path = entry.map_err(|e| folder_err(e.to_string()))?.path();
                if path.extension().is_some_and(|ext| ext == "toml") {
                    files.push(path);
                }
            }
            files.sort();
            if files.is_empty() {
                return Err(folder_err(
                    "contains no exam definition (*.toml)".to_owned(),
                ));
            }
            for path in files {
                let name = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ExamsError::Definition(DefinitionError::new(&name, "file", e.to_string()))
                })?;
                catalog.insert(ExamDefinition::from_toml(&name, &text)?)?;
            }
        }
    }
    if let Some(now) = demo_at {
        let text = BUNDLED
            .iter()
            .find(|(name, _)| *name == DEMO_SOURCE)
            .map(|(_, text)| *text)
            .unwrap_or_default();
        let source = ExamDefinition::from_toml(&format!("bundled:{DEMO_SOURCE}"), text)?;
        catalog.insert(source.as_demo(now))?;
        catalog.insert(source.as_paying_demo(now))?;
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn bundled_definitions_load() {
        let catalog = load(None, None).unwrap();
        assert!(catalog.get("2025-shanghai").is_some());
        assert!(catalog.get("demo").is_none());
    }

    #[test]
    fn demo_adds_an_exam_open_now() {
        let now = datetime!(2026-11-25 12:00 UTC);
        let catalog = load(None, Some(now)).unwrap();
        let open: Vec<_> = catalog
            .open_at(now)
            .iter()
            .map(|e| e.id.to_string())
            .collect();
        assert_eq!(open, ["demo"]);
    }

    #[test]
    fn a_folder_without_definitions_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = load(Some(dir.path()), None).unwrap_err().to_string();
        assert!(err.contains("contains no exam definition"), "{err}");
    }

    #[test]
    fn a_broken_file_in_a_folder_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let text = BUNDLED[0].1.replacen("max_files = 6", "max_files = 60", 1);
        std::fs::write(dir.path().join("broken.toml"), text).unwrap();
        let err = load(Some(dir.path()), None).unwrap_err().to_string();
        assert!(err.contains("broken.toml: slots[3-1].max_files: "), "{err}");
    }
}
