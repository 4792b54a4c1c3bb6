//! Plain data every layer shares: the plaintexts Coffer encrypts (a
//! secret's metadata, its fields, a usage's label; their binary encoding is
//! in `codec`), the scope a key serves, and the facts of a secret's scope
//! that policy decides on.

use secrecy::SecretString;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::api::RevealedField;
use crate::wire::{Reader, Writer};

/// Key, description, tags, field names and the values of fields marked
/// plain text: sensitive, so encrypted, but needed for the table, so kept
/// apart from the values (which still hold every field, plain ones too).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct Meta {
    pub key: String,
    pub description: String,
    pub tags: Vec<String>,
    pub field_names: Vec<String>,
    /// The fields their editor marked as not secret (a host, a port, a
    /// user name), in field order: shown to whoever can see the secret.
    pub plain: Vec<PlainValue>,
}

crate::redact::redacted_debug!(Meta {} hides { key, description, tags, field_names, plain });

/// A field shown in clear, with its value.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub(crate) struct PlainValue {
    pub name: String,
    pub value: String,
}

impl Meta {
    /// Whether the field `name` is marked plain text.
    pub(crate) fn is_plain(&self, name: &str) -> bool {
        self.plain.iter().any(|p| p.name == name)
    }
}

/// Field names and values, in order.
#[derive(Clone)]
pub(crate) struct Fields(pub Vec<(String, SecretString)>);

impl Fields {
    pub(crate) fn names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The values of the fields named in `plain`, in field order.
    pub(crate) fn plain_values(&self, plain: &[String]) -> Vec<PlainValue> {
        use secrecy::ExposeSecret;
        self.0
            .iter()
            .filter(|(n, _)| plain.contains(n))
            .map(|(name, value)| PlainValue {
                name: name.clone(),
                value: value.expose_secret().to_owned(),
            })
            .collect()
    }

    /// The fields as revealed to someone allowed to read them.
    pub(crate) fn into_revealed(self) -> Vec<RevealedField> {
        self.0
            .into_iter()
            .map(|(name, value)| RevealedField { name, value })
            .collect()
    }
}

/// What a usage says: its name, kind and (optionally) the field it uses.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct UsageLabel {
    pub name: String,
    pub kind: String,
    pub field: Option<String>,
}

crate::redact::redacted_debug!(UsageLabel {} hides { name, kind, field });

impl UsageLabel {
    /// How refusals and warnings name it.
    pub(crate) fn describe(&self) -> String {
        match &self.field {
            Some(f) => format!("{} \"{}\" (field {f})", self.kind, self.name),
            None => format!("{} \"{}\"", self.kind, self.name),
        }
    }
}

/// The scope a shared or personal key serves.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Scope {
    All,
    Dept(i64),
    Personal(i64),
}

impl Scope {
    pub(crate) fn encode(self, w: &mut Writer) {
        match self {
            Self::All => w.u8(1),
            Self::Dept(d) => w.u8(2).i64(d),
            Self::Personal(u) => w.u8(3).i64(u),
        };
    }

    pub(crate) fn decode(r: &mut Reader) -> Option<Self> {
        match r.u8()? {
            1 => Some(Self::All),
            2 => Some(Self::Dept(r.i64()?)),
            3 => Some(Self::Personal(r.i64()?)),
            _ => None,
        }
    }

    /// Canonical bytes for associated data and commitments.
    pub(crate) fn bytes(self) -> Vec<u8> {
        let mut w = Writer::new(b'S', 9);
        self.encode(&mut w);
        w.finish().to_vec()
    }
}

/// A secret's scope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopeFacts<'a> {
    pub creator: i64,
    pub private: bool,
    pub all_depts: bool,
    pub depts: &'a [i64],
}
