#!/usr/bin/env python3
"""A tiny OpenID provider for the tests of what the local provider (oidc-provider-mock)
cannot do: ES256, a second signing key and its retirement (rotation), a broken JWKS, and ID
tokens that are wrong on purpose (tampered, expired, wrong issuer or audience, alg none,
HS256 keyed with the public key, no nonce). Tokens are made with joserfc.

    test_issuer.py --port PORT      prints "ready PORT" when listening

Each first path segment is a tenant with its own issuer (http://127.0.0.1:PORT/<tenant>),
keys and behaviour: /<tenant>/.well-known/openid-configuration, /<tenant>/jwks,
/<tenant>/authorize (answers at once, no login form), /<tenant>/token (single-use codes,
PKCE S256 checked), /<tenant>/end_session, and POST /<tenant>/control (JSON) to change it:
  {"keys": {"k1": "RSA"|"EC"}}                 create keys (kept)
  {"publish": ["k1", "k2"]}                     the kids the JWKS shows
  {"sign_with": "k1", "alg": "RS256"|"ES256"}   how ID tokens are signed
  {"jwks": "ok"|"broken"|"error"}               what /jwks answers
  {"token": {...}}                              the next ID tokens: "iss", "aud", "exp_delta",
      "iat_delta", "nonce": "omit"|"wrong", "tamper": true, "header_alg": "none"|"HS256-public-key"
  {"subject": "...", "claims": {...}}           who signs in, with which claims
  {"deny": true}                                /authorize answers error=access_denied
"""
import argparse
import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from joserfc import jwk, jwt


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Tenant:
    def __init__(self, base: str):
        self.base = base
        self.keys = {}
        self.publish = []
        self.sign_with = None
        self.alg = "RS256"
        self.jwks_mode = "ok"
        self.token = {}
        self.subject = "test.user@nordby.example"
        self.claims = {}
        self.deny = False
        self.codes = {}
        self.jwks_requests = 0

    def control(self, body: dict):
        for kid, kty in body.get("keys", {}).items():
            if kid not in self.keys:
                self.keys[kid] = (jwk.RSAKey.generate_key(2048, parameters={"kid": kid}) if kty == "RSA"
                                  else jwk.ECKey.generate_key("P-256", parameters={"kid": kid}))
        for name in ("publish", "sign_with", "alg", "subject", "claims", "deny", "token"):
            if name in body:
                setattr(self, name, body[name])
        if "jwks" in body:
            self.jwks_mode = body["jwks"]

    def metadata(self):
        return {"issuer": self.base, "authorization_endpoint": self.base + "/authorize",
                "token_endpoint": self.base + "/token", "jwks_uri": self.base + "/jwks",
                "end_session_endpoint": self.base + "/end_session",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [self.alg]}

    def jwks(self):
        return {"keys": [self.keys[kid].as_dict(private=False) | {"use": "sig"} for kid in self.publish]}

    def id_token(self, code_info):
        now = int(time.time())
        overrides = self.token
        claims = {"iss": overrides.get("iss", self.base), "sub": self.subject, "aud": overrides.get("aud", code_info["client_id"]),
                  "iat": now + overrides.get("iat_delta", 0), "exp": now + overrides.get("exp_delta", 300)}
        nonce = code_info.get("nonce")
        if overrides.get("nonce") == "wrong":
            claims["nonce"] = "not-the-nonce-that-was-sent"
        elif overrides.get("nonce") != "omit" and nonce:
            claims["nonce"] = nonce
        claims.update(self.claims)
        key = self.keys[self.sign_with]
        header_alg = overrides.get("header_alg")
        if header_alg == "none":
            return f"{b64(json.dumps({'alg': 'none', 'kid': key.kid}).encode())}.{b64(json.dumps(claims).encode())}."
        if header_alg == "HS256-public-key":
            signing_input = f"{b64(json.dumps({'alg': 'HS256', 'kid': key.kid}).encode())}.{b64(json.dumps(claims).encode())}"
            mac = hmac.new(key.as_pem(private=False), signing_input.encode(), hashlib.sha256).digest()
            return f"{signing_input}.{b64(mac)}"
        token = jwt.encode({"alg": self.alg, "kid": key.kid, "typ": "JWT"}, claims, key, algorithms=[self.alg])
        if overrides.get("tamper"):
            header, payload, signature = token.split(".")
            changed = dict(claims, sub="someone.else@nordby.example")
            token = f"{header}.{b64(json.dumps(changed).encode())}.{signature}"
        return token


class Handler(BaseHTTPRequestHandler):
    server_version = "samtak-test-issuer"
    tenants = {}
    lock = threading.Lock()
    port = 0

    def log_message(self, fmt, *args):  # quiet
        pass

    def tenant(self):
        parts = urllib.parse.urlsplit(self.path).path.split("/")
        name = parts[1] if len(parts) > 1 else ""
        with self.lock:
            if name not in self.tenants:
                self.tenants[name] = Tenant(f"http://127.0.0.1:{self.port}/{name}")
            return self.tenants[name], "/" + "/".join(parts[2:])

    def send(self, status, body=b"", content_type="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def json(self, status, value):
        self.send(status, json.dumps(value).encode())

    def do_GET(self):
        tenant, path = self.tenant()
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        if path == "/.well-known/openid-configuration":
            return self.json(200, tenant.metadata())
        if path == "/jwks":
            tenant.jwks_requests += 1
            if tenant.jwks_mode == "broken":
                return self.send(200, b'{"keys": "these are not keys"')
            if tenant.jwks_mode == "error":
                return self.send(500, b"internal error", "text/plain")
            return self.json(200, tenant.jwks())
        if path == "/authorize":
            redirect = query["redirect_uri"]
            if tenant.deny:
                answer = {"error": "access_denied", "state": query.get("state", "")}
            else:
                code = secrets.token_urlsafe(24)
                tenant.codes[code] = {"client_id": query["client_id"], "nonce": query.get("nonce"), "redirect_uri": redirect,
                                      "challenge": query.get("code_challenge"), "method": query.get("code_challenge_method")}
                answer = {"code": code, "state": query.get("state", "")}
            return self.send(302, headers={"Location": redirect + "?" + urllib.parse.urlencode(answer)})
        if path == "/end_session":
            target = query.get("post_logout_redirect_uri", tenant.base)
            return self.send(302, headers={"Location": target})
        if path == "/control":
            return self.json(200, {"jwks_requests": tenant.jwks_requests, "codes": len(tenant.codes)})
        self.send(404, b"not found", "text/plain")

    def do_POST(self):
        tenant, path = self.tenant()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if path == "/control":
            with self.lock:
                tenant.control(json.loads(raw or b"{}"))
            return self.json(200, {"ok": True})
        if path == "/token":
            form = dict(urllib.parse.parse_qsl(raw.decode()))
            with self.lock:
                info = tenant.codes.pop(form.get("code", ""), None)
            if info is None:
                return self.json(400, {"error": "invalid_grant"})
            verifier = form.get("code_verifier", "")
            if info["method"] != "S256" or b64(hashlib.sha256(verifier.encode()).digest()) != info["challenge"]:
                return self.json(400, {"error": "invalid_grant", "error_description": "PKCE"})
            if form.get("redirect_uri") != info["redirect_uri"]:
                return self.json(400, {"error": "invalid_grant"})
            authorization = self.headers.get("Authorization", "")
            if not authorization.startswith("Basic ") and "client_secret" not in form:
                return self.json(401, {"error": "invalid_client"})
            return self.json(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                                   "expires_in": 300, "id_token": tenant.id_token(info)})
        self.send(404, b"not found", "text/plain")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    Handler.port = args.port
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"ready {args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
