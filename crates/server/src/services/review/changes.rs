//! What changed since the last decision on a registration: the reviewer of a resubmitted
//! registration checks the fields and files that moved, not the whole case again.
//!
//! Each decision row keeps a snapshot of the data and files it was made on; the
//! difference to the registration now is computed from it.

use examreg_domain::registration::{Registration, Section, UploadedFile};
use examreg_store::{StoreError, decisions};
use serde_json::{Value, json};

use crate::state::AppState;

/// What a decision was made on, kept with it.
pub fn snapshot(record: &Registration, files: &[UploadedFile]) -> Value {
    json!({
        "sections": serde_json::to_value(&record.sections).unwrap_or(Value::Null),
        "files": files
            .iter()
            .map(|f| json!({ "id": f.id, "slot": f.slot }))
            .collect::<Vec<_>>(),
    })
}

/// One field whose saved value differs from the last decision's.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub section: Section,
    pub field: &'static str,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A file added or removed since the last decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub id: String,
    pub slot: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub fields: Vec<FieldChange>,
    pub files_added: Vec<FileChange>,
    pub files_removed: Vec<FileChange>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.files_added.is_empty() && self.files_removed.is_empty()
    }
}

/// The difference between `snapshot` (of a decision) and the registration now.
pub fn diff(snapshot: &Value, record: &Registration, files: &[UploadedFile]) -> Changes {
    let now = serde_json::to_value(&record.sections).unwrap_or(Value::Null);
    let mut changes = Changes::default();
    for section in Section::ALL {
        let before = &snapshot["sections"][section.key()];
        let after = &now[section.key()];
        for field in section.fields() {
            let (b, a) = (before.get(*field), after.get(*field));
            if b != a {
                changes.fields.push(FieldChange {
                    section,
                    field,
                    before: b.cloned(),
                    after: a.cloned(),
                });
            }
        }
    }
    let then: Vec<FileChange> = snapshot["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| FileChange {
                    id: f["id"].as_str().unwrap_or_default().to_owned(),
                    slot: f["slot"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let current: Vec<FileChange> = files
        .iter()
        .map(|f| FileChange {
            id: f.id.to_string(),
            slot: f.slot.clone(),
        })
        .collect();
    changes.files_added = current
        .iter()
        .filter(|f| !then.contains(f))
        .cloned()
        .collect();
    changes.files_removed = then
        .iter()
        .filter(|f| !current.contains(f))
        .cloned()
        .collect();
    changes
}

/// The changes since the latest decision on `record`, or `None` if none was taken.
pub async fn since_last_decision(
    app: &AppState,
    record: &Registration,
    files: &[UploadedFile],
) -> Result<Option<Changes>, StoreError> {
    let snapshot = decisions::latest_snapshot(app.store.conn(), record.id).await?;
    Ok(snapshot.map(|snapshot| diff(&snapshot, record, files)))
}
