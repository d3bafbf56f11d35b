//! Structure-aware mutation of fixture documents: values replaced by others of
//! another type, raw number tokens no `Value` can hold, removed members, duplicate
//! keys and deep nesting, at any place or preferably at a field the parser reads.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use super::{any_json, deep_json, RAW_TOKENS};

/// One change at one place of a document.
#[derive(Clone, Debug)]
pub(super) enum Edit {
    /// Replace the value with another, usually of another type.
    Set(Value),
    /// Replace the value with a raw JSON token (see [`RAW_TOKENS`]).
    Raw(&'static str),
    /// Replace the value with a deeply nested one (raw text).
    Deep(String),
    /// Remove the member or element.
    Remove,
    /// Add a member named as a known field to an object (a duplicate key if present).
    Duplicate(String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        8 => any_json().prop_map(Edit::Set),
        3 => prop::sample::select(RAW_TOKENS).prop_map(Edit::Raw),
        1 => deep_json().prop_map(Edit::Deep),
        2 => Just(Edit::Remove),
        1 => ("[a-z_]{1,12}", any_json()).prop_map(|(k, v)| Edit::Duplicate(k, v)),
    ]
}

/// `(at, prefer an interesting field, edit)` applied in order.
pub(super) type Edits = Vec<(Index, bool, Edit)>;

pub(super) fn edits() -> impl Strategy<Value = Edits> {
    prop::collection::vec((any::<Index>(), any::<bool>(), edit()), 1..5)
}

fn escape_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// JSON pointers to every value below the root, and those whose own key is one of
/// `interesting`.
fn pointers(doc: &Value, interesting: &[&str]) -> (Vec<String>, Vec<String>) {
    fn walk(
        v: &Value,
        at: String,
        key: &str,
        interesting: &[&str],
        out: &mut (Vec<String>, Vec<String>),
    ) {
        if !at.is_empty() {
            out.0.push(at.clone());
            if interesting.contains(&key) {
                out.1.push(at.clone());
            }
        }
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    walk(
                        child,
                        format!("{at}/{}", escape_token(k)),
                        k,
                        interesting,
                        out,
                    );
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    walk(child, format!("{at}/{i}"), key, interesting, out);
                }
            }
            _ => {}
        }
    }
    let mut out = (Vec::new(), Vec::new());
    walk(doc, String::new(), "", interesting, &mut out);
    out
}

/// Applies `edits` to a copy of `doc` and serialises it, splicing raw tokens in.
pub(super) fn mutate(doc: &Value, interesting: &[&str], edits: &Edits) -> Vec<u8> {
    let mut doc = doc.clone();
    let mut raw = Vec::new();
    for (at, prefer, edit) in edits {
        let (all, chosen) = pointers(&doc, interesting);
        let pool = if *prefer && !chosen.is_empty() {
            chosen
        } else {
            all
        };
        if pool.is_empty() {
            continue;
        }
        let pointer = &pool[at.index(pool.len())];
        match edit {
            Edit::Set(value) => {
                if let Some(slot) = doc.pointer_mut(pointer) {
                    *slot = value.clone();
                }
            }
            Edit::Raw(token) => {
                if let Some(slot) = doc.pointer_mut(pointer) {
                    *slot = Value::String(format!("@@raw{}@@", raw.len()));
                    raw.push((*token).to_owned());
                }
            }
            Edit::Deep(text) => {
                if let Some(slot) = doc.pointer_mut(pointer) {
                    *slot = Value::String(format!("@@raw{}@@", raw.len()));
                    raw.push(text.clone());
                }
            }
            Edit::Remove => {
                let (parent, last) = pointer.rsplit_once('/').expect("pointer below root");
                let last = last.replace("~1", "/").replace("~0", "~");
                match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&last);
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = last.parse::<usize>() {
                            if i < items.len() {
                                items.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Edit::Duplicate(key, value) => {
                let (parent, _) = pointer.rsplit_once('/').expect("pointer below root");
                if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
                    let key = interesting
                        .get(key.len() % interesting.len().max(1))
                        .map_or(key.clone(), |k| (*k).to_owned());
                    map.insert(format!("@@dup{}@@", raw.len()), value.clone());
                    raw.push(key);
                }
            }
        }
    }
    let mut text = serde_json::to_string(&doc).expect("serialises");
    for (i, token) in raw.iter().enumerate() {
        // A duplicate key keeps its quotes; a raw value replaces the quoted marker.
        text = text.replace(&format!("\"@@dup{i}@@\""), &format!("{token:?}"));
        text = text.replace(&format!("\"@@raw{i}@@\""), token);
    }
    text.into_bytes()
}
