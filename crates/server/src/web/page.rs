//! What every page shares: the header's account area and the CSRF token for its forms,
//! and the error summary of a form page.

use crate::web::error::FieldErrors;

/// The frame around every page.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The token forms echo back (see `middleware::csrf`).
    pub csrf: String,
    /// The signed-in person's display name, if any.
    pub user: Option<String>,
    /// Whether the page belongs to the staff console.
    pub staff: bool,
    /// The signed-in candidate's 待办事项, shown at the top of every page.
    pub todos: Vec<TodoLink>,
}

/// One entry of the to-do list and the page where it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodoLink {
    pub text: String,
    pub href: String,
}

/// One entry of the error summary: the field's id (for the link) and the message, the
/// same words as the message beside the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Errors of a form, in the order the fields appear on the page.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    pub fn from_fields(fields: &FieldErrors, order: &[&str]) -> FormErrors {
        let mut errors: Vec<FieldError> = order
            .iter()
            .filter_map(|name| {
                let message = fields.get(*name)?.first()?;
                Some(FieldError {
                    field: (*name).to_owned(),
                    message: message.clone(),
                })
            })
            .collect();
        // Anything not in `order` still shows, after the known fields.
        for (name, messages) in fields {
            if !order.contains(&name.as_str())
                && let Some(message) = messages.first()
            {
                errors.push(FieldError {
                    field: name.clone(),
                    message: message.clone(),
                });
            }
        }
        FormErrors(errors)
    }

    /// A problem with the form as a whole (not one field).
    pub fn general(message: impl Into<String>) -> FormErrors {
        FormErrors(vec![FieldError {
            field: String::new(),
            message: message.into(),
        }])
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    /// The message for one field, for the inline error.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}
