//! Bitwarden's unencrypted JSON export. Each of `items[]` becomes a
//! secret keyed by its `name`: a login's `username`, `password`, `url`
//! (then `url2`, ... for further URIs) and `totp`; a card's and an
//! identity's members by their Bitwarden names; `notes`; then each custom
//! field of `fields[]` by its name (linked fields, which hold no value,
//! are left out). The item's folder and collections become tags. An
//! encrypted export is refused with what to do instead.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::{Builder, Entry, bad};
use crate::error::{Error, Result};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Export {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    password_protected: bool,
    #[serde(default)]
    folders: Vec<Named>,
    #[serde(default)]
    collections: Vec<Named>,
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize)]
struct Named {
    id: String,
    name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    folder_id: Option<String>,
    #[serde(default)]
    collection_ids: Option<Vec<String>>,
    #[serde(default)]
    login: Option<Login>,
    #[serde(default)]
    card: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    identity: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    fields: Option<Vec<Field>>,
}

#[derive(Deserialize)]
struct Login {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    totp: Option<String>,
    #[serde(default)]
    uris: Option<Vec<Uri>>,
}

#[derive(Deserialize)]
struct Uri {
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
struct Field {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    value: Option<String>,
    /// 0 text, 1 hidden, 2 boolean, 3 linked.
    #[serde(default, rename = "type")]
    kind: Option<i64>,
}

pub(crate) const ENCRYPTED: &str = "this is an encrypted Bitwarden export, which Coffer cannot read: export it again as \
     \"JSON\" (unencrypted), or move the items to KeePassXC and import its .kdbx";

pub(crate) fn parse(text: &str) -> Result<Vec<Entry>> {
    let doc: Export = serde_json::from_str(text).map_err(|e| {
        Error::invalid(format!(
            "line {}: not a Bitwarden JSON export (expected an object with items)",
            e.line()
        ))
    })?;
    if doc.encrypted || doc.password_protected {
        return Err(Error::invalid(ENCRYPTED));
    }
    let items = doc
        .items
        .ok_or_else(|| Error::invalid("line 1: a Bitwarden JSON export needs an items list"))?;
    let folders: HashMap<&str, &str> = doc
        .folders
        .iter()
        .map(|f| (f.id.as_str(), f.name.as_str()))
        .collect();
    let collections: HashMap<&str, &str> = doc
        .collections
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str()))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    for (i, raw) in items.into_iter().enumerate() {
        let number = i as u32 + 1;
        let at = format!("entry {number}");
        let item: Item =
            serde_json::from_value(raw).map_err(|_| bad(&at, "not a Bitwarden item"))?;
        let mut b = Builder::new(number, None);
        if let Some(login) = &item.login {
            b.field("username", login.username.as_deref().unwrap_or(""))?;
            b.field("password", login.password.as_deref().unwrap_or(""))?;
            let uris = login.uris.iter().flatten().filter_map(|u| u.uri.as_deref());
            for (n, uri) in uris.filter(|u| !u.is_empty()).enumerate() {
                let name = if n == 0 {
                    "url".to_string()
                } else {
                    format!("url{}", n + 1)
                };
                b.field(&name, uri)?;
            }
            b.field("totp", login.totp.as_deref().unwrap_or(""))?;
        }
        for part in [&item.card, &item.identity].into_iter().flatten() {
            for (name, value) in part {
                if let Value::String(v) = value {
                    b.field(name, v)?;
                }
            }
        }
        b.field("notes", item.notes.as_deref().unwrap_or(""))?;
        for f in item.fields.iter().flatten() {
            if f.kind == Some(3) {
                continue;
            }
            let name = f.name.as_deref().unwrap_or("").trim();
            let value = f.value.as_deref().unwrap_or("");
            if name.is_empty() && !value.is_empty() {
                return Err(bad(&at, "a custom field has a value but no name"));
            }
            b.field(name, value)?;
        }
        if let Some(name) = item.folder_id.as_deref().and_then(|id| folders.get(id)) {
            b.tag(name);
        }
        for id in item.collection_ids.iter().flatten() {
            if let Some(name) = collections.get(id.as_str()) {
                b.tag(name);
            }
        }
        out.push(b.finish(item.name.as_deref().unwrap_or(""))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::values;
    use super::*;

    const EXPORT: &str = r#"{
      "encrypted": false,
      "folders": [{"id": "f1", "name": "Work"}],
      "collections": [{"id": "c1", "organizationId": "o", "name": "Ops"}],
      "items": [
        {"id": "1", "type": 1, "name": "GitHub", "notes": null, "folderId": "f1",
         "collectionIds": ["c1"], "favorite": false,
         "login": {"username": "ana", "password": "gh$pass\"x", "totp": "JBSWY3DP",
                   "uris": [{"match": null, "uri": "https://github.com"}, {"uri": "https://gist.github.com"}]},
         "fields": [{"name": "env", "value": "prod", "type": 0},
                    {"name": "pin", "value": "1234", "type": 1},
                    {"name": "link", "value": null, "type": 3, "linkedId": 100}]},
        {"id": "2", "type": 2, "name": "Wifi", "notes": "the code\nis 1234", "folderId": null,
         "secureNote": {"type": 0}},
        {"id": "3", "type": 3, "name": "Visa", "card": {"cardholderName": "Ana", "number": "4111", "code": "123", "expYear": null}}
      ]
    }"#;

    #[test]
    fn logins_notes_cards() {
        let e = parse(EXPORT).expect("ok");
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].key, "GitHub");
        assert_eq!(
            values(&e[0]),
            [
                ("username", "ana"),
                ("password", "gh$pass\"x"),
                ("url", "https://github.com"),
                ("url2", "https://gist.github.com"),
                ("totp", "JBSWY3DP"),
                ("env", "prod"),
                ("pin", "1234"),
            ]
        );
        assert_eq!(e[0].tags, ["Work", "Ops"]);
        assert_eq!(values(&e[1]), [("notes", "the code\nis 1234")]);
        assert_eq!(values(&e[2]).len(), 3);
    }

    #[test]
    fn encrypted_exports_say_what_to_do() {
        for text in [
            r#"{"encrypted": true, "encKeyValidation_DO_NOT_EDIT": "2.x", "data": "2.abc"}"#,
            r#"{"encrypted": true, "passwordProtected": true, "salt": "x", "data": "y"}"#,
        ] {
            let e = parse(text).expect_err("encrypted");
            let msg = e.to_string();
            assert!(
                msg.contains("unencrypted") && msg.contains(".kdbx"),
                "{msg}"
            );
        }
    }

    #[test]
    fn bad_items_are_named() {
        let e = parse(r#"{"items": [{"name": "a", "notes": "x"}, {"name": "", "notes": "y"}]}"#)
            .expect_err("no name");
        assert!(e.to_string().starts_with("entry 2:"), "{e}");
        let e = parse(r#"{"items": [{"name": "a", "notes": "x"}, {"name": "b"}]}"#)
            .expect_err("no values");
        assert!(e.to_string().starts_with("entry 2:"), "{e}");
        let e = parse(r#"{"items": [{"name": "a", "login": {"password": "p"}, "fields": [{"name": "password", "value": "q"}]}]}"#)
            .expect_err("same field twice");
        assert!(e.to_string().starts_with("entry 1:"), "{e}");
    }
}
