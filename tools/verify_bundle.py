#!/usr/bin/env python3
"""Verify a sakip export bundle from its specification alone.

Uses only the Python standard library: no sakip, no sled, no bincode.
Checks, following FORMAT.md in the bundle (schema/bundle.md, event-v1.md,
proofs.md of the sakip repository):

  * the SHA-256 of every file listed in manifest.json;
  * every event's frame: version, dense seq, prev link to the previous
    event's hash, non-decreasing recorded time;
  * every event's Ed25519 signature over the domain-separated body;
  * the head hash, the event count and the Merkle root (RFC 6962 shape)
    against manifest.json;
  * the checkpoint: origin, its root at its size, and its Ed25519 signature
    by a key of the ledger (an event author or a registered key);
  * inclusion proofs given with --proof, against the checkpoint and the
    bundle's events.

Exit status: 0 when everything verifies, 3 when something does not, 2 for
usage errors. Payloads are not decoded: authorization and plan rules are
checked by `sakip verify-bundle`.

usage: verify_bundle.py BUNDLE_DIR [--proof PROOF_FILE ...]
"""

import base64
import hashlib
import json
import os
import struct
import sys

HASH_DOMAIN = b"sakip/event-hash/v1\x00"
SIGNATURE_DOMAIN = b"sakip/event-signature/v1\x00"
HEADER_LEN = 81
SIGNATURE_LEN = 64


class Failure(Exception):
    pass


# ---------------------------------------------------------------- Ed25519 (RFC 8032)

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def _decompress(s):
    if len(s) != 32:
        return None
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def _add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(k, p):
    q = (0, 1, 1, 0)
    while k:
        if k & 1:
            q = _add(q, p)
        p = _add(p, p)
        k >>= 1
    return q


def _equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def ed25519_verify(public, message, signature):
    if len(signature) != 64:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return _equal(_mul(s, G), _add(r, _mul(h, a)))


# ---------------------------------------------------------------- Merkle (RFC 6962 / 9162)


def leaf_hash(event_hash):
    return hashlib.sha256(b"\x00" + event_hash).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """The right edge of a growing tree; root() is MTH of the leaves so far."""

    def __init__(self):
        self.stack = []  # (level, hash)
        self.size = 0

    def push(self, event_hash):
        level, node = 0, leaf_hash(event_hash)
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            node = node_hash(left, node)
            level += 1
        self.stack.append((level, node))
        self.size += 1

    def root(self):
        if not self.stack:
            return hashlib.sha256(b"").digest()
        acc = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            acc = node_hash(left, acc)
        return acc


def verify_inclusion(leaf, index, size, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# ---------------------------------------------------------------- bundle


def read_events(data):
    at, events = 0, []
    while at < len(data):
        if at + 4 > len(data):
            raise Failure("events.bin ends inside a length prefix (event %d)" % len(events))
        (n,) = struct.unpack_from("<I", data, at)
        if at + 4 + n > len(data):
            raise Failure("events.bin ends inside event %d" % len(events))
        events.append(data[at + 4:at + 4 + n])
        at += 4 + n
    return events


def parse_checkpoint(text):
    body, _, sigs = text.partition("\n\n")
    lines = body.split("\n")
    if len(lines) != 3:
        raise Failure("the checkpoint must have origin, size and root lines")
    signatures = []
    for line in sigs.splitlines():
        if not line:
            continue
        if not line.startswith("\u2014 "):
            raise Failure("a checkpoint signature line must start with an em dash")
        name, blob = line[2:].split(" ", 1)
        signatures.append((name, base64.b64decode(blob)))
    return {
        "origin": lines[0],
        "size": int(lines[1]),
        "root": base64.b64decode(lines[2]),
        "body": (body + "\n").encode(),
        "signatures": signatures,
    }


def key_id(public):
    return hashlib.sha256(public).digest()[:8].hex()


def verify_bundle(directory, proofs):
    with open(os.path.join(directory, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    if manifest.get("format") != "sakip-bundle/1":
        raise Failure("unknown bundle format %r" % manifest.get("format"))
    for name, digest in manifest["files"].items():
        with open(os.path.join(directory, name), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                raise Failure("%s does not match its SHA-256 in manifest.json" % name)

    with open(os.path.join(directory, "events.bin"), "rb") as f:
        events = read_events(f.read())
    checkpoint = None
    if "checkpoint" in manifest["files"]:
        with open(os.path.join(directory, "checkpoint"), encoding="utf-8") as f:
            checkpoint = parse_checkpoint(f.read())

    prev, last_time, frontier = bytes(32), None, Frontier()
    hashes, keys, checkpoint_root = [], set(), None
    for seq, ev in enumerate(events):
        if len(ev) < HEADER_LEN + SIGNATURE_LEN or ev[0] != 1:
            raise Failure("event %d: bad frame or version" % seq)
        (stored_seq,) = struct.unpack_from("<Q", ev, 1)
        if stored_seq != seq:
            raise Failure("event %d: says it is event %d" % (seq, stored_seq))
        if ev[9:41] != prev:
            raise Failure("event %d: prev link does not match the previous event's hash" % seq)
        (recorded_at,) = struct.unpack_from("<q", ev, 41)
        if last_time is not None and recorded_at < last_time:
            raise Failure("event %d: recorded time goes backwards" % seq)
        author = ev[49:81]
        body, signature = ev[:-SIGNATURE_LEN], ev[-SIGNATURE_LEN:]
        if not ed25519_verify(author, SIGNATURE_DOMAIN + body, signature):
            raise Failure("event %d: signature does not verify" % seq)
        keys.add(author)
        (kind,) = struct.unpack_from("<I", ev, HEADER_LEN)
        if kind == 1:  # key_added: the key is the first field
            keys.add(ev[HEADER_LEN + 4:HEADER_LEN + 36])
        prev = hashlib.sha256(HASH_DOMAIN + ev).digest()
        hashes.append(prev)
        frontier.push(prev)
        if checkpoint and frontier.size == checkpoint["size"]:
            checkpoint_root = frontier.root()
        last_time = recorded_at

    if len(events) != manifest["events"]:
        raise Failure("manifest.json says %s events, events.bin holds %d" % (manifest["events"], len(events)))
    if prev.hex() != manifest["head"]:
        raise Failure("the head in manifest.json is not the last event's hash")
    if base64.b64encode(frontier.root()).decode() != manifest["root"]:
        raise Failure("the Merkle root in manifest.json does not match the events")

    if checkpoint:
        if checkpoint["origin"] != manifest["origin"]:
            raise Failure("the checkpoint is for another ledger")
        if checkpoint["size"] == 0:
            checkpoint_root = hashlib.sha256(b"").digest()
        if checkpoint_root != checkpoint["root"]:
            raise Failure("the events do not extend the checkpoint of %d events" % checkpoint["size"])
        signed_by = []
        for name, blob in checkpoint["signatures"]:
            for key in keys:
                expected = "sakip-" + key_id(key)
                key_hash = hashlib.sha256(expected.encode() + b"\n\x01" + key).digest()[:4]
                if name == expected and blob[:4] == key_hash and ed25519_verify(key, checkpoint["body"], blob[4:]):
                    signed_by.append(name)
        if not signed_by:
            raise Failure("the checkpoint is not signed by a key of this ledger")
        print("checkpoint of %d events signed by %s matches the events" % (checkpoint["size"], ", ".join(signed_by)))

    for path in proofs:
        verify_proof_file(path, checkpoint, hashes)
    print("intact: %d events, head %s, root %s" % (len(events), prev.hex(), manifest["root"]))


def verify_proof_file(path, checkpoint, hashes):
    if checkpoint is None:
        raise Failure("%s: the bundle has no checkpoint to check a proof against" % path)
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line]
    if not lines or lines[0] != "sakip inclusion proof v1":
        raise Failure("%s: not a sakip inclusion proof" % path)
    fields = {}
    for line in lines[1:6]:
        name, _, value = line.partition(" ")
        fields[name] = value
    origin, size, index = fields.get("origin"), int(fields.get("size", "-1")), int(fields.get("index", "-1"))
    root = base64.b64decode(fields.get("root", ""))
    event = bytes.fromhex(fields.get("event", ""))
    path_hashes = [base64.b64decode(h) for h in lines[6:]]
    if (origin, size, root) != (checkpoint["origin"], checkpoint["size"], checkpoint["root"]):
        raise Failure("%s: the proof is for another tree than the checkpoint" % path)
    if index >= len(hashes) or hashes[index] != event:
        raise Failure("%s: event %d of the bundle is not the proven event" % (path, index))
    if not verify_inclusion(leaf_hash(event), index, size, path_hashes, root):
        raise Failure("%s: the inclusion proof does not verify" % path)
    print("%s: event %d is in the checkpoint of %d events" % (path, index, size))


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    directory, proofs = args[0], []
    rest = args[1:]
    while rest:
        if rest[0] == "--proof" and len(rest) > 1:
            proofs.append(rest[1])
            rest = rest[2:]
        else:
            print("unknown argument %s" % rest[0], file=sys.stderr)
            return 2
    try:
        verify_bundle(directory, proofs)
    except (Failure, OSError, ValueError, KeyError) as e:
        print("FAILED: %s" % e, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
