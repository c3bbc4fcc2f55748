//! Reading raw JSON or form values into typed fields, collecting every error.

use time::{Date, Month};

use super::{FieldErrors, Section};
use crate::vocab::Vocabulary;

/// Reads fields out of the raw input, collecting errors.
pub(super) struct Reader<'a> {
    input: &'a serde_json::Map<String, serde_json::Value>,
    errors: FieldErrors,
}

impl<'a> Reader<'a> {
    pub(super) fn new(
        section: Section,
        input: &'a serde_json::Map<String, serde_json::Value>,
    ) -> Self {
        let mut errors = FieldErrors::new();
        for key in input.keys() {
            if !section.fields().contains(&key.as_str()) && key != "revision" {
                errors.insert(key.clone(), format!("{}中没有字段 {key}", section.label()));
            }
        }
        Reader { input, errors }
    }

    pub(super) fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_insert_with(|| message.into());
    }

    /// Text, trimmed; `None` (with an error) when required and empty or of another type.
    pub(super) fn text(
        &mut self,
        field: &str,
        label: &str,
        required: bool,
        max: usize,
    ) -> Option<String> {
        let value = match self.input.get(field) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.trim().to_owned(),
            Some(_) => {
                self.fail(field, format!("{label}应为文字"));
                return None;
            }
        };
        if let Some(unwanted) = crate::text::first_unwanted(&value) {
            self.fail(field, format!("{label}中含有{unwanted}，请删除后重新填写"));
            return None;
        }
        if required && value.is_empty() {
            self.fail(field, format!("请填写{label}"));
            return None;
        }
        if value.chars().count() > max {
            self.fail(field, format!("{label}不能超过 {max} 个字"));
            return None;
        }
        Some(value)
    }

    pub(super) fn choice<V: Vocabulary>(&mut self, field: &str, label: &str) -> Option<V> {
        let raw = self.text(field, label, false, 64)?;
        if raw.is_empty() {
            self.fail(field, format!("请选择{label}"));
            return None;
        }
        match V::from_key(&raw) {
            Some(v) => Some(v),
            None => {
                self.fail(field, format!("{label}的取值 {raw} 不在可选范围内"));
                None
            }
        }
    }

    /// A choice that may be left empty: `Some(None)` when it is.
    pub(super) fn optional_choice<V: Vocabulary>(
        &mut self,
        field: &str,
        label: &str,
    ) -> Option<Option<V>> {
        let raw = self.text(field, label, false, 64)?;
        if raw.is_empty() {
            return Some(None);
        }
        match V::from_key(&raw) {
            Some(v) => Some(Some(v)),
            None => {
                self.fail(field, format!("{label}的取值 {raw} 不在可选范围内"));
                None
            }
        }
    }

    /// A date written `YYYY-MM-DD` that exists on the calendar.
    pub(super) fn date(
        &mut self,
        field: &str,
        label: &str,
        required: bool,
    ) -> Option<Option<Date>> {
        let raw = self.text(field, label, required, 10)?;
        if raw.is_empty() {
            return Some(None);
        }
        let parts: Vec<&str> = raw.split('-').collect();
        let parsed = match parts.as_slice() {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                let (y, m, d) = (
                    y.parse::<i32>().ok(),
                    m.parse::<u8>().ok(),
                    d.parse::<u8>().ok(),
                );
                match (y, m.and_then(|m| Month::try_from(m).ok()), d) {
                    (Some(y), Some(m), Some(d)) => Date::from_calendar_date(y, m, d).ok(),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            Some(date) => Some(Some(date)),
            None => {
                self.fail(
                    field,
                    format!("{label}“{raw}”不是有效日期，请按 年-月-日 填写，如 2020-07-01"),
                );
                None
            }
        }
    }

    pub(super) fn flag(&mut self, field: &str, label: &str) -> Option<bool> {
        match self.input.get(field) {
            None | Some(serde_json::Value::Null) => Some(false),
            Some(serde_json::Value::Bool(b)) => Some(*b),
            Some(serde_json::Value::String(s))
                if matches!(s.as_str(), "true" | "on" | "yes" | "1") =>
            {
                Some(true)
            }
            Some(serde_json::Value::String(s))
                if matches!(s.as_str(), "false" | "off" | "no" | "0" | "") =>
            {
                Some(false)
            }
            Some(_) => {
                self.fail(field, format!("{label}应为“是”或“否”"));
                None
            }
        }
    }

    pub(super) fn number(&mut self, field: &str, label: &str, max: u8) -> Option<u8> {
        let value = match self.input.get(field) {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::String(s)) if !s.trim().is_empty() => {
                s.trim().parse::<u64>().ok()
            }
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::String(_)) => {
                self.fail(field, format!("请填写{label}"));
                return None;
            }
            Some(_) => None,
        };
        match value
            .and_then(|v| u8::try_from(v).ok())
            .filter(|v| *v <= max)
        {
            Some(v) => Some(v),
            None => {
                self.fail(field, format!("{label}应为 0 到 {max} 之间的整数"));
                None
            }
        }
    }

    pub(super) fn finish<T>(self, value: Option<T>) -> Result<T, FieldErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.errors),
        }
    }
}

pub(super) fn years_between(from: Date, to: Date) -> i32 {
    let mut years = to.year() - from.year();
    if (to.month() as u8, to.day()) < (from.month() as u8, from.day()) {
        years -= 1;
    }
    years
}
