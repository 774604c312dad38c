#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets (fuzz/corpus/<target>/seed-*).

Seeds come from the documented samples (shared Zoho samples, copied into
api-client/tests/samples) and from the answer shapes documented in FACTS.md / V3.md.
Input layouts are described in fuzz/harness.rs. Run from the repository root:
    python3 fuzz/make_seeds.py
"""
import json, os, pathlib

root = pathlib.Path(__file__).resolve().parent.parent
samples = root / "api-client" / "tests" / "samples"
out = root / "fuzz" / "corpus"

def write(target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    (d / f"seed-{name}").write_bytes(data)

# token_response: byte 0 grant (0 code, 1 refresh, 2 client credentials, 3 device), byte 1 status
# index (0 = 200, 4 = 400, 7 = 500, 8 = 502), then the body.
AT = "1000.2dea0123456789abcdef0123456789ab.703a0123456789abcdef0123456789ab"
RT = "1000.18e90123456789abcdef0123456789ab.1bd80123456789abcdef0123456789ab"
SC = "ZohoProjects.portals.READ,ZohoProjects.tasks.ALL"
token_bodies = {
    "code-ok": (0, 0, {"access_token": AT, "refresh_token": RT, "api_domain": "https://www.zohoapis.com",
                       "token_type": "Bearer", "expires_in": 3600, "scope": SC}),
    "code-ok-no-scope": (0, 0, {"access_token": AT, "api_domain": "https://www.zohoapis.eu",
                                "token_type": "Bearer", "expires_in": 3600}),
    "code-legacy-ms": (0, 0, {"access_token": AT, "refresh_token": RT, "expires_in_sec": 3600,
                              "expires_in": 3600000, "token_type": "Bearer"}),
    "code-expires-string": (0, 0, {"access_token": AT, "expires_in": "3600", "scope": SC.replace(",", " ")}),
    "code-scope-narrower": (0, 0, {"access_token": AT, "expires_in": 3600, "scope": "ZohoProjects.portals.READ"}),
    "refresh-ok": (1, 0, {"access_token": AT, "api_domain": "https://www.zohoapis.com", "token_type": "Bearer",
                          "expires_in": 3600}),
    "refresh-new-rt": (1, 0, {"access_token": AT, "refresh_token": RT, "expires_in": 3600.5}),
    "refresh-invalid-code": (1, 0, {"error": "invalid_code"}),
    "cc-ok": (2, 0, {"access_token": AT, "refresh_token": RT, "expires_in": 3600, "scope": SC}),
    "cc-missing-org": (2, 0, {"error": "missing_org_info"}),
    "device-ok": (3, 0, {"access_token": AT, "refresh_token": RT, "expires_in": 3600, "scope": SC}),
    "device-pending": (3, 0, {"error": "authorization_pending"}),
    "device-denied": (3, 0, {"error": "access_denied"}),
    "device-expired": (3, 0, {"error": "expired"}),
    "throttled-200": (1, 0, {"error": "Access Denied", "error_description":
        "You have made too many requests continuously. Please try again after some time."}),
    "throttled-400": (0, 4, {"error": "Access Denied", "error_description":
        "You have reached the maximum refresh token limit"}),
    "invalid-client-secret": (0, 0, {"error": "invalid_client_secret"}),
    "redirect-mismatch": (0, 0, {"error": "invalid_redirect_uri"}),
    "error-object": (0, 0, {"error": {"code": 1, "message": "x"}, "access_token": AT}),
    "error-null": (0, 0, {"error": None, "access_token": AT, "expires_in": 1}),
    "echo-secret-500": (1, 7, {"refresh_token": RT, "oops": 1}),
}
for name, (g, s, body) in token_bodies.items():
    write("token_response", name, bytes([g, s]) + json.dumps(body).encode())
write("token_response", "html-502", bytes([1, 8]) + b"<html><body><h1>502 Bad Gateway</h1></body></html>")
write("token_response", "truncated", bytes([0, 0]) + b'{"access_token":"1000.')
write("token_response", "empty", bytes([1, 0]))
for sample in sorted(samples.glob("accounts-*.json")):
    for g in range(4):
        write("token_response", f"{sample.stem}-grant{g}", bytes([g, 0]) + sample.read_bytes())

# callback: the redirect as the browser delivers it.
ST = "Zq3xR8bW0yTn5vKc2LmHsD7fJpA9gE4uQ1iYoXwNe6M"
callbacks = {
    "full-us": f"https://app.example/callback?code=1000.abc.def&state={ST}&location=us"
               "&accounts-server=https%3A%2F%2Faccounts.start.example",
    "full-eu": f"https://app.example/callback?state={ST}&code=1000.abc.def&location=eu"
               "&accounts-server=https%3A%2F%2Faccounts.eu.example",
    "zoho-in": f"https://app.example/callback?code=1000.xxx.yyy&location=in&accounts-server=https://accounts.zoho.in&state={ST}",
    "forged-server": f"https://app.example/callback?code=c&state={ST}&accounts-server=https%3A%2F%2Fevil.example",
    "location-only": f"?code=c&state={ST}&location=EU",
    "bare-query": f"code=c&state={ST}",
    "path-fragment": f"/callback?code=c&state={ST}#frag",
    "denied": f"http://127.0.0.1:8080/callback?error=access_denied&state={ST}",
    "error-other": f"?error=invalid_client&error_description=bad+1000.aaaaaaaaaaaa.bbbbbbbbbbbb&state={ST}",
    "wrong-state": "?code=c&state=forged",
    "no-state": "?code=c",
    "no-code": f"?state={ST}&location=us",
    "duplicate-keys": f"?state=forged&state={ST}&code=a&code=b",
    "accounts_server-underscore": f"?code=c&state={ST}&accounts_server=https://accounts.zoho.eu",
    "junk": "\u0000%%%&&==",
}
for name, text in callbacks.items():
    write("callback", name, text)

# scopes: byte 0 = split point, then the list.
scope_lists = {
    "two": "ZohoProjects.portals.READ,ZohoProjects.tasks.ALL",
    "spaces": "ZohoProjects.portals.READ ZohoProjects.tasks.ALL aaaserver.profile.READ",
    "lowercase-op": "ZohoProjects.tasks.read,ZohoProjects.projects.all",
    "every-op": ",".join(f"ZohoProjects.tasks.{op}" for op in ["READ", "CREATE", "UPDATE", "DELETE", "ALL"]),
    "crm": "ZohoCRM.modules.ALL,ZohoCRM.settings.READ",
    "bad-op": "ZohoProjects.tasks.WRITE",
    "bad-shape": "openid,email,a.b,a.b.c.d",
    "empty": "",
    "catalogue": "ZohoProjects.portals.READ,ZohoProjects.projects.ALL,ZohoProjects.tasklists.ALL,"
                 "ZohoProjects.bugs.ALL,ZohoProjects.timesheets.ALL,ZohoProjects.users.READ,ZohoProjects.search.READ",
}
for i, (name, text) in enumerate(scope_lists.items()):
    write("scopes", name, bytes([i]) + text.encode())

# projects: byte 0 = model (see MODELS in fuzz/harness.rs), then the body.
MODELS = {"v3-projects": 0, "v3-tasks": 1, "restapi-portals": 11, "restapi-projects": 12, "restapi-tasklists": 13,
          "restapi-tasks": 14, "restapi-bugs": 15, "restapi-project-users": 16, "restapi-task-comments": 17,
          "restapi-bug-comments": 17}
for sample in sorted(samples.glob("*.json")):
    stem = sample.stem
    body = sample.read_bytes()
    if stem.startswith("v3-projects-list-item"):
        write("projects", stem + "-list", bytes([0]) + b"[" + body + b"]")
        write("projects", stem + "-single", bytes([10]) + body)
        continue
    sel = next((v for k, v in MODELS.items() if stem.startswith(k)), 18)
    write("projects", stem, bytes([sel]) + body)
v3 = {
    "v3-tasks-page": (1, {"tasks": [{"id": "1817452000006072671", "name": "T", "status": {"name": "Open"}}],
                          "page_info": {"page": 1, "per_page": "100", "has_next_page": "false"}}),
    "v3-milestones-page-array": (3, {"milestones": [{"id": "1", "name": "M"}],
                                     "page_info": [{"page": 2, "per_page": 1, "has_next_page": True}]}),
    "v3-issues-bugs": (4, {"bugs": [{"id": "2", "name": "B"}]}),
    "v3-timelogs": (6, {"time_logs": [{"date": "2024-01-02", "log_details": [{"id": "3", "log_hours": "01:30"}]}]}),
    "v3-tags": (7, {"tags": [{"id": "4", "name": "x", "color_class": "bg-tag1"}], "page_info": {"has_more_page": "true"}}),
    "v3-error": (18, {"error": {"status_code": "400", "instance": "/api/v3/portal/1/x", "title": "EXTRA_KEY_FOUND_IN_JSON",
                                "error_type": "FIELDS_VALIDATION_ERROR",
                                "details": [{"message": "Extra key found in JSON.", "field_name": "owner"}]}}),
    "restapi-error": (18, {"error": {"code": 6403, "message": "Invalid OAuth scope"}}),
    "restapi-error-string-code": (18, {"error": {"code": "6890", "message": "Invalid Ticket"}}),
}
for name, (sel, body) in v3.items():
    write("projects", name, bytes([sel]) + json.dumps(body).encode())
write("projects", "html-502", bytes([18]) + b"<html><body>bad gateway 1000.aaaaaaaaaaaa.bbbbbbbbbbbb</body></html>")
write("projects", "empty-array", bytes([0]) + b"[]")
