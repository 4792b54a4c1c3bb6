//! The error every command returns: a stable code the UI switches on, and
//! a message safe to show (core messages never contain keys or values).

use coffer_core::{Error, ErrorCode};
use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// For `locked` and throttled `auth_failed`: seconds until the next
    /// sign-in attempt is allowed.
    #[ts(type = "number | null")]
    pub retry_after_secs: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
            retry_after_secs: e.retry_after_secs(),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
