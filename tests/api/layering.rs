//! The shape of `src/`, guarded like any other property: no import cycle among
//! the top-level modules, nor among the modules of any one folder. An import is a
//! `crate::…` or `super::…` path in code (comments and test modules aside); each
//! is taken to the longest module path it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module as the path of names from the crate root (`["lobby", "actor"]`).
type Module = Vec<String>;

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Module {
    let relative = file.strip_prefix(src).expect("a file of src/");
    let mut names: Module = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if names.last().is_some_and(|n| n == "mod") {
        names.pop();
    }
    names
}

/// The code of a file without comments and without its `#[cfg(test)]` modules.
fn code_of(text: &str) -> String {
    let without_tests = match text.find("#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    without_tests
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths a file names, each as names: `crate::a::b` and `super::…::x`
/// (relative to `module`).
fn named_paths(module: &Module, code: &str) -> Vec<Module> {
    let mut paths = Vec::new();
    let bytes = code.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b':';
    let mut at = 0;
    while at < bytes.len() {
        if !word(bytes[at]) || (at > 0 && word(bytes[at - 1])) {
            at += 1;
            continue;
        }
        let end = (at..bytes.len())
            .find(|&i| !word(bytes[i]))
            .unwrap_or(bytes.len());
        let token: Vec<&str> = code[at..end]
            .split("::")
            .filter(|s| !s.is_empty())
            .collect();
        at = end;
        let supers = token.iter().take_while(|s| **s == "super").count();
        let (mut base, rest): (Module, &[&str]) = match token.first() {
            Some(&"crate") => (Vec::new(), &token[1..]),
            Some(&"super") if supers <= module.len() => {
                (module[..module.len() - supers].to_vec(), &token[supers..])
            }
            _ => continue,
        };
        base.extend(rest.iter().map(|s| s.to_string()));
        paths.push(base);
    }
    paths
}

/// Every module's imports of other modules, by module.
fn imports() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Module, PathBuf> = files
        .iter()
        .map(|f| (module_of(&src, f), f.clone()))
        .collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        if matches!(module.as_slice(), [only] if only == "main" || only == "lib") {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).expect("a source file"));
        let mut named = BTreeSet::new();
        for path in named_paths(module, &code) {
            let longest = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| modules.contains_key(prefix));
            if let Some(target) = longest.filter(|t| t != module) {
                named.insert(target);
            }
        }
        graph.insert(module.clone(), named);
    }
    graph
}

/// The cycles among the children of `folder` (modules inside a child count as it).
fn cycles_in(folder: &[String], graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    let child = |m: &Module| {
        (m.len() > folder.len() && m.starts_with(folder)).then(|| m[folder.len()].clone())
    };
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in graph {
        let Some(a) = child(from) else { continue };
        for to in targets {
            match child(to) {
                Some(b) if b != a => {
                    edges.entry(a.clone()).or_default().insert(b);
                }
                _ => {}
            }
        }
    }
    // A child is in a cycle when it reaches itself; one cycle per strongly
    // connected group, named by its members.
    let reaches = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = edges.get(from).into_iter().flatten().collect();
        while let Some(next) = stack.pop() {
            if seen.insert(next.clone()) {
                stack.extend(edges.get(next).into_iter().flatten());
            }
        }
        seen
    };
    let reach: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|k| (k, reaches(k))).collect();
    let mut groups: BTreeSet<Vec<String>> = BTreeSet::new();
    for (node, from_node) in &reach {
        if !from_node.contains(*node) {
            continue;
        }
        let group: Vec<String> = from_node
            .iter()
            .filter(|other| reach.get(other).is_some_and(|r| r.contains(*node)))
            .cloned()
            .collect();
        groups.insert(group);
    }
    groups.into_iter().collect()
}

#[test]
fn no_module_of_src_imports_one_that_imports_it_back() {
    let graph = imports();
    let folders: BTreeSet<Module> = graph
        .keys()
        .flat_map(|m| (0..m.len()).map(|n| m[..n].to_vec()))
        .collect();
    let mut found = Vec::new();
    for folder in &folders {
        for cycle in cycles_in(folder, &graph) {
            let place = if folder.is_empty() {
                "src".to_owned()
            } else {
                folder.join("/")
            };
            found.push(format!("{place}: {}", cycle.join(" -> ")));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

/// Libraries that do I/O, run actors or speak a provider's or a database's
/// language: the domain names none of them.
const NOT_IN_THE_DOMAIN: &[&str] = &[
    "sea_orm",
    "entity",
    "sqlx",
    "actix",
    "actix_web",
    "tokio",
    "serenity",
    "stripe",
    "awc",
    "reqwest",
    "tracing",
    "metrics",
];

#[test]
fn the_domain_is_pure_and_depends_on_money_only() {
    let graph = imports();
    let mut found = Vec::new();
    for (module, targets) in graph.iter().filter(|(m, _)| m[0] == "domain") {
        for target in targets
            .iter()
            .filter(|t| t[0] != "domain" && t[0] != "money")
        {
            found.push(format!("{} imports {}", module.join("/"), target.join("/")));
        }
    }
    let domain = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain");
    let mut files = Vec::new();
    rust_files(&domain, &mut files);
    for file in files {
        let code = code_of(&std::fs::read_to_string(&file).expect("a source file"));
        for library in NOT_IN_THE_DOMAIN {
            let named = code
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .any(|word| word.starts_with(&format!("{library}::")));
            if named {
                found.push(format!("{} names {library}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the domain reaches out:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_reader_of_imports_sees_paths_and_ignores_comments() {
    let module: Module = vec!["lobby".into(), "actor".into()];
    let code = code_of(
        "use crate::ledger::read::{self, X};\n// see crate::overlay\nuse super::bus::Channel;",
    );
    let paths = named_paths(&module, &code);
    assert!(paths.contains(&vec!["ledger".into(), "read".into()]));
    assert!(paths.contains(&vec!["lobby".into(), "bus".into(), "Channel".into()]));
    assert!(!paths
        .iter()
        .any(|p| p.first().is_some_and(|f| f == "overlay")));
}
