"""Writes python_vectors.json: records and token hashes exactly as the
Python fixie-creds service computes them, for the Go tests to match.

Run from this directory: python3 pyvectors.py
"""
import hashlib
import json
import random

rng = random.Random(20261128)

names = [
    "alice", "名前", "émile", "o'brien", 'quote"d', "back\\slash", "tab\tname",
    "<script>&amp;", "emoji😀x", "del\x7fchar", "nbsp\u00a0space", "line\u2028sep",
    "a" * 250, "mixed Ünïcödé 𝄞 clef", "ctl\u0085next",
]
emails = ["a@b.org", "x+tag@example.com", "ünï@exämple.org", "a.b@c.d"]

records = []
for i, name in enumerate(names):
    email = emails[i % len(emails)]
    token = "%040x" % rng.getrandbits(160)
    hashed = hashlib.sha256(int(token, 16).to_bytes(20, "little")).hexdigest()
    rec = {"user": name, "email": email, "hashed_token": hashed}
    text = json.dumps(rec, sort_keys=True, separators=(",", ":"))
    records.append({"user": name, "email": email, "token": token,
                    "hashed_token": hashed, "file": text})

tokens = []
for nbytes in (1, 2, 16, 20, 32, 128):
    for _ in range(8):
        bits = rng.randint(0, 8 * nbytes)
        value = rng.getrandbits(bits) if bits else 0
        token = format(value, "x")
        if rng.random() < 0.3:
            token = token.upper()
        if rng.random() < 0.3:
            token = "0" * rng.randint(1, 3) + token
        token = token[:256]
        value = int(token, 16)
        tokens.append({"nbytes": nbytes, "token": token,
                       "hash": hashlib.sha256(value.to_bytes(nbytes, "little")).hexdigest()})

with open("python_vectors.json", "w") as f:
    json.dump({"records": records, "tokens": tokens}, f, indent=1, ensure_ascii=True)
    f.write("\n")
