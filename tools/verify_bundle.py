#!/usr/bin/env python3
"""Verify a sakip export bundle from its specification alone.

Uses only the Python standard library: no sakip, no sled, no bincode.
Follows FORMAT.md in the bundle (schema/bundle.md, event-v1.md and
proofs.md of the sakip repository) and reaches the same verdict as
`sakip verify-bundle` on the checks below:

  * files: only the files a bundle has (events.bin, events.jsonl,
    FORMAT.md, checkpoint, manifest.json), each a regular file directly in
    the bundle (no link, device or FIFO) within its size bound, each
    matching its SHA-256 in manifest.json;
  * every event's frame: version, dense seq, prev link to the previous
    event's hash, non-decreasing recorded time, none later than this
    machine's clock plus 5 minutes;
  * every event's Ed25519 signature, strictly (RFC 8032 with canonical
    encodings, S < L, and the signer's key and R not of small order), over
    the domain-separated body;
  * every payload decoded exactly (bincode, fixed-width little-endian, no
    trailing bytes);
  * the key registry replayed and the authorization matrix applied
    (docs/authorization.md): who may sign which kind, keys registered
    before use and not revoked, the key rules of key_added and
    key_revoked, approvals that cover existing, approvable events and
    never the approver's own;
  * events.jsonl rebuilt from events.bin and compared line by line;
  * manifest.json rebuilt from the events and files and compared byte for
    byte;
  * the checkpoint: origin, its root at its size, and a signature by an
    inspector key of the ledger active at that size (with --trusted-key,
    by one of the keys given);
  * witnesses' cosignatures on the checkpoint (C2SP tlog-cosignature v1,
    Ed25519) by the --witness keys, reported with their times; with
    --witness-quorum N, at least N of them;
  * inclusion proofs given with --proof, against the checkpoint and the
    bundle's events.

Not checked here: the plan rules of domain events (indicators defined,
values fitting their kind, bounds on figures, one realisation per period).
`sakip verify-bundle` checks them; `sakip verify-bundle --scope chain`
checks exactly what this program checks, so the two can be compared on
any bundle. An event signed by a registered key with the right role but
invalid by the plan passes here and fails `sakip verify-bundle`.

Exit status: 0 when everything verifies, 3 when something does not, 1 when
the directory is not a bundle (no manifest.json), 2 for usage errors; the
same as `sakip verify-bundle`.

usage: verify_bundle.py BUNDLE_DIR [--proof PROOF_FILE ...] [--trusted-key FILE.pub ...] [--witness NAME=FILE.pub ... [--witness-quorum N]]
"""

import base64
import hashlib
import json
import os
import stat
import struct
import sys

HASH_DOMAIN = b"sakip/event-hash/v1\x00"
SIGNATURE_DOMAIN = b"sakip/event-signature/v1\x00"
HEADER_LEN = 81
SIGNATURE_LEN = 64
MAX_EVENT_BYTES = 1 << 20
# How far a recorded time may lie ahead of this machine's clock (sakip's
# clock::FUTURE_MARGIN; docs/security.md, "Time").
FUTURE_MARGIN_MINUTES = 5
MAX_JSON_LINE = 64 << 20
MAX_MANIFEST_BYTES = 1 << 20
BUNDLE_FILES = {"events.bin": None, "events.jsonl": None, "FORMAT.md": 1 << 20, "checkpoint": 64 << 10}
FORMAT = "sakip-bundle/1"


class Failure(Exception):
    pass


class NotABundle(Exception):
    """The directory has no manifest.json: exit 1, as sakip does."""


# ---------------------------------------------------------------- Ed25519 (RFC 8032), strict

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1, 1, 0)


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
    """A point from its canonical encoding, or None (off the curve, y >= p,
    or x = 0 with the sign bit set)."""
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
    q = IDENTITY
    while k:
        if k & 1:
            q = _add(q, p)
        p = _add(p, p)
        k >>= 1
    return q


def _equal(p, q):
    return (p[0] * q[2] - q[0] * p[2]) % P == 0 and (p[1] * q[2] - q[1] * p[2]) % P == 0


def _small_order(p):
    return _equal(_mul(8, p), IDENTITY)


_GY = 4 * pow(5, P - 2, P) % P
_GX = _recover_x(_GY, 0)
G = (_GX, _GY, 1, _GX * _GY % P)


def public_key_ok(public):
    """A key sakip registers: a canonical encoding of a point of large order."""
    a = _decompress(public)
    return a is not None and not _small_order(a)


def ed25519_verify(public, message, signature):
    """Strict verification, as ed25519-dalek's verify_strict: canonical A and
    R, S < L, neither A nor R of small order, and [S]B = R + [k]A."""
    if len(signature) != 64 or len(public) != 32:
        return False
    a = _decompress(public)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= L or _small_order(a) or _small_order(r):
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


# ---------------------------------------------------------------- payloads (event-v1.md)

KINDS = [
    "genesis", "key_added", "key_revoked", "approval", "plan_item_defined", "indicator_defined",
    "target_set", "target_revised", "realisation_recorded", "realisation_corrected", "budget_set",
    "budget_revised", "spending_recorded", "narrative_recorded", "report_issued", "plan_item_retired",
    "indicator_retired", "agency_settings", "document_text_recorded", "signatory_recorded",
]
ROLES = ["admin", "operator", "approver", "inspector"]
REQUIRED_ROLE = {
    "key_added": "admin", "key_revoked": "admin", "approval": "approver",
    "plan_item_defined": "admin", "indicator_defined": "admin", "target_set": "admin",
    "target_revised": "admin", "realisation_recorded": "operator", "realisation_corrected": "operator",
    "budget_set": "admin", "budget_revised": "admin", "spending_recorded": "operator",
    "narrative_recorded": "operator", "report_issued": "approver", "plan_item_retired": "admin",
    "indicator_retired": "admin", "agency_settings": "admin",
    "document_text_recorded": "operator", "signatory_recorded": "admin",
}
NOT_APPROVABLE = {"genesis", "approval", "report_issued"}
CHECKPOINT_ROLE = "inspector"


class Reader:
    """bincode 2 with fixed-width little-endian integers."""

    def __init__(self, data):
        self.data, self.at = data, 0

    def take(self, n):
        if n < 0 or self.at + n > len(self.data):
            raise ValueError("payload ends early")
        out = self.data[self.at:self.at + n]
        self.at += n
        return out

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack("<H", self.take(2))[0]

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def boolean(self):
        b = self.u8()
        if b > 1:
            raise ValueError("invalid bool")
        return b == 1

    def string(self):
        n = self.u64()
        return self.take(n).decode("utf-8")

    def option(self, read):
        tag = self.u8()
        if tag == 0:
            return None
        if tag == 1:
            return read()
        raise ValueError("invalid option tag")

    def vec(self, read):
        n = self.u64()
        if n > len(self.data):
            raise ValueError("vector longer than the payload")
        return [read() for _ in range(n)]

    def variant(self, names):
        v = self.u32()
        if v >= len(names):
            raise ValueError("unknown enum variant %d" % v)
        return names[v]

    def hex32(self):
        return self.take(32).hex()

    def dec(self):
        mantissa = int.from_bytes(self.take(16), "little", signed=True)
        scale = self.u8()
        if scale > 28 or abs(mantissa) >= 1 << 96:
            raise ValueError("decimal out of range")
        sign = "-" if mantissa < 0 else ""
        digits = str(abs(mantissa))
        if scale:
            digits = digits.rjust(scale + 1, "0")
            digits = digits[:-scale] + "." + digits[-scale:]
        return sign + digits

    def holder(self):
        return {"name": self.string(), "nip": self.option(self.string), "jabatan": self.option(self.string)}

    def value(self):
        v = self.variant(["number", "ratio", "grade", "text"])
        if v == "number":
            return {"number": self.dec()}
        if v == "ratio":
            return {"ratio": {"numerator": self.dec(), "denominator": self.dec()}}
        if v == "grade":
            return {"grade": self.variant(["AA", "A", "BB", "B", "CC", "C", "D"])}
        return {"text": self.string()}

    def period(self):
        return {"year": self.u16(), "quarter": self.u8()}

    def scope(self):
        v = self.variant(["year", "quarter", "renstra"])
        return {"quarter": self.u8()} if v == "quarter" else v

    def aggregation(self):
        v = self.variant(["last_quarter", "sum", "ratio_of_sums", "components"])
        return {"components": self.vec(self.string)} if v == "components" else v


def decode_payload(data):
    """The event kind and the payload as sakip's JSON shows it (its serde
    form: the kind as a "kind" field, which a report_issued event's own
    "kind" field, the report kind, overwrites)."""
    r = Reader(data)
    kind = r.variant(KINDS)
    stage = lambda: r.variant(["murni", "perubahan"])  # noqa: E731
    p = {"kind": kind}
    if kind == "genesis":
        p.update(agency_code=r.string(), agency_name=r.string(), admin=r.holder())
        rest = len(data) - r.at
        if rest == 32:
            p["nonce"] = r.hex32()
        elif rest:
            raise ValueError("genesis has %d bytes after admin (a nonce has 32)" % rest)
    elif kind == "key_added":
        p.update(key=r.hex32(), holder=r.holder(), roles=r.vec(lambda: r.variant(ROLES)))
    elif kind == "key_revoked":
        p.update(key=r.hex32(), reason=r.string())
    elif kind == "approval":
        p.update(decision=r.variant(["approve", "reject", "return"]), covers=r.vec(r.u64),
                 comment=r.option(r.string))
    elif kind == "plan_item_defined":
        p.update(code=r.string(), level=r.variant(["tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan"]),
                 name=r.string(), parent=r.option(r.string))
    elif kind == "indicator_defined":
        p.update(code=r.string(), name=r.string(), item=r.string(), unit=r.string(),
                 polarity=r.variant(["higher_is_better", "lower_is_better", "grade"]),
                 value_kind=r.variant(["number", "ratio", "grade", "text"]),
                 aggregation=r.aggregation(), lower_rule=r.variant(["inverse", "twice_target_minus"]),
                 cap=r.option(r.dec), iku=r.boolean(), formula=r.option(r.string), source=r.option(r.string))
    elif kind == "target_set":
        p.update(indicator=r.string(), year=r.u16(), scope=r.scope(), value=r.value(), stage=stage())
    elif kind == "target_revised":
        p.update(indicator=r.string(), year=r.u16(), scope=r.scope(), value=r.value(), stage=stage(),
                 reason=r.string(), basis=r.string(), revises=r.u64())
    elif kind == "realisation_recorded":
        p.update(indicator=r.string(), period=r.period(), value=r.value(), note=r.option(r.string))
    elif kind == "realisation_corrected":
        p.update(indicator=r.string(), period=r.period(), value=r.value(), supersedes=r.u64(), reason=r.string())
    elif kind == "budget_set":
        p.update(account=r.string(), year=r.u16(), pagu=r.dec())
    elif kind == "budget_revised":
        p.update(account=r.string(), year=r.u16(), pagu=r.dec(), stage=stage(), reason=r.string(),
                 basis=r.string(), revises=r.u64())
    elif kind == "spending_recorded":
        p.update(account=r.string(), period=r.period(), amount=r.dec(), note=r.option(r.string))
    elif kind == "narrative_recorded":
        p.update(indicator=r.string(), year=r.u16(), faktor_pendorong=r.string(), hambatan=r.string(),
                 strategi_pemecahan=r.string())
    elif kind == "report_issued":
        p.update(kind=r.string(), format=r.string(), year=r.u16(), as_of=r.u8(), known_seq=r.u64(),
                 approved_only=r.boolean(), sha256=r.hex32(), size=r.u64(), title=r.string(),
                 figures=r.vec(lambda: {
                     "subject": r.string(),
                     "measure": r.variant(["realisasi", "capaian", "pagu", "spending", "serapan", "target"]),
                     "value": r.value()}))
    elif kind in ("plan_item_retired", "indicator_retired"):
        p.update(code=r.string(), year=r.u16(), reason=r.string())
    elif kind == "agency_settings":
        p.update(time_zone=r.variant(["Wib", "Wita", "Wit"]))
    elif kind == "document_text_recorded":
        p.update(year=r.u16(), section=r.string(), text=r.string())
    elif kind == "signatory_recorded":
        p.update(year=r.u16(), name=r.string(), nip=r.string(), position=r.string(), rank=r.string(),
                 place=r.string(), date=r.string())
    if r.at != len(data):
        raise ValueError("%d trailing bytes" % (len(data) - r.at))
    return kind, p


def format_micros(micros):
    """RFC 3339 UTC in whole seconds, as sakip writes recorded_at."""
    import datetime

    seconds = micros // 1_000_000
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + "Z"


def key_id(public):
    return hashlib.sha256(public).digest()[:8].hex()


# ---------------------------------------------------------------- the registry


class Registry:
    """The keys of a ledger and the authorization matrix
    (docs/authorization.md), replayed event by event."""

    def __init__(self):
        self.keys = {}  # public -> dict(name, roles, added, revoked)
        self.events = []  # seq -> (kind, author)

    def check(self, seq, author, kind, p):
        if seq == 0:
            if kind != "genesis":
                raise Failure("event 0 must be genesis, not %s" % kind)
            if not public_key_ok(author):
                raise Failure("event 0: the admin key is not a canonical key of large order")
            if not p["admin"]["name"].strip():
                raise Failure("event 0: the key holder's name is empty")
            return
        if kind == "genesis":
            raise Failure("event %d: genesis may only be event 0" % seq)
        state = self.keys.get(author)
        if state is None:
            raise Failure("event %d: key %s is not registered in this ledger" % (seq, key_id(author)))
        if state["revoked"] is not None:
            raise Failure("event %d: key %s was revoked at seq %d" % (seq, key_id(author), state["revoked"]))
        role = REQUIRED_ROLE[kind]
        if role not in state["roles"]:
            raise Failure("event %d: key %s (%s) has role(s) %s but %s needs role %s" % (
                seq, key_id(author), state["name"], ", ".join(state["roles"]), kind, role))
        if kind == "key_added":
            key = bytes.fromhex(p["key"])
            if not public_key_ok(key):
                raise Failure("event %d: key %s is not a canonical key of large order" % (seq, key_id(key)))
            if not p["holder"]["name"].strip():
                raise Failure("event %d: the key holder's name is empty" % seq)
            if not p["roles"] or len(set(p["roles"])) != len(p["roles"]):
                raise Failure("event %d: a key needs roles, none twice" % seq)
            if key in self.keys:
                raise Failure("event %d: key %s was registered before" % (seq, key_id(key)))
        elif kind == "key_revoked":
            key = bytes.fromhex(p["key"])
            target = self.keys.get(key)
            if not p["reason"].strip():
                raise Failure("event %d: a revocation needs a reason" % seq)
            if target is None or target["revoked"] is not None:
                raise Failure("event %d: key %s is not an active key" % (seq, key_id(key)))
            admins = [k for k in self.keys.values() if k["revoked"] is None and "admin" in k["roles"]]
            if "admin" in target["roles"] and len(admins) == 1:
                raise Failure("event %d: the last active admin key cannot be revoked" % seq)
        elif kind == "approval":
            covers = p["covers"]
            if not covers or len(set(covers)) != len(covers):
                raise Failure("event %d: an approval covers events, none twice" % seq)
            for c in covers:
                if c >= seq:
                    raise Failure("event %d: seq %d does not exist yet" % (seq, c))
                covered_kind, signer = self.events[c]
                if covered_kind in NOT_APPROVABLE:
                    raise Failure("event %d: seq %d is a %s event, which cannot be approved" % (seq, c, covered_kind))
                if signer == author:
                    raise Failure("event %d: key %s approves its own entry seq %d" % (seq, key_id(author), c))

    def apply(self, seq, author, kind, p):
        if kind == "genesis":
            self.keys[author] = {"name": p["admin"]["name"], "roles": ["admin"], "added": seq, "revoked": None}
        elif kind == "key_added":
            self.keys[bytes.fromhex(p["key"])] = {
                "name": p["holder"]["name"], "roles": p["roles"], "added": seq, "revoked": None}
        elif kind == "key_revoked":
            self.keys[bytes.fromhex(p["key"])]["revoked"] = seq
        self.events.append((kind, author))

    def name(self, key):
        state = self.keys.get(key)
        return state["name"] if state else "unknown key %s" % key_id(key)


# ---------------------------------------------------------------- bundle files


def open_bundle_file(directory, name, limit):
    """A regular file directly in the bundle, within its bound."""
    path = os.path.join(directory, name)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        # Only the manifest's absence says "this is not a bundle"; a file
        # it lists and the directory lacks is a bundle cut short.
        if name == "manifest.json":
            raise NotABundle("%s: no manifest.json, so not a bundle" % directory)
        raise Failure("%s is missing, though the bundle needs it or manifest.json lists it" % name)
    if not stat.S_ISREG(st.st_mode):
        raise Failure("%s is not a regular file (a link, device or FIFO is refused)" % name)
    if limit is not None and st.st_size > limit:
        raise Failure("%s has %d bytes, more than the %d it may have" % (name, st.st_size, limit))
    return open(path, "rb")


def read_bundle_file(directory, name, limit):
    with open_bundle_file(directory, name, limit) as f:
        return f.read(limit + 1)


def events_of(f):
    """Each event of events.bin: (seq, stored bytes)."""
    seq = 0
    while True:
        prefix = f.read(4)
        if not prefix:
            return
        if len(prefix) < 4:
            raise Failure("events.bin ends inside a length prefix (event %d)" % seq)
        (n,) = struct.unpack("<I", prefix)
        if n > MAX_EVENT_BYTES:
            raise Failure("events.bin gives event %d %d bytes, more than the limit of %d" % (seq, n, MAX_EVENT_BYTES))
        ev = f.read(n)
        if len(ev) < n:
            raise Failure("events.bin ends inside event %d" % seq)
        yield seq, ev
        seq += 1


def event_json(seq, ev, event_hash, kind, payload, author_name):
    """One line of events.jsonl, as sakip writes it (keys sorted, compact,
    UTF-8 unescaped)."""
    (recorded_at,) = struct.unpack_from("<q", ev, 41)
    author = ev[49:81]
    line = {
        "seq": seq, "hash": event_hash.hex(), "prev": ev[9:41].hex(), "kind": kind,
        "author": author.hex(), "author_key_id": key_id(author), "author_name": author_name,
        "recorded_at": format_micros(recorded_at), "size": len(ev), "payload": payload,
        "signature": ev[-SIGNATURE_LEN:].hex(),
    }
    return (json.dumps(line, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n").encode()


def manifest_text(origin, events, head, root, files):
    manifest = {"format": FORMAT, "origin": origin, "events": events, "head": head.hex(),
                "root": base64.b64encode(root).decode(), "files": files}
    return (json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def parse_checkpoint(text):
    body, sep, sigs = text.partition("\n\n")
    if not sep:
        raise Failure("not a sakip checkpoint: no blank line before the signatures")
    lines = body.split("\n")
    if len(lines) != 3:
        raise Failure("the checkpoint must have origin, size and root lines")
    signatures, others = [], []
    for line in sigs.splitlines():
        if not line:
            continue
        if not line.startswith("\u2014 "):
            raise Failure("a checkpoint signature line must start with an em dash")
        name, _, blob = line[2:].partition(" ")
        try:
            blob = base64.b64decode(blob, validate=True)
        except ValueError:
            raise Failure("a checkpoint signature is not base64")
        (signatures if len(blob) == 68 else others).append((name, blob))
    return {
        "origin": lines[0],
        "size": int(lines[1]),
        "root": base64.b64decode(lines[2], validate=True),
        "body": (body + "\n").encode(),
        "signatures": signatures,
        "others": others,
    }


def checkpoint_signers(checkpoint, keys):
    out = []
    for key in keys:
        expected = "sakip-" + key_id(key)
        key_hash = hashlib.sha256(expected.encode() + b"\n\x01" + key).digest()[:4]
        for name, blob in checkpoint["signatures"]:
            if name == expected and blob[:4] == key_hash and ed25519_verify(key, checkpoint["body"], blob[4:]):
                out.append(key)
    return out


def cosigners(checkpoint, witnesses):
    """The witnesses (name, key) whose cosignatures verify: (name, time)."""
    out = []
    for wname, key in witnesses:
        key_hash = hashlib.sha256(wname.encode() + b"\n\x04" + key).digest()[:4]
        for name, blob in checkpoint["others"]:
            if name != wname or len(blob) != 76 or blob[:4] != key_hash:
                continue
            (timestamp,) = struct.unpack(">Q", blob[4:12])
            message = b"cosignature/v1\ntime %d\n" % timestamp + checkpoint["body"]
            if timestamp < 2**63 and ed25519_verify(key, message, blob[12:]):
                out.append((wname, timestamp))
    return out


def read_public_key(path):
    """The Ed25519 key of a sakip .pub file (PEM SubjectPublicKeyInfo)."""
    with open(path, encoding="utf-8") as f:
        text = f.read(64 << 10)
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if begin not in text or end not in text:
        raise Failure("%s: no PEM public key" % path)
    der = base64.b64decode("".join(text.split(begin, 1)[1].split(end, 1)[0].split()))
    prefix = bytes.fromhex("302a300506032b6570032100")
    if len(der) != 44 or not der.startswith(prefix):
        raise Failure("%s: not an Ed25519 public key" % path)
    return der[12:]


def verify_bundle(directory, proofs, trusted, witnesses=(), quorum=0):
    manifest_bytes = read_bundle_file(directory, "manifest.json", MAX_MANIFEST_BYTES)
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as e:
        raise Failure("manifest.json is not JSON (%s)" % e)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Failure("unknown bundle format %r" % (manifest.get("format") if isinstance(manifest, dict) else None))
    files = manifest.get("files")
    if not isinstance(files, dict):
        raise Failure("manifest.json lists no files")
    digests = {}
    for name, digest in files.items():
        if name not in BUNDLE_FILES:
            raise Failure("manifest.json lists %r, which is not a file of a bundle" % name)
        h = hashlib.sha256()
        with open_bundle_file(directory, name, BUNDLE_FILES[name]) as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != digest:
            raise Failure("%s does not match its SHA-256 in manifest.json" % name)
        digests[name] = digest
    for required in ("events.bin", "FORMAT.md", "events.jsonl"):
        if required not in files:
            raise Failure("manifest.json does not list %s" % required)
    checkpoint = None
    if "checkpoint" in files:
        text = read_bundle_file(directory, "checkpoint", BUNDLE_FILES["checkpoint"])
        try:
            checkpoint = parse_checkpoint(text.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise Failure("the checkpoint does not parse (%s)" % e)

    import time

    not_after = (int(time.time()) + FUTURE_MARGIN_MINUTES * 60) * 1_000_000
    prev, last_time, frontier = bytes(32), None, Frontier()
    hashes, checkpoint_root, origin = [], None, None
    registry = Registry()
    decoded = []  # (seq, ev, hash, payload) for events.jsonl
    with open_bundle_file(directory, "events.bin", None) as f:
        for seq, ev in events_of(f):
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
            if recorded_at > not_after:
                raise Failure(
                    "event %d: recorded at %s, in the future of this machine's clock (more than %d minutes ahead)"
                    % (seq, format_micros(recorded_at), FUTURE_MARGIN_MINUTES)
                )
            author = ev[49:81]
            body, signature = ev[:-SIGNATURE_LEN], ev[-SIGNATURE_LEN:]
            if not ed25519_verify(author, SIGNATURE_DOMAIN + body, signature):
                raise Failure("event %d: signature does not verify" % seq)
            try:
                kind, payload = decode_payload(ev[HEADER_LEN:-SIGNATURE_LEN])
            except (ValueError, UnicodeDecodeError, struct.error) as e:
                raise Failure("event %d: the payload does not decode (%s)" % (seq, e))
            registry.check(seq, author, kind, payload)
            registry.apply(seq, author, kind, payload)
            prev = hashlib.sha256(HASH_DOMAIN + ev).digest()
            if seq == 0:
                code = "".join(c for c in payload["agency_code"] if not c.isspace() and c != "+")
                origin = "sakip/%s/%s" % (code, prev.hex()[:16])
            hashes.append(prev)
            decoded.append((seq, ev, prev))
            frontier.push(prev)
            if checkpoint and frontier.size == checkpoint["size"]:
                checkpoint_root = frontier.root()
            last_time = recorded_at
    if not hashes:
        raise Failure("the ledger is empty")

    if len(hashes) != manifest.get("events"):
        raise Failure("manifest.json says %s events, events.bin holds %d" % (manifest.get("events"), len(hashes)))
    if prev.hex() != manifest.get("head"):
        raise Failure("the head in manifest.json is not the last event's hash")
    if base64.b64encode(frontier.root()).decode() != manifest.get("root"):
        raise Failure("the Merkle root in manifest.json does not match the events")
    if manifest.get("origin") != origin:
        raise Failure("the origin in manifest.json is not this ledger's")

    if trusted and not checkpoint:
        raise Failure("the bundle holds no checkpoint, so nothing in it is signed by a trusted key "
                      "(--trusted-key needs the checkpoint that key signed)")
    if checkpoint:
        if checkpoint["origin"] != origin:
            raise Failure("the checkpoint is for another ledger")
        if not checkpoint["signatures"]:
            raise Failure("checkpoint: the checkpoint has no signature")
        qualified, refused = [], []
        for key in checkpoint_signers(checkpoint, list(registry.keys)):
            state, size = registry.keys[key], checkpoint["size"]
            if CHECKPOINT_ROLE not in state["roles"]:
                refused.append("%s holds role(s) %s, not %s" % (state["name"], ", ".join(state["roles"]), CHECKPOINT_ROLE))
            elif state["added"] >= size:
                refused.append("%s's key was registered at seq %d, after the checkpoint" % (state["name"], state["added"]))
            elif state["revoked"] is not None and state["revoked"] < size:
                refused.append("%s's key was revoked at seq %d, inside the checkpoint" % (state["name"], state["revoked"]))
            else:
                qualified.append(key)
        if not qualified:
            why = "; ".join(refused) if refused else "no signature on the checkpoint verifies under a key of this ledger"
            raise Failure("checkpoint: %s; a checkpoint is signed by an active inspector key of the ledger" % why)
        if trusted and not set(checkpoint_signers(checkpoint, trusted)) & set(qualified):
            raise Failure("checkpoint: the checkpoint is not signed by a trusted key (%s) that may sign it"
                          % ", ".join(key_id(k) for k in trusted))
        if checkpoint["size"] == 0:
            checkpoint_root = hashlib.sha256(b"").digest()
        if checkpoint["size"] > len(hashes) or checkpoint_root != checkpoint["root"]:
            raise Failure("the events do not extend the checkpoint of %d events" % checkpoint["size"])

    # events.jsonl: exactly what events.bin decodes to.
    with open_bundle_file(directory, "events.jsonl", None) as f:
        for seq, ev, event_hash in decoded:
            line = f.readline(MAX_JSON_LINE)
            if not line:
                raise Failure("events.jsonl line %d is missing (events.bin holds event %d)" % (seq + 1, seq))
            kind, payload = decode_payload(ev[HEADER_LEN:-SIGNATURE_LEN])
            expected = event_json(seq, ev, event_hash, kind, payload, registry.name(ev[49:81]))
            if line != expected:
                raise Failure("events.jsonl line %d does not match event %d" % (seq + 1, seq))
        if f.readline(1):
            raise Failure("events.jsonl line %d has no event in events.bin" % (len(decoded) + 1))

    if manifest_text(origin, len(hashes), prev, frontier.root(), digests) != manifest_bytes:
        raise Failure("manifest.json is not exactly what its events and files imply")

    cosigned = cosigners(checkpoint, witnesses) if checkpoint else []
    if len(cosigned) < quorum:
        raise Failure("the bundle's checkpoint is cosigned by %d of the %d witnesses given, fewer than the %d required"
                      % (len(cosigned), len(witnesses), quorum))
    if checkpoint:
        names = [registry.name(k) for k in qualified]
        print("checkpoint of %d events signed by %s matches the events" % (checkpoint["size"], ", ".join(names)))
        for name, timestamp in cosigned:
            print("cosigned by witness %s at %s" % (name, format_micros(timestamp * 1_000_000)))
    for path in proofs:
        verify_proof_file(path, checkpoint, hashes)
    print("intact: %d events, head %s, root %s" % (len(hashes), prev.hex(), manifest["root"]))


def verify_proof_file(path, checkpoint, hashes):
    if checkpoint is None:
        raise Failure("%s: the bundle has no checkpoint to check a proof against" % path)
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read(1 << 20).splitlines() if line]
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
    directory, lists, quorum = args[0], {"--proof": [], "--trusted-key": [], "--witness": []}, 0
    rest = args[1:]
    while rest:
        if rest[0] in lists and len(rest) > 1:
            lists[rest[0]].append(rest[1])
            rest = rest[2:]
        elif rest[0] == "--witness-quorum" and len(rest) > 1 and rest[1].isdigit():
            quorum = int(rest[1])
            rest = rest[2:]
        else:
            print("unknown argument %s" % rest[0], file=sys.stderr)
            return 2
    try:
        trusted = [read_public_key(p) for p in lists["--trusted-key"]]
        witnesses = []
        for pair in lists["--witness"]:
            name, sep, path = pair.partition("=")
            if not sep:
                print("--witness %s: expected NAME=FILE.pub" % pair, file=sys.stderr)
                return 2
            witnesses.append((name, read_public_key(path)))
        verify_bundle(directory, lists["--proof"], trusted, witnesses, quorum)
    except NotABundle as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    except (Failure, OSError, ValueError, KeyError, IndexError, OverflowError) as e:
        print("FAILED: %s" % e, file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
