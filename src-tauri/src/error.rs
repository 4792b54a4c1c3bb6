//! The error every command returns: the core's [`ApiError`] body, a stable
//! code the UI switches on and a message safe to show.

pub use coffer_core::ApiError;

pub type ApiResult<T> = Result<T, ApiError>;
