//! Core errors as Python exceptions.
//!
//! The exception classes live in `coffer/_errors.py` (so they can also
//! derive from `LookupError`, `ValueError`, `KeyError`); this side passes
//! the core's stable code and its message, which the core writes without
//! keys, values or key material (SPEC §7.6), and Python picks the class.

use coffer_core::{ApiError, Error, ErrorCode};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

/// Codes that only this package raises (the core's are `ErrorCode`s).
pub const CLOSED: &str = "closed";
pub const NO_CREDENTIALS: &str = "no_credentials";
pub const FIELD_NOT_FOUND: &str = "field_not_found";
pub const AMBIGUOUS_KEY: &str = "ambiguous_key";

/// The snake_case code the CLI's `--json` errors carry.
pub fn code_name(code: ErrorCode) -> String {
    crate::convert::snake_name(&code)
}

/// Builds `coffer._errors.from_native(code, message, retry_after, extra)`.
pub fn raise(
    py: Python<'_>,
    code: &str,
    message: &str,
    retry_after: Option<u64>,
    extra: Option<Bound<'_, PyDict>>,
) -> PyErr {
    static FACTORY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let made = FACTORY
        .get_or_try_init(py, || {
            Ok::<_, PyErr>(
                py.import("coffer._errors")?
                    .getattr("from_native")?
                    .unbind(),
            )
        })
        .and_then(|f| f.bind(py).call1((code, message, retry_after, extra)));
    match made {
        Ok(exception) => PyErr::from_value(exception),
        Err(e) => e,
    }
}

/// A core error as its Python exception.
pub fn from_core(py: Python<'_>, e: Error) -> PyErr {
    let body = ApiError::from(e);
    raise(
        py,
        &code_name(body.code),
        &body.message,
        body.retry_after_secs,
        None,
    )
}

/// `Result<T, coffer_core::Error>` to `PyResult<T>`.
pub trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPy<T> for coffer_core::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| from_core(py, e))
    }
}
