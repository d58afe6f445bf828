//! Several manifest files as one (`-f a.yaml -f b.yaml`, stack.override.yaml): each later
//! file is laid over the merge of those before it, field by field, as Compose does.
//!
//! - Scalars replace: `name`, `port`, `host_port`, `host_ip`, `task`, `command`,
//!   `version`, `language`, `framework`, `profiles`, `build.debian`, the gateway's `port`
//!   and `image`. A later `path` or `image` replaces both: an override can swap a built
//!   service for an image.
//! - Mappings merge by key, the later value winning: `services`, `env` (also written as a
//!   `KEY=value` list), `build.args`, `gateway.routes`, and the sections `health`, `build`
//!   and `gateway`. In `health`, a later check of any kind replaces the earlier one.
//! - Lists append: `env_file` (later files win per variable), `depends_on`, `watch`,
//!   `build.build_packages`, `build.system_packages` and `ca_certificates` (without
//!   repeats); `volumes` merge by container path, a later mount replacing the earlier one.
//!
//! Every value keeps its position, so a problem names the file it came from.

use std::collections::HashMap;

use crate::manifest::list::List;
use crate::manifest::located::Located;
use crate::manifest::raw::{RawBuild, RawGateway, RawHealth, RawManifest, RawService};
use crate::manifest::section::Section;
use crate::manifest::table::Table;
use crate::manifest::value::Value;

type Field = Option<Located<Value>>;

/// Lays `later` over `base`.
pub(crate) fn merge(
    base: &mut Located<Section<RawManifest>>,
    later: Located<Section<RawManifest>>,
) {
    merge_section(base, later, |base: &mut RawManifest, later: RawManifest| {
        replace(&mut base.name, later.name);
        merge_services(&mut base.services, later.services);
        merge_optional_section(&mut base.gateway, later.gateway, merge_gateway);
        append(&mut base.ca_certificates, later.ca_certificates, true);
    });
}

/// Destructures `later` so that a new field of `RawService` stops the compiler here: each
/// field must say how it merges.
fn merge_service(base: &mut RawService, later: RawService) {
    let RawService {
        path,
        image,
        port,
        host_port,
        host_ip,
        env,
        env_file,
        depends_on,
        health,
        task,
        command,
        version,
        language,
        framework,
        build,
        volumes,
        profiles,
        watch,
    } = later;
    if path.is_some() || image.is_some() {
        base.path = path;
        base.image = image;
    }
    replace(&mut base.port, port);
    replace(&mut base.host_port, host_port);
    replace(&mut base.host_ip, host_ip);
    merge_map(&mut base.env, env, true);
    append(&mut base.env_file, env_file, false);
    append(&mut base.depends_on, depends_on, true);
    merge_optional_section(&mut base.health, health, merge_health);
    replace(&mut base.task, task);
    replace(&mut base.command, command);
    replace(&mut base.version, version);
    replace(&mut base.language, language);
    replace(&mut base.framework, framework);
    merge_optional_section(&mut base.build, build, merge_build);
    merge_volumes(&mut base.volumes, volumes);
    replace(&mut base.profiles, profiles);
    append_rules(&mut base.watch, watch);
}

/// `watch` rules append: a later file adds rules (the most specific path decides which
/// applies, whatever the file). Anything but a list replaces, for validation to report.
fn append_rules<T>(base: &mut Option<Located<List<T>>>, later: Option<Located<List<T>>>) {
    let Some(later) = later else { return };
    match (base.as_mut(), later.value) {
        (
            Some(Located {
                value: List::Items(items),
                ..
            }),
            List::Items(more),
        ) => items.extend(more),
        (_, other) => *base = Some(Located::new(other, later.pos)),
    }
}

/// Destructures `later` so that a new kind of check stops the compiler here: a later file
/// that names a check replaces the earlier one, whatever its kind.
fn merge_health(base: &mut RawHealth, later: RawHealth) {
    let RawHealth {
        http,
        tcp,
        cmd,
        grpc,
        postgres,
        redis,
        amqp,
        mysql,
        kafka,
        timeout,
        interval,
    } = later;
    let checks = [http, tcp, cmd, grpc, postgres, redis, amqp, mysql, kafka];
    if checks.iter().any(Option::is_some) {
        [
            base.http,
            base.tcp,
            base.cmd,
            base.grpc,
            base.postgres,
            base.redis,
            base.amqp,
            base.mysql,
            base.kafka,
        ] = checks;
    }
    replace(&mut base.timeout, timeout);
    replace(&mut base.interval, interval);
}

fn merge_build(base: &mut RawBuild, later: RawBuild) {
    append(&mut base.build_packages, later.build_packages, true);
    append(&mut base.system_packages, later.system_packages, true);
    merge_map(&mut base.args, later.args, true);
    replace(&mut base.debian, later.debian);
}

fn merge_gateway(base: &mut RawGateway, later: RawGateway) {
    replace(&mut base.port, later.port);
    merge_map(&mut base.routes, later.routes, false);
    replace(&mut base.image, later.image);
}

fn replace(base: &mut Field, later: Field) {
    if later.is_some() {
        *base = later;
    }
}

/// Merges two mapping sections field by field; anything else is replaced, and validation
/// reports the later one's shape.
fn merge_section<T>(
    base: &mut Located<Section<T>>,
    later: Located<Section<T>>,
    fields: impl FnOnce(&mut T, T),
) {
    match (&mut base.value, later.value) {
        (
            Section::Fields { value, unknown, .. },
            Section::Fields {
                value: later_value,
                unknown: later_unknown,
                ..
            },
        ) => {
            fields(value, later_value);
            unknown.extend(later_unknown);
        }
        (_, other) => *base = Located::new(other, later.pos),
    }
}

fn merge_optional_section<T>(
    base: &mut Option<Located<Section<T>>>,
    later: Option<Located<Section<T>>>,
    fields: impl FnOnce(&mut T, T),
) {
    match (base.as_mut(), later) {
        (_, None) => {}
        (Some(base), Some(later)) => merge_section(base, later, fields),
        (None, later) => *base = later,
    }
}

fn merge_services(
    base: &mut Option<Located<Table<Section<RawService>>>>,
    later: Option<Located<Table<Section<RawService>>>>,
) {
    let (Some(base_table), Some(later_table)) = (base.as_mut(), later.as_ref()) else {
        if later.is_some() {
            *base = later;
        }
        return;
    };
    if !matches!(
        (&base_table.value, &later_table.value),
        (Table::Entries(_), Table::Entries(_))
    ) {
        *base = later;
        return;
    }
    let (
        Table::Entries(entries),
        Some(Located {
            value: Table::Entries(later_entries),
            ..
        }),
    ) = (&mut base_table.value, later)
    else {
        return;
    };
    merge_keyed(
        entries,
        later_entries,
        |(key, _)| key_text(key),
        |base, (_, later)| merge_section(&mut base.1, later, merge_service),
    );
}

/// Lays `later`'s items over `merged`'s: an item whose `key` matches an earlier one is
/// combined into it where it is, others are appended. Linear in both lists.
fn merge_keyed<T>(
    merged: &mut Vec<T>,
    later: Vec<T>,
    key: impl Fn(&T) -> Option<String>,
    mut combine: impl FnMut(&mut T, T),
) {
    let mut index: HashMap<String, usize> = merged
        .iter()
        .enumerate()
        .filter_map(|(i, item)| Some((key(item)?, i)))
        .collect();
    for item in later {
        match key(&item).and_then(|k| index.get(&k).copied()) {
            Some(at) => combine(&mut merged[at], item),
            None => {
                if let Some(k) = key(&item) {
                    index.insert(k, merged.len());
                }
                merged.push(item);
            }
        }
    }
}

/// A key as text, for matching keys across files.
fn key_text(key: &Located<Value>) -> Option<String> {
    match &key.value {
        Value::Text(text) | Value::Literal(text) => Some(text.clone()),
        Value::Null | Value::List(_) | Value::Map(_) => None,
    }
}

/// A mapping's entries; with `pairs`, a list of `KEY=value` strings counts as one.
fn entries(value: &Located<Value>, pairs: bool) -> Option<Vec<(Located<Value>, Located<Value>)>> {
    match &value.value {
        Value::Map(entries) => Some(entries.clone()),
        Value::Null => Some(Vec::new()),
        Value::List(items) if pairs => items
            .iter()
            .map(|item| {
                let Value::Text(text) = &item.value else {
                    return None;
                };
                let (key, val) = match text.split_once('=') {
                    Some((key, val)) => (key, Value::Text(val.to_string())),
                    None => (text.as_str(), Value::Null),
                };
                Some((
                    Located::new(Value::Text(key.to_string()), item.pos),
                    Located::new(val, item.pos),
                ))
            })
            .collect(),
        Value::Text(_) | Value::Literal(_) | Value::List(_) => None,
    }
}

fn merge_map(base: &mut Field, later: Field, pairs: bool) {
    let (Some(base_value), Some(later_value)) = (base.as_ref(), later.as_ref()) else {
        replace(base, later);
        return;
    };
    let (Some(mut merged), Some(later_entries)) =
        (entries(base_value, pairs), entries(later_value, pairs))
    else {
        replace(base, later);
        return;
    };
    merge_keyed(
        &mut merged,
        later_entries,
        |(key, _)| key_text(key),
        |base, later| *base = later,
    );
    let pos = base_value.pos;
    *base = Some(Located::new(Value::Map(merged), pos));
}

/// A list's items; a single scalar is a list of one.
fn items(value: &Located<Value>) -> Option<Vec<Located<Value>>> {
    match &value.value {
        Value::List(items) => Some(items.clone()),
        Value::Null => Some(Vec::new()),
        Value::Text(_) | Value::Literal(_) => Some(vec![value.clone()]),
        Value::Map(_) => None,
    }
}

/// Lays the list `later` over the list `base` with `combine`; anything but two lists (or
/// scalars, lists of one) is replaced.
fn merge_lists(
    base: &mut Field,
    later: Field,
    combine: impl FnOnce(&mut Vec<Located<Value>>, Vec<Located<Value>>),
) {
    let (Some(base_value), Some(later_value)) = (base.as_ref(), later.as_ref()) else {
        replace(base, later);
        return;
    };
    let (Some(mut merged), Some(later_items)) = (items(base_value), items(later_value)) else {
        replace(base, later);
        return;
    };
    combine(&mut merged, later_items);
    let pos = base_value.pos;
    *base = Some(Located::new(Value::List(merged), pos));
}

/// Appends `later`'s items; with `unique`, an item already there is not repeated.
fn append(base: &mut Field, later: Field, unique: bool) {
    merge_lists(base, later, |merged, later| {
        if unique {
            merge_keyed(merged, later, key_text, |_, _| {});
        } else {
            merged.extend(later);
        }
    });
}

/// `volumes`: by container path, the later mount replacing the earlier one in place.
fn merge_volumes(base: &mut Field, later: Field) {
    let target = |item: &Located<Value>| {
        key_text(item).and_then(|text| text.split(':').nth(1).map(str::to_string))
    };
    merge_lists(base, later, |merged, later| {
        merge_keyed(merged, later, target, |base, later| *base = later);
    });
}

#[cfg(test)]
mod tests {
    use super::merge;
    use crate::manifest::located::Located;
    use crate::manifest::raw::RawManifest;
    use crate::manifest::section::Section;
    use crate::manifest::table::Table;
    use crate::manifest::value::Value;
    use crate::manifest::yaml::parse;

    fn merged(files: &[&str]) -> RawManifest {
        let mut parsed = files
            .iter()
            .enumerate()
            .map(|(i, text)| parse::<Located<Section<RawManifest>>>(i, text).expect("yaml"));
        let mut base = parsed.next().expect("one file");
        for later in parsed {
            merge(&mut base, later);
        }
        let Section::Fields { value, .. } = base.value else {
            panic!("a mapping");
        };
        value
    }

    fn texts(value: &Value) -> Vec<String> {
        match value {
            Value::List(items) => items.iter().flat_map(|i| texts(&i.value)).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| format!("{}={}", texts(&k.value).join(""), texts(&v.value).join("")))
                .collect(),
            Value::Text(t) | Value::Literal(t) => vec![t.clone()],
            Value::Null => vec![],
        }
    }

    #[test]
    fn later_files_replace_scalars_merge_maps_and_append_lists() {
        let raw = merged(&[
            "name: one\nservices:\n  api:\n    path: ./api\n    port: 80\n    env: [A=1, B=2]\n    depends_on: [db]\n    volumes: [\"data:/d\", \"./x:/x\"]\n    health: { cmd: \"true\", timeout: 5s }\n  db: { image: postgres:16, health: { cmd: pg_isready } }\n",
            "name: two\nservices:\n  api:\n    image: api:prebuilt\n    env: { B: three, C: 4 }\n    depends_on: [db, cache]\n    volumes: [\"./y:/x\"]\n    health: { http: /healthz }\n  cache: { image: redis:7 }\n  db: { health: { postgres: app } }\n",
        ]);
        let name = raw.name.expect("name");
        assert_eq!(
            (texts(&name.value), name.pos.file),
            (vec!["two".to_string()], 1)
        );
        let Some(Located {
            value: Table::Entries(services),
            ..
        }) = raw.services
        else {
            panic!("services");
        };
        let names: Vec<String> = services.iter().flat_map(|(k, _)| texts(&k.value)).collect();
        assert_eq!(names, ["api", "db", "cache"]);
        let Section::Fields { value: api, .. } = &services[0].1.value else {
            panic!("api is a mapping");
        };
        assert!(api.path.is_none(), "a later image replaces the path");
        let env = api.env.as_ref().expect("env");
        assert_eq!(texts(&env.value), ["A=1", "B=three", "C=4"]);
        assert_eq!(
            texts(&api.depends_on.as_ref().expect("deps").value),
            ["db", "cache"]
        );
        let volumes = api.volumes.as_ref().expect("volumes");
        assert_eq!(texts(&volumes.value), ["data:/d", "./y:/x"]);
        let Some(Located {
            value: Section::Fields { value: health, .. },
            ..
        }) = &api.health
        else {
            panic!("health");
        };
        assert!(
            health.cmd.is_none() && health.http.is_some(),
            "one check, the later"
        );
        assert_eq!(health.timeout.as_ref().map(|t| t.pos.file), Some(0));
        // A protocol check replaces a command, as any later check replaces the earlier.
        let Section::Fields { value: db, .. } = &services[1].1.value else {
            panic!("db is a mapping");
        };
        let Some(Located {
            value: Section::Fields { value: health, .. },
            ..
        }) = &db.health
        else {
            panic!("health");
        };
        assert!(health.cmd.is_none() && health.postgres.is_some());
    }
}
