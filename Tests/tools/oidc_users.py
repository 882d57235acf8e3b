#!/usr/bin/env python3
"""Registers the demo users at the local OpenID provider (oidc-provider-mock, which keeps
its users in memory): staff with their e-mail as subject, guardians also with their
(synthetic) identity number as `pid`, as ID-porten sends it.

    oidc_users.py --users .local/demo/users.json --provider http://127.0.0.1:9400
"""
import argparse
import json
import sys
import urllib.parse
import urllib.request


def claims_of(user):
    claims = {"email": user["email"], "email_verified": True, "name": user["name"]}
    if user.get("pid"):
        claims["pid"] = user["pid"]
    return claims


def register(provider, users):
    count = 0
    for user in users:
        if not user.get("email"):
            continue
        url = f"{provider}/users/{urllib.parse.quote(user['email'], safe='')}"
        request = urllib.request.Request(url, data=json.dumps(claims_of(user)).encode(), method="PUT",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            if response.status not in (200, 204):
                raise SystemExit(f"the provider answered {response.status} for a user")
        count += 1
    return count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", required=True)
    parser.add_argument("--provider", required=True)
    args = parser.parse_args()
    with open(args.users) as f:
        users = json.load(f)
    print(f"registered {register(args.provider.rstrip('/'), users)} demo users at the provider", file=sys.stderr)


if __name__ == "__main__":
    main()
