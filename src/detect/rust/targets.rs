//! A crate's targets as cargo finds them: the root package and workspace members, their
//! binaries, and the sources each target needs for the dependency layer's placeholders.

use std::collections::BTreeSet;
use std::path::Path;

use crate::detect::error::DetectError;
use crate::manifest::service::Service;

pub(super) fn invalid(service: &Service, message: String, hint: &str) -> DetectError {
    DetectError::Invalid {
        service: service.name.clone(),
        message,
        hint: Some(hint.to_string()),
    }
}

/// `rel/file`, or `file` at the root.
pub(super) fn join(rel: &str, file: &str) -> String {
    if rel.is_empty() {
        file.to_string()
    } else {
        format!("{rel}/{file}")
    }
}

pub(super) fn read_manifest(
    service: &Service,
    dir: &Path,
    rel: &str,
) -> Result<toml::Table, DetectError> {
    let path = dir.join(join(rel, "Cargo.toml"));
    let text = std::fs::read_to_string(&path).map_err(|source| DetectError::Io {
        service: service.name.clone(),
        path,
        source,
    })?;
    text.parse().map_err(|e: toml::de::Error| {
        invalid(
            service,
            format!(
                "{} is not valid TOML: {}",
                join(rel, "Cargo.toml"),
                e.message()
            ),
            "fix the manifest; `cargo metadata` shows where",
        )
    })
}

/// One package of the build: the root crate or a workspace member.
pub(super) struct Crate {
    /// Directory relative to the service directory; empty for the root.
    pub(super) rel: String,
    pub(super) name: String,
    /// (binary name, source file relative to the crate).
    pub(super) bins: Vec<(String, String)>,
    pub(super) mains: Vec<String>,
    pub(super) libs: Vec<String>,
}

pub(super) fn str_at<'a>(table: &'a toml::Table, keys: &[&str]) -> Option<&'a str> {
    let (last, path) = keys.split_last()?;
    let mut table = table;
    for key in path {
        table = table.get(*key)?.as_table()?;
    }
    table.get(*last)?.as_str()
}

/// The package's targets, as cargo would find them, and the sources each needs.
pub(super) fn read_crate(dir: &Path, rel: &str, manifest: &toml::Table, fallback: &str) -> Crate {
    let root = dir.join(rel);
    let exists = |file: &str| root.join(file).is_file();
    let package = manifest.get("package").and_then(|p| p.as_table());
    let name = str_at(manifest, &["package", "name"])
        .unwrap_or(fallback)
        .to_string();
    let auto = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(toml::Value::as_bool)
            .unwrap_or(true)
    };
    let declared = |kind: &str| -> Vec<(String, Option<String>)> {
        manifest
            .get(kind)
            .and_then(|v| v.as_array())
            .map(|targets| {
                targets
                    .iter()
                    .filter_map(|t| {
                        let t = t.as_table()?;
                        Some((
                            t.get("name")?.as_str()?.to_string(),
                            t.get("path").and_then(|p| p.as_str()).map(str::to_string),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    // Binaries: [[bin]] entries (path inferred from the name as cargo does), then the
    // ones cargo discovers unless `autobins = false`.
    let mut bins: Vec<(String, String)> = declared("bin")
        .into_iter()
        .map(|(bin, path)| {
            let path = path.unwrap_or_else(|| {
                [
                    format!("src/bin/{bin}.rs"),
                    format!("src/bin/{bin}/main.rs"),
                ]
                .into_iter()
                .find(|p| exists(p))
                .unwrap_or_else(|| "src/main.rs".to_string())
            });
            (bin, path)
        })
        .collect();
    if auto("autobins") {
        let mut found = Vec::new();
        if exists("src/main.rs") {
            found.push((name.clone(), "src/main.rs".to_string()));
        }
        if let Ok(entries) = std::fs::read_dir(root.join("src/bin")) {
            for entry in entries.filter_map(Result::ok) {
                let file = entry.file_name().to_string_lossy().to_string();
                if let Some(stem) = file.strip_suffix(".rs") {
                    found.push((stem.to_string(), format!("src/bin/{file}")));
                } else if entry.path().join("main.rs").is_file() {
                    found.push((file.clone(), format!("src/bin/{file}/main.rs")));
                }
            }
        }
        for (bin, path) in found {
            if !bins.iter().any(|(n, p)| *n == bin || *p == path) {
                bins.push((bin, path));
            }
        }
    }
    bins.sort();
    let mut mains: BTreeSet<String> = bins.iter().map(|(_, p)| p.clone()).collect();
    for (kind, folder) in [
        ("example", "examples"),
        ("test", "tests"),
        ("bench", "benches"),
    ] {
        for (target, path) in declared(kind) {
            mains.insert(path.unwrap_or_else(|| {
                let nested = format!("{folder}/{target}/main.rs");
                if exists(&nested) {
                    nested
                } else {
                    format!("{folder}/{target}.rs")
                }
            }));
        }
    }
    match package.and_then(|p| p.get("build")) {
        Some(toml::Value::String(script)) => {
            mains.insert(script.clone());
        }
        Some(toml::Value::Boolean(false)) => {}
        _ => {
            mains.insert("build.rs".to_string());
        }
    }
    let lib = str_at(manifest, &["lib", "path"]).unwrap_or("src/lib.rs");
    // Only files the project has: a placeholder with no real file to replace it would be
    // what the final build compiles.
    let present = |files: Vec<String>| -> Vec<String> {
        files
            .into_iter()
            .filter(|f| exists(f))
            .map(|f| join(rel, &f))
            .collect()
    };
    Crate {
        rel: rel.to_string(),
        name,
        bins,
        mains: present(mains.into_iter().collect()),
        libs: present(vec![lib.to_string()]),
    }
}

/// The directories of `[workspace] members` (a trailing `/*` is expanded) minus `exclude`.
pub(super) fn workspace_members(dir: &Path, workspace: &toml::Table) -> Vec<String> {
    let strings = |key: &str| -> Vec<String> {
        workspace
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .map(|s| s.trim_end_matches('/').to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let exclude = strings("exclude");
    let mut members = BTreeSet::new();
    for pattern in strings("members") {
        if let Some(parent) = pattern.strip_suffix("/*") {
            if let Ok(entries) = std::fs::read_dir(dir.join(parent)) {
                for entry in entries.filter_map(Result::ok) {
                    if entry.path().join("Cargo.toml").is_file() {
                        members.insert(format!("{parent}/{}", entry.file_name().to_string_lossy()));
                    }
                }
            }
        } else if dir.join(&pattern).join("Cargo.toml").is_file() && pattern != "." {
            members.insert(pattern);
        }
    }
    members.retain(|m| !exclude.contains(m));
    members.into_iter().collect()
}

/// Every binary target of the crate or workspace at `dir`, sorted by package (`stack init`
/// makes a service of each). Unreadable manifests give none: detection reports them.
pub(crate) fn binaries(dir: &Path) -> Vec<String> {
    let parse = |rel: &str| {
        std::fs::read_to_string(dir.join(join(rel, "Cargo.toml")))
            .ok()?
            .parse::<toml::Table>()
            .ok()
    };
    let Some(root) = parse("") else {
        return Vec::new();
    };
    let mut crates = Vec::new();
    if root.contains_key("package") {
        crates.push(read_crate(dir, "", &root, "app"));
    }
    let members = root
        .get("workspace")
        .and_then(|w| w.as_table())
        .map(|w| workspace_members(dir, w))
        .unwrap_or_default();
    for member in &members {
        if let Some(manifest) = parse(member) {
            crates.push(read_crate(dir, member, &manifest, member));
        }
    }
    crates
        .into_iter()
        .flat_map(|c| c.bins.into_iter().map(|(bin, _)| bin))
        .collect()
}

/// The binary to build: the only one, else the one named like the service, the program its
/// `command:` runs, or the package.
pub(super) fn choose_binary<'a>(
    service: &Service,
    crates: &'a [Crate],
    workspace: bool,
) -> Result<(&'a Crate, &'a str), DetectError> {
    let all: Vec<(&Crate, &str)> = crates
        .iter()
        .flat_map(|c| c.bins.iter().map(move |(bin, _)| (c, bin.as_str())))
        .collect();
    let program = service
        .command
        .as_ref()
        .and_then(|argv| argv.first())
        .map(|p| p.rsplit('/').next().unwrap_or(p));
    let root_package = crates
        .first()
        .filter(|c| c.rel.is_empty())
        .map(|c| c.name.as_str());
    if let [only] = all.as_slice() {
        return Ok(*only);
    }
    let named = |wanted: Option<&str>| all.iter().find(|(_, bin)| Some(*bin) == wanted).copied();
    // A member named like the service, when it has a single binary.
    let member = || {
        crates
            .iter()
            .find(|c| c.name == service.name && c.bins.len() == 1)
            .map(|c| (c, c.bins[0].0.as_str()))
    };
    if let Some(found) = named(Some(&service.name))
        .or_else(|| named(program))
        .or_else(member)
        .or_else(|| named(root_package))
    {
        return Ok(found);
    }
    let described: Vec<String> = all
        .iter()
        .map(|(c, bin)| {
            if workspace && !c.rel.is_empty() {
                format!("{bin} ({})", c.rel)
            } else {
                bin.to_string()
            }
        })
        .collect();
    let what = if workspace {
        "the workspace".to_string()
    } else {
        format!("crate `{}`", root_package.unwrap_or(&service.name))
    };
    Err(if described.is_empty() {
        invalid(
            service,
            format!("{what} has no binary (no src/main.rs, src/bin/ or [[bin]])"),
            "a service needs a binary target: add src/main.rs",
        )
    } else {
        DetectError::Invalid {
            service: service.name.clone(),
            message: format!("{what} has several binaries: {}", described.join(", ")),
            hint: Some(format!(
                "name the service after the binary to run, or set `command: [\"/usr/local/bin/{}\"]` on it",
                all[0].1
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::read_crate;

    #[test]
    fn targets_are_found_as_cargo_finds_them() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for file in [
            "src/main.rs",
            "src/lib.rs",
            "src/bin/tool.rs",
            "src/bin/admin/main.rs",
            "build.rs",
            "benches/speed.rs",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, "fn main() {}\n").expect("write");
        }
        let manifest: toml::Table =
            "[package]\nname = \"svc\"\n\n[[bench]]\nname = \"speed\"\nharness = false\n"
                .parse()
                .expect("valid TOML");
        let found = read_crate(dir.path(), "", &manifest, "fallback");
        let bins: Vec<&str> = found.bins.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(bins, ["admin", "svc", "tool"]);
        assert_eq!(
            found.mains,
            [
                "benches/speed.rs",
                "build.rs",
                "src/bin/admin/main.rs",
                "src/bin/tool.rs",
                "src/main.rs"
            ]
        );
        assert_eq!(found.libs, ["src/lib.rs"]);
    }
}
