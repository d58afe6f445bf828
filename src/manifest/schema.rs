//! The JSON Schema (draft-07) of stack.yaml, generated from the raw model for editors.
//!
//! Raw fields are read as loose YAML values so that validation can report every problem at
//! once; the types here tell the schema what each field really accepts.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::detect::language::{Framework, Language};
use crate::manifest::raw::{RawManifest, RawService};
use crate::manifest::section::Section;

/// The pattern of a service name: a DNS label, so services resolve each other by name.
pub(crate) const SERVICE_NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";

/// The pattern of a project name, as Docker Compose accepts it.
pub(crate) const PROJECT_NAME_PATTERN: &str = "^[a-z0-9][a-z0-9_-]*$";

/// The pattern of a profile name, as Docker Compose accepts it.
pub(crate) const PROFILE_NAME_PATTERN: &str = "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$";

/// The schema's `$id`: names this version of the manifest format. It is an identifier, not
/// an address to fetch: editors read the schema from the file the modeline names.
pub(crate) const SCHEMA_ID: &str = "urn:stack:schema:stack.yaml:v1";

/// Where `stack schema --write`, `init --write` and `new` put the schema, relative to the
/// directory holding stack.yaml, so editors find it offline.
pub(crate) const SCHEMA_FILE: &str = ".stack/schema.json";

/// The first line of a stack.yaml stack writes: yaml-language-server (VS Code's YAML
/// extension, Neovim, Helix…) reads the schema from the file it names, relative to the
/// manifest.
pub(crate) const MODELINE: &str = "# yaml-language-server: $schema=.stack/schema.json";

/// The schema as pretty JSON, ending with a newline (the form committed as stack.schema.json).
pub(crate) fn schema_json() -> String {
    let generator = SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<RawManifest>();
    schema.insert("$id".to_string(), SCHEMA_ID.into());
    let mut text = serde_json::to_string_pretty(&schema)
        .expect("a schema built from serde_json values always serialises");
    text.push('\n');
    text
}

/// A string using `${VAR}` interpolation, accepted where a number or boolean belongs.
fn interpolated() -> Schema {
    json_schema!({
        "type": "string",
        "pattern": "\\$\\{",
    })
}

/// A string, or a list of strings.
fn one_or_many() -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "string" },
            { "type": "array", "items": { "type": "string" } },
        ]
    })
}

/// `JsonSchema` for a wrapper `W<T>` that YAML writes exactly like its `T`.
macro_rules! schema_of_inner {
    ($wrapper:ident) => {
        impl<T: schemars::JsonSchema> schemars::JsonSchema for $wrapper<T> {
            fn inline_schema() -> bool {
                T::inline_schema()
            }

            fn schema_name() -> std::borrow::Cow<'static, str> {
                T::schema_name()
            }

            fn schema_id() -> std::borrow::Cow<'static, str> {
                T::schema_id()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                T::json_schema(generator)
            }
        }
    };
}
pub(crate) use schema_of_inner;

/// Declares a type that exists only to give a loose raw field its schema.
macro_rules! field_schema {
    ($(#[$doc:meta])* $name:ident, $generator:ident => $body:expr) => {
        $(#[$doc])*
        pub(crate) struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema($generator: &mut SchemaGenerator) -> Schema {
                $body
            }
        }
    };
}

field_schema!(
    /// `name:` of the project.
    ProjectName, _generator => json_schema!({
        "type": "string",
        "pattern": PROJECT_NAME_PATTERN,
    })
);

field_schema!(
    /// One name in a service's `profiles:`.
    ProfileName, _generator => json_schema!({
        "type": "string",
        "pattern": PROFILE_NAME_PATTERN,
    })
);

field_schema!(
    /// `services:`, keyed by DNS-label names.
    Services, generator => {
        let service = generator.subschema_for::<Section<RawService>>();
        json_schema!({
            "type": "object",
            "propertyNames": { "pattern": SERVICE_NAME_PATTERN },
            "additionalProperties": service,
        })
    }
);

field_schema!(
    /// The name of another service.
    ServiceName, _generator => json_schema!({
        "type": "string",
        "pattern": SERVICE_NAME_PATTERN,
    })
);

field_schema!(
    /// A TCP port, or a string to interpolate into one.
    Port, _generator => json_schema!({
        "anyOf": [
            { "type": "integer", "minimum": 1, "maximum": 65535 },
            interpolated(),
        ]
    })
);

field_schema!(
    /// `true` or `false`.
    BoolField, _generator => json_schema!({
        "anyOf": [{ "type": "boolean" }, interpolated()]
    })
);

field_schema!(
    /// `true`, or a name.
    NameOrTrue, _generator => json_schema!({
        "anyOf": [{ "const": true }, { "type": "string", "minLength": 1 }]
    })
);

field_schema!(
    /// A list of strings.
    StringList, _generator => json_schema!({
        "type": "array",
        "items": { "type": "string" },
    })
);

field_schema!(
    /// `KEY: value` pairs whose values may be written as numbers or booleans.
    StringMap, _generator => json_schema!({
        "type": "object",
        "additionalProperties": { "type": ["string", "number", "boolean"] },
    })
);

field_schema!(
    /// `env:` as a mapping or a list of `KEY=value` strings.
    EnvMap, _generator => json_schema!({
        "anyOf": [
            {
                "type": "object",
                "additionalProperties": { "type": ["string", "number", "boolean", "null"] },
            },
            { "type": "array", "items": { "type": "string" } },
        ]
    })
);

field_schema!(
    /// One env file or several.
    EnvFiles, _generator => one_or_many()
);

field_schema!(
    /// A command line: one string split like a shell would, or the argument list.
    CommandLine, _generator => one_or_many()
);

field_schema!(
    /// A version pin; numbers are taken as written.
    Version, _generator => json_schema!({
        "type": ["string", "number"],
    })
);

field_schema!(
    /// One of the languages stack builds.
    LanguageName, _generator => {
        let names: Vec<&str> = Language::ALL.iter().map(|language| language.name()).collect();
        json_schema!({ "type": "string", "enum": names })
    }
);

field_schema!(
    /// One of the frameworks stack knows how to start.
    FrameworkName, _generator => {
        let names: Vec<&str> = Framework::ALL.iter().map(|framework| framework.name()).collect();
        json_schema!({ "type": "string", "enum": names })
    }
);

field_schema!(
    /// What a `watch:` rule does.
    WatchActionName, _generator => {
        let names: Vec<&str> = crate::manifest::watch::WatchAction::ALL
            .iter()
            .map(|action| action.name())
            .collect();
        json_schema!({ "type": "string", "enum": names })
    }
);

field_schema!(
    /// A Debian release the generated Dockerfiles build on.
    DebianRelease, _generator => {
        let names: Vec<&str> = crate::manifest::service::DEBIAN_RELEASES.to_vec();
        json_schema!({ "type": "string", "enum": names })
    }
);

field_schema!(
    /// `source:target` or `source:target:ro` mounts.
    VolumeList, _generator => json_schema!({
        "type": "array",
        "items": { "type": "string", "pattern": "^[^:]+:/[^:]*(:(ro|rw))?$" },
    })
);

field_schema!(
    /// An absolute URL path.
    HttpPath, _generator => json_schema!({
        "type": "string",
        "pattern": "^/",
    })
);

field_schema!(
    /// `30s`, `500ms`, `2m`, or a number of seconds.
    Duration, _generator => json_schema!({
        "anyOf": [
            { "type": "string", "pattern": "^\\s*\\d" },
            { "type": "number", "minimum": 0 },
        ]
    })
);

field_schema!(
    /// Gateway routes: path prefix to service name.
    Routes, _generator => json_schema!({
        "type": "object",
        "propertyNames": { "pattern": "^/" },
        "additionalProperties": { "type": "string", "pattern": SERVICE_NAME_PATTERN },
    })
);

#[cfg(test)]
mod tests {
    use super::schema_json;

    #[test]
    fn the_schema_is_draft_07_and_documents_fields() {
        let schema: serde_json::Value =
            serde_json::from_str(&schema_json()).expect("the schema is JSON");
        assert_eq!(
            schema["$schema"], "http://json-schema.org/draft-07/schema#",
            "{schema:#}"
        );
        let service = &schema["definitions"]["Service"];
        assert_eq!(service["additionalProperties"], false);
        let port = service["properties"]["port"]["description"]
            .as_str()
            .expect("port is documented");
        assert!(port.starts_with("The port the app listens on"), "{port}");
    }
}
