//! Recipes against the real engine: the entries `stack new service --recipe` writes come up
//! healthy, their development credentials let a client in, their data outlives the
//! container, and a service that depends on one starts only once its protocol answers.
//! The mysql, kafka and mongo recipes' images have no stand-in here and are not run.

use crate::common::{BUSYBOX, LiveProject, docker, require_engine};

#[test]
fn recipe_entries_come_up_healthy_and_let_their_clients_in() {
    require_engine!();
    let live = LiveProject::new("recipes", "services: {}\n");
    for args in [
        "new service db --recipe postgres --version 15",
        "new service cache --recipe redis",
        "new service queue --recipe rabbitmq",
        "new service sql --recipe mariadb",
        "new service mq --recipe mosquitto",
        "new service web --recipe nginx --version 1.22",
    ] {
        live.run(args.split_whitespace()).success();
    }
    // Clients that connect the way the `next:` line says, as tasks that wait for their
    // server: each starts once the server's protocol answers, and must get in at once.
    let manifest = std::fs::read_to_string(live.project.path().join("stack.yaml"))
        .expect("stack.yaml")
        + "  psql:\n    image: postgres:15\n    command: psql postgres://app:app@db:5432/app -c \"create table if not exists kept (n int)\"\n    task: true\n    depends_on: [db]\n  ping:\n    image: redis:7\n    command: redis-cli -h cache ping\n    task: true\n    depends_on: [cache]\n  query:\n    image: mariadb:11.8\n    command: mariadb -h sql -uapp -papp app -e \"select 'in' as answer\"\n    task: true\n    depends_on: [sql]\n";
    live.project.file("stack.yaml", &manifest);
    let out = live.up();
    for task in ["psql", "ping", "query"] {
        assert!(
            out.stderr.lines().any(|line| line
                .strip_prefix(task)
                .is_some_and(|rest| rest.trim_start().starts_with("completed"))),
            "{task}: {}",
            out.stderr
        );
    }
    // RabbitMQ created the recipe's user on first boot.
    let users = live
        .run([
            "exec",
            "queue",
            "--",
            "rabbitmqctl",
            "authenticate_user",
            "app",
            "app",
        ])
        .success();
    assert!(users.stdout.contains("Success"), "{}", users.stdout);
    let ps = live.run(["ps", "--json"]).success().stdout;
    let rows: serde_json::Value = serde_json::from_str(&ps).expect("json");
    let healthy: Vec<&str> = rows
        .as_array()
        .expect("a list")
        .iter()
        .filter(|row| row["health"] == "healthy")
        .map(|row| row["service"].as_str().expect("a name"))
        .collect();
    assert_eq!(
        healthy,
        ["cache", "db", "mq", "queue", "sql", "web"],
        "{ps}"
    );

    // The data is in the named volume: a new container finds the table.
    docker(&["rm", "-f", &format!("{}-db", live.name)]);
    live.up();
    let table = live
        .run([
            "exec",
            "db",
            "--",
            "psql",
            "-U",
            "app",
            "-d",
            "app",
            "-tAc",
            "select count(*) from kept",
        ])
        .success();
    assert_eq!(table.stdout.trim(), "0", "{}", table.stdout);
}

#[test]
fn a_well_known_image_without_a_check_is_waited_for_in_its_protocol() {
    require_engine!();
    // No `health`, no `port`: the postgres recipe checks it on 5432. The task would fail if
    // it started while the server still initialised (on its socket only).
    let live = LiveProject::new(
        "recipe-wait",
        &format!(
            "services:\n  db:\n    image: postgres:15\n    env: {{ POSTGRES_PASSWORD: app }}\n  migrate:\n    image: postgres:15\n    command: psql postgres://postgres:app@db:5432/postgres -c \"select 1\"\n    task: true\n    depends_on: [db]\n  app:\n    image: {BUSYBOX}\n    command: sleep 1000\n    depends_on: [migrate]\n"
        ),
    );
    let out = live.up();
    insta::assert_snapshot!(out.normalized());
}
