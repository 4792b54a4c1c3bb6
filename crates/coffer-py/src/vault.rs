//! `NativeVault`: one signed-in vault handle kept open across calls.
//!
//! Each method takes the handle's lock, calls one core method without the
//! GIL, and converts the answer; the core decides what is allowed. After
//! `close()` (or when Python drops the object) the core's session is
//! locked, which wipes every key it held, and later calls raise
//! `VaultClosed`.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use coffer_core::{
    DeptScope, Error, ExpiryUpdate, FieldInput, FieldsUpdate, ListQuery, NewSecret, Reveal,
    SecretId, SecretSummary, SecretUpdate, SessionInfo, UserScope, Vault,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::convert;
use crate::errors::{self, IntoPy};

#[pyclass(frozen, module = "coffer._coffer")]
pub struct NativeVault {
    inner: Mutex<Option<Vault>>,
    username: String,
    role: &'static str,
    path: PathBuf,
    keys_pending: bool,
}

/// Why a call did not reach the core.
enum Call<T> {
    Done(coffer_core::Result<T>),
    Closed,
}

impl NativeVault {
    pub fn new(vault: Vault, info: SessionInfo) -> Self {
        Self {
            path: vault.path().to_path_buf(),
            inner: Mutex::new(Some(vault)),
            username: info.user.username,
            role: info.user.role.as_str(),
            keys_pending: info.keys_pending,
        }
    }

    /// Runs `f` on the open vault with the GIL released.
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Vault) -> coffer_core::Result<T> + Send,
    ) -> PyResult<T> {
        let out = py.detach(|| {
            let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
            match guard.as_mut() {
                Some(vault) => Call::Done(f(vault)),
                None => Call::Closed,
            }
        });
        match out {
            Call::Done(result) => result.py_err(py),
            Call::Closed => Err(errors::raise(
                py,
                errors::CLOSED,
                "this vault is closed: open it again with coffer.open()",
                None,
                None,
            )),
        }
    }
}

impl Drop for NativeVault {
    fn drop(&mut self) {
        let inner = self.inner.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(vault) = inner.as_mut() {
            vault.lock();
        }
    }
}

fn dept_scope(codes: Option<Vec<String>>, all: bool) -> Option<DeptScope> {
    if all {
        Some(DeptScope::All)
    } else {
        codes.map(|codes| DeptScope::Departments { codes })
    }
}

/// New field values, with the ones named in `plain` marked plain text.
fn field_inputs(
    fields: Vec<(String, String)>,
    plain: &[String],
) -> coffer_core::Result<Vec<FieldInput>> {
    if plain.iter().any(|p| !fields.iter().any(|(n, _)| n == p)) {
        // As the CLI, the message does not repeat the name.
        return Err(Error::InvalidInput(
            "plain= names one of the fields being set".into(),
        ));
    }
    Ok(fields
        .into_iter()
        .map(|(name, value)| {
            let marked = plain.contains(&name).then_some(true);
            let mut f = FieldInput::set(name, value);
            f.plain = marked;
            f
        })
        .collect())
}

fn summary_list<'py>(py: Python<'py>, list: &[SecretSummary]) -> PyResult<Bound<'py, PyList>> {
    let items = list
        .iter()
        .map(|s| convert::summary(py, s))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

#[pymethods]
impl NativeVault {
    #[getter]
    fn closed(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    #[getter]
    fn username(&self) -> &str {
        &self.username
    }

    #[getter]
    fn role(&self) -> &str {
        self.role
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Some keys have not been shared with this user yet (a new member, until
    /// an admin or another holder next signs in): some secrets are missing.
    #[getter]
    fn keys_pending(&self) -> bool {
        self.keys_pending
    }

    /// Signs out and wipes every key held; safe to call twice.
    fn close(&self, py: Python<'_>) {
        py.detach(|| {
            let taken = self
                .inner
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            if let Some(mut vault) = taken {
                vault.lock();
            }
        });
    }

    /// SPEC §3: a `str`, a `dict` of fields, or `None`.
    #[pyo3(signature = (key, department=None, field=None))]
    fn get_secret(
        &self,
        py: Python<'_>,
        key: String,
        department: Option<String>,
        field: Option<String>,
    ) -> PyResult<Option<Py<PyAny>>> {
        let found = self.with(py, |v| v.get_secret(&key, department.as_deref()))?;
        found
            .map(|value| convert::value(py, &value, field.as_deref()))
            .transpose()
    }

    /// The secret `get_secret` would answer with, as (metadata, fields).
    #[pyo3(signature = (key, department=None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: String,
        department: Option<String>,
    ) -> PyResult<Option<(Bound<'py, PyDict>, Bound<'py, PyDict>)>> {
        let found = self.with(py, |v| {
            v.get_secret_with_summary(&key, department.as_deref())
        })?;
        found
            .map(|(summary, value)| {
                Ok((
                    convert::summary(py, &summary)?,
                    convert::all_fields(py, &value)?,
                ))
            })
            .transpose()
    }

    /// One secret by id, revealed (the reveal rule: in scope, active,
    /// unexpired, not write-only), as (metadata, fields).
    fn get_by_id<'py>(
        &self,
        py: Python<'py>,
        id: SecretId,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let (summary, fields) = self.with(py, |v| Ok((v.secret(id)?, v.reveal(id)?)))?;
        Ok((
            convert::summary(py, &summary)?,
            convert::fields(py, &fields)?,
        ))
    }

    /// One secret's metadata.
    fn summary<'py>(&self, py: Python<'py>, id: SecretId) -> PyResult<Bound<'py, PyDict>> {
        let s = self.with(py, |v| v.secret(id))?;
        convert::summary(py, &s)
    }

    /// The secrets table: metadata only.
    #[pyo3(signature = (search=None, tag=None, department=None, include_inactive=false))]
    fn list<'py>(
        &self,
        py: Python<'py>,
        search: Option<String>,
        tag: Option<String>,
        department: Option<String>,
        include_inactive: bool,
    ) -> PyResult<Bound<'py, PyList>> {
        let query = ListQuery {
            search,
            tag,
            department,
            include_inactive,
        };
        let list = self.with(py, |v| v.list_secrets(&query))?;
        summary_list(py, &list)
    }

    /// The id of the one secret with exactly this key that the caller can
    /// see (inactive and expired ones included); several raise
    /// `AmbiguousKey` with their ids.
    fn resolve_id(&self, py: Python<'_>, key: String) -> PyResult<SecretId> {
        let query = ListQuery {
            search: Some(key.clone()),
            tag: None,
            department: None,
            include_inactive: true,
        };
        let list = self.with(py, |v| v.list_secrets(&query))?;
        let ids: Vec<SecretId> = list.iter().filter(|s| s.key == key).map(|s| s.id).collect();
        match ids[..] {
            [id] => Ok(id),
            [] => Err(errors::from_core(
                py,
                Error::NotFound("no secret with that key is visible to you".into()),
            )),
            _ => {
                let extra = PyDict::new(py);
                extra.set_item("ids", &ids)?;
                Err(errors::raise(
                    py,
                    errors::AMBIGUOUS_KEY,
                    &format!(
                        "{} secrets have that key (ids {}): pass the id instead",
                        ids.len(),
                        ids.iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None,
                    Some(extra),
                ))
            }
        }
    }

    /// Creates a secret; returns its metadata.
    #[pyo3(signature = (key, fields, departments=None, all_departments=false, private=false,
        tags=Vec::new(), description=String::new(), expires_at=None, active=true,
        write_only=false, plain=Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn create<'py>(
        &self,
        py: Python<'py>,
        key: String,
        fields: Vec<(String, String)>,
        departments: Option<Vec<String>>,
        all_departments: bool,
        private: bool,
        tags: Vec<String>,
        description: String,
        expires_at: Option<i64>,
        active: bool,
        write_only: bool,
        plain: Vec<String>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let summary = self.with(py, |v| {
            let id = v.create_secret(NewSecret {
                key,
                fields: field_inputs(fields, &plain)?,
                departments: dept_scope(departments, all_departments),
                users: if private {
                    UserScope::Creator
                } else {
                    UserScope::All
                },
                description,
                tags,
                expires_at,
                active,
                reveal: if write_only {
                    Reveal::Never
                } else {
                    Reveal::Allowed
                },
            })?;
            v.secret(id)
        })?;
        convert::summary(py, &summary)
    }

    /// Applies a partial update as a new version; returns the metadata.
    /// `fields` replace every field, or with `merge` set only those
    /// (others stay); `remove_fields` drops fields.
    #[pyo3(signature = (id, fields=None, merge=false, remove_fields=Vec::new(), key=None,
        departments=None, all_departments=false, private=None, tags=None, description=None,
        expires_at=None, clear_expiry=false, active=None, write_only=None, plain=Vec::new(),
        expected_version=None))]
    #[allow(clippy::too_many_arguments)]
    fn update<'py>(
        &self,
        py: Python<'py>,
        id: SecretId,
        fields: Option<Vec<(String, String)>>,
        merge: bool,
        remove_fields: Vec<String>,
        key: Option<String>,
        departments: Option<Vec<String>>,
        all_departments: bool,
        private: Option<bool>,
        tags: Option<Vec<String>>,
        description: Option<String>,
        expires_at: Option<i64>,
        clear_expiry: bool,
        active: Option<bool>,
        write_only: Option<bool>,
        plain: Vec<String>,
        expected_version: Option<i64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let summary = self.with(py, |v| {
            let fields = match fields {
                Some(f) if !merge => Some(FieldsUpdate::Replace {
                    fields: field_inputs(f, &plain)?,
                }),
                Some(f) => Some(FieldsUpdate::Edit {
                    set: field_inputs(f, &plain)?,
                    remove: remove_fields,
                }),
                None if !remove_fields.is_empty() => Some(FieldsUpdate::Edit {
                    set: Vec::new(),
                    remove: remove_fields,
                }),
                None => None,
            };
            let expires = match (expires_at, clear_expiry) {
                (Some(at), _) => Some(ExpiryUpdate::At { at }),
                (None, true) => Some(ExpiryUpdate::Never),
                (None, false) => None,
            };
            v.update_secret(
                id,
                SecretUpdate {
                    key,
                    fields,
                    departments: dept_scope(departments, all_departments),
                    users: private.map(|p| {
                        if p {
                            UserScope::Creator
                        } else {
                            UserScope::All
                        }
                    }),
                    description,
                    tags,
                    expires,
                    reveal: write_only.map(|w| if w { Reveal::Never } else { Reveal::Allowed }),
                    active,
                    // None: the change applies to the current version.
                    expected_version,
                },
            )
        })?;
        convert::summary(py, &summary)
    }

    /// Deletes a secret (refused while anything uses it); with
    /// `expected_version`, only if nobody saved a newer version since.
    #[pyo3(signature = (id, expected_version=None))]
    fn delete(&self, py: Python<'_>, id: SecretId, expected_version: Option<i64>) -> PyResult<()> {
        self.with(py, |v| v.delete_secret(id, expected_version))
    }

    /// Activates or deactivates a secret (admins); returns the names of
    /// its usages when one in use was deactivated.
    fn set_active(&self, py: Python<'_>, id: SecretId, active: bool) -> PyResult<Vec<String>> {
        self.with(py, |v| v.set_active(id, active))
    }
}
