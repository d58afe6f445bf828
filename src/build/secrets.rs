//! Secret files kept out of generated build contexts (`templates/secrets.dockerignore.j2`):
//! private keys, registry and cloud tokens, `.env` files. A `.pem` the service refers to
//! (a CA bundle it reads) is kept.

use std::path::{Path, PathBuf};

use crate::build::dockerignore::DockerIgnore;
use crate::build::template;
use crate::manifest::service::Service;

/// The template that lists the rules; the generated `.dockerignore` includes it too.
const TEMPLATE: &str = "secrets.dockerignore.j2";

/// The secret-file rules, in `.dockerignore` syntax.
pub(crate) fn rules() -> DockerIgnore {
    let text = template::render(TEMPLATE, minijinja::Value::UNDEFINED)
        .expect("the secret rules render: they have no variables");
    DockerIgnore::parse(&text).expect("the secret rules are valid patterns: tested")
}

/// The `.pem` files of `dir` that the service refers to, so they stay in its context: a
/// `ca_certificates` entry inside the directory, or a path named by a value of its `env`
/// or a word of its `command` (as `certs/ca.pem`, `./certs/ca.pem` or `/app/certs/ca.pem`,
/// the service directory's place in generated images).
pub(crate) fn referenced(
    service: &Service,
    dir: &Path,
    ca_certificates: &[PathBuf],
) -> Vec<String> {
    let from_manifest = ca_certificates
        .iter()
        .filter_map(|path| path.strip_prefix(dir).ok())
        .map(|relative| relative.to_string_lossy().to_string());
    let words = service
        .env
        .values()
        .chain(service.command.iter().flatten())
        .flat_map(|value| value.split([' ', ':', ',', '=']))
        .map(|word| {
            word.trim_start_matches("/app/")
                .trim_start_matches("./")
                .to_string()
        });
    let mut kept: Vec<String> = from_manifest
        .chain(words)
        .filter(|path| path.ends_with(".pem") && dir.join(path).is_file())
        .collect();
    kept.sort();
    kept.dedup();
    kept
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{referenced, rules};
    use crate::manifest::service::Service;

    #[test]
    fn secrets_are_excluded_at_any_depth_and_ordinary_files_are_not() {
        let rules = rules();
        for secret in [
            ".env",
            ".env.production",
            "config/.env.local",
            ".envs/.production/.django",
            ".ssh/id_ed25519",
            "deploy/id_ed25519",
            "deploy/id_ed25519.pub",
            "keys/id_rsa",
            "keys/id_ecdsa",
            "tls/server.key",
            "tls/server.pem",
            "client.p12",
            "certs/client.pfx",
            "src/main/resources/keystore.jks",
            ".npmrc",
            "web/.npmrc",
            ".pypirc",
            ".netrc",
            ".aws/credentials",
            "ops/.aws/config",
            "credentials.json",
            "gcp/credentials-prod.json",
            "client_secret_1234.json",
            ".git-credentials",
            ".docker/config.json",
        ] {
            assert!(rules.is_excluded(secret), "{secret} is a secret");
        }
        for ordinary in [
            "app.py",
            "environment.py",
            "src/env/settings.py",
            "keyboard.js",
            "certs/ca.crt",
            "package.json",
            ".yarnrc.yml",
            "credentials.py",
            "docs/ssh.md",
        ] {
            assert!(!rules.is_excluded(ordinary), "{ordinary} is not a secret");
        }
    }

    #[test]
    fn a_pem_the_service_names_is_referenced() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        for file in ["certs/corp-ca.pem", "certs/other.pem", "tls/server.pem"] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, "-----BEGIN CERTIFICATE-----\n").expect("write");
        }
        let mut service = Service::built_from("api", dir.path());
        service.env = BTreeMap::from([(
            "SSL_CERT_FILE".to_string(),
            "/app/certs/corp-ca.pem".to_string(),
        )]);
        service.command = Some(vec![
            "gunicorn".to_string(),
            "--certfile=tls/server.pem".to_string(),
        ]);
        let manifest_ca = [dir.path().join("certs/other.pem")];
        assert_eq!(
            referenced(&service, dir.path(), &manifest_ca),
            ["certs/corp-ca.pem", "certs/other.pem", "tls/server.pem"]
        );
        assert!(referenced(&Service::built_from("api", dir.path()), dir.path(), &[]).is_empty());
    }
}
