//! Recipes for backing services: what a well-known image needs to run and to be checked in
//! its own protocol. An image service with no check written gets its recipe's check (and
//! its port, which the check goes through); `stack new service --recipe` and `stack init`
//! write whole entries from the same table: pinned image, port, environment, a named volume
//! for the data, the check.

use crate::manifest::health::{Check, Protocol};

/// One well-known server.
#[derive(Debug)]
pub(crate) struct Recipe {
    /// What `--recipe` takes.
    pub(crate) name: &'static str,
    /// What it is, in listings.
    pub(crate) title: &'static str,
    /// The image `stack new` writes, and the tag it pins (`--version` replaces the tag).
    pub(crate) repository: &'static str,
    pub(crate) tag: &'static str,
    /// Image names (a repository's last part) that run this server.
    pub(crate) images: &'static [&'static str],
    /// The port the server listens on in the container.
    pub(crate) port: u16,
    /// A development environment; `{name}` is the service's name.
    pub(crate) env: &'static [(&'static str, &'static str)],
    /// A command in place of the image's, when its default is not reachable from outside.
    pub(crate) command: Option<&'static [&'static str]>,
    /// Where the image keeps its data; `stack new` mounts a named volume there.
    data: Option<&'static str>,
    check: Kind,
    /// How other services reach it; `{name}` is the service's name.
    pub(crate) url: &'static str,
}

/// The check a recipe gets, before the service's environment is known.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Postgres,
    Mysql,
    Redis,
    Amqp,
    Kafka,
    Tcp,
    /// Any HTTP answer on `/`: a web server whose routes are the user's.
    Http,
}

/// Every recipe, in the order `stack new` lists them.
pub(crate) const RECIPES: &[Recipe] = &[
    Recipe {
        name: "postgres",
        title: "PostgreSQL",
        repository: "postgres",
        tag: "17",
        images: &[
            "postgres",
            "postgis",
            "timescaledb",
            "timescaledb-ha",
            "pgvector",
            "postgresql",
        ],
        port: 5432,
        env: &[
            ("POSTGRES_USER", "app"),
            ("POSTGRES_PASSWORD", "app"),
            ("POSTGRES_DB", "app"),
        ],
        command: None,
        data: Some("/var/lib/postgresql/data"),
        check: Kind::Postgres,
        url: "postgres://app:app@{name}:5432/app",
    },
    Recipe {
        name: "mysql",
        title: "MySQL",
        repository: "mysql",
        tag: "8.4",
        images: &["mysql", "percona-server", "percona"],
        port: 3306,
        env: &[
            ("MYSQL_ROOT_PASSWORD", "root"),
            ("MYSQL_DATABASE", "app"),
            ("MYSQL_USER", "app"),
            ("MYSQL_PASSWORD", "app"),
        ],
        command: None,
        data: Some("/var/lib/mysql"),
        check: Kind::Mysql,
        url: "mysql://app:app@{name}:3306/app",
    },
    Recipe {
        name: "mariadb",
        title: "MariaDB",
        repository: "mariadb",
        tag: "11.8",
        images: &["mariadb"],
        port: 3306,
        env: &[
            ("MARIADB_ROOT_PASSWORD", "root"),
            ("MARIADB_DATABASE", "app"),
            ("MARIADB_USER", "app"),
            ("MARIADB_PASSWORD", "app"),
        ],
        command: None,
        data: Some("/var/lib/mysql"),
        check: Kind::Mysql,
        url: "mysql://app:app@{name}:3306/app",
    },
    Recipe {
        name: "redis",
        title: "Redis",
        repository: "redis",
        tag: "7",
        images: &["redis", "redis-stack-server", "valkey", "keydb"],
        port: 6379,
        env: &[],
        command: None,
        data: Some("/data"),
        check: Kind::Redis,
        url: "redis://{name}:6379",
    },
    Recipe {
        name: "rabbitmq",
        title: "RabbitMQ",
        repository: "rabbitmq",
        tag: "4.0",
        images: &["rabbitmq"],
        port: 5672,
        env: &[
            ("RABBITMQ_DEFAULT_USER", "app"),
            ("RABBITMQ_DEFAULT_PASS", "app"),
            // The node's name is its data's key: a fixed one keeps the data across a new
            // container (whose host name is new).
            ("RABBITMQ_NODENAME", "rabbit@localhost"),
        ],
        command: None,
        data: Some("/var/lib/rabbitmq"),
        check: Kind::Amqp,
        url: "amqp://app:app@{name}:5672/",
    },
    Recipe {
        name: "kafka",
        title: "Apache Kafka (KRaft, one node)",
        repository: "apache/kafka",
        tag: "3.9.0",
        images: &["kafka", "kafka-native", "cp-kafka", "redpanda"],
        port: 9092,
        env: &[
            ("KAFKA_NODE_ID", "1"),
            ("KAFKA_PROCESS_ROLES", "broker,controller"),
            ("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093"),
            ("KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://{name}:9092"),
            ("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER"),
            (
                "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            ),
            ("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093"),
            ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
            ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
            ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"),
            ("KAFKA_LOG_DIRS", "/var/lib/kafka/data"),
        ],
        command: None,
        data: Some("/var/lib/kafka/data"),
        check: Kind::Kafka,
        url: "{name}:9092",
    },
    Recipe {
        name: "mongo",
        title: "MongoDB",
        repository: "mongo",
        tag: "8",
        images: &["mongo", "mongodb-community-server", "mongodb"],
        port: 27017,
        env: &[
            ("MONGO_INITDB_ROOT_USERNAME", "app"),
            ("MONGO_INITDB_ROOT_PASSWORD", "app"),
        ],
        command: None,
        data: Some("/data/db"),
        // The official image initialises on 127.0.0.1 only, so a connection through the
        // published port is made only once the real server listens.
        check: Kind::Tcp,
        url: "mongodb://app:app@{name}:27017",
    },
    Recipe {
        name: "nginx",
        title: "nginx",
        repository: "nginx",
        tag: "1.27",
        images: &["nginx"],
        port: 80,
        env: &[],
        command: None,
        data: None,
        check: Kind::Http,
        url: "http://{name}:80",
    },
    Recipe {
        name: "mosquitto",
        title: "Eclipse Mosquitto (MQTT)",
        repository: "eclipse-mosquitto",
        tag: "2",
        images: &["eclipse-mosquitto", "mosquitto"],
        port: 1883,
        env: &[],
        // Mosquitto 2 listens on localhost only unless configured; the image ships this
        // file for development: port 1883 on every address, anonymous clients allowed.
        command: Some(&["mosquitto", "-c", "/mosquitto-no-auth.conf"]),
        data: Some("/mosquitto/data"),
        check: Kind::Tcp,
        url: "mqtt://{name}:1883",
    },
];

impl Recipe {
    /// The recipe called `name`.
    pub(crate) fn named(name: &str) -> Option<&'static Recipe> {
        RECIPES.iter().find(|recipe| recipe.name == name)
    }

    /// The recipe of the server an image runs, by the image's name: `postgres:16`,
    /// `docker.io/library/redis:7-alpine` and `bitnami/postgresql` have one; `nginx-proxy`
    /// has none.
    pub(crate) fn for_image(image: &str) -> Option<&'static Recipe> {
        let name = image_name(image);
        RECIPES.iter().find(|recipe| recipe.images.contains(&name))
    }

    /// The image with `tag`, or with the pinned one.
    pub(crate) fn image(&self, tag: Option<&str>) -> String {
        format!("{}:{}", self.repository, tag.unwrap_or(self.tag))
    }

    /// Where the data goes in the image with `tag`: PostgreSQL 18's image keeps it one
    /// level up, in a folder per major version.
    pub(crate) fn data(&self, tag: Option<&str>) -> Option<&'static str> {
        let major = tag
            .unwrap_or(self.tag)
            .split(['.', '-'])
            .next()
            .and_then(|major| major.parse::<u32>().ok());
        match (self.name, major) {
            ("postgres", Some(major)) if major >= 18 => Some("/var/lib/postgresql"),
            _ => self.data,
        }
    }

    /// The check, given the service's environment (`var` reads it): postgres names the
    /// user the image was told to create, so a probe that is let in leaves no error in
    /// the server's log.
    pub(crate) fn check(&self, var: impl Fn(&str) -> Option<String>) -> Check {
        match self.check {
            Kind::Postgres => Check::Protocol(Protocol::Postgres {
                user: postgres_user(var),
            }),
            Kind::Mysql => Check::Protocol(Protocol::Mysql),
            Kind::Redis => Check::Protocol(Protocol::Redis),
            Kind::Amqp => Check::Protocol(Protocol::Amqp),
            Kind::Kafka => Check::Protocol(Protocol::Kafka),
            Kind::Tcp => Check::Tcp,
            Kind::Http => Check::HttpAny {
                path: "/".to_string(),
            },
        }
    }

    /// `text` with `{name}` replaced by the service's name.
    pub(crate) fn fill(text: &str, service: &str) -> String {
        text.replace("{name}", service)
    }
}

/// The role a postgres check names: the one the image was told to create (the official
/// image's `POSTGRES_USER`, Bitnami's `POSTGRESQL_USERNAME`), else `postgres`.
pub(crate) fn postgres_user(var: impl Fn(&str) -> Option<String>) -> String {
    var("POSTGRES_USER")
        .or_else(|| var("POSTGRESQL_USERNAME"))
        .filter(|user| !user.is_empty())
        .unwrap_or_else(|| "postgres".to_string())
}

/// An image reference's name: the last part of its repository, without registry, tag or
/// digest (`registry:5000/team/redis:7@sha256:…` → `redis`).
fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let repository = without_digest
        .rsplit_once(':')
        .filter(|(_, tag)| !tag.contains('/'))
        .map_or(without_digest, |(repository, _)| repository);
    repository.rsplit('/').next().unwrap_or(repository)
}

#[cfg(test)]
mod tests {
    use super::{RECIPES, Recipe, image_name};
    use crate::manifest::health::{Check, Protocol};

    #[test]
    fn images_are_known_by_their_name_wherever_they_come_from() {
        assert_eq!(image_name("postgres:16"), "postgres");
        assert_eq!(image_name("docker.io/library/redis:7-alpine"), "redis");
        assert_eq!(image_name("localhost:5000/valkey/valkey"), "valkey");
        assert_eq!(image_name("bitnami/postgresql@sha256:abc"), "postgresql");
        let name = |image| Recipe::for_image(image).map(|recipe| recipe.name);
        assert_eq!(name("postgis/postgis:16-3.4"), Some("postgres"));
        assert_eq!(name("valkey/valkey:8"), Some("redis"));
        assert_eq!(name("confluentinc/cp-kafka:7.6.0"), Some("kafka"));
        assert_eq!(name("eclipse-mosquitto:2"), Some("mosquitto"));
        assert_eq!(name("nginx-proxy:1"), None);
        assert_eq!(name("prom/postgres-exporter"), None);
    }

    #[test]
    fn every_recipe_has_its_check_and_a_pinned_image() {
        for recipe in RECIPES {
            assert!(
                !recipe.tag.is_empty() && recipe.tag != "latest",
                "{recipe:?}"
            );
            assert!(
                recipe
                    .images
                    .contains(&recipe.repository.rsplit('/').next().unwrap_or_default()),
                "{recipe:?}"
            );
            assert_eq!(
                Recipe::for_image(&recipe.image(None)).map(|r| r.name),
                Some(recipe.name)
            );
            assert!(recipe.check(|_| None).needs_port(), "{recipe:?}");
        }
    }

    #[test]
    fn postgres_checks_as_the_user_it_creates_and_keeps_18s_data_where_18_does() {
        let postgres = Recipe::named("postgres").expect("a postgres recipe");
        let env = |key: &str| (key == "POSTGRES_USER").then(|| "shop".to_string());
        assert_eq!(
            postgres.check(env),
            Check::Protocol(Protocol::Postgres {
                user: "shop".to_string()
            })
        );
        assert_eq!(
            postgres.check(|_| None),
            Check::Protocol(Protocol::Postgres {
                user: "postgres".to_string()
            })
        );
        assert_eq!(postgres.data(None), Some("/var/lib/postgresql/data"));
        assert_eq!(postgres.data(Some("15")), Some("/var/lib/postgresql/data"));
        assert_eq!(
            postgres.data(Some("18-trixie")),
            Some("/var/lib/postgresql")
        );
        assert_eq!(postgres.image(Some("15")), "postgres:15");
    }
}
