//! The files of a registration: the photo and the materials, each in a slot.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::exam::{ExamDefinition, SlotDefinition, SlotId};

/// The slot the registration photo is kept under (not one of the exam's material slots).
pub const PHOTO_SLOT: &str = "photo";

/// What the barcode of an uploaded application form said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FormBarcode {
    /// Read, and names the registration's form revision of the time.
    Current,
    /// No barcode could be read: a reviewer checks the number and revision by eye.
    Unreadable,
}

impl FormBarcode {
    pub fn key(self) -> &'static str {
        match self {
            FormBarcode::Current => "current",
            FormBarcode::Unreadable => "unreadable",
        }
    }

    pub fn from_key(key: &str) -> Option<FormBarcode> {
        [FormBarcode::Current, FormBarcode::Unreadable]
            .into_iter()
            .find(|b| b.key() == key)
    }
}

/// One stored image. Its bytes are written durably before this record exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    pub id: Uuid,
    pub registration_id: Uuid,
    /// [`PHOTO_SLOT`] or a slot id of the exam.
    pub slot: String,
    pub sha256: String,
    pub size: u64,
    pub width: u32,
    pub height: u32,
    /// Where the file store keeps the bytes (chosen by the server, never by a client).
    pub storage_key: String,
    pub created_at: OffsetDateTime,
    /// The registration's form revision when the file was uploaded.
    pub form_revision: Option<i32>,
    /// For a signed application form: what its barcode said.
    pub barcode: Option<FormBarcode>,
}

impl UploadedFile {
    pub fn is_photo(&self) -> bool {
        self.slot == PHOTO_SLOT
    }

    pub fn is_form(&self) -> bool {
        self.slot == SlotId::FORM
    }
}

/// A material slot as it applies to one registration, with its files.
#[derive(Debug, Clone)]
pub struct SlotView {
    pub slot: SlotDefinition,
    pub required: bool,
    pub files: Vec<UploadedFile>,
}

impl SlotView {
    pub fn is_full(&self) -> bool {
        self.files.len() >= usize::from(self.slot.max_files)
    }
}

/// The slots of `exam` that apply to a registration with these `facts`, in catalog order,
/// each with its files.
pub(super) fn slot_views(
    exam: &ExamDefinition,
    facts: &crate::exam::ApplicantFacts,
    files: &[UploadedFile],
) -> Vec<SlotView> {
    exam.slots
        .iter()
        .filter_map(|slot| slot.applies_to(facts))
        .map(|status| SlotView {
            slot: status.slot.clone(),
            required: status.required,
            files: files
                .iter()
                .filter(|f| f.slot == status.slot.id.as_str())
                .cloned()
                .collect(),
        })
        .collect()
}
