#!/usr/bin/env python3
"""Outside-client proof: the real Python `tableauserverclient` (TSC) against tsc-testserver.

Usage: tsc_outside_client.py INFO_JSON

INFO_JSON holds {"server": <ready line of a server-mode emulator>,
                 "cloud": <ready line of a cloud-mode emulator, optional>},
the ready line being what the `tsc-testserver` binary prints. The script runs the seed
guide's snippets (PAT, password and JWT sign-in, impersonation, custom CA, the `with`
block with TSC.Pager, switch site through sites.get_by_name, sign-out, the http->https
301 re-POST), prints one line per check and then `N passed, M failed`; it exits non-zero
when anything failed.
"""

import json
import sys
import time
import traceback
import uuid

import jwt
import requests
import tableauserverclient as TSC

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def load_info():
    with open(sys.argv[1], encoding="utf-8") as f:
        return json.load(f)


INFO = load_info()
S = INFO["server"]
CLOUD = INFO.get("cloud")
CA = S["ca_file"]


def new_server(url=None, info=S):
    """The seed guide's setup: custom CA first, then ask the server for its version."""
    server = TSC.Server(url or info["https_url"])
    server.add_http_options({"verify": info["ca_file"]})
    server.use_server_version()
    return server


def pat(site=""):
    return TSC.PersonalAccessTokenAuth("quickstart", "quickstart-secret", site_id=site)


def connected_app_jwt(sub, info=S):
    app = info["connected_app"]
    now = int(time.time())
    return jwt.encode(
        {
            "iss": app["client_id"],
            "sub": sub,
            "aud": "tableau",
            "exp": now + 300,
            "jti": str(uuid.uuid4()),
            "scp": ["tableau:content:read"],
        },
        app["secret_value"],
        algorithm="HS256",
        headers={"kid": app["secret_id"], "iss": app["client_id"]},
    )


def expect(cond, message):
    if not cond:
        raise AssertionError(message)


def raw_get(path, token, info=S):
    return requests.get(
        info["https_url"] + path,
        headers={"X-Tableau-Auth": token},
        verify=info["ca_file"],
        timeout=30,
    )


@check
def server_version_negotiation():
    server = new_server()
    expect(server.version == S["api_version"], f"version {server.version}")
    info = server.server_info.get()
    expect(info.rest_api_version == S["api_version"], f"server_info {info.rest_api_version}")


@check
def custom_ca_required():
    server = TSC.Server(S["https_url"])
    server.version = S["api_version"]
    try:
        server.auth.sign_in(pat())
    except requests.exceptions.SSLError:
        pass
    else:
        raise AssertionError("sign-in without the CA must fail certificate verification")
    server.add_http_options({"verify": CA})
    with server.auth.sign_in(pat()):
        expect(server.is_signed_in(), "signed in once the CA is trusted")


@check
def pat_sign_in_and_pager_over_all_pages():
    server = new_server()
    with server.auth.sign_in(pat()):
        expect(server.site_id == S["sites"][""], "Default site id")
        expect(server.user_id == S["users"]["admin"], "admin user id")
        workbooks = list(TSC.Pager(server.workbooks))
        expect(len(workbooks) == S["workbooks_per_site"], f"{len(workbooks)} workbooks")
        expect(len({w.id for w in workbooks}) == len(workbooks), "unique ids across pages")
        expect(all(w.created_at is not None for w in workbooks), "dates parse")
        expect(all(w.project_name for w in workbooks), "projects present")
        first, _ = server.workbooks.get()
        expect(len(first) == min(100, S["workbooks_per_site"]), "first page holds 100")
        one = server.workbooks.get_by_id(workbooks[0].id)
        expect(one.name == workbooks[0].name, "get_by_id")
    expect(not server.is_signed_in(), "the with block signs out")


@check
def password_sign_in():
    server = new_server()
    with server.auth.sign_in(TSC.TableauAuth("analyst", "analyst-password", site_id="MarketingTeam")):
        expect(server.site_id == S["sites"]["MarketingTeam"], "MarketingTeam id")
        expect(server.user_id == S["users"]["analyst"], "analyst id")
        _, pagination = server.workbooks.get()
        expect(pagination.total_available == S["workbooks_per_site"], "total")


@check
def failed_sign_in():
    server = new_server()
    try:
        server.auth.sign_in(TSC.TableauAuth("analyst", "wrong", site_id=""))
    except TSC.FailedSignInError as e:
        expect(e.code == "401001", f"code {e.code}")
    else:
        raise AssertionError("wrong password accepted")


@check
def jwt_sign_in_and_replay_refused():
    server = new_server()
    token = connected_app_jwt("admin")
    with server.auth.sign_in(TSC.JWTAuth(token, site_id="Finance")):
        expect(server.site_id == S["sites"]["Finance"], "Finance id")
        expect(server.user_id == S["users"]["admin"], "admin id")
    try:
        server.auth.sign_in(TSC.JWTAuth(token, site_id="Finance"))
    except TSC.FailedSignInError as e:
        expect(e.code == "401001", f"code {e.code}")
    else:
        raise AssertionError("a replayed jti was accepted")


@check
def impersonation():
    server = new_server()
    auth = TSC.TableauAuth("admin", "admin-password", site_id="", user_id_to_impersonate=S["users"]["analyst"])
    with server.auth.sign_in(auth):
        expect(server.user_id == S["users"]["analyst"], "impersonated user id")
    auth = TSC.TableauAuth("analyst", "analyst-password", site_id="", user_id_to_impersonate=S["users"]["admin"])
    try:
        server.auth.sign_in(auth)
    except (TSC.ServerResponseError, TSC.FailedSignInError):
        pass
    else:
        raise AssertionError("a non-admin impersonated")


@check
def switch_site_through_get_by_name():
    server = new_server()
    with server.auth.sign_in(pat()):
        old_token = server.auth_token
        site = server.sites.get_by_name("MarketingTeam")
        expect(site.id == S["sites"]["MarketingTeam"], "site item")
        server.auth.switch_site(site)
        expect(server.site_id == site.id, "switched")
        expect(server.auth_token != old_token, "new token")
        _, pagination = server.workbooks.get()
        expect(pagination.total_available == S["workbooks_per_site"], "workbooks on the new site")
        r = raw_get("/api/%s/sessions/current" % server.version, old_token)
        expect(r.status_code == 401 and "401002" in r.text, "old token dead")
        # Switching to the current site is a no-op for TSC (it swallows 403070).
        server.auth.switch_site(site)
        expect(server.site_id == site.id, "same-site switch ignored")


@check
def sign_out_invalidates_the_token():
    server = new_server()
    server.auth.sign_in(pat())
    token = server.auth_token
    expect(raw_get("/api/%s/sessions/current" % server.version, token).status_code == 200, "token works")
    server.auth.sign_out()
    r = raw_get("/api/%s/sessions/current" % server.version, token)
    expect(r.status_code == 401, f"status {r.status_code}")
    expect("401002" in r.text, "401002 after sign-out")


@check
def second_pat_sign_in_ends_the_first_session():
    a = new_server()
    b = new_server()
    a.auth.sign_in(pat())
    b.auth.sign_in(pat("MarketingTeam"))
    try:
        a.workbooks.get()
    except TSC.FailedSignInError as e:
        expect(e.code == "401002", f"code {e.code}")
    else:
        raise AssertionError("the superseded PAT session still works")
    b.auth.sign_out()


@check
def http_to_https_301_is_followed_with_a_re_post():
    naive = requests.post(
        S["http_redirect_url"] + "/api/%s/auth/signin" % S["api_version"],
        data=b'<tsRequest><credentials name="admin" password="admin-password"><site contentUrl="" /></credentials></tsRequest>',
        verify=CA,
        timeout=30,
    )
    expect(naive.status_code == 405 and "405000" in naive.text, "requests turns the 301 into GET -> 405000")
    server = TSC.Server(S["http_redirect_url"])
    server.add_http_options({"verify": CA})
    server.version = S["api_version"]
    with server.auth.sign_in(pat()):
        expect(server.site_id == S["sites"][""], "signed in through the redirect")
        _, pagination = server.workbooks.get()
        expect(pagination.total_available == S["workbooks_per_site"], "later calls follow too")


@check
def cloud_uat_sign_in():
    if CLOUD is None:
        return "skipped (no cloud emulator)"
    uat = CLOUD["uat"]
    with open(uat["private_key_file"], "rb") as f:
        key = f.read()
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": uat["issuer"],
            "https://tableau.com/tenantId": uat["tenant_id"],
            uat["username_claim"]: "analyst@example.com",
            "scp": ["tableau:content:read"],
            "jti": str(uuid.uuid4()),
            "iat": now - 5,
            "nbf": now - 5,
            "exp": now + 300,
        },
        key,
        algorithm="RS256",
        headers={"kid": uat["key_id"]},
    )
    server = new_server(info=CLOUD)
    with server.auth.sign_in(TSC.JWTAuth(token, isUat=True, site_id="MarketingTeam")):
        expect(server.user_id == CLOUD["users"]["analyst"], "UAT user")
        expect(server.auth_token.count("|") == 2, "cloud token shape")
    try:
        server.auth.sign_in(TSC.TableauAuth("admin", "admin-password", site_id=""))
    except TSC.FailedSignInError:
        pass
    else:
        raise AssertionError("Tableau Cloud accepted the empty (Default) site")


def main():
    passed = failed = 0
    for fn in CHECKS:
        try:
            note = fn()
            passed += 1
            print(f"ok   {fn.__name__}" + (f" ({note})" if note else ""))
        except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
            failed += 1
            print(f"FAIL {fn.__name__}: {type(e).__name__}: {e}")
            traceback.print_exc(file=sys.stderr)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
