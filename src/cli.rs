//! Command-line arguments (clap derives only; meaning is given in settings).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;

use crate::commands::completion::service_names;

#[derive(Debug, Parser)]
#[command(
    name = "stack",
    version,
    about = "One stack.yaml, one command: build and run a polyglot dev environment on Docker",
    propagate_version = true
)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// The manifest to use; repeat to merge several, later files overriding earlier ones
    /// [default: stack.yaml in this or a parent directory, then stack.override.yaml beside it]
    ///
    /// Not global, as in Compose: it goes before the command (`stack -f x.yaml up`), which
    /// leaves `-f` free for `stack logs -f`. So do `-p`, `--env-file` and `--profile`.
    #[arg(
        short,
        long,
        env = "STACK_FILE",
        value_name = "PATH",
        value_delimiter = ':'
    )]
    pub(crate) file: Vec<PathBuf>,

    /// The project name, which labels everything stack creates [default: `name:` in
    /// stack.yaml, else the directory's name]
    #[arg(short = 'p', long, env = "STACK_PROJECT_NAME", value_name = "NAME")]
    pub(crate) project_name: Option<String>,

    /// Read `${VAR}` values from this file instead of the .env beside stack.yaml; repeatable,
    /// later files win
    #[arg(long, value_name = "PATH")]
    pub(crate) env_file: Vec<PathBuf>,

    /// Also run the services of this profile; repeatable (services without `profiles:` always run)
    #[arg(
        long = "profile",
        env = "STACK_PROFILES",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub(crate) profiles: Vec<String>,

    /// When to use colours
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    /// Extra CA certificate (PEM) to trust in builds, e.g. a corporate proxy's; repeatable
    #[arg(
        long = "ca-cert",
        global = true,
        value_name = "PEM",
        env = "STACK_CA_CERT",
        value_delimiter = ':'
    )]
    pub(crate) ca_certs: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Validate stack.yaml and print it resolved: variables filled in, defaults applied (JSON)
    Config {
        /// Print only the names of the services that run, one per line
        #[arg(long)]
        services: bool,
    },
    /// Check that the Docker engine answers and the manifest is valid
    Doctor,
    /// Print the generated Dockerfile of a service
    Dockerfile {
        /// The service, as named in stack.yaml
        #[arg(add = ArgValueCompleter::new(service_names))]
        service: String,
    },
    /// Write the generated Dockerfile and .dockerignore into the service's directory
    Eject {
        /// The service, as named in stack.yaml
        #[arg(add = ArgValueCompleter::new(service_names))]
        service: String,
    },
    /// Print the JSON Schema (draft-07) of stack.yaml, for editors
    Schema {
        /// Write it to .stack/schema.json beside stack.yaml, where the
        /// `# yaml-language-server: $schema=.stack/schema.json` line points, instead of printing it
        #[arg(long)]
        write: bool,
    },
    /// Print the script that makes a shell complete commands, flags and service names
    ///
    /// bash: `source <(stack completion bash)` in ~/.bashrc; zsh: `source <(stack completion
    /// zsh)` in ~/.zshrc; fish: `stack completion fish | source` in
    /// ~/.config/fish/completions/stack.fish.
    Completion {
        /// The shell
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Find the services in this repository and print the stack.yaml for them
    Init(InitArgs),
    /// Build what changed, start every service in dependency order and wait until healthy
    Up(UpArgs),
    /// Bring the stack up, then apply edits as they are saved: copied into the running
    /// container (the framework reloads), or only the changed service rebuilt
    ///
    /// Python and Node services run their framework's reloader (uvicorn --reload, Flask's
    /// debug mode, Django's runserver, node --watch); a dependency file or Dockerfile
    /// change rebuilds, as does any change to a Go, Rust or Java service. `watch:` rules in
    /// stack.yaml say otherwise where needed. Ctrl-C stops the stack.
    Watch {
        #[command(flatten)]
        run: RunArgs,
    },
    /// Stop and remove the project's containers and network (volumes with --volumes)
    Down {
        /// Also delete the project's named volumes: their data is lost
        #[arg(short, long)]
        volumes: bool,
        /// Also remove images: `local`, the images stack built for this project (ready-made
        /// images such as postgres:16 are never removed)
        #[arg(long, value_enum, value_name = "TYPE", conflicts_with = "swarm")]
        rmi: Option<RemoveImages>,
        /// Remove what `stack deploy --swarm` deployed instead
        #[arg(long)]
        swarm: bool,
    },
    /// Build the images of services whose build context changed (all, or those named)
    Build(BuildArgs),
    /// Show what `up` would build, create, recreate and start, without doing it
    Plan {
        /// Print the plan as JSON
        #[arg(long)]
        json: bool,
    },
    /// List the project's running containers: state, health, URL, published ports, uptime
    Ps(PsArgs),
    /// Show the services' logs
    Logs(LogsArgs),
    /// Run a command in a service's running container; on a terminal, interactively
    Exec(ExecArgs),
    /// Run a one-off command in a new container of a service, on the project's network,
    /// once the service's dependencies are healthy; its exit code is stack's
    Run(RunCommandArgs),
    /// Stop services' containers (all when none are named), keeping them for `start`
    Stop {
        /// Seconds to wait after SIGTERM before killing
        #[arg(short = 't', long, value_name = "SECONDS", default_value_t = 10)]
        timeout: u32,
        /// Services to stop [default: all]
        #[arg(add = ArgValueCompleter::new(service_names))]
        services: Vec<String>,
    },
    /// Start services' existing containers (all when none are named) and wait until healthy
    Start {
        #[command(flatten)]
        run: RunArgs,
        /// Services to start [default: every service that has a container]
        #[arg(add = ArgValueCompleter::new(service_names))]
        services: Vec<String>,
    },
    /// Send a signal to services' running containers (all when none are named)
    Kill {
        /// The signal: a name (SIGTERM, TERM) or a number
        #[arg(short, long, default_value = "SIGKILL", value_name = "SIGNAL")]
        signal: String,
        /// Services to signal [default: all]
        #[arg(add = ArgValueCompleter::new(service_names))]
        services: Vec<String>,
    },
    /// Remove services' stopped containers (all stopped ones when none are named)
    Rm {
        /// Stop the containers first, if they are running
        #[arg(short, long)]
        stop: bool,
        /// Accepted for Compose's habit: stack never asks before removing
        #[arg(short, long)]
        force: bool,
        /// Services whose containers to remove [default: all]
        #[arg(add = ArgValueCompleter::new(service_names))]
        services: Vec<String>,
    },
    /// Restart services (all when none are named) and wait until they are healthy again
    Restart {
        #[command(flatten)]
        run: RunArgs,
        /// Services to restart [default: all]
        #[arg(add = ArgValueCompleter::new(service_names))]
        services: Vec<String>,
    },
    /// Tag the built images for a registry and push them there
    Push(PushArgs),
    /// Write the stack for another engine: Kubernetes manifests or a Swarm Compose file
    Export {
        #[command(subcommand)]
        target: ExportTarget,
    },
    /// Deploy to the engine's swarm, start in dependency order and wait until healthy
    Deploy(DeployArgs),
    /// Bring up a throwaway copy of the stack, run COMMAND against it, always tear it down
    ///
    /// The command runs on the host with every service's address in STACK_<SERVICE>_URL,
    /// _HOST and _PORT (or in a service's image on the project network with `--in`). Exit
    /// code: the command's own, or 6 when the environment did not come up.
    Ci(CiArgs),
    /// Print where each running service is reached, as STACK_<SERVICE>_URL, _HOST and _PORT
    Env,
    /// Remove what interrupted runs left: containers, networks, volumes and locks of
    /// stack's projects that are not running
    Gc(GcArgs),
    /// Create something new in the project; on a terminal, asks what
    New {
        #[command(subcommand)]
        kind: Option<NewKind>,
    },
}

/// `--registry`, shared by the commands that name images in a registry.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct RegistryArg {
    /// The registry, `host[:port]/prefix` [default: `registry:` in stack.yaml]
    #[arg(long, value_name = "HOST[:PORT]/PREFIX")]
    pub(crate) registry: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct PushArgs {
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    /// How to show progress: bars on a terminal, plain lines, or JSON events on stdout
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub(crate) progress: ProgressChoice,
    /// Services to push [default: every built service]
    pub(crate) services: Vec<String>,
}

/// What `stack export` writes.
#[derive(Debug, Subcommand)]
pub(crate) enum ExportTarget {
    /// Kubernetes manifests: a kustomize base, overlays/dev and overlays/prod, the gateway
    Kubernetes {
        /// The folder to write [default: k8s next to stack.yaml]
        #[arg(short, long, value_name = "DIR")]
        output: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArg,
    },
    /// A Compose file (version 3) that `docker stack deploy` accepts
    Compose {
        /// The file to write [default: stdout]
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        registry: RegistryArg,
        #[command(flatten)]
        swarm: SwarmArgs,
    },
}

/// How services are reached on a swarm.
#[derive(Debug, Clone, Args)]
pub(crate) struct SwarmArgs {
    /// How services find each other: `dnsrr` (DNS round robin, ports published on each
    /// node) works on every kernel; `vip` (a virtual IP and the routing mesh) needs IPVS
    #[arg(long, value_enum, default_value_t = EndpointMode::Dnsrr)]
    pub(crate) endpoint_mode: EndpointMode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum EndpointMode {
    Dnsrr,
    Vip,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct DeployArgs {
    /// Deploy to the Docker engine's swarm (the only target so far)
    #[arg(long, required = true)]
    pub(crate) swarm: bool,
    #[command(flatten)]
    pub(crate) endpoint: SwarmArgs,
    #[command(flatten)]
    pub(crate) registry: RegistryArg,
    /// How to show progress: bars on a terminal, plain lines, or JSON events on stdout
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub(crate) progress: ProgressChoice,
}

/// What `stack new` creates.
#[derive(Debug, Subcommand)]
pub(crate) enum NewKind {
    /// Write a service skeleton (health endpoint, unit test, README) and add it to stack.yaml;
    /// or, with --recipe, add a backing service (postgres, redis, rabbitmq…) from its image
    #[command(disable_version_flag = true)]
    Service(NewServiceArgs),
}

/// `stack new service`: whatever is left out is asked for on a terminal.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct NewServiceArgs {
    /// The service's name: a DNS label (lowercase letters, digits, `-`)
    pub(crate) name: Option<String>,
    /// Its language: python, node, go, rust or java
    #[arg(long = "lang", short = 'l', value_name = "LANGUAGE")]
    pub(crate) language: Option<String>,
    /// Its framework [default: the language's first: fastapi, express, stdlib, axum, httpserver]
    #[arg(long, value_name = "FRAMEWORK")]
    pub(crate) framework: Option<String>,
    /// The port it listens on in the container [default: the framework's usual one]
    #[arg(long, value_name = "PORT")]
    pub(crate) port: Option<u16>,
    /// Where to write it [default: next to the project's other services, else services/NAME]
    #[arg(long, value_name = "DIR")]
    pub(crate) path: Option<PathBuf>,
    /// The language version to pin in the skeleton and in stack.yaml (e.g. 3.11, 18, 1.23);
    /// with --recipe, the image's tag (e.g. 15 for postgres:15)
    #[arg(long, value_name = "VERSION")]
    pub(crate) version: Option<String>,
    /// A backing service from a well-known image instead of a skeleton: postgres, mysql,
    /// mariadb, redis, rabbitmq, kafka, mongo, nginx or mosquitto (pinned image, port,
    /// development env, a volume for its data, its protocol's health check) [default NAME:
    /// the recipe's]
    #[arg(long, value_name = "RECIPE", conflicts_with_all = ["language", "framework", "port", "path"])]
    pub(crate) recipe: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct InitArgs {
    /// Write stack.yaml (or the `--file` path) instead of only printing it
    #[arg(short, long)]
    pub(crate) write: bool,
    /// With --write, replace an existing stack.yaml
    #[arg(long, requires = "write")]
    pub(crate) force: bool,
}

/// Options shared by the commands that build and start.
#[derive(Debug, Clone, Args)]
pub(crate) struct RunArgs {
    /// Builds to run at the same time
    #[arg(short, long, default_value_t = 4, value_name = "N")]
    pub(crate) jobs: usize,
    /// How to show progress: bars on a terminal, plain lines, or JSON events on stdout
    #[arg(long, value_enum, default_value_t = ProgressChoice::Auto)]
    pub(crate) progress: ProgressChoice,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct UpArgs {
    /// Return once every service is healthy instead of streaming logs
    #[arg(short, long)]
    pub(crate) detach: bool,
    /// Then apply edits as they are saved, beside the logs (see `stack watch`)
    #[arg(long, conflicts_with = "detach")]
    pub(crate) watch: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    /// Start only the named services, not their dependencies
    #[arg(long, requires = "services")]
    pub(crate) no_deps: bool,
    /// Recreate the containers even when their configuration and image are unchanged
    #[arg(long)]
    pub(crate) force_recreate: bool,
    /// Build nothing: a service whose sources changed runs its newest image as it is
    #[arg(long)]
    pub(crate) no_build: bool,
    /// Services to bring up, with their dependencies [default: all]
    #[arg(add = ArgValueCompleter::new(service_names))]
    pub(crate) services: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct BuildArgs {
    #[command(flatten)]
    pub(crate) run: RunArgs,
    /// Build without the engine's layer cache, even images that are up to date
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Services to build [default: every built service]
    #[arg(add = ArgValueCompleter::new(service_names))]
    pub(crate) services: Vec<String>,
}

/// What `down --rmi` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RemoveImages {
    /// The images stack built for the project's services
    Local,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct PsArgs {
    /// Show every container, stopped ones too
    #[arg(short, long)]
    pub(crate) all: bool,
    /// Print only container ids
    #[arg(short, long, conflicts_with_all = ["services", "format", "json"])]
    pub(crate) quiet: bool,
    /// Print only service names
    #[arg(long, conflicts_with_all = ["format", "json"])]
    pub(crate) services: bool,
    /// `table` (the default), `json`, or a template of `{{.Field}}` placeholders, as in
    /// `docker compose ps`; `table TEMPLATE` adds a header and aligns the columns
    /// (fields: ID, Name, Image, Service, State, Status, Health, ExitCode, URL, Ports, Uptime)
    #[arg(long, value_name = "FORMAT", conflicts_with = "json")]
    pub(crate) format: Option<String>,
    /// The same as `--format json`
    #[arg(long)]
    pub(crate) json: bool,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct LogsArgs {
    /// Keep following new lines, across restarts, until Ctrl-C
    #[arg(short, long)]
    pub(crate) follow: bool,
    /// Lines to show from the end of each service's log
    #[arg(short = 'n', long, value_name = "N")]
    pub(crate) tail: Option<usize>,
    /// Only lines since this time: a duration ago (`10m`, `1h30m`), RFC 3339
    /// (`2024-05-01T10:00:00Z`) or Unix seconds
    #[arg(long, value_name = "TIME")]
    pub(crate) since: Option<String>,
    /// Only lines before this time, written as for `--since`
    #[arg(long, value_name = "TIME")]
    pub(crate) until: Option<String>,
    /// Show the engine's timestamp before each line
    #[arg(short, long)]
    pub(crate) timestamps: bool,
    /// Print lines without the `service |` prefix
    #[arg(long)]
    pub(crate) no_log_prefix: bool,
    /// Services to show [default: all]
    #[arg(add = ArgValueCompleter::new(service_names))]
    pub(crate) services: Vec<String>,
}

/// How a command runs in a container: the options `exec` and `run` share.
#[derive(Debug, Clone, Args)]
pub(crate) struct ProcessArgs {
    /// No pseudo-terminal, even on a terminal (`-T`, as in Compose): for pipes
    #[arg(short = 'T', long = "no-tty")]
    pub(crate) no_tty: bool,
    /// Run as this user: `name`, `uid`, `name:group` or `uid:gid`
    #[arg(short, long, value_name = "USER")]
    pub(crate) user: Option<String>,
    /// Run in this directory inside the container
    #[arg(short, long, value_name = "DIR")]
    pub(crate) workdir: Option<String>,
    /// Set a variable, `KEY=VALUE`, or `KEY` to pass this shell's value; repeatable
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    pub(crate) env: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct ExecArgs {
    #[command(flatten)]
    pub(crate) process: ProcessArgs,
    /// The service, as named in stack.yaml
    #[arg(add = ArgValueCompleter::new(service_names))]
    pub(crate) service: String,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub(crate) command: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct RunCommandArgs {
    #[command(flatten)]
    pub(crate) process: ProcessArgs,
    /// Remove the container when the command ends
    #[arg(long)]
    pub(crate) rm: bool,
    /// Do not start the service's dependencies first
    #[arg(long)]
    pub(crate) no_deps: bool,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    /// The service, as named in stack.yaml
    #[arg(add = ArgValueCompleter::new(service_names))]
    pub(crate) service: String,
    /// The command and its arguments [default: the service's command]
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub(crate) command: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct CiArgs {
    /// How long the services may take to become ready once their images are built
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    pub(crate) timeout: std::time::Duration,
    /// Run the command in a new container of this service's image, on the project network,
    /// instead of on the host
    #[arg(long = "in", value_name = "SERVICE", add = ArgValueCompleter::new(service_names))]
    pub(crate) in_service: Option<String>,
    /// Leave the environment running afterwards (`stack -p NAME down --volumes` removes it)
    #[arg(long)]
    pub(crate) keep: bool,
    /// Write what happened to this file: JUnit XML when it ends in `.xml`, JSON when it
    /// ends in `.json`; repeatable
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) run: RunArgs,
    /// The command and its arguments, after `--`
    #[arg(required = true, last = true, value_name = "COMMAND")]
    pub(crate) command: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub(crate) struct GcArgs {
    /// Only what was created at least this long ago (`30m`, `2h`, `0s` for everything)
    #[arg(long, value_name = "DURATION", default_value = "1h", value_parser = humantime::parse_duration)]
    pub(crate) older_than: std::time::Duration,
    /// List what would be removed, and remove nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Also delete the named volumes of stopped projects (their data is lost); those of
    /// interrupted `stack ci` runs always go
    #[arg(long)]
    pub(crate) volumes: bool,
    /// Only these projects; a trailing `*` matches any end (`'shop-ci-*'`) [default: every
    /// project on the engine]
    #[arg(value_name = "PROJECT")]
    pub(crate) projects: Vec<String>,
}

/// The shells `stack completion` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ProgressChoice {
    Auto,
    Tty,
    Plain,
    Json,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
