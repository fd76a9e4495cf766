#!/usr/bin/python3
"""Drives headless Chromium through chromedriver's WebDriver HTTP API with
the standard library only, as a family admin would use the dashboard.

Logs in; visits every page in English and Czech, at a desktop width and at
375 px; on each page fails on a console error (a CSP violation is one), on
English text left in a Czech page, on raw JSON in a table cell, and on a
main layout wider than the window; saves a screenshot of each page. Then
exercises every action: live updates of the overview and of a running job
without a reload, retry (the notice says what really happened), filter by
type, jump to a job by number, bulk retry of dead jobs and bulk delete of
succeeded ones behind their confirmation page, run now / pause / resume,
delete, the language switch and logging out.

usage: webdriver.py DRIVER_URL BASE_URL PASSWORD DB SHOTS_DIR PROFILE_DIR IDS_JSON
IDS_JSON names the seeded jobs: {"dead": N, "dies": N, "succeeded": N}.
Prints TAP lines; exits 1 when a step fails.
"""
import base64
import json
import os
import sqlite3
import sys
import time
import urllib.request

driver, base, password, db_path, shots, profile, ids_json = sys.argv[1:8]
IDS = json.loads(ids_json)
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
WIDTHS = {"desktop": 1200, "phone": 375}
# Texts of the English UI that a Czech page must never show.
ENGLISH = ["Overview", "Recurring jobs", "History", "Log out", "Attempts",
           "Next run", "Last run", "Running now", "succeeded", "Duration",
           "Last backup", "Times in", "Nothing to do", "Deleted ", " ago"]


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(driver + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as answer:
        return json.loads(answer.read() or b"{}").get("value")


failures = 0


def step(name, ok, detail=""):
    global failures
    print(("ok - " if ok else "not ok - ") + name)
    if not ok:
        failures += 1
        print("# " + str(detail)[:600].replace("\n", "\n# "))
    return ok


def must(name, ok, detail=""):
    if not step(name, ok, detail):
        raise SystemExit(1)


flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1200,900",
         "--user-data-dir=" + profile]
caps = {"capabilities": {"alwaysMatch": {
    "browserName": "chrome",
    "goog:loggingPrefs": {"browser": "ALL"},
    "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": flags}}}}
session = call("POST", "/session", caps)["sessionId"]
s = "/session/" + session


def find(css):
    return call("POST", s + "/element", {"using": "css selector", "value": css})[ELEMENT]


def exists(css):
    return len(call("POST", s + "/elements", {"using": "css selector", "value": css})) > 0


def click(css):
    call("POST", s + "/element/" + find(css) + "/click", {})


def text_of(css):
    return call("GET", s + "/element/" + find(css) + "/text")


def run_js(script, *args):
    return call("POST", s + "/execute/sync", {"script": script, "args": list(args)})


def url():
    return call("GET", s + "/url")


def source():
    return call("GET", s + "/source")


def go(path):
    call("POST", s + "/url", {"url": base + path})


def wait_until(check, seconds=20):
    """Clicks may return before the next page has loaded; live updates
    come every few seconds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except Exception:  # the page is being replaced
            pass
        time.sleep(0.1)
    return bool(check())


def console():
    """Browser log entries since the last call, as (level, message)."""
    entries = call("POST", s + "/se/log", {"type": "browser"}) or []
    return [(e.get("level"), e.get("message", "")) for e in entries]


def set_width(width):
    call("POST", s + "/window/rect", {"width": width, "height": 900})
    return run_js("return window.innerWidth;")


def screenshot(name):
    png = base64.b64decode(call("GET", s + "/screenshot"))
    with open(os.path.join(shots, name + ".png"), "wb") as f:
        f.write(png)
    return png[:8] == b"\x89PNG\r\n\x1a\n"


def check_page(label, lang):
    """The checks every page passes; returns the problems found."""
    problems = []
    for level, message in console():
        if level in ("SEVERE", "WARNING") or "Content Security Policy" in message:
            problems.append("console %s: %s" % (level, message))
    widths = run_js("var e = document.documentElement;"
                    "return [e.scrollWidth, e.clientWidth];")
    if widths[0] > widths[1]:
        problems.append("horizontal scroll: %d px of content in %d px" % tuple(widths))
    if run_js("return document.documentElement.lang;") != lang:
        problems.append("page language is not " + lang)
    raw = run_js("return Array.from(document.querySelectorAll('td'))"
                 ".map(function (c) { return c.innerText; })"
                 ".filter(function (t) { return /[{\\[]\\s*\"/.test(t); });")
    if raw:
        problems.append("raw JSON in a table cell: " + raw[0][:80])
    if lang == "cs":
        text = run_js("return document.body.innerText;")
        problems += ["English in the Czech page: '%s'" % w for w in ENGLISH if w in text]
    return problems


PAGES = [
    ("overview", "/jobs/"),
    ("recurring", "/jobs/recurring"),
    ("queue", "/jobs/queue?state=dead"),
    ("queue-succeeded", "/jobs/queue?state=succeeded"),
    ("job", "/jobs/job/%d" % IDS["succeeded"]),
    ("job-dead", "/jobs/job/%d" % IDS["dead"]),
    ("history", "/jobs/history"),
    ("box", "/jobs/box"),
    ("bulk", "/jobs/bulk?action=delete-succeeded"),
]


def visit_all(lang, width_name):
    width = set_width(WIDTHS[width_name])
    if width_name == "phone":
        step("%s: the window is phone-sized (%s px)" % (lang, width), width <= 400, width)
    for name, path in PAGES:
        go(path)
        wait_until(lambda: run_js("return document.readyState;") == "complete")
        problems = check_page(name, lang)
        shot = "%s-%s-%s" % (lang, width_name, name)
        saved = screenshot(shot)
        step("%s %s %s: clean (console, CSP, language, no JSON, no side scroll)"
             % (lang, width_name, name), not problems and saved, "; ".join(problems))


def insert_job(payload, **columns):
    """A job inserted as another program would: a plain INSERT."""
    db = sqlite3.connect(db_path, timeout=10)
    with db:
        cur = db.execute("INSERT INTO jobs (type, payload) VALUES ('noop', ?)",
                         (json.dumps(payload),))
    db.close()
    return cur.lastrowid


def db_value(sql, *args):
    db = sqlite3.connect(db_path, timeout=10)
    value = db.execute(sql, args).fetchone()[0]
    db.close()
    return value


def mark_page():
    """A marker that survives live updates but not a reload."""
    run_js("window.__stayed = true;")


def page_stayed():
    return run_js("return window.__stayed === true;")


try:
    go("/jobs/")
    must("browser is sent to the login page", "/jobs/login" in url())
    call("POST", s + "/element/" + find("#password") + "/value", {"text": password})
    click("#login")
    must("after login the overview is shown", wait_until(lambda: "<h1>Overview</h1>" in source()),
         source()[:300])
    console()

    for lang in ("en", "cs"):
        go("/jobs/lang?to=" + lang)
        for width_name in ("desktop", "phone"):
            visit_all(lang, width_name)
    go("/jobs/lang?to=en")
    set_width(WIDTHS["desktop"])

    # Live: the overview counts a job another program inserts, without a reload.
    go("/jobs/")
    before = int(text_of(".card.state-succeeded .count"))
    mark_page()
    insert_job({"steps": 1})
    step("the overview updates itself when a job runs",
         wait_until(lambda: int(text_of(".card.state-succeeded .count")) > before) and page_stayed())

    # Live: a running job's page moves to succeeded on its own.
    running = insert_job({"steps": 4, "sleepMs": 4000})
    go("/jobs/job/%d" % running)
    mark_page()
    step("a running job's page shows it waiting or running first",
         text_of("#job-state") in ("enqueued", "processing"), text_of("#job-state"))
    step("a running job shows its progress while it runs",
         wait_until(lambda: exists("#progress") or text_of("#job-state") == "succeeded"))
    step("a running job's page turns to succeeded without a reload",
         wait_until(lambda: text_of("#job-state") == "succeeded", 30) and page_stayed(),
         text_of("#job-state"))
    step("its result reads as words", "step" in text_of("#result"), text_of("#result"))

    # Retry: the notice says what really happened, the counts agree.
    go("/jobs/job/%d" % IDS["dead"])
    step("the seeded job shows as dead", text_of("#job-state") == "dead", text_of("#job-state"))
    step("its error is shown as text", "seeded failure <b>" in text_of("#last-error"))
    click("form[action$='/retry'] button")
    step("after retry the job runs and the notice says it succeeded",
         wait_until(lambda: text_of("#notice") == "Retried: it ran again and succeeded."
                    and text_of("#job-state") == "succeeded"), source()[-2000:])
    rows = db_value("SELECT count(*) FROM job_attempts WHERE job_id = ?", IDS["dead"])
    attempts = db_value("SELECT attempts FROM jobs WHERE id = ?", IDS["dead"])
    step("the attempts field agrees with the attempt rows",
         text_of("#attempts").startswith("%d / " % attempts)
         and len(call("POST", s + "/elements", {"using": "css selector",
                                                "value": "table tbody tr"})) == rows,
         (text_of("#attempts"), rows))

    go("/jobs/job/%d" % IDS["dies"])
    click("form[action$='/retry'] button")
    step("a retried job that fails again says it died again",
         wait_until(lambda: text_of("#notice") == "Retried: it ran again and died again."
                    and text_of("#job-state") == "dead"), source()[-1500:])

    # Filter by type and jump to a job by number.
    go("/jobs/queue?state=succeeded")
    call("POST", s + "/element/" + find("#type option[value='noop']") + "/click", {})
    click("#filter button")
    step("the queue filters by type", wait_until(lambda: "type=noop" in url()), url())
    call("POST", s + "/element/" + find("#find input[name='id']") + "/value",
         {"text": str(IDS["succeeded"])})
    click("#find button")
    step("a job number opens that job",
         wait_until(lambda: url().endswith("/jobs/job/%d" % IDS["succeeded"])), url())
    go("/jobs/queue")
    call("POST", s + "/element/" + find("#find input[name='id']") + "/value", {"text": "999999"})
    click("#find button")
    step("an unknown job number says so",
         wait_until(lambda: text_of("#notice") == "No job has that number."))

    # Bulk: retry all dead of a type, behind a confirmation.
    dead = db_value("SELECT count(*) FROM jobs WHERE state = 'dead' AND type = 'noop'")
    go("/jobs/queue?state=dead&type=noop")
    click("#bulk")
    step("bulk retry asks first, with the count",
         wait_until(lambda: text_of("#question").startswith("Retry %d dead job" % dead)),
         text_of("#question"))
    click("#confirm")
    step("bulk retry reports how many went back",
         wait_until(lambda: text_of("#notice").startswith("%d job" % dead)))
    # Bulk: delete all succeeded.
    wait_until(lambda: db_value("SELECT count(*) FROM jobs WHERE state IN "
                                "('enqueued', 'processing')") == 0, 30)
    ok = db_value("SELECT count(*) FROM jobs WHERE state = 'succeeded'")
    go("/jobs/queue?state=succeeded")
    click("#bulk")
    step("bulk delete asks first, with the count",
         wait_until(lambda: text_of("#question").startswith("Delete %d succeeded job" % ok)),
         text_of("#question"))
    click("#confirm")
    step("bulk delete deletes them",
         wait_until(lambda: text_of("#notice").startswith("%d job" % ok))
         and db_value("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 0)

    # Recurring: run now, pause, resume.
    go("/jobs/recurring")
    click("form[action$='/DraftCleanup/trigger'] button")
    step("run now enqueues", wait_until(lambda: text_of("#notice") in (
        "The job was enqueued.", "This job is already waiting or running.")))
    step("last run counts the run triggered by hand",
         wait_until(lambda: db_value("SELECT count(*) FROM schedule_history WHERE "
                                     "name = 'DraftCleanup' AND result = 'succeeded'") > 0, 30))
    go("/jobs/recurring")
    row = run_js("var r = document.querySelector(\"form[action$='/DraftCleanup/trigger']\")"
                 ".closest('tr'); return r.cells[3].innerText;")
    step("the recurring page shows that run as the last run", "#" in row and "—" not in row, row)
    click("form[action$='/DraftCleanup/pause'] button")
    step("pause", wait_until(lambda: text_of("#notice") == "The schedule is paused."))
    click("form[action$='/DraftCleanup/resume'] button")
    step("resume", wait_until(lambda: text_of("#notice") == "The schedule runs again."))

    # Delete one job.
    go("/jobs/job/%d" % IDS["dies"])
    click("form[action$='/delete'] button")
    step("delete removes the job", wait_until(lambda: text_of("#notice") == "The job was deleted."))

    # The language switch and logging out.
    go("/jobs/box")
    click("#lang")
    step("the language switch shows Czech", wait_until(lambda: "<h1>Přehled</h1>" in source()))
    go("/jobs/lang?to=en")
    errors = [m for lvl, m in console() if lvl == "SEVERE"]
    step("no console error during the actions", not errors, errors)
    click("form[action$='/logout'] button")
    step("log out returns to the login page", wait_until(lambda: "/jobs/login" in url()))
finally:
    call("DELETE", s)
sys.exit(1 if failures else 0)
