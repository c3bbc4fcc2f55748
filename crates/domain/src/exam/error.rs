use std::fmt;

/// A definition file that cannot be used. Displays on one line as
/// `file: field: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DefinitionError {
    /// The file (or other source) the definition came from.
    pub source_name: String,
    /// The field, as a path (`slots[4-3a].max_files`), or `line N` for syntax errors.
    pub location: String,
    pub message: String,
}

impl DefinitionError {
    pub fn new(source: &str, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            source_name: source.to_owned(),
            location: location.into(),
            message: message.into(),
        }
    }

    pub(super) fn from_toml(source: &str, text: &str, err: &toml::de::Error) -> Self {
        let location = match err.span() {
            Some(span) => {
                let line = text
                    .get(..span.start)
                    .map_or(1, |before| before.matches('\n').count() + 1);
                format!("line {line}")
            }
            None => "file".to_owned(),
        };
        // The message of a toml error names the offending key ("unknown field `titel`",
        // "missing field `year`"); keep it to one line.
        let message = err.message().lines().collect::<Vec<_>>().join(" ");
        Self::new(source, location, message)
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.source_name, self.location, self.message
        )
    }
}
