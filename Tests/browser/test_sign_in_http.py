"""Sign-in through OpenID Connect by HTTP, against the real local provider
(oidc-provider-mock) and, for what it cannot do, the test issuer: the whole code flow,
sign-out, sessions shared by two web copies, timeouts, key rotation, and every bad input of
issue 14, each ending on a bokmål page, recorded in sign_in_events and leaving no session."""
import re
import secrets
import time
import urllib.parse

import pytest
import requests


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def csrf_of(page_html):
    match = re.search(r'name="_csrf" value="([^"]+)"', page_html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def session_cookie_headers(response):
    return [value for name, value in response.raw.headers.items() if name.lower() == "set-cookie" and "samtak_session=" in value]


def assert_bokmal_page(response, status, heading):
    assert response.status_code == status, (response.status_code, response.text[:600])
    assert response.headers["Content-Type"].startswith("text/html")
    assert '<html lang="nb">' in response.text
    assert f"<h1>{heading}</h1>" in response.text, response.text[:800]
    assert "Referanse:" in response.text
    assert response.headers["Cache-Control"] == "no-store"


def assert_failed(system, response, status, heading, outcome, sessions_before):
    """A refused sign-in: the page, the audit row, no session and no session cookie."""
    assert_bokmal_page(response, status, heading)
    event = system.last_event()
    assert event[:2] == ("sign_in_failed", outcome), event
    assert system.session_count() == sessions_before
    assert not [c for c in session_cookie_headers(response) if "Max-Age=0" not in c]


# ---------------------------------------------------------------- the code flow

def test_staff_sign_in_by_http_links_by_verified_email(system, http):
    guri = system.user("Guri Solberg")
    authorize = system.start_sign_in(http)
    parameters = query_of(authorize)
    assert authorize.startswith(system.provider_url + "/oauth2/authorize?")
    assert parameters["code_challenge_method"] == "S256" and len(parameters["code_challenge"]) == 43
    assert len(parameters["state"]) == 43 and len(parameters["nonce"]) == 43
    assert parameters["redirect_uri"] == f"{system.web.url}/logg-inn/ansatt/callback"
    callback = system.provider_callback(http, authorize, guri["email"])
    landed = http.get(callback, allow_redirects=False, timeout=20)
    assert landed.status_code == 303 and landed.headers["Location"] == "/"
    cookie = session_cookie_headers(landed)[0]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    home = http.get(system.web.url + "/", timeout=20)
    assert home.status_code == 200
    assert "<h1>Hei, Guri Solberg</h1>" in home.text
    assert "kontaktlærer 5. trinn" in home.text and "Nordby barneskole" in home.text
    assert "Logg ut" in home.text
    assert home.headers["Cache-Control"] == "no-store"
    csp = home.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
    assert home.headers["Referrer-Policy"] == "no-referrer"
    assert system.last_event() == ("sign_in", "ok", "ansatt", guri["id"])
    assert system.scalar(f"SELECT linked_by FROM identity_links WHERE person_id = '{guri['id']}'") == "email"
    # The session row keeps a hash of the cookie, never the cookie itself.
    value = re.search(r"samtak_session=([^;]+)", cookie).group(1)
    assert system.scalar(f"SELECT count(*) FROM web_sessions WHERE id_hash = sha256(convert_to('{value}', 'UTF8'))") == "1"
    assert system.scalar(f"SELECT count(*) FROM web_sessions WHERE encode(id_hash, 'escape') LIKE '%{value[:10]}%'") == "0"


def test_second_sign_in_finds_the_link(system, http):
    system.sign_in_http(http, "Frode Nygaard")
    with requests.Session() as again:
        page = system.sign_in_http(again, "Frode Nygaard")
    assert "<h1>Hei, Frode Nygaard</h1>" in page.text
    frode = system.user("Frode Nygaard")
    assert system.scalar(f"SELECT count(*) FROM identity_links WHERE person_id = '{frode['id']}'") == "1"


def test_guardian_signs_in_as_citizen_by_identity_number(system, http):
    hilde = system.user("Hilde Nordli")
    assert hilde["pid"] and len(hilde["pid"]) == 11
    page = system.sign_in_http(http, "Hilde Nordli", provider="innbygger")
    assert page.status_code == 200, page.text[:500]
    assert "<h1>Hei, Hilde Nordli</h1>" in page.text
    assert "registrert som foresatt" in page.text
    assert system.scalar(f"SELECT linked_by FROM identity_links WHERE person_id = '{hilde['id']}'") == "pid"
    # Only the keyed hash of the number is stored.
    assert system.scalar(f"SELECT count(*) FROM people WHERE national_id_hash IS NOT NULL AND id = '{hilde['id']}'") == "1"


def test_unauthenticated_visit_goes_to_sign_in_and_back(system, http):
    first = http.get(system.web.url + "/", allow_redirects=False, timeout=10)
    assert first.status_code == 303 and first.headers["Location"] == "/logg-inn"
    page = http.get(system.web.url + "/logg-inn", timeout=10)
    assert "<h1>Logg inn i Samtak</h1>" in page.text
    assert "Logg inn som ansatt" in page.text and "Logg inn med ID-porten" in page.text
    # A return path must stay on this site.
    authorize = system.start_sign_in(http, return_to="//evil.example/x")
    landed = http.get(system.provider_callback(http, authorize, system.user("Randi Kvam")["email"]), allow_redirects=False, timeout=20)
    assert landed.headers["Location"] == "/"


def test_unknown_page_is_a_bokmal_404(system, http):
    response = http.get(system.web.url + "/finnes-ikke", timeout=10)
    assert_bokmal_page(response, 404, "Siden finnes ikke")


# ---------------------------------------------------------------- sign-out

def test_sign_out_ends_the_session_and_goes_to_the_provider(system, http):
    home = system.sign_in_http(http, "Randi Kvam")
    cookie = http.cookies.get("samtak_session")
    csrf = csrf_of(home.text)
    sessions = system.session_count()
    # Without the CSRF token, or from another site: refused, nothing ends.
    refused = http.post(system.web.url + "/logg-ut", data={}, allow_redirects=False, timeout=10)
    assert_bokmal_page(refused, 403, "Skjemaet kunne ikke sendes")
    foreign = http.post(system.web.url + "/logg-ut", data={"_csrf": csrf}, headers={"Origin": "https://evil.example"},
                        allow_redirects=False, timeout=10)
    assert_bokmal_page(foreign, 403, "Skjemaet kunne ikke sendes")
    cross_site = http.post(system.web.url + "/logg-ut", data={"_csrf": csrf}, headers={"Sec-Fetch-Site": "cross-site"},
                           allow_redirects=False, timeout=10)
    assert_bokmal_page(cross_site, 403, "Skjemaet kunne ikke sendes")
    assert system.session_count() == sessions
    out = http.post(system.web.url + "/logg-ut", data={"_csrf": csrf}, headers={"Origin": system.web.url},
                    allow_redirects=False, timeout=10)
    assert out.status_code == 303
    location = out.headers["Location"]
    assert location.startswith(system.provider_url + "/oauth2/end_session?")
    parameters = query_of(location)
    assert parameters["post_logout_redirect_uri"] == system.web.url + "/logget-ut"
    assert parameters["id_token_hint"].count(".") == 2
    assert system.session_count() == sessions - 1
    randi = system.user("Randi Kvam")
    assert system.last_event() == ("sign_out", "ok", "ansatt", randi["id"])
    assert "Max-Age=0" in session_cookie_headers(out)[0]
    # The ended session's cookie, sent again, gets the bokmål page and is recorded.
    with requests.Session() as replay:
        replay.cookies.set("samtak_session", cookie, domain="127.0.0.1")
        again = replay.get(system.web.url + "/", allow_redirects=False, timeout=10)
    assert_bokmal_page(again, 401, "Økten din er avsluttet")
    assert system.last_event()[:2] == ("session_refused", "unknown_session")
    signed_out = http.get(system.web.url + "/logget-ut", timeout=10)
    assert "<h1>Du er logget ut</h1>" in signed_out.text


# ---------------------------------------------------------------- sessions

def test_two_web_copies_share_one_session(system, http):
    other = system.start_web("samtak-web-copy")
    system.sign_in_http(http, "Tone Engen")  # at the first copy
    cookie = http.cookies.get("samtak_session")
    # Cookies belong to the host, so the same browser sends the cookie to the second copy.
    there = http.get(other.url + "/", timeout=20)
    assert "<h1>Hei, Tone Engen</h1>" in there.text
    out = http.post(other.url + "/logg-ut", data={"_csrf": csrf_of(there.text)}, allow_redirects=False, timeout=10)
    assert out.status_code == 303
    # Signed out at the second copy: the first refuses the session too.
    back = requests.get(system.web.url + "/", cookies={"samtak_session": cookie}, allow_redirects=False, timeout=10)
    assert_bokmal_page(back, 401, "Økten din er avsluttet")
    other.stop()


def test_idle_session_times_out(system, http):
    web = system.start_web("samtak-web-idle", SAMTAK_WEB_SESSION_IDLE_S=2)
    system.sign_in_http(http, "Ingrid Moe", web=web)
    assert http.get(web.url + "/", timeout=10).status_code == 200
    sessions = system.session_count()
    time.sleep(3.2)
    expired = http.get(web.url + "/", allow_redirects=False, timeout=10)
    assert_bokmal_page(expired, 401, "Økten din er avsluttet")
    assert system.last_event()[:2] == ("session_refused", "session_idle")
    assert system.session_count() == sessions - 1
    web.stop()


def test_session_ends_at_its_absolute_lifetime_even_when_used(system, http):
    web = system.start_web("samtak-web-lifetime", SAMTAK_WEB_SESSION_IDLE_S=60, SAMTAK_WEB_SESSION_MAX_S=3)
    system.sign_in_http(http, "Jonas Vik", web=web)
    deadline = time.time() + 2
    while time.time() < deadline:
        assert http.get(web.url + "/", timeout=10).status_code == 200
        time.sleep(0.5)
    time.sleep(1.5)
    expired = http.get(web.url + "/", allow_redirects=False, timeout=10)
    assert_bokmal_page(expired, 401, "Økten din er avsluttet")
    assert system.last_event()[:2] == ("session_refused", "session_expired")
    web.stop()


# ---------------------------------------------------------------- bad input at the local provider

def test_not_registered_person_gets_a_page_and_nothing_is_created(system, http):
    system.register_provider_user("ukjent.person@nordby.example",
                                  {"email": "ukjent.person@nordby.example", "email_verified": True, "name": "Ukjent Person"})
    people = system.scalar("SELECT count(*) FROM people")
    links = system.scalar("SELECT count(*) FROM identity_links")
    sessions = system.session_count()
    page = system.sign_in_http(http, "ukjent.person@nordby.example")
    assert_failed(system, page, 403, "Du er ikke registrert i Samtak", "not_registered", sessions)
    assert "systemansvarlig" in page.text
    assert system.scalar("SELECT count(*) FROM people") == people
    assert system.scalar("SELECT count(*) FROM identity_links") == links
    assert "ukjent.person" not in page.text  # the page does not echo who signed in


def test_unverified_email_is_not_used_to_link(system, http):
    system.register_provider_user("guri.solberg.privat@nordby.example", {"email": "guri.solberg@nordby.example", "email_verified": False})
    sessions = system.session_count()
    page = system.sign_in_http(http, "guri.solberg.privat@nordby.example")
    assert_failed(system, page, 403, "Innloggingen mangler opplysninger Samtak trenger", "missing_identity", sessions)


def test_replayed_and_unknown_state(system, http):
    authorize = system.start_sign_in(http)
    callback = system.provider_callback(http, authorize, system.user("Halvor Brekke")["email"])
    assert http.get(callback, timeout=20).status_code == 200
    sessions = system.session_count()
    replay = http.get(callback, timeout=20)
    assert_failed(system, replay, 400, "Innloggingen kunne ikke fullføres", "unknown_state", sessions)
    unknown = http.get(f"{system.web.url}/logg-inn/ansatt/callback?state={secrets.token_urlsafe(32)}&code=abc", timeout=20)
    assert_failed(system, unknown, 400, "Innloggingen kunne ikke fullføres", "unknown_state", sessions)
    missing = http.get(f"{system.web.url}/logg-inn/ansatt/callback?code=abc", timeout=20)
    assert_failed(system, missing, 400, "Innloggingen kunne ikke fullføres", "unknown_state", sessions)


def test_answer_in_another_browser_is_refused(system, http):
    authorize = system.start_sign_in(http)
    callback = system.provider_callback(http, authorize, system.user("Halvor Brekke")["email"])
    sessions = system.session_count()
    with requests.Session() as other:
        response = other.get(callback, timeout=20)
    assert_failed(system, response, 400, "Innloggingen kunne ikke fullføres", "other_browser", sessions)


def test_reused_authorization_code_is_refused_by_the_provider(system, http):
    authorize = system.start_sign_in(http)
    callback = system.provider_callback(http, authorize, system.user("Ingrid Moe")["email"])
    assert http.get(callback, timeout=20).status_code == 200
    used_code = query_of(callback)["code"]
    sessions = system.session_count()
    fresh_state = query_of(system.start_sign_in(http))["state"]
    response = http.get(f"{system.web.url}/logg-inn/ansatt/callback?state={fresh_state}&code={urllib.parse.quote(used_code)}", timeout=20)
    assert_failed(system, response, 400, "Innloggingen kunne ikke bekreftes", "code_rejected", sessions)


def test_provider_that_is_down(system, test_web, http):
    sessions = system.session_count()
    response = http.get(test_web.url + "/logg-inn/nede", allow_redirects=False, timeout=20)
    assert_failed(system, response, 502, "Innloggingstjenesten svarer ikke som den skal", "provider_unavailable", sessions)


# ---------------------------------------------------------------- bad ID tokens (test issuer)

def staff_claims(system, name="Guri Solberg"):
    user = system.user(name)
    return {"subject": user["email"], "claims": {"email": user["email"], "email_verified": True, "name": user["name"]}}


def sign_in_at_issuer(system, http, web, provider):
    authorize = system.start_sign_in(http, provider, web)
    answer = http.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    return http.get(answer.headers["Location"], allow_redirects=False, timeout=20)


@pytest.fixture()
def rs_issuer(system):
    system.issuer("rs", keys={"r1": "RSA"}, publish=["r1"], sign_with="r1", alg="RS256", jwks="ok", token={}, deny=False,
                  **staff_claims(system))
    yield
    system.issuer("rs", token={}, jwks="ok", deny=False, publish=["r1"], sign_with="r1", alg="RS256")


def test_issuer_baseline_signs_in(system, test_web, http, rs_issuer):
    response = sign_in_at_issuer(system, http, test_web, "test-rs")
    assert response.status_code == 303, response.text[:500]
    assert "<h1>Hei, Guri Solberg</h1>" in http.get(test_web.url + "/", timeout=20).text


@pytest.mark.parametrize("token, outcome", [
    ({"tamper": True}, "id_token_signature"),
    ({"exp_delta": -600, "iat_delta": -900}, "id_token_expired"),
    ({"iss": "http://127.0.0.1:1/another"}, "id_token_issuer"),
    ({"aud": "another-client"}, "id_token_audience"),
    ({"header_alg": "none"}, "id_token_algorithm"),
    ({"header_alg": "HS256-public-key"}, "id_token_algorithm"),
    ({"nonce": "omit"}, "id_token_missing_nonce"),
    ({"nonce": "wrong"}, "id_token_nonce"),
], ids=["tampered", "expired", "wrong-issuer", "wrong-audience", "alg-none", "hs256-with-public-key", "missing-nonce", "wrong-nonce"])
def test_bad_id_token(system, test_web, http, rs_issuer, token, outcome):
    system.issuer("rs", token=token)
    sessions = system.session_count()
    response = sign_in_at_issuer(system, http, test_web, "test-rs")
    assert_failed(system, response, 400, "Innloggingen kunne ikke bekreftes", outcome, sessions)


def test_provider_refuses(system, test_web, http, rs_issuer):
    system.issuer("rs", deny=True)
    sessions = system.session_count()
    response = sign_in_at_issuer(system, http, test_web, "test-rs")
    assert_failed(system, response, 400, "Innloggingen ble avbrutt", "provider_error", sessions)


def test_broken_jwks(system, test_web, http, rs_issuer):
    time.sleep(2.1)  # the web keeps keys 2 s: let them go stale
    system.issuer("rs", jwks="broken")
    sessions = system.session_count()
    response = sign_in_at_issuer(system, http, test_web, "test-rs")
    assert_failed(system, response, 502, "Innloggingstjenesten svarer ikke som den skal", "broken_jwks", sessions)


def test_key_rotation(system, test_web, http, rs_issuer):
    assert sign_in_at_issuer(system, http, test_web, "test-rs").status_code == 303
    # A second key is published and used: its kid is unknown, so the keys are fetched again.
    system.issuer("rs", keys={"r2": "RSA"}, publish=["r1", "r2"], sign_with="r2")
    with requests.Session() as second:
        assert sign_in_at_issuer(system, second, test_web, "test-rs").status_code == 303
    # The old key is retired: once the kept keys are stale, a token signed with it is refused.
    system.issuer("rs", publish=["r2"], sign_with="r1")
    time.sleep(2.1)
    sessions = system.session_count()
    with requests.Session() as third:
        refused = sign_in_at_issuer(system, third, test_web, "test-rs")
    assert_failed(system, refused, 400, "Innloggingen kunne ikke bekreftes", "id_token_unknown_key", sessions)
    system.issuer("rs", sign_with="r2")
    with requests.Session() as fourth:
        assert sign_in_at_issuer(system, fourth, test_web, "test-rs").status_code == 303


def test_es256_issuer_and_the_pinned_algorithm(system, test_web, http):
    system.issuer("es", keys={"e1": "EC", "r1": "RSA"}, publish=["e1", "r1"], sign_with="e1", alg="ES256", token={},
                  **staff_claims(system, "Per Dahl"))
    response = sign_in_at_issuer(system, http, test_web, "test-es")
    assert response.status_code == 303, response.text[:500]
    assert "<h1>Hei, Per Dahl</h1>" in http.get(test_web.url + "/", timeout=20).text
    # The same issuer signing RS256 (with a published key) is refused: ES256 is pinned.
    system.issuer("es", sign_with="r1", alg="RS256")
    sessions = system.session_count()
    with requests.Session() as other:
        refused = sign_in_at_issuer(system, other, test_web, "test-es")
    assert_failed(system, refused, 400, "Innloggingen kunne ikke bekreftes", "id_token_algorithm", sessions)


# ---------------------------------------------------------------- privacy

def test_no_personal_data_in_the_web_log_or_the_audit(system):
    log = system.web.process.log_path.read_text(errors="replace")
    assert "@nordby.example" not in log
    for user in system.users:
        if user.get("pid"):
            assert user["pid"] not in log
        assert user["name"] not in log
    columns = system.psql("SELECT event || outcome || coalesce(provider, '') || coalesce(issuer, '') FROM sign_in_events")
    assert columns and not any("@" in row[0] for row in columns)
