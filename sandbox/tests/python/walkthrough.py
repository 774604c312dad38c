"""The sandbox from Python, standard library only (urllib): what a non-Rust service's test does.

Usage: python3 walkthrough.py /path/to/zoho-sandbox

Starts the binary with --json, authorizes (auto-approve), exchanges the code, lists projects,
creates a task, advances the clock two hours through the control API, sees the 401, refreshes,
calls again, injects a 500 fault and sees it, revokes. Exits 0 and prints PASS, or fails loudly.
"""

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 10


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def request(method, url, *, form=None, body=None, token=None):
    """(status, headers, parsed JSON body or None)."""
    data, headers = None, {}
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = "Zoho-oauthtoken " + token
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with OPENER.open(req, timeout=TIMEOUT) as r:
            status, hdrs, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return status, hdrs, parsed


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def main(binary):
    proc = subprocess.Popen(
        [binary, "--json", "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        info = json.loads(proc.stdout.readline())
        walk(info)
    finally:
        proc.terminate()
        proc.wait(timeout=TIMEOUT)
    print("PASS")


def walk(info):
    accounts = info["urls"]["us"]["accounts"]
    projects = info["urls"]["us"]["projectsapi"]
    control = info["control"]
    client = info["client"]
    portal = info["portals"]["us"]["id"]
    project = info["portals"]["us"]["projects"][0]["id"]
    scope = "ZohoProjects.portals.READ,ZohoProjects.projects.READ,ZohoProjects.tasks.ALL"

    # 1. authorize: with --auto-approve the code is in the redirect's Location
    query = urllib.parse.urlencode({
        "client_id": client["client_id"], "response_type": "code",
        "redirect_uri": client["redirect_uri"], "scope": scope,
        "access_type": "offline", "prompt": "consent", "state": "py",
    })
    status, headers, _ = request("GET", accounts + "oauth/v2/auth?" + query)
    expect(status == 302, f"authorize: {status}")
    back = urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)
    expect(back["state"] == ["py"], f"state: {back}")
    expect(back["accounts-server"] == [accounts.rstrip("/")], f"accounts-server: {back}")
    code = back["code"][0]

    # 2. exchange the code
    token_url = accounts + "oauth/v2/token"
    status, _, t = request("POST", token_url, form={
        "grant_type": "authorization_code", "client_id": client["client_id"],
        "client_secret": client["client_secret"], "redirect_uri": client["redirect_uri"], "code": code,
    })
    expect(status == 200 and "access_token" in t, f"exchange: {status} {t}")
    expect(t["api_domain"] == info["urls"]["us"]["zohoapis"].rstrip("/"), f"api_domain: {t}")
    access, refresh = t["access_token"], t["refresh_token"]

    # 3. list projects
    status, _, listed = request("GET", f"{projects}api/v3/portal/{portal}/projects", token=access)
    expect(status == 200 and any(p["id"] == project for p in listed), f"projects: {status} {listed}")

    # 4. create a task
    status, _, task = request("POST", f"{projects}api/v3/portal/{portal}/projects/{project}/tasks",
                              body={"name": "From Python"}, token=access)
    expect(status == 201, f"create task: {status} {task}")
    task_json = json.dumps(task)
    expect("From Python" in task_json, f"created task: {task}")

    # 5. two hours later (control API), the access token has expired
    status, _, clock = request("POST", control + "/clock/advance", body={"seconds": 7200})
    expect(status == 200 and clock["mode"] == "virtual", f"advance: {status} {clock}")
    status, _, err = request("GET", f"{projects}api/v3/portals", token=access)
    expect(status == 401, f"after two hours: {status} {err}")

    # 6. refresh, call again
    status, _, t = request("POST", token_url, form={
        "grant_type": "refresh_token", "client_id": client["client_id"],
        "client_secret": client["client_secret"], "refresh_token": refresh,
    })
    expect(status == 200 and "access_token" in t and "refresh_token" not in t, f"refresh: {t}")
    access = t["access_token"]
    status, _, _ = request("GET", f"{projects}api/v3/portals", token=access)
    expect(status == 200, f"after refresh: {status}")

    # 7. inject a 500 on the API, see it once, then normal again
    status, _, fault = request("POST", control + "/faults", body={"status": 500, "route": "api", "times": 1})
    expect(status == 201, f"inject: {status} {fault}")
    status, _, err = request("GET", f"{projects}api/v3/portals", token=access)
    expect(status == 500, f"fault: {status} {err}")
    status, _, _ = request("GET", f"{projects}api/v3/portals", token=access)
    expect(status == 200, f"fault used up: {status}")

    # 8. revoke the refresh token: its access tokens die with it
    status, _, r = request("POST", accounts + "oauth/v2/token/revoke", form={"token": refresh})
    expect(status == 200 and r == {"status": "success"}, f"revoke: {status} {r}")
    status, _, _ = request("GET", f"{projects}api/v3/portals", token=access)
    expect(status == 401, f"after revoke: {status}")

    # what the sandbox counted
    status, _, n = request("GET", control + "/counters")
    expect(status == 200, f"counters: {status}")
    expect(n["access_tokens_minted"] == 2 and n["refresh_grants"] == 1 and n["revocations"] == 1, f"counters: {n}")


if __name__ == "__main__":
    main(sys.argv[1])
