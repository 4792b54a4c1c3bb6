//! Secrets for a command's environment (`coffer run`): which variables to
//! set, from an env file's `VAR=coffer:KEY#field` references and plain
//! values and from `--set VAR=KEY[:FIELD]`, and, once the vault has looked
//! the keys up, the variables themselves. Pure: no vault, no process.
//!
//! The rules live here so every front end applies the same ones:
//! - A name must be a portable variable name (`[A-Za-z_][A-Za-z0-9_]*`).
//! - Names that change how programs are found or loaded, or where they
//!   keep their files (`PATH`, `HOME`, `SHELL`, `IFS`, `ENV`, `BASH_ENV`,
//!   `LD_*`, `DYLD_*`, `XDG_*`, `LC_*`) are refused unless the caller
//!   allows that exact name: a reference in a checked-in env file must not
//!   be able to redirect which binary or library runs. `COFFER_PASSWORD`
//!   is never set (and the runner removes it from the child).
//! - A name set twice in one source is an error; `--set` overrides the
//!   env file, as a command line overrides a file.
//! - Every problem is collected and reported at once, naming the variable
//!   and where it was written; never a key (a value pasted where a key
//!   belongs would be echoed) and never a value.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::api::SecretValue;
use crate::dotenv;
use crate::error::{Error, Result};
use crate::validate;

/// The prefix that marks a reference in an env file.
pub const REFERENCE_PREFIX: &str = "coffer:";

const REFUSED_NAMES: [&str; 6] = ["PATH", "HOME", "SHELL", "IFS", "ENV", "BASH_ENV"];
const REFUSED_PREFIXES: [&str; 4] = ["LD_", "DYLD_", "XDG_", "LC_"];
const NEVER: &str = "COFFER_PASSWORD";

/// Where a variable was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A line of the env file.
    Line(u32),
    /// The n-th `--set` (from 1).
    Set(usize),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(n) => write!(f, "env file line {n}"),
            Self::Set(n) => write!(f, "--set #{n}"),
        }
    }
}

/// Which part of a secret a reference takes.
#[derive(Clone, PartialEq, Eq)]
enum Part {
    /// The value of a single-field secret.
    Whole,
    Field(String),
    /// Every field, as `PREFIX` + the field's name.
    Spread,
}

enum Source {
    Plain(SecretString),
    Secret { key: String, part: Part },
}

struct Var {
    /// The name, or for a spread, the prefix.
    name: String,
    origin: Origin,
    source: Source,
}

/// What to put in a command's environment, before the vault is asked.
pub struct Request {
    vars: Vec<Var>,
    allowed: Vec<String>,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("variables", &self.vars.len())
            .finish_non_exhaustive()
    }
}

/// One variable to set.
pub struct Variable {
    pub name: String,
    pub value: SecretString,
    /// From the vault (to be masked), not a plain value of the env file.
    pub secret: bool,
}

crate::redact::redacted_debug!(Variable { name, secret } hides { value });

/// The variables to set, in the order asked, and the keys they came from.
#[derive(Debug)]
pub struct Injection {
    pub variables: Vec<Variable>,
}

impl Injection {
    /// The values from the vault, for masking.
    pub fn secret_values(&self) -> impl Iterator<Item = &SecretString> {
        self.variables.iter().filter(|v| v.secret).map(|v| &v.value)
    }

    /// Names of variables from the vault whose values are too short to mask.
    pub fn too_short_to_mask(&self) -> Vec<&str> {
        self.variables
            .iter()
            // Exposed to measure it, never shown.
            .filter(|v| v.secret && !crate::mask::maskable(v.value.expose_secret().as_bytes()))
            .map(|v| v.name.as_str())
            .collect()
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why a (valid) name may not be set, if it may not.
fn refusal(name: &str, allowed: &[String]) -> Option<String> {
    if name == NEVER {
        return Some(format!(
            "{NEVER} is never passed to the command (coffer removes it)"
        ));
    }
    let guarded =
        REFUSED_NAMES.contains(&name) || REFUSED_PREFIXES.iter().any(|p| name.starts_with(p));
    (guarded && !allowed.iter().any(|a| a == name)).then(|| {
        format!(
            "{name} changes how programs are found, loaded or configured: \
             pass --allow-override {name} if it is meant"
        )
    })
}

fn bad_name(origin: Origin) -> String {
    format!(
        "{origin}: not a valid variable name (letters, digits and _, not starting with a digit)"
    )
}

/// `KEY`, `KEY#field` or `KEY#*` (env file), `KEY`, `KEY:FIELD` or `KEY:*`
/// (`--set`): the key is everything before the last separator.
fn reference(text: &str, sep: char, origin: Origin) -> Result<Source> {
    let (key, part) = match text.rsplit_once(sep) {
        Some((key, "*")) => (key, Part::Spread),
        Some((key, field)) => {
            if field.is_empty() {
                return Err(Error::invalid(format!(
                    "{origin}: the field after `{sep}` is empty"
                )));
            }
            (key, Part::Field(field.to_string()))
        }
        None => (text, Part::Whole),
    };
    validate::secret_key(key).map_err(|e| Error::invalid(format!("{origin}: {e}")))?;
    Ok(Source::Secret {
        key: key.to_string(),
        part,
    })
}

impl Request {
    /// Reads the env file's text (if any) and the `--set` arguments, and
    /// checks every name. `allowed`: the names `--allow-override` permits.
    pub fn new(env_file: Option<&str>, sets: &[String], allowed: &[String]) -> Result<Self> {
        let mut problems = Vec::new();
        for name in allowed {
            if !valid_name(name) {
                problems
                    .push("--allow-override takes a variable name (letters, digits and _)".into());
            }
        }
        let mut file_vars = Vec::new();
        let lines = dotenv::parse(env_file.unwrap_or_default())
            .map_err(|e| Error::invalid(format!("env file {e}")))?;
        for a in lines {
            let origin = Origin::Line(a.line);
            // Exposed to tell a reference from a plain value.
            let value = a.value.expose_secret();
            let source = match value.strip_prefix(REFERENCE_PREFIX) {
                Some(r) => match reference(r, '#', origin) {
                    Ok(s) => s,
                    Err(e) => {
                        problems.push(e.to_string());
                        continue;
                    }
                },
                None => Source::Plain(a.value.clone()),
            };
            file_vars.push(Var {
                name: a.name,
                origin,
                source,
            });
        }
        let mut set_vars = Vec::new();
        for (i, arg) in sets.iter().enumerate() {
            let origin = Origin::Set(i + 1);
            let Some((name, rest)) = arg.split_once('=') else {
                problems.push(format!(
                    "{origin}: expected VAR=KEY, VAR=KEY:FIELD or PREFIX_=KEY:*"
                ));
                continue;
            };
            let source = match rest.strip_prefix(REFERENCE_PREFIX) {
                Some(r) => reference(r, '#', origin),
                None => reference(rest, ':', origin),
            };
            match source {
                Ok(source) => set_vars.push(Var {
                    name: name.to_string(),
                    origin,
                    source,
                }),
                Err(e) => problems.push(e.to_string()),
            }
        }
        for v in file_vars.iter().chain(&set_vars) {
            if !valid_name(&v.name) {
                problems.push(bad_name(v.origin));
            } else if let Some(why) = refusal(&v.name, allowed) {
                problems.push(format!("{}: {why}", v.origin));
            }
        }
        for list in [&file_vars, &set_vars] {
            for (i, v) in list.iter().enumerate() {
                if let Some(first) = list[..i].iter().find(|w| w.name == v.name)
                    && valid_name(&v.name)
                {
                    problems.push(format!(
                        "{}: {} is already set at {}",
                        v.origin, v.name, first.origin
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(Error::invalid(problems.join("; ")));
        }
        // The command line overrides the file.
        file_vars.retain(|f| !set_vars.iter().any(|s| s.name == f.name));
        file_vars.extend(set_vars);
        Ok(Self {
            vars: file_vars,
            allowed: allowed.to_vec(),
        })
    }

    /// The distinct keys to look up, in the order first asked.
    pub fn keys(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for v in &self.vars {
            if let Source::Secret { key, .. } = &v.source
                && !out.contains(&key.as_str())
            {
                out.push(key);
            }
        }
        out
    }

    /// Whether nothing is asked for at all.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// Builds the variables from what the vault found for each of
    /// [`Self::keys`] (`found[i]` for `keys()[i]`). On failure, the error
    /// names every problem: `NotFound` when any reference found nothing,
    /// else `InvalidInput`.
    pub fn resolve(&self, found: &[Option<SecretValue>]) -> Result<Injection> {
        let keys = self.keys();
        let mut missing = Vec::new();
        let mut problems = Vec::new();
        let mut variables: Vec<Variable> = Vec::new();
        let mut origins: Vec<Origin> = Vec::new();
        for v in &self.vars {
            let mut push = |name: String, value: &SecretString, secret: bool| {
                variables.push(Variable {
                    name,
                    value: value.clone(),
                    secret,
                });
                origins.push(v.origin);
            };
            let (key, part) = match &v.source {
                Source::Plain(value) => {
                    push(v.name.clone(), value, false);
                    continue;
                }
                Source::Secret { key, part } => (key, part),
            };
            let value = keys
                .iter()
                .position(|k| k == key)
                .and_then(|i| found.get(i))
                .and_then(Option::as_ref);
            let Some(value) = value else {
                missing.push(format!("{} ({})", v.name, v.origin));
                continue;
            };
            let fields = match value {
                SecretValue::Single(f) => std::slice::from_ref(f),
                SecretValue::Fields(f) => f.as_slice(),
            };
            let names = || {
                fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            match part {
                Part::Whole if fields.len() == 1 => push(v.name.clone(), &fields[0].value, true),
                Part::Whole => problems.push(format!(
                    "{} ({}): the secret has several fields, so name one \
                     (KEY#field in the env file, KEY:FIELD with --set, or KEY:* for all): {}",
                    v.name,
                    v.origin,
                    names()
                )),
                Part::Field(name) => match fields.iter().find(|f| &f.name == name) {
                    Some(f) => push(v.name.clone(), &f.value, true),
                    None => missing.push(format!(
                        "{} ({}: the secret found has no such field; it has {})",
                        v.name,
                        v.origin,
                        names()
                    )),
                },
                Part::Spread => {
                    for f in fields {
                        push(spread_name(&v.name, &f.name), &f.value, true);
                    }
                }
            }
        }
        for (i, var) in variables.iter().enumerate() {
            if let Some(j) = variables[..i].iter().position(|w| w.name == var.name) {
                problems.push(format!(
                    "{} is set twice (at {} and {})",
                    var.name, origins[j], origins[i]
                ));
            } else if let Some(why) = refusal(&var.name, &self.allowed) {
                problems.push(format!("{} ({}): {why}", var.name, origins[i]));
            }
            // Exposed to check the value can be an environment variable.
            if var.value.expose_secret().contains('\0') {
                problems.push(format!(
                    "{} ({}): the value contains a NUL byte, which no environment variable can hold",
                    var.name, origins[i]
                ));
            }
        }
        if !missing.is_empty() {
            let count = match missing.len() {
                1 => "1 reference".to_string(),
                n => format!("{n} references"),
            };
            let mut msg = format!(
                "{count} not found (no active, unexpired secret you may read matches, \
                 for you and the department): {}",
                missing.join(", ")
            );
            if !problems.is_empty() {
                msg.push_str("; also: ");
                msg.push_str(&problems.join("; "));
            }
            msg.push_str("; nothing was run");
            return Err(Error::not_found(msg));
        }
        if !problems.is_empty() {
            return Err(Error::invalid(problems.join("; ")));
        }
        Ok(Injection { variables })
    }

    /// The keys whose lookup found nothing (for the audit log's refusals).
    pub(crate) fn missing_keys<'a>(&'a self, found: &[Option<SecretValue>]) -> Vec<&'a str> {
        self.keys()
            .into_iter()
            .zip(found)
            .filter(|(_, f)| f.is_none())
            .map(|(k, _)| k)
            .collect()
    }

    /// For each key, the one field asked for, when every reference to it
    /// asks for the same single field (for the audit log).
    pub(crate) fn field_of(&self, key: &str) -> Option<&str> {
        let mut parts = self.vars.iter().filter_map(|v| match &v.source {
            Source::Secret { key: k, part } if k == key => Some(part),
            _ => None,
        });
        match (parts.next(), parts.next()) {
            (Some(Part::Field(f)), None) => Some(f),
            _ => None,
        }
    }
}

/// `PREFIX` + the field's name upper-cased, anything but letters and
/// digits turned into `_` (`DB_` + `api-key` = `DB_API_KEY`).
pub fn spread_name(prefix: &str, field: &str) -> String {
    let mut name = prefix.to_string();
    name.extend(field.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    name
}

#[cfg(test)]
mod tests;
