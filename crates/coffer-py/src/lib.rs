//! `coffer._coffer`: the native half of the Python package `coffer`.
//!
//! A shell over coffer-core like the CLI and the app: it signs in the way
//! the CLI does (`session`), calls one core method per Python call, and
//! turns the result into plain Python values (`convert`) or the core's
//! error into the matching Python exception (`errors`). The rules (scope,
//! retrieval, permissions, expiry) are the core's; the typed objects,
//! the prompt policy and `coffer.aio` are in `python/coffer`.
//!
//! Every call on a vault releases the GIL while the core works, so other
//! Python threads (and `coffer.aio`'s event loop) keep running.

mod convert;
mod errors;
mod session;
mod vault;

use pyo3::prelude::*;

#[pymodule]
fn _coffer(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<vault::NativeVault>()?;
    m.add_function(wrap_pyfunction!(session::open, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
