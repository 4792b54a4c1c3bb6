//! Redacted `Debug` output for types that carry secrets' names or values.

/// `Debug` that shows a value's shape but not its sensitive fields: keys,
/// field names, descriptions, tags and search terms are as confidential as
/// values (SPEC §7), and `Debug` output ends up in logs and panics.
macro_rules! redacted_debug {
    ($ty:ident { $($shown:ident),* } hides { $($hidden:ident),* }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &format_args!("[redacted]")))*
                    .finish()
            }
        }
    };
}
pub(crate) use redacted_debug;
