"""The whole system for the browser and HTTP tests, started by the tests themselves on a
database and ports of their own: PostgreSQL database, the demo municipality, an SMTP sink,
the local OpenID provider (oidc-provider-mock) with the demo users, a test issuer
(Tests/tools/test_issuer.py), samtak-intake, -scheduler, -notifier and samtak-web.

Reusable by every page test (issue 15 builds on it):

    def test_something(system, browser_page):
        system.sign_in_browser(browser_page, "Guri Solberg")
        ...

Needs what Deploy/test provides: the built executables (SAMTAK_BIN_DIR), PostgreSQL and the
broker (SAMTAK_PG_*, SAMTAK_KAFKA_BROKERS), and the venv (this python).
"""
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "Tests" / "tools"
sys.path.insert(0, str(TOOLS))
import oidc_users  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "psql").exists():
            return candidate
    raise RuntimeError("PostgreSQL client binaries not found; run Deploy/bootstrap")


class Process:
    """A child process with its log in the work directory; killed when the system stops."""

    def __init__(self, name, args, env, log_dir):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def stop(self):
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()

    def tail(self, lines=30):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Web:
    """One samtak-web process."""

    def __init__(self, process, port):
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def stop(self):
        self.process.stop()


class System:
    def __init__(self, work: Path):
        self.work = work
        self.work.mkdir(parents=True, exist_ok=True)
        self.logs = work / "logs"
        self.logs.mkdir(exist_ok=True)
        self.bin = Path(os.environ.get("SAMTAK_BIN_DIR", ROOT / ".build" / "debug"))
        self.pg_port = int(os.environ.get("SAMTAK_PG_PORT", "55432"))
        self.pg_user = os.environ.get("SAMTAK_PG_USER", "samtak")
        self.database = f"samtak_browser_{secrets.token_hex(4)}"
        self.topics = f"browser.{secrets.token_hex(4)}."
        self.processes = []
        self.webs = []
        self.ports = {name: free_port() for name in ("intake", "scheduler", "notifier", "web", "provider", "issuer", "smtp", "down")}
        self.provider_url = f"http://127.0.0.1:{self.ports['provider']}"
        self.issuer_url = f"http://127.0.0.1:{self.ports['issuer']}"
        self.intake_url = f"http://127.0.0.1:{self.ports['intake']}"
        self.users = []
        self.web = None

    # ---- environment ----

    def base_env(self):
        env = dict(os.environ)
        env.update({
            "SAMTAK_PG_DATABASE": self.database, "SAMTAK_PG_PORT": str(self.pg_port), "SAMTAK_PG_USER": self.pg_user,
            "SAMTAK_TOPIC_PREFIX": self.topics, "SAMTAK_TOPIC_PARTITIONS": "2", "SAMTAK_LOG_FORMAT": "json",
            "SAMTAK_LOG_LEVEL": "info", "SAMTAK_SCHEMA_DIR": str(ROOT / "Schema"),
        })
        return env

    def web_env(self, port, **overrides):
        """The web's settings: staff and citizen sign-in at the local provider; extra providers
        (the test issuer's tenants, one that is down) with `test_providers=True`."""
        env = self.base_env()
        providers = ["ansatt", "innbygger"]
        env.update({
            "SAMTAK_HTTP_PORT": str(port), "SAMTAK_WEB_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "SAMTAK_WEB_INTAKE_URL": self.intake_url,
            "SAMTAK_WEB_PROVIDER_ANSATT_ISSUER": self.provider_url,
            "SAMTAK_WEB_PROVIDER_INNBYGGER_ISSUER": self.provider_url,
        })
        if overrides.pop("test_providers", False):
            providers += ["test-rs", "test-es", "nede"]
            env.update({
                "SAMTAK_WEB_PROVIDER_TEST_RS_ISSUER": f"{self.issuer_url}/rs", "SAMTAK_WEB_PROVIDER_TEST_RS_LABEL": "Testutsteder RS256",
                "SAMTAK_WEB_PROVIDER_TEST_ES_ISSUER": f"{self.issuer_url}/es", "SAMTAK_WEB_PROVIDER_TEST_ES_ALGORITHM": "ES256",
                "SAMTAK_WEB_PROVIDER_TEST_ES_LABEL": "Testutsteder ES256",
                "SAMTAK_WEB_PROVIDER_NEDE_ISSUER": f"http://127.0.0.1:{self.ports['down']}",
                "SAMTAK_WEB_PROVIDER_NEDE_LABEL": "Innlogging som er nede",
            })
        env["SAMTAK_WEB_PROVIDERS"] = ",".join(providers)
        env.update({key: str(value) for key, value in overrides.items()})
        return env

    # ---- start and stop ----

    def psql(self, sql, database=None):
        result = subprocess.run([str(pg_bin() / "psql"), "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(self.pg_port),
                                 "-U", self.pg_user, "-d", database or self.database, "-c", sql],
                                capture_output=True, text=True, check=True)
        return [line.split("|") for line in result.stdout.splitlines() if line]

    def scalar(self, sql):
        rows = self.psql(sql)
        return rows[0][0] if rows else None

    def start(self):
        self.psql(f"CREATE DATABASE {self.database}", database="postgres")
        env = self.base_env()
        for args in (["migrate"], ["demo", "--tokens-file", str(self.work / "users.json")]):
            subprocess.run([str(self.bin / "samtak-admin"), *args], env=env, check=True, capture_output=True)
        self.users = json.loads((self.work / "users.json").read_text())
        for user in self.users:
            user["id"] = user["id"].lower()  # as PostgreSQL prints uuids

        sink = self.spawn("smtp-sink", [sys.executable, str(TOOLS / "smtp_sink.py"), "--port", str(self.ports["smtp"]),
                                        "--dir", str(self.work / "mail"), "--exit-with-parent"], env)
        provider = self.spawn("oidc-provider", [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1",
                                                "--port", str(self.ports["provider"])], env)
        issuer = self.spawn("test-issuer", [sys.executable, str(TOOLS / "test_issuer.py"), "--port", str(self.ports["issuer"])], env)
        for process, port in ((sink, "smtp"), (provider, "provider"), (issuer, "issuer")):
            self.wait_port(self.ports[port], process)
        oidc_users.register(self.provider_url, self.users)

        services = {
            "samtak-intake": {"SAMTAK_HTTP_PORT": self.ports["intake"]},
            "samtak-scheduler": {"SAMTAK_HTTP_PORT": self.ports["scheduler"]},
            "samtak-notifier": {"SAMTAK_HTTP_PORT": self.ports["notifier"],
                                "SAMTAK_SMTP_URL": f"smtp://127.0.0.1:{self.ports['smtp']}",
                                "SAMTAK_PUBLIC_URL": f"http://127.0.0.1:{self.ports['web']}"},
        }
        started = []
        for name, extra in services.items():
            service_env = dict(env)
            service_env.update({key: str(value) for key, value in extra.items()})
            started.append((self.spawn(name, [str(self.bin / name)], service_env), extra["SAMTAK_HTTP_PORT"]))
        for process, port in started:
            self.wait_ready(f"http://127.0.0.1:{port}", process)
        self.web = self.start_web(port=self.ports["web"])
        return self

    def spawn(self, name, args, env):
        process = Process(name, args, env, self.logs)
        self.processes.append(process)
        return process

    def start_web(self, name=None, port=None, **overrides):
        """A samtak-web process on a port of its own (more than one share the sessions)."""
        port = port or free_port()
        process = self.spawn(name or f"samtak-web-{port}", [str(self.bin / "samtak-web")], self.web_env(port, **overrides))
        self.wait_ready(f"http://127.0.0.1:{port}", process)
        web = Web(process, port)
        self.webs.append(web)
        return web

    def wait_port(self, port, process, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"{process.name} did not listen on {port}:\n{process.tail()}")

    def wait_ready(self, url, process, timeout=90):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if process.popen.poll() is not None:
                raise RuntimeError(f"{process.name} exited:\n{process.tail()}")
            try:
                with urllib.request.urlopen(url + "/health/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{process.name} was not ready at {url}:\n{process.tail()}")

    def stop(self):
        for process in reversed(self.processes):
            process.stop()
        try:
            self.psql(f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)", database="postgres")
        except subprocess.CalledProcessError:
            pass

    def logged_errors(self):
        """Lines of level error in the Swift services' logs (a test run should have none)."""
        found = []
        for process in self.processes:
            if process.name.startswith("samtak-"):
                found += [line for line in process.log_path.read_text(errors="replace").splitlines() if '"level":"error"' in line]
        return found

    # ---- people ----

    def user(self, name_or_email):
        for user in self.users:
            if name_or_email in (user["name"], user.get("email")):
                return user
        raise KeyError(name_or_email)

    def register_provider_user(self, subject, claims):
        """A person known to the local provider (not necessarily to Samtak)."""
        request = urllib.request.Request(f"{self.provider_url}/users/{urllib.parse.quote(subject, safe='')}",
                                         data=json.dumps(claims).encode(), method="PUT",
                                         headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=10).close()

    def issuer(self, tenant, **control):
        """Changes a test issuer tenant (see Tests/tools/test_issuer.py)."""
        response = requests.post(f"{self.issuer_url}/{tenant}/control", json=control, timeout=10)
        response.raise_for_status()
        return response.json()

    # ---- signing in ----

    def start_sign_in(self, http, provider="ansatt", web=None, return_to=None):
        """Starts a sign-in: returns the provider URL the web redirects to."""
        web = web or self.web
        url = f"{web.url}/logg-inn/{provider}" + (f"?til={urllib.parse.quote(return_to)}" if return_to else "")
        response = http.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 303, (response.status_code, response.text[:500])
        return response.headers["Location"]

    def provider_callback(self, http, authorize_url, subject):
        """At the local provider: types `subject` in its form and returns the callback URL it
        sends the browser to (not followed)."""
        form = http.get(authorize_url, timeout=10)
        assert form.status_code == 200, form.text[:300]
        answer = http.post(authorize_url, data={"sub": subject}, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:300])
        return answer.headers["Location"]

    def sign_in_http(self, http, name_or_email, provider="ansatt", web=None):
        """The whole code flow by HTTP with a requests.Session; returns the page it lands on."""
        email = name_or_email if "@" in name_or_email else self.user(name_or_email)["email"]
        authorize = self.start_sign_in(http, provider, web)
        callback = self.provider_callback(http, authorize, email)
        return http.get(callback, timeout=20)

    def sign_in_browser(self, page, name_or_email, provider_label="Logg inn som ansatt", web=None):
        """Signs in through the real pages in a Playwright page; returns after landing on /."""
        web = web or self.web
        user = self.user(name_or_email)
        page.goto(web.url + "/")
        page.get_by_role("link", name=provider_label).click()
        page.fill("input[name=sub]", user["email"])
        page.get_by_role("button", name="Authorize").click()
        page.wait_for_url(re.compile(re.escape(web.url) + r"/(\?.*)?$"))
        return user

    # ---- the audit ----

    def last_event(self):
        rows = self.psql("SELECT event, outcome, coalesce(provider, ''), coalesce(person_id::text, '') "
                         "FROM sign_in_events ORDER BY id DESC LIMIT 1")
        return tuple(rows[0]) if rows else None

    def session_count(self):
        return int(self.scalar("SELECT count(*) FROM web_sessions"))


def chromium_path():
    path = shutil.which("chromium")
    if not path:
        raise RuntimeError("Debian's chromium is not installed; run Deploy/bootstrap")
    return path


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
