#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: tests/fuzz/corpus/<target>_fuzz/<name>.

Run once by hand when a seed is added; the generated files are checked in, so building or
testing never runs this. It encodes BGP-4 by itself (RFC 4271, 4760, 5492, 6793, 7911, 8203,
8654, 8950, 9072, 9234 and the capability drafts) rather than through the codec under test,
so the seeds do not inherit its mistakes. Each target's input layout is described at the top
of tests/fuzz/targets.h: message, update and attributes inputs start with one Context byte.

    python3 tests/fuzz/make_corpus.py            # rewrites tests/fuzz/corpus/

Files named by a SHA-1 (40 hex digits) are units a fuzzing run found, merged in by hand
(docs/testing.md, "Fuzzing"): this script keeps them.
"""

import ipaddress
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

# Context byte (targets.h ContextFromByte).
AS4 = 0x01
EXT_MSG = 0x02
AP4 = 0x04
AP6 = 0x08
IBGP = 0x10
EBGP = 0x20
EBGP_FIRST_AS = 0x30
NO_RR = 0x40
NO_V6 = 0x80

# Message types, attribute flags.
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE_REFRESH = 1, 2, 3, 4, 5
OPT, TRANS, PARTIAL, EXTLEN = 0x80, 0x40, 0x20, 0x10
WK = TRANS


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u32(v):
    return struct.pack("!I", v)


def v4(text):
    return bytes(int(x) for x in text.split("."))


def v6(text):
    return ipaddress.IPv6Address(text).packed


def msg(mtype, body):
    return b"\xff" * 16 + u16(19 + len(body)) + u8(mtype) + body


# --- capabilities (RFC 5492) -------------------------------------------------------------

def cap(code, value=b""):
    return u8(code) + u8(len(value)) + value


def cap_mp(afi, safi):
    return cap(1, u16(afi) + u8(0) + u8(safi))


def cap_fqdn(host, domain):
    h, d = host.encode(), domain.encode()
    return cap(73, u8(len(h)) + h + u8(len(d)) + d)


def cap_gr(flags, time, families):
    v = u16(flags << 12 | time)
    for afi, safi, f in families:
        v += u16(afi) + u8(safi) + u8(f)
    return cap(64, v)


def cap_add_path(entries):
    return cap(69, b"".join(u16(a) + u8(s) + u8(sr) for a, s, sr in entries))


def cap_llgr(entries):
    return cap(71, b"".join(u16(a) + u8(s) + u8(f) + u32(t)[1:] for a, s, f, t in entries))


def cap_ext_nh(entries):
    return cap(5, b"".join(u16(a) + u16(s) + u16(n) for a, s, n in entries))


def cap_version(text):
    t = text.encode()
    return cap(75, u8(len(t)) + t)


RICH_CAPS = [
    cap_mp(1, 1), cap_mp(2, 1), cap(2), cap(70), cap(65, u32(4200000001)), cap(6),
    cap(9, u8(3)),
    cap_gr(0x8 | 0x4, 120, [(1, 1, 0x80), (2, 1, 0x80)]),
    cap_add_path([(1, 1, 3), (2, 1, 1)]),
    cap_llgr([(1, 1, 0x80, 86400), (2, 1, 0, 3600)]),
    cap_ext_nh([(1, 1, 2), (1, 128, 2)]),
    cap_fqdn("leaf-1", "cluster-a.example.net"),
    cap_version("bgpdemo 0.1.0"),
    cap(200, b"\x01\x02\x03"),  # unknown, kept raw
]


# --- OPEN (RFC 4271 §4.2, RFC 9072) -------------------------------------------------------

def open_body(my_as, hold, bgp_id, params, extended=False):
    head = u8(4) + u16(my_as) + u16(hold) + v4(bgp_id)
    if extended:
        p = b"".join(u8(2) + u16(len(c)) + c for c in params)
        return head + u8(255) + u8(255) + u16(len(p)) + p
    p = b"".join(u8(2) + u8(len(c)) + c for c in params)
    return head + u8(len(p)) + p


OPENS = {
    "open_rich": open_body(23456, 90, "10.0.0.1", [b"".join(RICH_CAPS)]),
    "open_one_param_per_cap": open_body(23456, 180, "10.0.0.2", RICH_CAPS),
    "open_rfc9072_extended": open_body(23456, 90, "10.0.0.3", [b"".join(RICH_CAPS * 3)], True),
    "open_rfc9072_small": open_body(65001, 30, "10.0.0.4", [cap_mp(1, 1)], True),
    "open_minimal": open_body(65001, 90, "192.0.2.1", []),
    "open_hold_zero_2octet": open_body(65001, 0, "192.0.2.2", [cap_mp(1, 1), cap(2)]),
    "open_empty_param": open_body(65001, 90, "192.0.2.3", [b"", cap(2)]),
    # Near-valid: each breaks one rule.
    "open_bad_version": b"\x03" + open_body(65001, 90, "10.0.0.1", [])[1:],
    "open_as_zero": open_body(0, 90, "10.0.0.1", []),
    "open_hold_two": open_body(65001, 2, "10.0.0.1", []),
    "open_fqdn_overrun": open_body(65001, 90, "10.0.0.1", [cap(73, b"\x09abc\x00")]),
    "open_gr_bad_length": open_body(65001, 90, "10.0.0.1", [cap(64, b"\x00\x78\x00")]),
    "open_as4_mismatch": open_body(65001, 90, "10.0.0.1", [cap(65, u32(4200000001))]),
    "open_role_conflict": open_body(65001, 90, "10.0.0.1", [cap(9, u8(0)) + cap(9, u8(3))]),
    "open_9072_wrong_len": bytes.fromhex("04fde9005a0a00000180ff0004020200"),
}


# --- path attributes (RFC 4271 §4.3) ------------------------------------------------------

def attr(flags, code, value):
    if flags & EXTLEN or len(value) > 255:
        return u8(flags | EXTLEN) + u8(code) + u16(len(value)) + value
    return u8(flags) + u8(code) + u8(len(value)) + value


def seg(stype, asns, four=True):
    return u8(stype) + u8(len(asns)) + b"".join(u32(a) if four else u16(a) for a in asns)


def nlri4(prefix, path_id=None):
    addr, length = prefix.split("/")
    length = int(length)
    out = b"" if path_id is None else u32(path_id)
    return out + u8(length) + v4(addr)[: (length + 7) // 8]


def nlri6(prefix, path_id=None):
    addr, length = prefix.split("/")
    length = int(length)
    out = b"" if path_id is None else u32(path_id)
    return out + u8(length) + v6(addr)[: (length + 7) // 8]


def mp_reach(afi, nh, nlri):
    return attr(OPT, 14, u16(afi) + u8(1) + u8(len(nh)) + nh + u8(0) + nlri)


def mp_unreach(afi, withdrawn):
    return attr(OPT, 15, u16(afi) + u8(1) + withdrawn)


ORIGIN = attr(WK, 1, u8(0))
AS_PATH4 = attr(WK, 2, seg(2, [65100, 4200000001, 65200]))
NEXT_HOP = attr(WK, 3, v4("10.0.0.2"))


def all_attributes(four=True):
    """Every attribute type attributes.h knows, plus unknown optional ones."""
    as_path = seg(2, [65100, 4200000001 if four else 23456, 65200], four) + seg(1, [1, 2], four)
    aggregator = (u32(4200000002) if four else u16(23456)) + v4("10.9.9.9")
    attrs = [
        ORIGIN,
        attr(WK, 2, as_path),
        NEXT_HOP,
        attr(OPT, 4, u32(100)),
        attr(WK, 5, u32(200)),
        attr(WK, 6, b""),
        attr(OPT | TRANS, 7, aggregator),
        attr(OPT | TRANS, 8, u32(0xFFFF0001) + u32(65100 << 16 | 42)),
        attr(OPT, 9, v4("10.255.0.1")),
        attr(OPT, 10, v4("10.255.0.2") + v4("10.255.0.3")),
        attr(OPT | TRANS, 16, bytes.fromhex("0002fe4c00000064" "0003000000000001")),
        attr(OPT | TRANS, 32, u32(4200000001) + u32(1) + u32(2)),
        attr(OPT | TRANS, 35, u32(65100)),
        attr(OPT | TRANS | PARTIAL, 40, b"\x01\x00\x02\xab\xcd"),  # Prefix-SID, unknown here
        attr(OPT, 26, b"\x01\x00\x0b" + bytes(8)),                 # AIGP, unknown here
        attr(OPT | TRANS | EXTLEN, 128, u32(65100) + bytes(4)),      # ATTR_SET, unknown here
    ]
    if not four:
        attrs.append(attr(OPT | TRANS, 17, seg(2, [65100, 4200000001, 65200]) + seg(1, [1, 2])))
        attrs.append(attr(OPT | TRANS, 18, u32(4200000002) + v4("10.9.9.9")))
    return b"".join(attrs)


def update_body(withdrawn=b"", attrs=b"", nlri=b""):
    return u16(len(withdrawn)) + withdrawn + u16(len(attrs)) + attrs + nlri


V4_NLRI = b"".join(nlri4(p) for p in (
    "10.241.1.0/24", "10.11.0.10/32", "0.0.0.0/0", "10.0.0.128/25"))
V6_NLRI = b"".join(nlri6(p) for p in (
    "fd00:10:241:1::/64", "2001:db8::/32", "::/0", "2001:db8:1:2:3:4:5:6/128"))

UPDATES = {
    # name: (context byte, body)
    "update_ipv4_basic": (AS4, update_body(attrs=ORIGIN + AS_PATH4 + NEXT_HOP, nlri=V4_NLRI)),
    "update_every_attribute_as4": (AS4 | IBGP, update_body(
        attrs=all_attributes(True), nlri=V4_NLRI)),
    "update_every_attribute_as2": (IBGP, update_body(attrs=all_attributes(False), nlri=V4_NLRI)),
    "update_ipv4_withdraw": (AS4, update_body(
        withdrawn=nlri4("10.241.1.0/24") + nlri4("10.0.0.0/8"))),
    "update_eor_ipv4": (AS4, update_body()),
    "update_eor_ipv6": (AS4, update_body(attrs=mp_unreach(2, b""))),
    "update_mp_reach_ipv6_global": (AS4, update_body(
        attrs=mp_reach(2, v6("fd00::2"), V6_NLRI) + ORIGIN + AS_PATH4)),
    "update_mp_reach_ipv6_32byte_nh": (AS4, update_body(
        attrs=mp_reach(2, v6("2001:db8::2") + v6("fe80::2"), V6_NLRI) + ORIGIN + AS_PATH4)),
    "update_mp_reach_ipv6_v4mapped_nh": (AS4, update_body(
        attrs=mp_reach(2, v6("::ffff:10.0.0.2"), V6_NLRI) + ORIGIN + AS_PATH4)),
    "update_mp_reach_ipv4_rfc8950": (AS4, update_body(
        attrs=mp_reach(1, v6("fd00::2"), V4_NLRI) + ORIGIN + AS_PATH4)),
    "update_mp_reach_ipv4_nh4": (AS4, update_body(
        attrs=mp_reach(1, v4("10.0.0.2"), V4_NLRI) + ORIGIN + AS_PATH4)),
    "update_mp_unreach_ipv6": (AS4, update_body(attrs=mp_unreach(2, V6_NLRI))),
    "update_add_path_ipv4": (AS4 | AP4, update_body(
        withdrawn=nlri4("10.9.0.0/16", 7),
        attrs=ORIGIN + AS_PATH4 + NEXT_HOP,
        nlri=nlri4("10.241.1.0/24", 1) + nlri4("10.241.1.0/24", 2))),
    "update_add_path_ipv6": (AS4 | AP6, update_body(
        attrs=mp_reach(2, v6("fd00::2"), nlri6("fd00:1::/64", 1) + nlri6("fd00:1::/64", 9))
        + mp_unreach(2, nlri6("fd00:2::/64", 3)) + ORIGIN + AS_PATH4)),
    "update_ebgp_first_as": (AS4 | EBGP_FIRST_AS, update_body(
        attrs=ORIGIN + attr(WK, 2, seg(2, [65100, 65200])) + NEXT_HOP, nlri=V4_NLRI)),
    "update_extended_length_flags": (AS4, update_body(
        attrs=attr(WK | EXTLEN, 1, u8(2)) + attr(WK | EXTLEN, 2, seg(2, [65100]))
        + attr(WK | EXTLEN, 3, v4("10.0.0.2")) + attr(OPT | TRANS | EXTLEN, 8, u32(1) * 80),
        nlri=V4_NLRI)),
    "update_confed_ibgp": (AS4 | IBGP, update_body(
        attrs=ORIGIN + attr(WK, 2, seg(3, [65001, 65002]) + seg(2, [65100])) + NEXT_HOP,
        nlri=V4_NLRI)),
    # Near-valid: RFC 7606 cases.
    "update_bad_origin": (AS4, update_body(
        attrs=attr(WK, 1, u8(7)) + AS_PATH4 + NEXT_HOP, nlri=V4_NLRI)),
    "update_missing_next_hop": (AS4, update_body(attrs=ORIGIN + AS_PATH4, nlri=V4_NLRI)),
    "update_duplicate_attr": (AS4, update_body(
        attrs=ORIGIN + ORIGIN + AS_PATH4 + NEXT_HOP, nlri=V4_NLRI)),
    "update_as4_on_as4_session": (AS4, update_body(
        attrs=ORIGIN + AS_PATH4 + NEXT_HOP + attr(OPT | TRANS, 17, seg(2, [1])), nlri=V4_NLRI)),
    "update_attr_overrun": (AS4, update_body(attrs=ORIGIN + b"\x40\x02\x20\x02\x01", nlri=V4_NLRI)),
    "update_bad_nlri_length": (AS4, update_body(
        attrs=ORIGIN + AS_PATH4 + NEXT_HOP, nlri=b"\x21\x0a\x00\x00\x00\x00")),
    "update_mp_reach_bad_nh_len": (AS4, update_body(
        attrs=attr(OPT, 14, u16(2) + u8(1) + u8(5) + bytes(5) + u8(0)) + ORIGIN + AS_PATH4)),
    "update_local_pref_from_ebgp": (AS4 | EBGP, update_body(
        attrs=ORIGIN + AS_PATH4 + NEXT_HOP + attr(WK, 5, u32(100)), nlri=V4_NLRI)),
    "update_ipv6_not_negotiated": (AS4 | NO_V6, update_body(
        attrs=mp_reach(2, v6("fd00::2"), V6_NLRI) + ORIGIN + AS_PATH4)),
    "update_withdrawn_len_overrun": (AS4, u16(200) + b"\x18\x0a\x00"),
}

# Every attribute, one file each, for the attributes target.
ATTRIBUTES = {
    "attrs_every_type_as4": (AS4 | IBGP, all_attributes(True)),
    "attrs_every_type_as2": (IBGP, all_attributes(False)),
    "attrs_mp_reach_v6_ll": (AS4, mp_reach(2, v6("2001:db8::2") + v6("fe80::2"), V6_NLRI)),
    "attrs_mp_reach_v4_over_v6": (AS4, mp_reach(1, v6("::ffff:10.0.0.2"), V4_NLRI)),
    "attrs_mp_unreach_add_path": (AS4 | AP6, mp_unreach(2, nlri6("fd00::/64", 5))),
    "attrs_as_set_2octet": (0, attr(WK, 2, seg(1, [23456, 65001], False))
                            + attr(OPT | TRANS, 17, seg(1, [4200000001, 65001]))),
    "attrs_flags_error": (AS4, attr(OPT, 1, u8(0))),
    "attrs_unknown_well_known": (AS4, attr(WK, 99, b"\x00")),
    "attrs_ipv6_ext_comm_bad_len": (AS4, attr(OPT | TRANS, 25, bytes(19))),
    "attrs_truncated_header": (AS4, ORIGIN + b"\x40"),
}

# --- NOTIFICATION (RFC 4271 §4.5, RFC 8203, RFC 9003) -------------------------------------

def shutdown(sub, text):
    t = text.encode()
    return u8(6) + u8(sub) + u8(len(t)) + t


NOTIFICATIONS = {
    "notify_shutdown_text": shutdown(2, "maintenance window, back at 14:00 UTC"),
    "notify_reset_utf8": shutdown(4, "Wartungsarbeiten – bis 14 Uhr ✓"),
    "notify_shutdown_255": shutdown(2, "x" * 255),
    "notify_shutdown_empty": shutdown(2, ""),
    "notify_shutdown_overrun": u8(6) + u8(2) + u8(40) + b"short",
    "notify_shutdown_bad_utf8": u8(6) + u8(2) + u8(4) + b"\xc0\xaf\xed\xa0",
    "notify_open_error_data": u8(2) + u8(1) + u16(4),
    "notify_update_error_attr": u8(3) + u8(11) + attr(WK, 2, seg(2, [0])),
    "notify_hold_timer": u8(4) + u8(0),
    "notify_cease_max_prefix": u8(6) + u8(1) + u16(1) + u8(1) + u32(1000),
    "notify_unknown_code": u8(99) + u8(42) + b"\x00\x01",
}

ROUTE_REFRESHES = {
    "route_refresh_ipv4": u16(1) + u8(0) + u8(1),
    "route_refresh_ipv6_borr": u16(2) + u8(1) + u8(1),
    "route_refresh_ipv6_eorr": u16(2) + u8(2) + u8(1),
}

# --- NLRI (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3) ---------------------------------------

NLRIS = {
    "nlri_ipv4": V4_NLRI,
    "nlri_ipv6": V6_NLRI,
    "nlri_ipv4_add_path": nlri4("10.0.0.0/8", 1) + nlri4("10.1.0.0/16", 0xFFFFFFFF),
    "nlri_ipv6_add_path": nlri6("fd00::/8", 1) + nlri6("2001:db8::1/128", 2),
    "nlri_host_bits": b"\x19\x0a\x00\x00\xff" + b"\x07\xff",
    "nlri_truncated": b"\x18\x0a\xf1",
    "nlri_too_long_v4": b"\x21" + bytes(5),
    "nlri_max_v6": b"\x80" + bytes(range(16)),
}

HEXES = {
    "hex_plain": b"ffffffffffffffffffffffffffffffff001304\n",
    "hex_golden_file": b"# OPEN from a FRR 8.4 capture\nffff ffff ffff ffff ffff ffff ffff ffff\n"
                       b"001d 01 # header\n04 fe4c 005a 0a000001 00\n",
    "hex_separators": b"0xff:0xff, 0x00\t0A 0b\r\n",
    "hex_odd": b"fff",
    "hex_lone_digit": b"f f",
    "hex_bad_char": b"zz",
    "hex_0x_runs": b"0x00ff 0XAB",
}


def write(target, name, data):
    d = os.path.join(CORPUS, target + "_fuzz")  # CTest's fuzz.<target>_fuzz reads it there
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# The targets whose corpus this script writes; the others' (mrt_fuzz, tcp_reassembly_fuzz)
# are checked in as they are, and stay.
OWN = ["open", "notification", "message", "update", "attributes", "capability", "nlri", "hex",
       "config"]


FOUND = re.compile(r"[0-9a-f]{40}")  # libFuzzer names the units it finds by their SHA-1


def main():
    for target in OWN:
        d = os.path.join(CORPUS, target + "_fuzz")
        if os.path.isdir(d):
            for f in os.listdir(d):
                if not FOUND.fullmatch(f):
                    os.remove(os.path.join(d, f))

    bodies = {}  # name: (context byte, whole message)
    for name, body in OPENS.items():
        bodies[name] = (AS4, msg(OPEN, body))
        write("open", name, body)
    for name, (ctx, body) in UPDATES.items():
        bodies[name] = (ctx, msg(UPDATE, body))
        write("update", name, u8(ctx) + body)
    for name, body in NOTIFICATIONS.items():
        bodies[name] = (AS4, msg(NOTIFICATION, body))
        write("notification", name, body)
    for name, body in ROUTE_REFRESHES.items():
        bodies[name] = (AS4, msg(ROUTE_REFRESH, body))
    bodies["keepalive"] = (AS4, msg(KEEPALIVE, b""))

    for name, (ctx, m) in bodies.items():
        write("message", name, u8(ctx) + m)
    # Near-valid framing, and a stream of several messages for the framing loop.
    write("message", "frame_bad_marker", u8(AS4) + b"\xfe" + msg(KEEPALIVE, b"")[1:])
    write("message", "frame_keepalive_too_long", u8(AS4) + msg(KEEPALIVE, b"\x00"))
    write("message", "frame_route_refresh_not_negotiated",
          u8(AS4 | NO_RR) + msg(ROUTE_REFRESH, ROUTE_REFRESHES["route_refresh_ipv4"]))
    write("message", "frame_route_refresh_bad_length", u8(AS4) + msg(ROUTE_REFRESH, bytes(5)))
    write("message", "frame_length_past_4096", u8(AS4) + b"\xff" * 16 + u16(5000) + u8(UPDATE))
    big = update_body(attrs=ORIGIN + AS_PATH4 + NEXT_HOP + attr(OPT | TRANS, 8, u32(7) * 1200),
                      nlri=V4_NLRI)
    write("message", "frame_extended_message", u8(AS4 | EXT_MSG) + msg(UPDATE, big))
    stream = b"".join(bodies[n][1] for n in (
        "open_rich", "keepalive", "update_ipv4_basic", "update_mp_reach_ipv6_32byte_nh",
        "update_eor_ipv4", "update_eor_ipv6", "route_refresh_ipv4", "notify_shutdown_text"))
    write("message", "stream_session", u8(AS4) + stream)
    write("message", "stream_truncated_tail", u8(AS4) + stream[:-7])

    # Capability parameter values: each capability alone, all together, and broken ones.
    for i, c in enumerate(RICH_CAPS):
        write("capability", "cap_%02d_code_%d" % (i, c[0]), c)
    write("capability", "caps_all", b"".join(RICH_CAPS))
    write("capability", "cap_header_truncated", cap(2) + b"\x41")
    write("capability", "cap_length_overrun", b"\x41\x08\x00\x00")
    write("capability", "cap_mp_bad_length", cap(1, b"\x00\x01\x01"))
    write("capability", "cap_fqdn_domain_overrun", cap(73, b"\x01a\x05bc"))
    write("capability", "cap_version_trailing", cap(75, b"\x01ab"))
    write("capability", "cap_llgr_bad_length", cap(71, bytes(6)))

    for name, (ctx, a) in ATTRIBUTES.items():
        write("attributes", name, u8(ctx) + a)
    for name, (ctx, body) in UPDATES.items():
        w_len = body[0] << 8 | body[1]
        if len(body) >= 4 + w_len:
            a_len = body[2 + w_len] << 8 | body[3 + w_len]
            write("attributes", "from_" + name, u8(ctx) + body[4 + w_len:4 + w_len + a_len])

    for name, n in NLRIS.items():
        write("nlri", name, n)
    for name, h in HEXES.items():
        write("hex", name, h)
    for name, (ctx, m) in list(bodies.items())[:6]:
        write("hex", "dump_" + name, m.hex().encode())

    # config_fuzz: byte 0 even for the router's config, odd for a scenario; then the file.
    repo = os.path.join(HERE, "..", "..")
    for kind, byte, folder in (("router", 0, "examples/router"), ("scenario", 1, "scenarios"),
                               ("scenario", 1, "tests/data/scenarios")):
        d = os.path.join(repo, folder)
        for f in sorted(os.listdir(d)):
            if f.endswith(".yaml"):
                with open(os.path.join(d, f), "rb") as src:
                    write("config", f"{kind}-{f[:-5]}", u8(byte) + src.read())

    total = 0
    for root, _, files in os.walk(CORPUS):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    print("wrote %s (%d bytes)" % (CORPUS, total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
