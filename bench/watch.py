#!/usr/bin/env python3
"""Measure `stack watch` against `docker compose watch`, in the same run.

Three scenarios, each in a temporary project of its own:

  python  A FastAPI service (fastapi and uvicorn from PyPI, through the machine's CA
          bundle). One `.py` file is edited; timed from the write until the service's URL
          serves the new response. stack: zero configuration (the file is synced into the
          container and uvicorn's own reloader restarts the app). Compose: the same image
          with its production command, `develop.watch` with a `sync+restart` rule on the
          service's folder. Target: stack under 1 s and at most 0.5x Compose.
  go      A Go service (standard library only: no module proxy). `main.go` is edited and
          timed the same way: stack rebuilds the image and recreates the container. The
          reference is the build alone: `docker build` of the same generated Dockerfile
          with the same edit, in a copy no watcher sees. Target: at most build + 1 s.
  tree    The FastAPI service with 100,000 files in its folder, 99% under node_modules/
          (which the build, and so watch, ignores). With the stack already up under
          watch, `stack watch` is launched again and timed until it says it is watching
          (the `watching ... for changes` line); then its CPU time (utime + stime from
          /proc/PID/stat) is read over an idle period. Compose's `watch --no-up` on the
          same tree is measured the same way, until `Watch enabled`. Targets: start under
          1 s, idle CPU under 1%.

Each project has a unique name (bench-watch-<pid>-<scenario>-<tool>); nothing else on the
engine is touched, and everything the bench made is removed at the end (`stack down`,
`compose down -v`, the image tags it added). It never prunes.

Run by hand, not by the tests (timings on a shared machine are noisy, the ratios are
what count):

  python3 bench/watch.py                        # every scenario, 5 edits each
  python3 bench/watch.py --only python --edits 9
  python3 bench/watch.py --files 100000 --idle 20 --json
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import run as base
from run import ToolFailed, log, must

SCENARIOS = ("python", "go", "tree")
# The machine's CA bundle: pip in the FastAPI build reaches PyPI only when it trusts it.
CA_BUNDLE = os.environ.get("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
FIRST_UP = 900  # seconds for a first build (pip install) on a busy machine
UPDATE = 120  # seconds for one edit to be served
POLL = 0.01  # seconds between two GETs while waiting for an edit
# `ingest  built in 12.3s` (`; 1 older image removed` may follow).
BUILT = re.compile(r"ingest  built in ([0-9.]+)s")
SETTLE = 1.0  # seconds between two edits
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

REQUIREMENTS = "fastapi==0.115.6\nuvicorn==0.32.1\n"
GO_MOD = "module example.com/ingest\n\ngo 1.23\n"


def main_py(version):
    return ("from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(\"/\")\n"
            f"def root():\n    return {{\"version\": {version}}}\n")


def main_go(version):
    return ("package main\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\nfunc main() {\n"
            "\thttp.HandleFunc(\"/\", func(w http.ResponseWriter, r *http.Request) {\n"
            f"\t\tfmt.Fprintln(w, \"run {RUN} version {version}\")\n\t}})\n"
            "\thttp.ListenAndServe(\":8080\", nil)\n}\n")


def python_marker(version):
    return f'"version":{version}}}'


def go_marker(version):
    return f"run {RUN} version {version}\n"


# Go builds are cached by content: text an earlier run built would be a cache hit.
RUN = f"{os.getpid()}.{int(time.time())}"


# --- processes that run while the bench measures ----------------------------------------

class Background:
    """A command running in the background; its output lines kept with their times."""

    def __init__(self, cmd, cwd, env=None):
        self.cmd = cmd
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        self.lines = []  # (perf_counter, line)
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stdout:
            with self.changed:
                self.lines.append((time.perf_counter(), line.rstrip("\n")))
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    def wait_for(self, text, timeout):
        """The time the first line containing `text` was read."""
        deadline = time.perf_counter() + timeout
        with self.changed:
            while True:
                for at, line in self.lines:
                    if text in line:
                        return at, line
                left = deadline - time.perf_counter()
                if left <= 0 or (self.process.poll() is not None and not self.reader.is_alive()):
                    raise ToolFailed(f"`{' '.join(self.cmd)}` never printed {text!r}:\n"
                                     + self.tail())
                self.changed.wait(min(left, 0.5))

    def tail(self, n=25):
        with self.changed:
            return "\n".join(line for _, line in self.lines[-n:])

    def cpu_seconds(self):
        """utime + stime of the process so far, from /proc/PID/stat."""
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # After the command name: state is field 3, utime 14 and stime 15 (1-based).
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def stop(self, sig=signal.SIGINT, timeout=120):
        """Signals the process (only it: the one this bench started) and waits for it."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(5)


# --- the services' URLs ----------------------------------------------------------------

def published(container, port):
    out = must(["docker", "port", container, str(port)]).stdout.split()
    if not out:
        raise ToolFailed(f"{container}: port {port} is not published")
    host, _, number = out[0].rpartition(":")
    return ("127.0.0.1" if host in ("0.0.0.0", "") else host), int(number)


def get(address):
    connection = http.client.HTTPConnection(*address, timeout=2)
    try:
        connection.request("GET", "/")
        return connection.getresponse().read().decode(errors="replace")
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def served(container, port, marker, timeout=UPDATE, since=None):
    """Seconds from `since` until the container's URL answers with `marker` in its body.
    The port is looked up again when the service stops answering (a recreated
    container may be published on another port)."""
    since = time.perf_counter() if since is None else since
    deadline = since + timeout
    address, last = None, None
    while time.perf_counter() < deadline:
        if address is None:
            try:
                address = published(container, port)
            except ToolFailed:
                time.sleep(POLL)
                continue
        body = get(address)
        if body is None:
            address = None
        elif marker in body:
            return time.perf_counter() - since
        else:
            last = body
        time.sleep(POLL)
    raise ToolFailed(f"{container} never served {marker!r} (last answer: {last!r})")


def edits(path, content, container, port, marker, count, first, before=None, after=None,
          on_served=None):
    """Times `count` edits of `path`, versions first, first+1, ...; `before(version)`
    runs untimed before each, `on_served(version, started, took)` and `after(version)`
    after each."""
    took = []
    for version in range(first, first + count):
        if before:
            before(version)
        time.sleep(SETTLE)
        started = time.perf_counter()
        path.write_text(content(version))
        took.append(served(container, port, marker(version), since=started))
        if on_served:
            on_served(version, started, took[-1])
        log(f"bench:   edit {version}: served in {took[-1]:.3f}s")
        if after:
            after(version)
    return took


# --- the tools ------------------------------------------------------------------------

class Stack:
    def __init__(self, binary, workdir, project, ca=True):
        self.binary, self.workdir, self.project = binary, workdir, project
        # Only builds that reach PyPI need the CA; with it, a generated Dockerfile copies
        # it from the build context stack makes, which a plain `docker build` lacks.
        self.env = {**os.environ, "STACK_CA_CERT": CA_BUNDLE} if ca else None
        self.base = [binary, "--project-name", project]

    def container(self, service):
        return f"{self.project}-{service}"

    def watch(self):
        return Background(self.base + ["watch", "--progress", "plain", "--color", "never"],
                          self.workdir, self.env)

    def clean(self):
        base.run(self.base + ["down", "--volumes"], cwd=self.workdir)
        left = must(["docker", "ps", "-aq", "--filter",
                     f"label=dev.stack.project={self.project}"]).stdout.split()
        if left:
            base.run(["docker", "rm", "-f", "-v", *left])


class Compose:
    def __init__(self, binary, workdir, project):
        self.binary, self.workdir, self.project = binary, workdir, project
        self.base = [binary, "-p", project, "-f", "compose.yaml", "--ansi", "never"]

    def container(self, service):
        return f"{self.project}-{service}-1"

    def up(self):
        must(self.base + ["up", "-d"], cwd=self.workdir)

    def watch(self):
        return Background(self.base + ["watch", "--no-up"], self.workdir)

    def clean(self):
        base.run(self.base + ["down", "-v", "--remove-orphans"], cwd=self.workdir)
        left = must(["docker", "ps", "-aq", "--filter",
                     f"label=com.docker.compose.project={self.project}"]).stdout.split()
        if left:
            base.run(["docker", "rm", "-f", "-v", *left])


def option_flag(binary, command, flag):
    return flag in base.run([binary, command, "--help"], timeout=60).stdout


def compose_supports_watch(binary):
    """Whether this Compose has `watch` (and so reads `develop.watch`); why not if not."""
    result = base.run([binary, "watch", "--help"], timeout=60)
    if result.returncode != 0:
        return "this Compose has no `watch` command (develop.watch came with Compose 2.22)"
    return None


def fastapi_files(folder, version=0):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "requirements.txt").write_text(REQUIREMENTS)
    (folder / "main.py").write_text(main_py(version))


def stack_yaml(path, service, folder, port, extra=""):
    version = '    version: "3.11"\n' if service == "api" else ""
    path.write_text(f"services:\n  {service}:\n    path: ./{folder}\n{version}"
                    f"    port: {port}\n    health: {{ http: / }}\n{extra}")


def compose_yaml(path, project, image, ignore):
    # The image stack built, with its production command (uvicorn without --reload).
    # user: root because Engine 20.10 resolves a copy's owner by name in the host's
    # passwd database for `docker cp`-style copies (Compose's sync): the image's
    # `10001:10001` and `app` are refused there, root is found.
    path.write_text(
        f"name: {project}\nservices:\n  api:\n    image: {image}\n    pull_policy: never\n"
        "    init: true\n    user: root\n    ports: [\"127.0.0.1::8000\"]\n"
        "    develop:\n      watch:\n        - path: ./api\n          action: sync+restart\n"
        f"          target: /app\n          ignore: {json.dumps(ignore)}\n")


def image_of(container):
    return must(["docker", "inspect", "-f", "{{.Image}}", container]).stdout.strip()


def watching(stack, service, port, marker):
    """`stack watch` started, once it watches and the service answers: (the running
    command, the service's container)."""
    watch = stack.watch()
    try:
        watch.wait_for("for changes", FIRST_UP)
        container = stack.container(service)
        served(container, port, marker)
    except ToolFailed:
        watch.stop()
        raise
    return watch, container


def compose_takes_over(stack, compose, root, tags, what):
    """Compose on stack's image of `api` (its production command), stack's project taken
    down first: `docker compose watch --no-up` started, once it says it watches. Returns
    the running command and when it said so."""
    image = f"{compose.project}/api:bench"
    must(["docker", "tag", image_of(stack.container("api")), image])
    tags.append(image)
    compose_yaml(root / "compose.yaml", compose.project, image, ["node_modules/"])
    stack.clean()
    log(f"bench: {what}")
    compose.up()
    cwatch = compose.watch()
    try:
        at, _ = cwatch.wait_for("Watch enabled", UPDATE)
    except ToolFailed:
        cwatch.stop()
        raise
    return cwatch, at


# --- the scenarios --------------------------------------------------------------------

def python_scenario(stack_bin, compose_bin, workdir, tag, count, tags):
    """Edit one .py file of a FastAPI service: stack's reloader against Compose's
    sync+restart."""
    root = workdir / "python"
    fastapi_files(root / "api")
    stack_yaml(root / "stack.yaml", "api", "api", 8000)
    stack = Stack(stack_bin, root, f"{tag}-python-stack")
    compose = Compose(compose_bin, root, f"{tag}-python-compose") if compose_bin else None
    result = {"stack": [], "compose": [], "compose_error": None}
    try:
        log("bench: python: stack watch (a first build installs fastapi from PyPI)")
        watch, container = watching(stack, "api", 8000, python_marker(0))
        try:
            if "--reload" not in must(["docker", "inspect", "-f", "{{json .Config.Cmd}}",
                                       container]).stdout:
                raise ToolFailed("stack watch runs uvicorn without --reload")
            image = image_of(container)
            result["stack"] = edits(root / "api" / "main.py", main_py, container, 8000,
                                    python_marker, count, 1)
            if "rebuilding" in watch.tail(200):
                raise ToolFailed("stack rebuilt for a .py edit:\n" + watch.tail())
            if image_of(container) != image:
                raise ToolFailed("stack's image changed for a .py edit")
        finally:
            watch.stop()
        if not compose:
            return result
        cwatch, _ = compose_takes_over(stack, compose, root, tags,
                                       "python: docker compose watch, sync+restart")
        try:
            container = compose.container("api")
            # Its image holds version 0; the files on disk are newer: any answer will do.
            served(container, 8000, '"version"')
            try:
                result["compose"] = edits(root / "api" / "main.py", main_py, container, 8000,
                                          python_marker, count, count + 1)
            except ToolFailed as e:
                result["compose_error"] = f"{e}\n{cwatch.tail()}"
                log(f"bench: compose failed: {result['compose_error']}")
        finally:
            cwatch.stop()
    finally:
        stack.clean()
        if compose:
            compose.clean()
    return result


def go_scenario(stack_bin, workdir, tag, count, tags):
    """Edit main.go: stack's rebuild and recreate against the build alone."""
    root = workdir / "go"
    service = root / "ingest"
    service.mkdir(parents=True)
    (service / "go.mod").write_text(GO_MOD)
    (service / "main.go").write_text(main_go(0))
    stack_yaml(root / "stack.yaml", "ingest", "ingest", 8080)
    stack = Stack(stack_bin, root, f"{tag}-go-stack", ca=False)
    # The build alone: the generated Dockerfile, built by the engine from a copy of the
    # service that no watcher sees, with the same edit.
    alone = root / "build-alone"
    shutil.copytree(service, alone)
    dockerfile = must(stack.base + ["dockerfile", "ingest"], cwd=root).stdout
    (alone / "Dockerfile").write_text(dockerfile)
    builds = []

    def build_alone(version):
        # Not stack's text for this version: the engine would reuse stack's layers.
        (alone / "main.go").write_text(main_go(f"{version} alone"))
        image = f"{tag}-go-build-alone:{version}"
        # While stack builds, this bench asks the old container for the new answer every
        # POLL seconds; the build alone gets the same load, or the comparison would
        # charge the bench's own polling to stack.
        stop = threading.Event()
        address = published(container, 8080)

        def poll():
            while not stop.is_set():
                get(address)
                time.sleep(POLL)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        started = time.perf_counter()
        try:
            must(["docker", "build", "-q", "-t", image, str(alone)])
        finally:
            builds.append(time.perf_counter() - started)
            stop.set()
            poller.join()
        tags.append(image)
        log(f"bench:   build alone {version}: {builds[-1]:.3f}s")

    try:
        log("bench: go: stack watch")
        watch, container = watching(stack, "ingest", 8080, go_marker(0))
        try:
            said, after = [], []

            def phases(version, started, took):
                # stack's own account of its build (`ingest  built in 12.3s`), and the
                # rest of its time: the edit seen, the service planned, the container
                # replaced and checked.
                built = [BUILT.match(line) for at, line in watch.lines
                         if at > started and line.startswith("ingest  built in ")]
                if built and built[0]:
                    said.append(float(built[0].group(1)))
                    after.append(took - said[-1])
                    log(f"bench:   stack: built in {said[-1]:.1f}s, "
                        f"{after[-1]:.3f}s besides")

            # The build alone goes before stack's build for odd versions and after it
            # for even ones: with stack's always first, the second of the two builds
            # came out about a second faster.
            took = edits(service / "main.go", main_go, container, 8080, go_marker, count, 1,
                         before=lambda v: v % 2 and build_alone(v),
                         after=lambda v: v % 2 or build_alone(v), on_served=phases)
        finally:
            watch.stop()
    finally:
        stack.clean()
    return {"stack": took, "build": builds, "stack_build": said,
            "stack_after_build": after}


def make_tree(folder, files):
    """`files` files under `folder`: 99% in node_modules/ (100 per package folder), the
    rest as Python modules of the app, 50 per package."""
    kept = max(1, files // 100)
    ignored = files - kept
    # Python's generated .dockerignore does not leave node_modules out (only Node's
    # does): the service says so itself, as one with a front-end toolchain in its folder
    # would.
    (folder / ".dockerignore").write_text("node_modules\n__pycache__\n*.pyc\n")
    for i in range(ignored):
        if i % 100 == 0:
            package = folder / "node_modules" / f"pkg{i // 100}" / "lib"
            package.mkdir(parents=True)
        (package / f"m{i % 100}.js").write_text("module.exports = 1;\n")
    for i in range(kept):
        if i % 50 == 0:
            package = folder / "app" / f"part{i // 50}"
            package.mkdir(parents=True)
            (package / "__init__.py").write_text("")
        (package / f"m{i % 50}.py").write_text(f"VALUE = {i}\n")
    # Dated an hour back, as a checkout's files are: watch's start copies again only the
    # files modified since (a minute before) the container was created.
    hour_ago = time.time() - 3600
    for path in folder.rglob("*"):
        os.utime(path, (hour_ago, hour_ago), follow_symlinks=False)
    return kept, ignored


def tree_scenario(stack_bin, compose_bin, workdir, tag, files, rounds, idle, tags):
    """Watch start and idle CPU with `files` files in the service's folder."""
    root = workdir / "tree"
    fastapi_files(root / "api")
    log(f"bench: tree: writing {files} files")
    kept, ignored = make_tree(root / "api", files)
    stack_yaml(root / "stack.yaml", "api", "api", 8000)
    stack = Stack(stack_bin, root, f"{tag}-tree-stack")
    compose = Compose(compose_bin, root, f"{tag}-tree-compose") if compose_bin else None
    result = {"files": files, "kept": kept, "ignored": ignored, "start": [],
              "reported": [], "idle_cpu": None, "folders": None,
              "compose_start": None, "compose_idle_cpu": None}
    try:
        log("bench: tree: a first stack watch brings the stack up")
        first = stack.watch()
        first.wait_for("for changes", FIRST_UP)
        # Killed, not stopped: the containers stay up, as they are under watch.
        first.stop(signal.SIGKILL)
        for r in range(rounds):
            last = r == rounds - 1
            watch = stack.watch()
            try:
                at, line = watch.wait_for("for changes", UPDATE)
                result["start"].append(at - watch.started)
                result["reported"].append(line)
                log(f"bench:   start {r + 1}: {at - watch.started:.3f}s  ({line.strip()})")
                if last:
                    time.sleep(1)  # the last of the start's work winds down
                    before = watch.cpu_seconds()
                    time.sleep(idle)
                    result["idle_cpu"] = (watch.cpu_seconds() - before) / idle * 100
                    log(f"bench:   idle CPU over {idle}s: {result['idle_cpu']:.2f}%")
            finally:
                watch.stop(signal.SIGINT if last else signal.SIGKILL)
        if not compose:
            return result
        cwatch, at = compose_takes_over(stack, compose, root, tags,
                                        "tree: docker compose watch on the same tree")
        try:
            result["compose_start"] = at - cwatch.started
            time.sleep(1)
            before = cwatch.cpu_seconds()
            time.sleep(idle)
            result["compose_idle_cpu"] = (cwatch.cpu_seconds() - before) / idle * 100
            log(f"bench:   compose start {result['compose_start']:.3f}s, "
                f"idle CPU {result['compose_idle_cpu']:.2f}%")
        finally:
            cwatch.stop()
    finally:
        stack.clean()
        if compose:
            compose.clean()
    return result


# --- the report -----------------------------------------------------------------------

def median(values):
    return statistics.median(values) if values else None


def rows_of(results):
    """(scenario, stack, reference, ratio, target, pass) rows."""
    rows = []
    py = results.get("python")
    if py:
        s, c = median(py["stack"]), median(py["compose"])
        ratio = s / c if s is not None and c else None
        ok = s is not None and s < 1.0 and (ratio is not None and ratio <= 0.5)
        rows.append(("python edit -> new response", s, c, "compose", ratio,
                     "< 1 s and <= 0.5x compose", ok if c else None))
    go = results.get("go")
    if go:
        s, b = median(go["stack"]), median(go["build"])
        rows.append(("go edit -> new response", s, b, "build alone",
                     s / b if s and b else None, "<= build alone + 1 s",
                     s is not None and b is not None and s <= b + 1.0))
        # What stack adds to its own build: the edit seen, the container replaced, the
        # new one checked.
        a, own = median(go["stack_after_build"]), median(go["stack_build"])
        rows.append(("go: beyond stack's own build", a, own, "its build", None,
                     "<= 1 s", a is not None and a <= 1.0))
    tree = results.get("tree")
    if tree:
        n = f"{tree['files']:,} files"
        s, c = median(tree["start"]), tree["compose_start"]
        rows.append((f"watch start, {n}", s, c, "compose", s / c if s and c else None,
                     "< 1 s", s is not None and s < 1.0))
        s, c = tree["idle_cpu"], tree["compose_idle_cpu"]
        rows.append((f"idle CPU %, {n}", s, c, "compose", s / c if s is not None and c else None,
                     "< 1%", s is not None and s < 1.0))
    return rows


def print_table(rows, results, errors):
    def num(v):
        return "-" if v is None else f"{v:.3f}"

    header = (f"{'scenario':<34} {'stack':>8} {'reference':>10} {'(what)':<12} "
              f"{'ratio':>7}  {'target':<26} result")
    print(header)
    print("-" * len(header))
    for name, s, ref, what, ratio, target, ok in rows:
        verdict = {True: "pass", False: "FAIL", None: "n/a"}[ok]
        print(f"{name:<34} {num(s):>8} {num(ref):>10} {what:<12} "
              f"{'-' if ratio is None else f'{ratio:.2f}x':>7}  {target:<26} {verdict}")
    print("\nseconds, medians; samples:")
    for name, got in results.items():
        for key, values in got.items():
            if isinstance(values, list) and values and isinstance(values[0], float):
                print(f"  {name} {key}: " + ", ".join(f"{v:.3f}" for v in values))
    tree = results.get("tree")
    if tree:
        print(f"  tree: {tree['kept']} files watched, {tree['ignored']} ignored; "
              f"stack said: {tree['reported'][-1].strip() if tree['reported'] else '-'}")
    for key, message in errors.items():
        print(f"\n{key}: {message}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=SCENARIOS, action="append",
                        help="run this scenario only (repeatable) [default: all]")
    parser.add_argument("--edits", type=int, default=5, help="timed edits per tool [5]")
    parser.add_argument("--files", type=int, default=100_000,
                        help="files in the tree scenario [100000]")
    parser.add_argument("--rounds", type=int, default=3, help="watch starts timed [3]")
    parser.add_argument("--idle", type=float, default=20.0,
                        help="seconds of idle CPU measured [20]")
    parser.add_argument("--no-compose", action="store_true", help="stack alone, no ratios")
    parser.add_argument("--stack", help="the stack binary [default: target/release/stack]")
    parser.add_argument("--keep", action="store_true", help="keep the generated projects")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    args = parser.parse_args()
    if args.edits < 1 or args.rounds < 1:
        parser.error("--edits and --rounds must be at least 1")

    engine = base.run(["docker", "version", "--format", "{{.Server.Version}}"], timeout=60)
    if engine.returncode != 0:
        sys.exit("bench: no Docker engine answers (`docker version` failed)")
    log(f"bench: Docker Engine {engine.stdout.strip()}")
    stack_bin = base.stack_binary(args.stack)
    if not stack_bin or not option_flag(stack_bin, "watch", "--progress"):
        sys.exit(f"bench: {stack_bin or 'no stack binary'} has no `watch` command")
    compose_bin, errors = None, {}
    if not args.no_compose:
        compose_bin = base.compose_binary()
        log("bench: " + base.run([compose_bin, "version"]).stdout.strip())
        why = compose_supports_watch(compose_bin)
        if why:
            errors["compose"] = why + "; stack is measured alone"
            log(f"bench: {errors['compose']}")
            compose_bin = None

    tag = f"bench-watch-{os.getpid()}"
    workdir = Path(tempfile.mkdtemp(prefix="stack-bench-watch-"))
    tags = []  # image tags this bench added, removed at the end
    results = {}
    try:
        for scenario in args.only or SCENARIOS:
            try:
                if scenario == "python":
                    results["python"] = python_scenario(stack_bin, compose_bin, workdir, tag,
                                                        args.edits, tags)
                    if results["python"]["compose_error"]:
                        errors["compose python"] = results["python"]["compose_error"]
                elif scenario == "go":
                    results["go"] = go_scenario(stack_bin, workdir, tag, args.edits, tags)
                else:
                    results["tree"] = tree_scenario(stack_bin, compose_bin, workdir, tag,
                                                    args.files, args.rounds, args.idle, tags)
            except ToolFailed as e:
                errors[scenario] = str(e)
                log(f"bench: {scenario} failed: {e}")
    finally:
        # The tags this bench added, then the images stack built for its projects
        # (`stack-<project>-<service>:<hash>`): `stack down` leaves images.
        built = [name for name in must(["docker", "images", "--format",
                                        "{{.Repository}}:{{.Tag}}"]).stdout.split()
                 if name.startswith(f"stack-{tag}-")]
        for image in tags + built:
            base.run(["docker", "rmi", image])
        if args.keep:
            log(f"bench: projects kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    rows = rows_of(results)
    if args.json:
        print(json.dumps({
            "edits": args.edits, "results": results, "errors": errors,
            "rows": [dict(zip(("scenario", "stack", "reference", "reference_is", "ratio",
                               "target", "pass"), row)) for row in rows]}, indent=2))
    else:
        print_table(rows, results, errors)
    failed = errors or any(row[-1] is False for row in rows)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
