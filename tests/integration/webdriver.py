#!/usr/bin/python3
"""Drives headless Chromium through chromedriver's WebDriver HTTP API with
the standard library only: log in, open a seeded dead job, click Retry,
wait until the page shows it succeeded, save a screenshot.

usage: webdriver.py DRIVER_URL BASE_URL PASSWORD JOB_ID SCREENSHOT PROFILE_DIR
Prints TAP lines; exits 1 when a step fails.
"""
import base64
import json
import sys
import time
import urllib.request

driver, base, password, job_id, shot, profile = sys.argv[1:7]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(driver + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as answer:
        return json.loads(answer.read() or b"{}").get("value")


def step(name, ok, detail=""):
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        print("# " + str(detail)[:400])
        raise SystemExit(1)


flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1200,900", "--user-data-dir=" + profile]
caps = {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": flags}}}}
session = call("POST", "/session", caps)["sessionId"]
s = "/session/" + session
try:
    def find(css):
        return call("POST", s + "/element", {"using": "css selector", "value": css})[ELEMENT]

    def source():
        return call("GET", s + "/source")

    def wait_for(text, seconds=15):
        """Clicks may return before the next page has loaded."""
        deadline = time.monotonic() + seconds
        while text not in source() and time.monotonic() < deadline:
            time.sleep(0.1)
        return text in source()

    call("POST", s + "/url", {"url": base + "/jobs/"})
    step("browser is sent to the login page", "/jobs/login" in call("GET", s + "/url"))
    call("POST", s + "/element/" + find("#password") + "/value", {"text": password})
    call("POST", s + "/element/" + find("#login") + "/click", {})
    step("after login the overview is shown", wait_for("<h1>Overview</h1>"), source())

    call("POST", s + "/url", {"url": base + "/jobs/queue?state=dead"})
    step("the seeded failed job is listed", "#" + job_id in source())
    call("POST", s + "/url", {"url": base + "/jobs/job/" + job_id})
    state = lambda: call("GET", s + "/element/" + find("#job-state") + "/text")
    step("the job shows as dead", state() == "dead", state())
    step("its error is shown as text", "seeded failure" in source())
    call("POST", s + "/element/" + find("form[action$='/retry'] button") + "/click", {})
    step("retry shows the notice", wait_for("The job is enqueued again."), source())
    deadline = time.monotonic() + 20
    while state() != "succeeded" and time.monotonic() < deadline:
        time.sleep(0.2)
        call("POST", s + "/refresh", {})
    step("the retried job succeeded", state() == "succeeded", state())
    png = base64.b64decode(call("GET", s + "/screenshot"))
    with open(shot, "wb") as f:
        f.write(png)
    step("a screenshot was saved", png[:8] == b"\x89PNG\r\n\x1a\n")
finally:
    call("DELETE", s)
