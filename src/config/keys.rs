//! Which configuration keys exist, read from the raw settings' own serde definitions
//! (so a key added to a `Raw*` struct is known at once), and the refusal of any
//! other key, from a file or the environment, naming the nearest known one.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use figment::value::{Dict, Value};
use figment::Figment;
use serde::de::value::Error as ProbeError;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

/// The segment that stands for any name in a map (`shops.<name>`,
/// `commission.payout_thresholds.<CODE>`).
const ANY: &str = "*";

/// Known keys as a tree: a table's own fields, or any name for a map.
#[derive(Debug, Default)]
pub struct KeyTree {
    children: BTreeMap<String, KeyTree>,
}

/// An unknown key and the nearest known one, both dotted (`commission.rat`).
#[derive(Debug, PartialEq, Eq)]
pub struct UnknownKey {
    pub key: String,
    pub nearest: String,
}

impl KeyTree {
    /// The keys `T` reads: every field of every struct it is made of, maps as `*`.
    pub fn of<T: DeserializeOwned>() -> KeyTree {
        let seen = RefCell::new(BTreeSet::new());
        // A type the probe cannot fill still names the fields read up to there;
        // `probe_reads_the_whole_configuration` keeps the configuration whole.
        let _ = T::deserialize(Probe {
            path: Vec::new(),
            seen: &seen,
        });
        let mut tree = KeyTree::default();
        for path in seen.into_inner() {
            let mut node = &mut tree;
            for segment in path {
                node = node.children.entry(segment).or_default();
            }
        }
        tree
    }

    fn child(&self, name: &str) -> Option<&KeyTree> {
        self.children.get(name).or_else(|| self.children.get(ANY))
    }

    /// The first key of `given` that is not known, with the nearest known key.
    pub fn first_unknown(&self, given: &Dict) -> Option<UnknownKey> {
        let mut path = Vec::new();
        let key = self.walk(given, &mut path)?;
        let nearest = self.nearest(&key);
        Some(UnknownKey {
            key: key.join("."),
            nearest,
        })
    }

    fn walk(&self, given: &Dict, path: &mut Vec<String>) -> Option<Vec<String>> {
        for (name, value) in given {
            path.push(name.clone());
            match self.child(name) {
                None => {
                    let mut key = path.clone();
                    first_leaf(value, &mut key);
                    return Some(key);
                }
                Some(known) => {
                    if let (false, Value::Dict(_, inner)) = (known.children.is_empty(), value) {
                        if let Some(key) = known.walk(inner, path) {
                            return Some(key);
                        }
                    }
                    // A scalar where a table belongs (or the reverse) is a wrong
                    // value, not an unknown key: extraction names it.
                }
            }
            path.pop();
        }
        None
    }

    /// The known key (table or value) closest to `key` in edit distance, a `*`
    /// taking the name given at its place.
    fn nearest(&self, key: &[String]) -> String {
        let mut known = Vec::new();
        self.paths(key, &mut Vec::new(), &mut known);
        known
            .into_iter()
            .min_by_key(|candidate| strsim::levenshtein(candidate, &key.join(".")))
            .unwrap_or_default()
    }

    fn paths(&self, key: &[String], prefix: &mut Vec<String>, out: &mut Vec<String>) {
        for (name, child) in &self.children {
            let segment = match (name.as_str(), key.get(prefix.len())) {
                (ANY, Some(given)) => given.clone(),
                (ANY, None) => "<name>".to_owned(),
                _ => name.clone(),
            };
            prefix.push(segment);
            out.push(prefix.join("."));
            child.paths(key, prefix, out);
            prefix.pop();
        }
    }
}

/// Extends `key` through a table down to its first value, so that a misspelt
/// table is named with the key the operator set in it (`comission.rate`).
fn first_leaf(value: &Value, key: &mut Vec<String>) {
    if let Value::Dict(_, inner) = value {
        if let Some((name, value)) = inner.iter().next() {
            key.push(name.clone());
            first_leaf(value, key);
        }
    }
}

/// Refuses a key of `figment` that `T` does not read; the error names it, the
/// nearest known key and where it was set.
pub fn refuse_unknown<T: DeserializeOwned>(figment: &Figment) -> Result<(), super::ConfigError> {
    let given: Dict = figment.extract().map_err(super::load_error)?;
    let Some(unknown) = KeyTree::of::<T>().first_unknown(&given) else {
        return Ok(());
    };
    let origin = figment
        .find_metadata(&unknown.key)
        .map(|metadata| {
            if metadata.name.contains("environment") {
                let variable = unknown.key.replace('.', "__").to_ascii_uppercase();
                format!(
                    " (set by the environment variable {}{variable})",
                    super::ENV_PREFIX
                )
            } else {
                match &metadata.source {
                    Some(source) => format!(" (in {source})"),
                    None => String::new(),
                }
            }
        })
        .unwrap_or_default();
    Err(super::ConfigError::Unknown {
        key: unknown.key,
        nearest: unknown.nearest,
        origin,
    })
}

/// A deserializer that holds no data: it hands every struct all of its fields
/// (recording each field's path), every map one entry named `*`, and every value
/// an empty one, so that deserializing a type walks all of its keys.
struct Probe<'a> {
    path: Vec<String>,
    seen: &'a RefCell<BTreeSet<Vec<String>>>,
}

impl Probe<'_> {
    fn at(&self, name: &str) -> Self {
        let mut path = self.path.clone();
        path.push(name.to_owned());
        self.seen.borrow_mut().insert(path.clone());
        Probe {
            path,
            seen: self.seen,
        }
    }
}

impl<'de> de::Deserializer<'de> for Probe<'_> {
    type Error = ProbeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_str("")
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_bool(false)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_u64(0)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_f64(0.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_seq(de::value::SeqDeserializer::<_, ProbeError>::new(
            std::iter::empty::<()>(),
        ))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        visitor.visit_map(Fields {
            names: vec![ANY],
            probe: self,
            next: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        for field in fields {
            self.at(field);
        }
        visitor.visit_map(Fields {
            names: fields.iter().rev().copied().collect(),
            probe: self,
            next: None,
        })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        let first = variants.first().copied().unwrap_or_default();
        visitor.visit_enum(first.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i64 i128 u8 u16 u32 u128 f32 char str string bytes byte_buf
        unit_struct tuple tuple_struct identifier ignored_any
    }
}

/// The entries a [`Probe`] hands a struct (its fields) or a map (one `*`).
struct Fields<'a> {
    /// Names still to hand out, last first.
    names: Vec<&'static str>,
    probe: Probe<'a>,
    /// The value probe of the name just handed out.
    next: Option<Probe<'a>>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ProbeError> {
        let Some(name) = self.names.pop() else {
            return Ok(None);
        };
        self.next = Some(self.probe.at(name));
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ProbeError> {
        match self.next.take() {
            Some(probe) => seed.deserialize(probe),
            None => Err(de::Error::custom("value asked before its key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::{Format, Toml};

    fn unknown(toml: &str) -> Option<UnknownKey> {
        let given: Dict = Figment::from(Toml::string(toml)).extract().unwrap();
        KeyTree::of::<super::super::Raw>().first_unknown(&given)
    }

    fn refused(key: &str, nearest: &str) -> Option<UnknownKey> {
        Some(UnknownKey {
            key: key.into(),
            nearest: nearest.into(),
        })
    }

    #[test]
    fn probe_reads_the_whole_configuration() {
        let seen = RefCell::new(BTreeSet::new());
        let probed = <super::super::Raw as serde::Deserialize>::deserialize(Probe {
            path: Vec::new(),
            seen: &seen,
        });
        assert!(probed.is_ok(), "the probe must fill every raw setting");
        let tree = KeyTree::of::<super::super::Raw>();
        for key in [
            "http.bind",
            "database.url",
            "commission.rate",
            "commission.payout_thresholds.JPY",
            "shops.main.secret",
            "shops.main.kofi_types",
            "discord.guilds",
        ] {
            let mut node = &tree;
            for segment in key.split('.') {
                node = node.child(segment).unwrap_or_else(|| panic!("{key}"));
            }
        }
    }

    #[test]
    fn the_shipped_defaults_hold_known_keys_only() {
        assert_eq!(unknown(crate::config::DEFAULT_TOML), None);
    }

    #[test]
    fn a_misspelt_key_names_the_nearest_known_one() {
        assert_eq!(
            unknown("[commission]\nrat = \"0.3\""),
            refused("commission.rat", "commission.rate")
        );
        assert_eq!(
            unknown("[comission]\nrate = \"0.3\""),
            refused("comission.rate", "commission.rate")
        );
        assert_eq!(
            unknown("[shops.merch]\nprovider = \"kofi\"\nkofi_type = [\"Shop Order\"]"),
            refused("shops.merch.kofi_type", "shops.merch.kofi_types")
        );
        assert_eq!(
            unknown("[commission.payout_thresholds]\nJPY = \"2000\""),
            None
        );
    }
}
