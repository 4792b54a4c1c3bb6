//! Core results as plain Python values; `python/coffer` wraps them in
//! typed objects.
//!
//! Values leave the core here and only here: each `expose_secret` below
//! hands a value to the Python caller who asked for it. A Python `str`
//! cannot be wiped, so from then on the value lives as long as the caller
//! keeps it (the package's docs say so).

use coffer_core::{
    DeptScope, ExposeSecret, Reveal, RevealedField, SecretSummary, SecretValue, UserScope,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors;

/// A secret's metadata (never a value; plain-text fields by name only).
pub fn summary<'py>(py: Python<'py>, s: &SecretSummary) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", s.id)?;
    d.set_item("key", &s.key)?;
    d.set_item("fields", &s.field_names)?;
    let plain: Vec<&str> = s.plain_fields.iter().map(|p| p.name.as_str()).collect();
    d.set_item("plain_fields", plain)?;
    match &s.scope.departments {
        DeptScope::All => d.set_item("departments", "all")?,
        DeptScope::Departments { codes } => d.set_item("departments", codes)?,
    }
    d.set_item("private", s.scope.users == UserScope::Creator)?;
    d.set_item("description", &s.description)?;
    d.set_item("tags", &s.tags)?;
    d.set_item("expires_at", s.expires_at)?;
    d.set_item("expiry", snake_name(&s.expiry))?;
    d.set_item("active", s.active)?;
    d.set_item("write_only", s.reveal == Reveal::Never)?;
    d.set_item("created_by", &s.created_by)?;
    d.set_item("created_at", s.created_at)?;
    d.set_item("updated_by", &s.updated_by)?;
    d.set_item("updated_at", s.updated_at)?;
    d.set_item("version", s.version)?;
    d.set_item("damaged", s.damaged)?;
    let can = PyDict::new(py);
    can.set_item("reveal", s.can.reveal)?;
    can.set_item("copy", s.can.copy)?;
    can.set_item("edit", s.can.edit)?;
    can.set_item("delete", s.can.delete)?;
    can.set_item("activate", s.can.activate)?;
    d.set_item("can", can)?;
    Ok(d)
}

/// A serde enum's snake_case name (`expiring_soon`).
pub fn snake_name<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Fields as a dict, in their saved order (dicts keep insertion order).
pub fn fields<'py>(py: Python<'py>, fields: &[RevealedField]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    for f in fields {
        // Exposed to hand the value to the caller who asked for it.
        d.set_item(&f.name, f.value.expose_secret())?;
    }
    Ok(d)
}

/// What `get_secret` returns: a `str` for one field, a `dict` for several,
/// or one field's `str` with `field=`.
pub fn value(py: Python<'_>, v: &SecretValue, field: Option<&str>) -> PyResult<Py<PyAny>> {
    let one = |f: &RevealedField| -> Py<PyAny> {
        // Exposed to hand the value to the caller who asked for it.
        f.value
            .expose_secret()
            .into_pyobject(py)
            .map(|s| s.into_any().unbind())
            .unwrap_or_else(|never| match never {})
    };
    let missing = |message: &str| -> PyErr {
        let extra = PyDict::new(py);
        let names: Vec<&str> = match v {
            SecretValue::Single(f) => vec![f.name.as_str()],
            SecretValue::Fields(fs) => fs.iter().map(|f| f.name.as_str()).collect(),
        };
        match extra.set_item("fields", names) {
            Ok(()) => errors::raise(py, errors::FIELD_NOT_FOUND, message, None, Some(extra)),
            Err(e) => e,
        }
    };
    match (v, field) {
        (SecretValue::Single(f), None) => Ok(one(f)),
        (SecretValue::Single(f), Some(name)) if f.name == name => Ok(one(f)),
        (SecretValue::Single(_), Some(_)) => Err(missing(
            "the secret found has one field, and not that one: drop field=",
        )),
        (SecretValue::Fields(fs), Some(name)) => fs
            .iter()
            .find(|f| f.name == name)
            .map(one)
            .ok_or_else(|| missing("the secret found has no field with that name")),
        (SecretValue::Fields(fs), None) => Ok(fields(py, fs)?.into_any().unbind()),
    }
}

/// Every field of a `get`'s answer, as a dict.
pub fn all_fields<'py>(py: Python<'py>, v: &SecretValue) -> PyResult<Bound<'py, PyDict>> {
    match v {
        SecretValue::Single(f) => fields(py, std::slice::from_ref(f)),
        SecretValue::Fields(fs) => fields(py, fs),
    }
}
