#!/usr/bin/python3
"""The web dashboard in a real browser (Debian's chromium + chromedriver through selenium),
against a real server, a real agent on the real engine, and drover-sim's simulated devices.

    /usr/bin/python3 scripts/dashboard-checks.py --drover .build/debug/drover \
        --agent .build/debug/drover-agent --sim .build/debug/drover-sim

The engine and the registry come from DROVER_TEST_DOCKER_HOST and DROVER_TEST_REGISTRY. The
script starts its own server on a free 127.0.0.1 port in a temporary directory, prints each
check as it passes, stops and removes everything it started (also on failure) and exits
non-zero when a check failed. Screenshots of every main page at 1280 px and 390 px go to
.build/dashboard-screenshots/. Waits are explicit and generous; no check asserts a duration
(the durations that the issue names are printed).
"""

import argparse
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(text):
    print(f"==> {text}", flush=True)


class CheckFailed(Exception):
    pass


class Harness:
    """Everything the checks start, so that all of it is stopped however the script ends."""

    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="drover-dashboard-")
        self.processes = []  # (name, Popen)
        self.apps = []  # (app, device uuid) to remove from the engine
        self.driver = None
        self.failures = 0
        self.passed = 0
        self.docker_host = os.environ.get("DROVER_TEST_DOCKER_HOST") or os.environ.get("DOCKER_HOST") or "unix:///var/tmp/drover/docker/docker.sock"
        self.registry = os.environ.get("DROVER_TEST_REGISTRY") or "127.0.0.1:5055"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = None
        self.cleaned = False

    # ---- processes

    def start(self, name, command, env=None, stdin=None):
        logfile = open(os.path.join(self.work, f"{name}.log"), "wb")
        process = subprocess.Popen(command, stdout=logfile, stderr=subprocess.STDOUT, env=env, stdin=stdin or subprocess.DEVNULL, start_new_session=True)
        self.processes.append((name, process))
        return process

    def stop(self, process, grace=10):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        if self.driver is not None:
            try:
                self.driver.quit()
            except Exception:
                pass
        # Agents first (they would restart what is removed), then their apps, then the server.
        for name, process in reversed(self.processes):
            if name != "server":
                self.stop(process)
        for app, uuid in self.apps:
            subprocess.run([self.args.agent, "remove", "--app", app, "--device", uuid, "--volumes", "--engine", self.docker_host],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120, check=False)
        for name, process in self.processes:
            if name == "server":
                self.stop(process)
        if self.args.keep:
            log(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- the API and the CLI, as the admin

    def api(self, method, path, body=None, token=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token or self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                raw = answer.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            raise CheckFailed(f"{method} {path}: {error.code} {error.read().decode(errors='replace')}")

    def cli(self, *arguments, stdin=None):
        env = dict(os.environ, DROVER_SERVER=self.url, DROVER_TOKEN=self.token, HOME=os.path.join(self.work, "home"))
        env.pop("XDG_CONFIG_HOME", None)
        done = subprocess.run([self.args.drover, *arguments], input=stdin, capture_output=True, text=True, env=env, timeout=300)
        if done.returncode != 0:
            raise CheckFailed(f"drover {' '.join(arguments)}: {done.stderr.strip() or done.stdout.strip()}")
        return done.stdout.strip()

    def docker(self, *arguments):
        done = subprocess.run(["docker", "-H", self.docker_host, *arguments], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise CheckFailed(f"docker {' '.join(arguments)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def container_of(self, uuid, service):
        ids = self.docker("ps", "-q", "--filter", f"label=io.drover.device={uuid}", "--filter", f"label=io.drover.service={service}").split()
        return ids[0] if ids else None

    # ---- checks

    def check(self, what, function, *arguments):
        """Runs one check; prints it; returns its result, or None when it failed."""
        try:
            result = function(*arguments)
        except (CheckFailed, TimeoutException, WebDriverException, AssertionError) as error:
            self.failures += 1
            message = getattr(error, "msg", None) or str(error) or type(error).__name__
            log(f"FAILED: {what}: {message.strip()}")
            if self.driver is not None:
                try:
                    path = os.path.join(self.args.screenshots, f"failed-{self.failures}.png")
                    self.driver.save_screenshot(path)
                    log(f"   the page then: {path} ({self.driver.current_url})")
                except Exception:
                    pass
            return None
        self.passed += 1
        note = f" ({result})" if isinstance(result, str) and result else ""
        log(f"ok: {what}{note}")
        return result if result not in (None, "") else True


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout, what, interval=0.2):
    """Waits for `condition()` to return something truthy (returned), for at most `timeout` s."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (CheckFailed, OSError, ValueError) as error:
            last_error = error
        time.sleep(interval)
    raise CheckFailed(f"timed out after {timeout} s waiting for {what}" + (f" (last error: {last_error})" if last_error else ""))


def find_axe(args, work):
    """axe-core's axe.min.js: --axe, $DROVER_AXE_JS, a copy cached under .build, or the one in
    PyPI's axe-selenium-python, fetched with pip and cached."""
    for candidate in (args.axe, os.environ.get("DROVER_AXE_JS"), os.path.join(ROOT, ".build", "dashboard-axe", "axe.min.js")):
        if candidate and os.path.isfile(candidate):
            return candidate
    target = os.path.join(ROOT, ".build", "dashboard-axe")
    os.makedirs(target, exist_ok=True)
    download = os.path.join(work, "axe-download")
    pythons = [p for p in (shutil.which("python3"), sys.executable) if p]
    for python in pythons:
        done = subprocess.run([python, "-m", "pip", "download", "--no-deps", "-q", "-d", download, "axe-selenium-python"], capture_output=True, text=True, timeout=300)
        if done.returncode == 0:
            break
    for name in os.listdir(download) if os.path.isdir(download) else []:
        if name.endswith(".whl"):
            with zipfile.ZipFile(os.path.join(download, name)) as wheel:
                for member in wheel.namelist():
                    if member.endswith("axe.min.js"):
                        with open(os.path.join(target, "axe.min.js"), "wb") as out:
                            out.write(wheel.read(member))
                        return os.path.join(target, "axe.min.js")
    raise CheckFailed("axe-core not found: pass --axe PATH/axe.min.js or let pip download axe-selenium-python")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drover", default=os.path.join(ROOT, ".build/debug/drover"))
    parser.add_argument("--agent", default=os.path.join(ROOT, ".build/debug/drover-agent"))
    parser.add_argument("--sim", default=os.path.join(ROOT, ".build/debug/drover-sim"))
    parser.add_argument("--sim-devices", type=int, default=10000)
    parser.add_argument("--axe", help="axe.min.js (default: fetched from PyPI's axe-selenium-python and cached under .build)")
    parser.add_argument("--screenshots", default=os.path.join(ROOT, ".build", "dashboard-screenshots"))
    parser.add_argument("--dashboard-dir", help="serve the dashboard's files from this directory (DROVER_DASHBOARD_DIR) instead of the binary's")
    parser.add_argument("--headed", action="store_true", help="show the browser")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, data)")
    args = parser.parse_args()
    for name in ("drover", "agent", "sim"):
        setattr(args, name, os.path.abspath(getattr(args, name)))
        if not os.access(getattr(args, name), os.X_OK):
            sys.exit(f"dashboard-checks: {getattr(args, name)} is not an executable (--{name})")
    os.makedirs(args.screenshots, exist_ok=True)

    harness = Harness(args)
    atexit.register(harness.cleanup)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(130))
    try:
        run(harness)
    finally:
        harness.cleanup()
    if harness.failures:
        log(f"{harness.failures} dashboard check(s) failed, {harness.passed} passed")
        sys.exit(1)
    log(f"every dashboard check passed ({harness.passed})")


def run(harness):
    args = harness.args
    env = dict(os.environ)
    if args.dashboard_dir:
        env["DROVER_DASHBOARD_DIR"] = os.path.abspath(args.dashboard_dir)
    data = os.path.join(harness.work, "data")
    log(f"a server on {harness.url} (data in {data})")
    server = harness.start("server", [args.drover, "server", "--data", data, "--listen", f"127.0.0.1:{harness.port}", "--resolve-images", "never"], env=env)
    harness.server_pid = server.pid

    def healthy():
        with urllib.request.urlopen(harness.url + "/v1/health", timeout=2) as answer:
            return answer.status == 200
    wait_until(healthy, 60, "the server to answer /v1/health")
    harness.token = wait_until(lambda: open(os.path.join(data, "admin-token")).read().strip(), 30, "the admin token")
    admin_password = "dashboard-admin-pw-1"
    viewer_password = "dashboard-viewer-pw-1"
    harness.cli("user", "passwd", "--password-stdin", stdin=admin_password + "\n")
    harness.cli("user", "create", "vic", "--role", "viewer", "--password-stdin", stdin=viewer_password + "\n")
    harness.cli("fleet", "create", "kiosk")
    key = harness.cli("key", "create", "--fleet", "kiosk").split()[-1]

    # drover-sim enrols its devices meanwhile, in a fleet of its own; it is waited for later.
    log(f"drover-sim enrols {args.sim_devices} simulated devices in the background")
    sim = harness.start("sim", [args.sim, "--server", harness.url, "--token", harness.token, "--devices", str(args.sim_devices),
                                "--seconds", "1", "--concurrency", "32"])

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    if not args.headed:
        options.add_argument("--headless=new")
    for flag in ("--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,900", "--no-first-run",
                 "--disable-extensions", "--disable-background-networking", "--disable-sync", "--metrics-recording-only"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    harness.driver = driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(60)
    set_width(driver, 1280)

    # ---- log in, and see a device come online without a reload
    harness.check("log in through the form (inputs username and password)", login, harness, "admin", admin_password)
    harness.check("the fleet page says what to do without devices", open_empty_fleet, harness)
    driver.execute_script("window.__droverNoReload = 'still here';")
    agent_config = os.path.join(harness.work, "agent.json")
    with open(agent_config, "w") as out:
        json.dump({"server": harness.url, "provisioningKey": key, "deviceName": "kiosk-1", "engine": harness.docker_host,
                   "stateDir": os.path.join(harness.work, "agent-state"), "pollInterval": 30}, out)
    started = time.monotonic()
    harness.start("agent", [args.agent, "run", "--config", agent_config], env=dict(os.environ, DROVER_LOG_LEVEL="info"))
    device = harness.check("a device that enrols shows up online on the open page, without a reload", see_device_online, harness, started)
    if device:
        harness.apps.append(("kiosk", device))
    release = device and harness.check("a release made with the CLI shows as the device's release on the open page", release_shows, harness, device)
    if device:
        harness.check("the device page shows status, services and the release", open_device, harness, device, release)
    if release:
        harness.check("a line the container prints shows in the device's logs", log_line_shows, harness, device)
        harness.check("a terminal to service web answers echo $((6*7)) with 42", terminal_answers, harness, device)
        harness.check("a variable set in the page recreates the container with it", env_recreates, harness, device)
    harness.check("a secret stored in the page is listed by name; its value shows nowhere in the page or the API", secret_stored, harness)
    if release:
        harness.check("the release page shows its compose document, images and where devices stand", release_page, harness, release)
    harness.check("audit log page lists the changes made in the page", audit_page, harness)

    # ---- the viewer
    harness.check("log out", logout, harness)
    harness.check("log in as a viewer", login, harness, "vic", viewer_password)
    if device:
        harness.check("the viewer sees no restart (or other action) button", viewer_sees_no_actions, harness, device)
        harness.check("a forged POST with the viewer's cookie and CSRF token gets 403", forged_post_refused, harness, device)
    harness.check("log out the viewer", logout, harness)
    harness.check("log in as admin again", login, harness, "admin", admin_password)

    # ---- 10,000 simulated devices
    sim_fleet = harness.check(f"drover-sim enrolled {args.sim_devices} devices", wait_for_sim, harness, sim)
    if sim_fleet:
        harness.check(f"the fleet of {args.sim_devices} devices loads and pages through", page_through, harness, sim_fleet, args.sim_devices)

    # ---- accessibility and screenshots
    pages = {"fleets": "#/fleets", "fleet": "#/fleets/kiosk"}
    if device:
        pages["device"] = f"#/devices/{device}"
    if release:
        pages["release"] = f"#/releases/{release}"
    pages["audit"] = "#/audit"
    axe_path = harness.check("axe-core is at hand", find_axe, args, harness.work)
    if axe_path:
        source = open(axe_path).read()
        for name, route in pages.items():
            harness.check(f"axe-core finds no critical violation on the {name} page", axe_page, harness, route, source)
    pages.update({"members": "#/members", "tokens": "#/tokens", "webhooks": "#/webhooks"})
    if sim_fleet:
        pages["fleet-sim"] = f"#/fleets/{sim_fleet}"
    for width in (1280, 390):
        for name, route in pages.items():
            harness.check(f"screenshot of the {name} page at {width} px shows no error", screenshot, harness, name, route, width)
    set_width(driver, 1280)


# ---- browser helpers

def set_width(driver, width, height=900):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 500})


def wait(driver, timeout, condition, what):
    # A live page draws its tables again when the server says something changed: an element
    # found a moment ago may be gone, and the condition is simply asked again.
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=(StaleElementReferenceException,)).until(
            lambda d: condition(d))
    except TimeoutException:
        raise CheckFailed(f"timed out after {timeout} s waiting for {what}")


def present(driver, css):
    found = driver.find_elements(By.CSS_SELECTOR, css)
    return found[0] if found else None


def visible(driver, css):
    return [e for e in driver.find_elements(By.CSS_SELECTOR, css) if e.is_displayed()]


def go(harness, route, ready=True):
    driver = harness.driver
    if driver.current_url.startswith(harness.url):
        driver.execute_script("location.hash = arguments[0];", route)
    else:
        driver.get(harness.url + "/" + route)
    if ready:
        wait(driver, 60, lambda d: d.execute_script(
            "const p = document.querySelector('main .page'); return p && p.dataset.ready === 'true' && location.hash === arguments[0];", route),
            f"page {route} to be ready")


def console_errors(driver):
    """The browser's console errors since the last call (reading drains the log)."""
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def login(harness, name, password):
    driver = harness.driver
    driver.get(harness.url + "/")
    form = wait(driver, 30, lambda d: present(d, "form[data-testid=login-form]"), "the login form")
    user = form.find_element(By.CSS_SELECTOR, "input[name=username]")
    secret = form.find_element(By.CSS_SELECTOR, "input[name=password]")
    assert user.get_attribute("autocomplete") == "username", "the user name input has autocomplete=username"
    assert secret.get_attribute("autocomplete") == "current-password", "the password input has autocomplete=current-password"
    user.send_keys(name)
    secret.send_keys(password)
    secret.send_keys(Keys.ENTER)
    wait(driver, 30, lambda d: (present(d, "[data-testid=whoami]") and present(d, "[data-testid=whoami]").text == name), f"{name} to be logged in")
    wait(driver, 30, lambda d: d.execute_script("return location.hash") == "#/fleets", "the fleets page after login")
    console_errors(driver)
    return ""


def logout(harness):
    driver = harness.driver
    button = wait(driver, 20, lambda d: present(d, "[data-testid=logout]"), "the logout button")
    button.click()
    wait(driver, 20, lambda d: present(d, "form[data-testid=login-form]"), "the login form after logout")
    # The session is gone on the server too: the API answers 401 with the old cookie.
    status = driver.execute_async_script("const done = arguments[0]; fetch('/v1/me').then(r => done(r.status), e => done(String(e)));")
    assert status == 401, f"GET /v1/me after logout answers {status}, not 401"
    console_errors(driver)  # that 401 is expected
    return ""


def open_empty_fleet(harness):
    driver = harness.driver
    card = wait(harness.driver, 30, lambda d: present(d, "[data-testid=fleet-card][data-fleet=kiosk] a"), "the fleet card of kiosk")
    card.click()
    wait(driver, 30, lambda d: d.execute_script("const p = document.querySelector('main .page'); return p && p.dataset.ready === 'true';"), "the fleet page")
    text = wait(driver, 30, lambda d: present(d, "[data-testid=device-table] [data-testid=empty]"), "the fleet's empty state").text
    assert "drover-agent" in text, f"the empty state names what to run: {text!r}"
    return text.splitlines()[0]


def see_device_online(harness, started):
    driver = harness.driver
    row = wait(driver, 120, lambda d: present(d, "[data-testid=device-row][data-name=kiosk-1]"), "a row for device kiosk-1")
    wait(driver, 120, lambda d: d.execute_script(
        "const r = document.querySelector('[data-testid=device-row][data-name=\"kiosk-1\"] [data-testid=online]'); return r && r.textContent === 'online';"),
        "kiosk-1 to show online")
    elapsed = time.monotonic() - started
    assert driver.execute_script("return window.__droverNoReload") == "still here", "the page was reloaded"
    uuid = driver.execute_script("return document.querySelector('[data-testid=device-row][data-name=\"kiosk-1\"]').dataset.device")
    log(f"   kiosk-1 ({uuid}) showed online {elapsed:.1f} s after its agent started (enrolment and first report included)")
    return uuid


def release_shows(harness, device):
    driver = harness.driver
    compose = os.path.join(harness.work, "compose.yml")
    with open(compose, "w") as out:
        out.write(f"""services:
  web:
    image: {harness.registry}/drover/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; echo web-started; while true; do sleep 1 & wait; done"]
""")
    created = time.monotonic()
    release = harness.cli("release", "create", "--fleet", "kiosk", "-f", compose).split()[-1]
    wait(driver, 180, lambda d: d.execute_script(
        "const c = document.querySelector('[data-testid=device-row][data-device=\"' + arguments[0] + '\"] [data-testid=device-release]'); return c && c.dataset.release;",
        device) == release, f"the device's release to read {release}")
    assert driver.execute_script("return window.__droverNoReload") == "still here", "the page was reloaded"
    # The releases list of the open page has it too.
    wait(driver, 30, lambda d: present(d, f"#releases tr[data-release='{release}']"), "the release in the fleet's releases")
    log(f"   release {release} showed on the device's row {time.monotonic() - created:.1f} s after 'release create' (pull and start included)")
    return release


def open_device(harness, device, release):
    driver = harness.driver
    link = wait(driver, 20, lambda d: present(d, f"[data-testid=device-row][data-device='{device}'] [data-testid=device-link]"), "the device's link")
    link.click()
    wait(driver, 60, lambda d: d.execute_script("const p = document.querySelector('main .page'); return p && p.dataset.ready === 'true' && location.hash.startsWith('#/devices/');"), "the device page")
    wait(driver, 120, lambda d: present(d, "#services tr[data-service=web]"), "service web in the services table")
    wait(driver, 120, lambda d: "running" in present(d, "#services tr[data-service=web]").text, "service web to run")
    name = present(driver, "[data-testid=device-name]").text
    assert name == "kiosk-1", f"the page names the device: {name!r}"
    time_el = present(driver, "[data-testid=device-online] time")
    assert time_el is not None and time_el.get_attribute("title"), "last seen is a <time> with the absolute time as its title"
    return f"status {present(driver, '[data-testid=device-status]').text}"


def log_line_shows(harness, device):
    driver = harness.driver
    wait(driver, 30, lambda d: present(d, "[data-testid=log]"), "the log panel")
    container = wait_until(lambda: harness.container_of(device, "web"), 60, "web's container")
    marker = f"dashboard-marker-{int(time.time())}"
    printed = time.monotonic()
    harness.docker("exec", container, "sh", "-c", f"echo {marker} > /proc/1/fd/1")
    wait(driver, 60, lambda d: d.execute_script(
        "return [...document.querySelectorAll('[data-testid=log] .log-msg')].some(e => e.textContent.includes(arguments[0]));", marker),
        f"the line {marker} in the logs")
    elapsed = time.monotonic() - printed
    # The search filter hides other lines and keeps this one.
    search = present(driver, "[data-testid=log-search]")
    search.send_keys(marker)
    wait(driver, 10, lambda d: d.execute_script(
        "const rows = [...document.querySelectorAll('[data-testid=log] .log-line')]; return rows.filter(r => !r.hidden).length >= 1 && rows.filter(r => !r.hidden).every(r => r.textContent.includes(arguments[0]));", marker),
        "the search to keep only the marker's line")
    search.clear()
    search.send_keys(" ")
    search.send_keys(Keys.BACKSPACE)
    return f"shown {elapsed:.2f} s after the container printed it"


def terminal_answers(harness, device):
    driver = harness.driver
    Select(present(driver, "[data-testid=terminal-target]")).select_by_value("web")
    present(driver, "[data-testid=terminal-open]").click()
    wait(driver, 60, lambda d: d.execute_script("const t = document.querySelector('[data-testid=terminal]'); return Boolean(t && t.dataset.open === 'true' && t.droverTerminal);"),
         "the terminal to open")
    loaded = driver.execute_script("return [...document.scripts].some(s => s.src.endsWith('/ui/vendor/xterm.js'))")
    assert loaded, "xterm.js was loaded when the terminal opened"

    def screen():
        return driver.execute_script(
            "const t = document.querySelector('[data-testid=terminal]').droverTerminal; t.selectAll(); const s = t.getSelection(); t.clearSelection(); return s;") or ""
    # A prompt first, so that what is typed reaches a shell that reads it.
    wait(driver, 60, lambda d: screen().strip(), "the shell's prompt")
    textarea = present(driver, "[data-testid=terminal] textarea")
    textarea.send_keys("echo $((6*7))" + Keys.ENTER)
    wait(driver, 60, lambda d: re.search(r"(^|\n)42\s*(\n|$)", screen()), "42 on its own line in the terminal")
    present(driver, "[data-testid=terminal-close]").click()
    wait(driver, 20, lambda d: present(d, "[data-testid=terminal-open]"), "the terminal to close")
    # The session is recorded on the device's page.
    wait(driver, 60, lambda d: "service web" in (present(d, "#sessions table") or d.find_element(By.TAG_NAME, "body")).text, "the session in the sessions list")
    # And in the device's audit entries, which the page hears about live.
    wait(driver, 60, lambda d: present(d, "#audit tr[data-action='session.terminal']"), "the session in the device's audit entries")
    return ""


def env_recreates(harness, device):
    driver = harness.driver
    before = wait_until(lambda: harness.container_of(device, "web"), 60, "web's container")
    present(driver, "#env [data-testid=add-env]").click()
    dialog = wait(driver, 10, lambda d: present(d, "dialog[open]"), "the variable dialog")
    dialog.find_element(By.CSS_SELECTOR, "input[name=name]").send_keys("DASHBOARD_CHECK")
    dialog.find_element(By.CSS_SELECTOR, "textarea[name=value]").send_keys("set-in-the-page")
    Select(dialog.find_element(By.CSS_SELECTOR, "select[name=service]")).select_by_value("web")
    dialog.find_element(By.CSS_SELECTOR, "[data-testid=dialog-confirm]").click()
    wait(driver, 30, lambda d: present(d, "#env tr[data-env=DASHBOARD_CHECK]"), "the variable in the page's table")

    def recreated():
        now = harness.container_of(device, "web")
        if not now or now == before:
            return None
        env = json.loads(harness.docker("inspect", "--format", "{{json .Config.Env}}", now))
        return now if "DASHBOARD_CHECK=set-in-the-page" in env else None
    after = wait_until(recreated, 180, "a new web container with DASHBOARD_CHECK=set-in-the-page", interval=0.5)
    row = present(driver, "#env tr[data-env=DASHBOARD_CHECK]").text
    assert "web" in row, f"the table says the variable is used by web: {row!r}"
    return f"container {before[:12]} → {after[:12]}"


def secret_stored(harness):
    driver = harness.driver
    go(harness, "#/fleets/kiosk")
    wait(driver, 30, lambda d: present(d, "#files [data-testid=add-file]"), "the secrets section's add button")
    present(driver, "#files [data-testid=add-file]").click()
    dialog = wait(driver, 10, lambda d: present(d, "dialog[open]"), "the secret dialog")
    value = f"dashboard-secret-{os.getpid()}"
    dialog.find_element(By.CSS_SELECTOR, "input[name=name]").send_keys("wifi_psk")
    dialog.find_element(By.CSS_SELECTOR, "textarea[name=value]").send_keys(value)
    dialog.find_element(By.CSS_SELECTOR, "[data-testid=dialog-confirm]").click()
    wait(driver, 30, lambda d: present(d, "#files tr[data-file='secret/wifi_psk']"), "the secret's row in the table")
    assert value not in driver.page_source, "the page shows the secret's value"
    listing = harness.cli("secret", "list", "--fleet", "kiosk", "-o", "json")
    assert "wifi_psk" in listing and value not in listing, f"the API lists {listing!r}"
    return "listed as wifi_psk, value nowhere"


def release_page(harness, release):
    driver = harness.driver
    go(harness, f"#/releases/{release}")
    wait(driver, 30, lambda d: d.execute_script(
        "return [...document.querySelectorAll('pre.compose .y-key')].some(e => e.textContent === 'services');"), "the compose document, highlighted")
    images = present(driver, "#images table").text
    assert "busybox" in images, f"the services table names the image: {images!r}"
    wait(driver, 30, lambda d: "runs it" in (present(d, "#devices table") or d.find_element(By.TAG_NAME, "body")).text, "kiosk-1 running it")
    return ""


def audit_page(harness):
    go(harness, "#/audit")
    driver = harness.driver
    # Enrolments of the simulated devices fill the newest entries; the action filter finds ours.
    present(driver, "input[name=action]").send_keys("setEnv")
    wait(driver, 30, lambda d: d.execute_script(
        "const rows = [...document.querySelectorAll('[data-testid=audit-table] tbody tr')];"
        "return rows.length > 0 && rows.every(r => r.dataset.action === 'setEnv');"), "only setEnv entries in the filtered audit log")
    row = present(driver, "[data-testid=audit-table] tr[data-action=setEnv]").text
    assert "admin" in row, f"the entry names who: {row!r}"
    return ""


def viewer_sees_no_actions(harness, device):
    driver = harness.driver
    go(harness, f"#/devices/{device}")
    wait(driver, 30, lambda d: present(d, "#services tr[data-service=web]"), "the services table")
    for css in ("[data-testid=action-restart]", "[data-testid=service-restart]", "[data-testid^=action-]", "#env [data-testid=add-env]", "[data-testid=terminal-open]"):
        assert not driver.find_elements(By.CSS_SELECTOR, css), f"the viewer sees {css}"
    go(harness, "#/fleets/kiosk")
    wait(driver, 30, lambda d: present(d, "[data-testid=device-row]"), "the device table")
    for css in ("[data-testid^=bulk-]", "[data-testid=select-device]", "[data-testid=add-env]", "[data-testid=create-key]", "[data-testid=track-release]"):
        assert not driver.find_elements(By.CSS_SELECTOR, css), f"the viewer sees {css}"
    go(harness, "#/fleets")
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=create-fleet]"), "the viewer sees the create-fleet form"
    return ""


def forged_post_refused(harness, device):
    driver = harness.driver
    console_errors(driver)
    answer = driver.execute_async_script("""
        const [device, done] = arguments;
        fetch('/v1/me').then(r => r.json()).then(me =>
          fetch('/v1/devices/' + device + '/actions', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf || ''},
                body: JSON.stringify({action: 'restart'})})
            .then(r => r.text().then(body => done({status: r.status, body, csrf: Boolean(me.csrf)}))))
          .catch(e => done({error: String(e)}));""", device)
    console_errors(driver)  # the 403 is logged by the browser; it is expected here
    assert "error" not in answer, answer.get("error")
    assert answer["csrf"], "GET /v1/me gave the session's CSRF token"
    assert answer["status"] == 403, f"the forged POST got {answer['status']}: {answer['body']}"
    assert "act-on-device" in answer["body"], f"the 403 names the permission: {answer['body']}"
    return json.loads(answer["body"])["error"]["message"][:90]


def wait_for_sim(harness, sim):
    def enrolled():
        for fleet in harness.api("GET", "/v1/fleets"):
            if fleet["name"].startswith("sim") and fleet.get("deviceCount", 0) >= harness.args.sim_devices:
                return fleet["name"]
        return None
    name = wait_until(enrolled, 1200, f"a sim fleet with {harness.args.sim_devices} devices", interval=2)
    # The simulator goes on with its throughput phases; its devices stay enrolled when it ends.
    try:
        sim.wait(1200)
    except subprocess.TimeoutExpired:
        harness.stop(sim)
    return name


def page_through(harness, fleet, count):
    """Pages, sorts and searches the simulated fleet. The table is drawn again whenever one of
    its devices reports, so the page is read and clicked through scripts, never through element
    references that a new drawing makes stale."""
    driver = harness.driver
    started = time.monotonic()
    go(harness, f"#/fleets/{fleet}")
    info = lambda d: d.execute_script("const e = document.querySelector('[data-testid=page-info]'); return e ? e.textContent : '';")
    names = lambda d: d.execute_script("return [...document.querySelectorAll('[data-testid=device-row]')].map(r => r.dataset.name);")
    click = lambda css: driver.execute_script("const e = document.querySelector(arguments[0]); if (!e || e.disabled) return false; e.focus(); e.click(); return true;", css)
    wait(driver, 60, lambda d: f"of {count:,}" in info(d), f"'of {count:,}' in the pager")
    loaded = time.monotonic() - started
    first = names(driver)
    assert len(first) == min(50, count), f"a page has {min(50, count)} rows, not {len(first)}"
    if count > 50:
        assert click("[data-testid=page-next]"), "the next-page button is enabled"
        wait(driver, 60, lambda d: info(d).startswith("51–"), "page 2")
        assert not set(names(driver)) & set(first), "page 2 shows other devices"
        assert click("[data-testid=page-last]"), "the last-page button is enabled"
        wait(driver, 60, lambda d: f"–{count:,} of" in info(d), "the last page")
    # Sort by name the other way round.
    assert click("button[data-sort=name]"), "the name column sorts"
    wait(driver, 60, lambda d: info(d).startswith("1–") and d.execute_script(
        "return document.querySelector('th[aria-sort=descending] button[data-sort=name]') !== null"), "sorting by name descending")
    descending = names(driver)
    assert descending == sorted(descending, reverse=True), f"the rows are sorted by name, descending: {descending[:5]}"
    # A name search narrows it to the one device of that name.
    target = f"sim-{count - 1}"
    search = present(driver, "[data-testid=device-search]")
    search.send_keys(target)
    wait(driver, 60, lambda d: names(d) == [target], f"the search for {target} to find it alone")
    return f"first page shown {loaded:.2f} s after navigating"


def axe_page(harness, route, source):
    driver = harness.driver
    go(harness, route)
    driver.execute_script(source)
    result = driver.execute_async_script("""
        const done = arguments[0];
        axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
          targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))).catch(e => done({error: String(e)}));""")
    if isinstance(result, dict):
        raise CheckFailed(result["error"])
    counts = {}
    for violation in result:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + violation["nodes"]
    for violation in result:
        log(f"   axe {violation['impact']}: {violation['id']} on {violation['nodes']} element(s), e.g. {violation['targets']}")
    critical = [v for v in result if v["impact"] == "critical"]
    assert not critical, f"critical violations: {[v['id'] for v in critical]}"
    return "by impact: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none")


def screenshot(harness, name, route, width):
    driver = harness.driver
    set_width(driver, width)
    console_errors(driver)
    if driver.current_url.split("#")[0].rstrip("/") == harness.url and driver.execute_script("return location.hash") == route:
        driver.refresh()
    go(harness, route)
    # Let the page settle: the first table or list rendered, then layout done.
    driver.execute_script("return new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    banners = visible(driver, "[data-testid=error], .banner-error, [data-testid=toast-error]")
    assert not banners, f"an error is shown: {banners[0].text!r}"
    height = driver.execute_script("return Math.min(6000, Math.max(document.documentElement.scrollHeight, 600))")
    set_width(driver, width, height)
    path = os.path.join(harness.args.screenshots, f"{name}-{width}.png")
    driver.save_screenshot(path)
    set_width(driver, width)
    errors = console_errors(driver)
    assert not errors, f"console errors: {[e['message'] for e in errors]}"
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the {width} px window"
    return os.path.relpath(path, ROOT)


if __name__ == "__main__":
    main()
