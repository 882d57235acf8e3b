#!/usr/bin/env python3
"""Test vectors for SamtakJOSE made by a second implementation (joserfc).

    jose_vectors.py make            prints {"jwks": ..., "issuer": ..., "cases": [...]} as JSON
    jose_vectors.py verify JWK TOKEN  verifies an ES256 token made by Samtak with joserfc; prints
                                      {"ok": true, "claims": {...}} or {"ok": false, "error": ...}

Each case names the pinned algorithm, the token and what SamtakJOSE must say about it
(`ok` or the JOSEError case), and for well-signed tokens what the claim validation must say.
"""
import base64
import hashlib
import hmac
import json
import sys
import time
import warnings

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from joserfc import jwk, jwt

warnings.filterwarnings("ignore")  # joserfc warns about the deliberately small RSA key


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(header: dict, payload: dict, signature: bytes = b"") -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(signature)}"


def make():
    now = int(time.time())
    issuer, client, nonce = "https://idp.example/tenant", "samtak-web", "n-0S6_WzA2Mj"
    rsa = jwk.RSAKey.generate_key(2048, parameters={"kid": "rsa-1", "use": "sig", "alg": "RS256"})
    rsa_other = jwk.RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    rsa_small = jwk.RSAKey.generate_key(1024, parameters={"kid": "rsa-small"})
    ec = jwk.ECKey.generate_key("P-256", parameters={"kid": "ec-1", "use": "sig", "alg": "ES256"})
    ec_p384 = jwk.ECKey.generate_key("P-384", parameters={"kid": "ec-384"})
    oct_key = jwk.OctKey.generate_key(256, parameters={"kid": "oct-1"})
    jwks = {"keys": [rsa.as_dict(private=False), ec.as_dict(private=False), rsa_small.as_dict(private=False),
                     ec_p384.as_dict(private=False), oct_key.as_dict(private=True)]}

    claims = {"iss": issuer, "sub": "guri.solberg@nordby.example", "aud": client, "iat": now, "exp": now + 300,
              "nonce": nonce, "email": "guri.solberg@nordby.example", "email_verified": True, "name": "Guri Solberg"}

    def signed(alg, key, payload=claims, header_extra=None):
        header = {"alg": alg, "kid": key.kid}
        header.update(header_extra or {})
        return jwt.encode(header, payload, key, algorithms=[alg])

    cases = []

    def case(name, pinned, token, expect, claims_expect=None):
        cases.append({"name": name, "pinned": pinned, "token": token, "expect": expect, "claims": claims_expect})

    case("RS256 signed by the published key", "RS256", signed("RS256", rsa), "ok", "ok")
    case("ES256 (raw r||s) signed by the published key", "ES256", signed("ES256", ec), "ok", "ok")
    good_es = signed("ES256", ec)
    h, p, s = good_es.split(".")
    raw = base64.urlsafe_b64decode(s + "==")
    r, s_int = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")

    def der_int(value):
        body = value.to_bytes((value.bit_length() + 8) // 8 or 1, "big")
        return b"\x02" + bytes([len(body)]) + body
    der = der_int(r) + der_int(s_int)
    der = b"\x30" + bytes([len(der)]) + der
    case("ES256 with a DER signature instead of r||s", "ES256", f"{h}.{p}.{b64(der)}", "badSignature")
    case("alg none", "RS256", compact({"alg": "none", "kid": "rsa-1"}, claims), "algorithmNotAllowed")
    case("alg none with a signature", "RS256", compact({"alg": "none"}, claims, b"x"), "algorithmNotAllowed")
    pem = rsa.as_pem(private=False)
    header, payload = b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode()), b64(json.dumps(claims).encode())
    confused = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    case("HS256 keyed with the RSA public key where RS256 is pinned", "RS256", f"{header}.{payload}.{b64(confused)}", "algorithmNotAllowed")
    case("RS256 token where ES256 is pinned", "ES256", signed("RS256", rsa), "algorithmNotAllowed")
    case("unknown kid", "RS256", jwt.encode({"alg": "RS256", "kid": "rsa-9"}, claims, rsa, algorithms=["RS256"]), "unknownKey")
    case("signed by another key under the published kid", "RS256", signed("RS256", rsa_other), "badSignature")
    good = signed("RS256", rsa)
    h, p, s = good.split(".")
    tampered = dict(claims, sub="frode.nygaard@nordby.example")
    case("payload changed after signing", "RS256", f"{h}.{b64(json.dumps(tampered).encode())}.{s}", "badSignature")
    case("signature cut short", "RS256", f"{h}.{p}.{b64(base64.urlsafe_b64decode(s + '==')[:-3])}", "badSignature")
    case("not base64url", "RS256", f"{h}.{p}.{s}+/=", "malformed")
    case("two parts", "RS256", f"{h}.{p}", "malformed")
    case("header not JSON", "RS256", f"{b64(b'not json')}.{p}.{s}", "malformed")
    crit_input = f"{b64(json.dumps({'alg': 'RS256', 'kid': 'rsa-1', 'crit': ['exp'], 'exp': now}).encode())}.{b64(json.dumps(claims).encode())}"
    crit_signature = rsa.private_key.sign(crit_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    case("critical header", "RS256", f"{crit_input}.{b64(crit_signature)}", "unsupportedCriticalHeader")
    case("a 1024-bit RSA key", "RS256", signed("RS256", rsa_small), "unknownKey")
    case("a P-384 key for ES256", "ES256", jwt.encode({"alg": "ES384", "kid": "ec-384"}, claims, ec_p384, algorithms=["ES384"]), "algorithmNotAllowed")
    case("no kid: every fitting key is tried", "RS256", jwt.encode({"alg": "RS256"}, claims, rsa, algorithms=["RS256"]), "ok", "ok")
    case("expired", "RS256", signed("RS256", rsa, dict(claims, iat=now - 900, exp=now - 600)), "ok", "expired")
    case("expired within the leeway", "RS256", signed("RS256", rsa, dict(claims, exp=now - 30)), "ok", "ok")
    case("not yet valid", "RS256", signed("RS256", rsa, dict(claims, nbf=now + 600)), "ok", "notYetValid")
    case("issued in the future", "RS256", signed("RS256", rsa, dict(claims, iat=now + 600, exp=now + 900)), "ok", "issuedInFuture")
    case("wrong issuer", "RS256", signed("RS256", rsa, dict(claims, iss="https://evil.example")), "ok", "wrongIssuer")
    case("wrong audience", "RS256", signed("RS256", rsa, dict(claims, aud="someone-else")), "ok", "wrongAudience")
    case("audience array with the client and azp", "RS256", signed("RS256", rsa, dict(claims, aud=["other", client], azp=client)), "ok", "ok")
    case("audience array without azp", "RS256", signed("RS256", rsa, dict(claims, aud=["other", client])), "ok", "wrongAuthorizedParty")
    case("missing nonce", "RS256", signed("RS256", rsa, {k: v for k, v in claims.items() if k != "nonce"}), "ok", "missingNonce")
    case("wrong nonce", "RS256", signed("RS256", rsa, dict(claims, nonce="another")), "ok", "wrongNonce")
    case("email_verified as a string", "RS256", signed("RS256", rsa, dict(claims, email_verified="true")), "ok", "ok")

    secret = b"a-shared-secret-of-at-least-32-bytes!!"
    hs = jwt.encode({"alg": "HS256"}, {"sub": "x"}, jwk.OctKey.import_key(secret), algorithms=["HS256"])
    return {"jwks": jwks, "issuer": issuer, "client_id": client, "nonce": nonce, "now": now, "cases": cases,
            "hs256": {"secret": secret.decode(), "token": hs},
            "thumbprints": {"rsa-1": rsa.thumbprint(), "ec-1": ec.thumbprint()},
            "ec_private_pem": ec.as_pem(private=True).decode(), "ec_public_pem": ec.as_pem(private=False).decode()}


def verify(jwk_json, token):
    key = jwk.import_key(json.loads(jwk_json))
    try:
        result = jwt.decode(token, key, algorithms=["ES256"])
        return {"ok": True, "claims": result.claims, "header": result.header}
    except Exception as error:  # noqa: BLE001 - report any refusal
        return {"ok": False, "error": type(error).__name__}


if __name__ == "__main__":
    if sys.argv[1] == "make":
        print(json.dumps(make()))
    elif sys.argv[1] == "verify":
        print(json.dumps(verify(sys.argv[2], sys.argv[3])))
    else:
        raise SystemExit("usage: jose_vectors.py make | verify JWK TOKEN")
