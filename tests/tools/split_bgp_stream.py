#!/usr/bin/env python3
"""Split captured BGP sessions into single BGP messages; write golden vectors.

Two sub-commands:

  split PCAP
      Reassemble every TCP direction on port 179 of PCAP (per stream, by raw
      sequence number) and split the byte stream on the 19-byte BGP header's
      length field. Prints one line per message: frame of its last byte, index
      among the messages completed in that frame, src -> dst, type, length, hex.

  golden --work DIR --out DIR ...
      Used by capture_golden.sh: splits the phase-*.pcap files in --work, picks
      the messages listed in SPEC below, cross-checks every message against
      tshark's own TCP reassembly (bgp_raw of `tshark -T json -x`), and writes
      <name>.hex, <name>.tshark.txt (if < 200 lines) and MANIFEST.md to --out.
      All decoded facts come from tshark (PDML / -O bgp), never from bgpdemo.

Only python3 standard library and the tshark binary are needed.
"""

import argparse
import datetime
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

BGP_TYPES = {1: "OPEN", 2: "UPDATE", 3: "NOTIFICATION", 4: "KEEPALIVE", 5: "ROUTE-REFRESH"}
MARKER = b"\xff" * 16


def tshark(pcap, *args):
    cmd = ["tshark", "-n", "-r", pcap] + list(args)
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if res.returncode != 0:
        sys.exit("tshark failed: %s\n%s" % (" ".join(cmd), res.stderr.decode(errors="replace")))
    return res.stdout.decode()


# --------------------------------------------------------------- splitting --

class Message:
    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def type_name(self):
        return BGP_TYPES.get(self.type, "type-%d" % self.type)


def read_segments(pcap):
    """TCP segments with payload, raw (not desegmented), in capture order."""
    out = tshark(pcap, "-o", "tcp.desegment_tcp_streams:FALSE",
                 "-Y", "tcp.port == 179 && tcp.len > 0",
                 "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f",
                 "-e", "frame.number", "-e", "tcp.stream",
                 "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport",
                 "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
                 "-e", "tcp.seq_raw", "-e", "tcp.payload")
    segs = []
    for line in out.splitlines():
        if not line.strip():
            continue
        f = line.split("\t")
        frame, stream, s4, s6, sport, d4, d6, dport, seq, payload = f
        segs.append(dict(frame=int(frame), stream=int(stream), src=s4 or s6, sport=int(sport),
                         dst=d4 or d6, dport=int(dport), seq=int(seq),
                         payload=bytes.fromhex(payload.replace(":", ""))))
    return segs


def split_pcap(pcap):
    """All BGP messages of PCAP, in order of completion per direction."""
    dirs = {}
    for s in read_segments(pcap):
        key = (s["stream"], s["src"], s["sport"], s["dst"], s["dport"])
        dirs.setdefault(key, []).append(s)
    messages = []
    for key, segs in dirs.items():
        base = segs[0]["seq"]
        buf = bytearray()
        ends = []  # (stream offset after this segment's new bytes, frame)
        for s in segs:
            rel = (s["seq"] - base) & 0xFFFFFFFF
            if rel > len(buf):
                sys.exit("%s: gap in TCP stream %s at frame %d (missing bytes); cannot reassemble"
                         % (pcap, key, s["frame"]))
            new = s["payload"][len(buf) - rel:]
            if new:
                buf += new
                ends.append((len(buf), s["frame"]))
        pos = 0
        per_frame = {}
        while pos + 19 <= len(buf):
            if buf[pos:pos + 16] != MARKER:
                sys.exit("%s: %s: no BGP marker at stream offset %d" % (pcap, key, pos))
            length = int.from_bytes(buf[pos + 16:pos + 18], "big")
            if length < 19 or length > 65535:
                sys.exit("%s: %s: bad BGP length %d at offset %d" % (pcap, key, length, pos))
            if pos + length > len(buf):
                print("warning: %s: %s: last message truncated (capture ended)" % (pcap, key),
                      file=sys.stderr)
                break
            end = pos + length
            frame = next(fr for off, fr in ends if off >= end)
            idx = per_frame.get(frame, 0)
            per_frame[frame] = idx + 1
            raw = bytes(buf[pos:end])
            messages.append(Message(pcap=pcap, stream=key[0], src=key[1], sport=key[2], dst=key[3],
                                    dport=key[4], frame=frame, index_in_frame=idx, offset=pos,
                                    type=raw[18], raw=raw, info=parse_min(raw)))
            pos = end
        if pos != len(buf):
            print("warning: %s: %s: %d trailing bytes" % (pcap, key, len(buf) - pos), file=sys.stderr)
    messages.sort(key=lambda m: (m.frame, m.index_in_frame))
    return messages


# A minimal structural parse, only to *select* messages (facts come from tshark).
def _prefixes(data, afi):
    out, i = [], 0
    width = 4 if afi == 1 else 16
    while i < len(data):
        plen = data[i]
        n = (plen + 7) // 8
        addr = data[i + 1:i + 1 + n] + bytes(width - n)
        out.append("%s/%d" % (ipaddress.ip_address(addr), plen))
        i += 1 + n
    return out


def parse_min(raw):
    info = {"withdrawn4": [], "nlri4": [], "attrs": [], "mp_reach": None, "mp_unreach": None}
    if raw[18] != 2:
        return info
    body = raw[19:]
    wlen = int.from_bytes(body[0:2], "big")
    info["withdrawn4"] = _prefixes(body[2:2 + wlen], 1)
    alen = int.from_bytes(body[2 + wlen:4 + wlen], "big")
    attrs = body[4 + wlen:4 + wlen + alen]
    info["nlri4"] = _prefixes(body[4 + wlen + alen:], 1)
    i = 0
    while i < len(attrs):
        flags, code = attrs[i], attrs[i + 1]
        if flags & 0x10:
            l, h = int.from_bytes(attrs[i + 2:i + 4], "big"), 4
        else:
            l, h = attrs[i + 2], 3
        val = attrs[i + h:i + h + l]
        info["attrs"].append(code)
        if code == 14:
            afi, safi, nhl = int.from_bytes(val[0:2], "big"), val[2], val[3]
            nh = val[4:4 + nhl]
            rest = val[4 + nhl:]
            nsnpa = rest[0]
            j = 1
            for _ in range(nsnpa):
                j += 1 + rest[j]
            info["mp_reach"] = (afi, safi, nh.hex(), _prefixes(rest[j:], afi))
        elif code == 15:
            afi, safi = int.from_bytes(val[0:2], "big"), val[2]
            info["mp_unreach"] = (afi, safi, _prefixes(val[3:], afi))
        i += h + l
    return info


def is_eor(m, afi):
    i = m.info
    if m.type != 2:
        return False
    if afi == 1:
        return len(m.raw) == 23
    return (i["attrs"] == [15] and not i["withdrawn4"] and not i["nlri4"]
            and i["mp_unreach"] is not None and i["mp_unreach"][0] == afi and not i["mp_unreach"][2])


def cmd_split(args):
    for m in split_pcap(args.pcap):
        print("frame %d #%d %s:%d -> %s:%d %s len %d %s"
              % (m.frame, m.index_in_frame, m.src, m.sport, m.dst, m.dport, m.type_name,
                 len(m.raw), m.raw.hex()))


# ------------------------------------------------- tshark cross-check/facts --

def tshark_raw_by_frame(pcap):
    """frame -> list of hex strings of the BGP PDUs tshark dissected there."""
    data = json.loads(tshark(pcap, "-Y", "bgp", "-T", "json", "-x", "--no-duplicate-keys", "-j", "frame bgp"))
    out = {}
    for pkt in data:
        layers = pkt["_source"]["layers"]
        fr = int(layers["frame"]["frame.number"])
        raw = layers["bgp_raw"]
        if raw and not isinstance(raw[0], list):
            raw = [raw]
        out[fr] = [r[0] for r in raw]
    return out


def tshark_pdml_by_frame(pcap):
    """frame -> list of <proto name="bgp"> elements."""
    root = ET.fromstring(tshark(pcap, "-Y", "bgp", "-T", "pdml"))
    out = {}
    for pkt in root.iter("packet"):
        fr = None
        for f in pkt.iter("field"):
            if f.get("name") == "frame.number":
                fr = int(f.get("show"))
                break
        out[fr] = [p for p in pkt.findall("proto") if p.get("name") == "bgp"]
    return out


def tshark_text_by_frame(pcap):
    """frame -> list of text blocks 'Border Gateway Protocol - ...' of `tshark -O bgp`."""
    text = tshark(pcap, "-Y", "bgp", "-O", "bgp")
    out, frame, block = {}, None, None
    for line in text.splitlines():
        mo = re.match(r"^Frame (\d+):", line)
        if mo:
            frame = int(mo.group(1))
            out[frame] = []
            block = None
            continue
        if line.startswith("Border Gateway Protocol"):
            block = [line]
            out[frame].append(block)
        elif block is not None and line.startswith(" "):
            block.append(line)
        else:
            block = None
    return {fr: ["\n".join(b).rstrip() + "\n" for b in bl] for fr, bl in out.items()}


BITS = re.compile(r"^[01.]{4}( [01.]{4})* = ")
SKIP_FIELDS = {
    "bgp.marker", "bgp.length", "bgp.type", "bgp.cap.type", "bgp.cap.length",
    "bgp.update.path_attribute.type_code", "bgp.update.path_attribute.length",
    "bgp.update.path_attribute.flags", "bgp.prefix_length",
    "bgp.nlri_prefix", "bgp.withdrawn_prefix", "bgp.mp_reach_nlri_ipv4_prefix",
    "bgp.mp_reach_nlri_ipv6_prefix", "bgp.mp_unreach_nlri_ipv4_prefix",
    "bgp.mp_unreach_nlri_ipv6_prefix", "bgp.open.opt.param.type", "bgp.open.opt.param.len",
    "bgp.update.path_attribute.as_path_segment.length",
}


def showname(f):
    s = f.get("showname") or f.get("show") or ""
    return BITS.sub("", s).strip()


def leaves(elem):
    """Human facts below ELEM: prefix labels and leaf fields (tshark wording)."""
    out = []
    for f in elem:
        if f.tag != "field":
            continue
        name = f.get("name", "")
        if name.startswith("_ws.") or name in SKIP_FIELDS:
            continue
        if name == "":  # label node, e.g. a prefix "10.241.1.0/24"
            out.append(f.get("show"))
            continue
        kids = [k for k in f if k.tag == "field"]
        if not kids and name.endswith(("mp_reach_nlri", "mp_unreach_nlri")):  # empty prefix list
            out.append("%s: (none)" % showname(f))
            continue
        if kids and all(k.get("name", "") == "" for k in kids):  # e.g. NLRI / Withdrawn Routes list
            out.append("%s: %s" % (showname(f), ", ".join(k.get("show") for k in kids)))
            continue
        if name == "bgp.update.path_attribute.as_path_segment":
            out.append(showname(f))
            out.extend(showname(k) for k in kids
                       if k.get("name") == "bgp.update.path_attribute.as_path_segment.type")
            continue
        if name == "bgp.update.path_attribute.mp_reach_nlri.next_hop":
            v = f.get("value") or ""
            nhl = " (next hop length %d)" % int(v[:2], 16) if len(v) >= 2 else ""
            out.append(showname(f) + nhl)
            continue
        if kids:
            if f.get("show") not in ("", None) or f.get("value"):
                out.append(showname(f))
            out.extend(leaves(f))
        else:
            out.append(showname(f))
    return [x for x in out if x]


def facts(proto):
    """(one-line summary, list of detailed facts) for one <proto name="bgp">."""
    fields = {}
    for f in proto:
        fields.setdefault(f.get("name"), []).append(f)

    def one(name):
        return fields[name][0].get("show") if name in fields else None

    typ = int(one("bgp.type"))
    length = int(one("bgp.length"))
    tname = showname(fields["bgp.type"][0]).replace("Type: ", "")
    det = ["type %d %s" % (typ, tname.replace(" (%d)" % typ, "")), "length %d" % length]
    summary = ""
    if typ == 1:
        det += ["version %s" % one("bgp.open.version"), "My AS %s" % one("bgp.open.myas"),
                "hold time %s" % one("bgp.open.holdtime"),
                "BGP identifier %s" % one("bgp.open.identifier"),
                "optional parameters length %s" % one("bgp.open.opt.len")]
        caps = []
        for cap in proto.iter("field"):
            if cap.get("name") != "bgp.cap":
                continue
            code = next(k.get("show") for k in cap if k.get("name") == "bgp.cap.type")
            clen = next(k.get("show") for k in cap if k.get("name") == "bgp.cap.length")
            cname = showname(cap).replace("Capability: ", "")
            vals = leaves(cap)
            caps.append("%s %s" % (code, cname))
            det.append("capability %s %s (length %s)%s" % (code, cname, clen,
                                                            ": " + ", ".join(vals) if vals else ""))
        nparams = sum(1 for f in proto.iter("field") if f.get("name") == "bgp.open.opt.param")
        det.insert(7, "%d optional parameter(s) of type 2 (Capabilities)" % nparams)
        summary = "OPEN AS %s hold %s id %s, capabilities in order: %s" % (
            one("bgp.open.myas"), one("bgp.open.holdtime"), one("bgp.open.identifier"),
            "; ".join(caps))
    elif typ == 2:
        wd = [f.get("show") for w in fields.get("bgp.update.withdrawn_routes", []) for f in w
              if f.get("name") == ""]
        nlri = [f.get("show") for n in fields.get("bgp.update.nlri", []) for f in n
                if f.get("name") == ""]
        det.append("withdrawn routes length %s" % one("bgp.update.withdrawn_routes.length"))
        if wd:
            det.append("withdrawn: " + ", ".join(wd))
        det.append("total path attribute length %s" % one("bgp.update.path_attributes.length"))
        attr_words = []
        for pa in fields.get("bgp.update.path_attributes", [ET.Element("x")])[0]:
            if pa.get("name") != "bgp.update.path_attribute":
                continue
            sub = {k.get("name"): k for k in pa}
            flags = sub["bgp.update.path_attribute.flags"].get("show")
            code = sub["bgp.update.path_attribute.type_code"].get("show")
            alen = sub["bgp.update.path_attribute.length"].get("show")
            title = showname(pa).replace("Path Attribute - ", "").strip()
            vals = leaves(pa)
            det.append("attribute %s %s (flags %s, length %s)%s" % (
                code, title.split(":")[0], flags, alen, ": " + "; ".join(vals) if vals else ""))
            if code == "14":
                afi = showname(sub["bgp.update.path_attribute.mp_reach_nlri.afi"]).split(": ", 1)[1]
                nh = showname(sub["bgp.update.path_attribute.mp_reach_nlri.next_hop"]).split(": ", 1)[1]
                pfx = [x.get("show") for x in sub.get("bgp.update.path_attribute.mp_reach_nlri", [])
                       if x.get("name") == ""]
                attr_words.append("MP_REACH_NLRI AFI %s next hop %s NLRI %s" % (
                    afi, nh, ", ".join(pfx)))
            elif code == "15":
                afi = showname(sub["bgp.update.path_attribute.mp_unreach_nlri.afi"]).split(": ", 1)[1]
                pfx = [x.get("show") for x in sub.get("bgp.update.path_attribute.mp_unreach_nlri", [])
                       if x.get("name") == ""]
                attr_words.append("MP_UNREACH_NLRI AFI %s withdrawn %s" % (
                    afi, ", ".join(pfx) if pfx else "(none)"))
            elif code == "2":
                segs = [showname(s).replace("AS Path segment: ", "") for s in pa
                        if s.get("name") == "bgp.update.path_attribute.as_path_segment"]
                attr_words.append("AS_PATH [%s]" % "] [".join(segs))
            else:
                attr_words.append(title)
        if nlri:
            det.append("NLRI: " + ", ".join(nlri))
        parts = []
        if wd:
            parts.append("withdrawing " + ", ".join(wd))
        if nlri:
            parts.append("announcing " + ", ".join(nlri))
        parts += attr_words
        if length == 23:
            summary = "UPDATE End-of-RIB marker for IPv4 unicast (no withdrawn routes, no attributes, no NLRI)"
        elif (not wd and not nlri and len(attr_words) == 1 and attr_words[0].endswith("withdrawn (none)")):
            summary = "UPDATE End-of-RIB marker: " + attr_words[0]
        else:
            summary = "UPDATE " + "; ".join(parts)
    elif typ == 3:
        vals = leaves(proto)
        det += vals
        summary = "NOTIFICATION " + "; ".join(vals)
    elif typ == 4:
        summary = "KEEPALIVE (header only)"
    else:
        det += leaves(proto)
        summary = tname
    return summary, det


# ---------------------------------------------------------------- golden ----

def upstream(v):
    v = v.split(":", 1)[-1]
    return re.split(r"[-~+]", v, maxsplit=1)[0]


def nth(pred, n):
    """Predicate wrapper: select the n-th (0-based) match instead of the first."""
    pred.nth = n
    return pred


def first(pred, msgs):
    hits = [m for m in msgs if pred(m)]
    n = getattr(pred, "nth", 0)
    return hits[n] if len(hits) > n else None, len(hits)


def build_spec(a):
    gv, bv, fv = upstream(a.gobgp_version), upstream(a.bird_version), upstream(a.frr_version)
    G, B, F = "gobgp-" + gv, "bird-" + bv, "frr-" + fv
    ipv4_gobgp, ipv6_gobgp, rs4, rs6, frr = "10.0.0.2", "fd00::2", "10.0.0.1", "fd00::1", "10.0.0.4"

    def frm(ip, typ):
        return lambda m: m.src == ip and m.type == typ

    def upd(ip, f):
        return lambda m: m.src == ip and m.type == 2 and f(m.info, m)

    reach = lambda afi, nh_prefix=None: (lambda i, m: i["mp_reach"] is not None and i["mp_reach"][0] == afi
                                         and (nh_prefix is None or i["mp_reach"][2].startswith(nh_prefix)))
    unreach = lambda afi: (lambda i, m: i["mp_unreach"] is not None and i["mp_unreach"][0] == afi
                           and i["mp_unreach"][2])
    nlri4 = lambda want=None: (lambda i, m: bool(i["nlri4"]) and (want is None or want in i["nlri4"]))
    wd4 = lambda i, m: bool(i["withdrawn4"])
    eor = lambda afi: (lambda i, m: is_eor(m, afi))

    # (file stem, phase, predicate, what was selected)
    return [
        (G + "-open", "A", frm(ipv4_gobgp, 1), "OPEN sent by gobgpd without graceful restart (Cilium 1.14 default)"),
        (G + "-keepalive", "A", frm(ipv4_gobgp, 4), "first KEEPALIVE sent by gobgpd (confirms BIRD's OPEN)"),
        (G + "-update-ipv4", "A", upd(ipv4_gobgp, nlri4("10.241.1.0/24")), "UPDATE sent by gobgpd with the IPv4 unicast routes (classic NLRI + NEXT_HOP)"),
        (G + "-update-ipv6-mapped-nexthop", "A", upd(ipv4_gobgp, reach(2)), "UPDATE sent by gobgpd for its IPv6 route over the IPv4 session (IPv4-mapped IPv6 next hop, as Cilium does)"),
        (G + "-withdraw-ipv4", "A", upd(ipv4_gobgp, wd4), "UPDATE sent by gobgpd after `gobgp global rib del 10.11.0.10/32 -a ipv4`"),
        (G + "-withdraw-ipv6-mp-unreach", "A", upd(ipv4_gobgp, unreach(2)), "UPDATE sent by gobgpd after `gobgp global rib del fd00:10:241:1::/64 -a ipv6`"),
        (G + "-open-gr", "B", frm(ipv4_gobgp, 1), "OPEN sent by gobgpd with graceful restart enabled the Cilium way (restart-time 120, N bit, R bit, per-AFI F bit)"),
        (G + "-open-gr-after-reset", "B", nth(frm(ipv4_gobgp, 1), 1), "second OPEN sent by gobgpd in phase B, after its own hard reset (same GR config, gobgpd no longer restarting)"),
        (G + "-eor-ipv4", "B", upd(ipv4_gobgp, eor(1)), "End-of-RIB for IPv4 unicast sent by gobgpd (only sent when GR is negotiated)"),
        (G + "-eor-ipv6", "B", upd(ipv4_gobgp, eor(2)), "End-of-RIB for IPv6 unicast sent by gobgpd"),
        (G + "-notification-cease-admin-reset", "B", lambda m: frm(ipv4_gobgp, 3)(m) and m.raw[20] == 4, "NOTIFICATION sent by gobgpd on `gobgp neighbor 10.0.0.1 reset --reason \"Peer configuration changed\"` (what Cilium sends on a hard reset)"),
        (G + "-notification-cease-shutdown", "B", lambda m: frm(ipv4_gobgp, 3)(m) and m.raw[20] == 2, "NOTIFICATION sent by gobgpd on `gobgp neighbor 10.0.0.1 shutdown --reason ...`"),
        (G + "-update-ipv6-mp-reach", "C", upd(ipv6_gobgp, reach(2)), "UPDATE sent by gobgpd for its IPv6 route over an IPv6 session"),
        (G + "-update-ipv4-mp-reach-ipv6-nexthop", "C", upd(ipv6_gobgp, lambda i, m: reach(1)(i, m) and "10.241.1.0/24" in i["mp_reach"][3]), "UPDATE sent by gobgpd for 10.241.1.0/24 over an IPv6 session (RFC 8950: IPv4 NLRI in MP_REACH_NLRI with an IPv6 next hop)"),
        (G + "-notification-cease-deconfigured", "C", frm(ipv6_gobgp, 3), "NOTIFICATION sent by gobgpd on `gobgp neighbor del fd00::1` (what Cilium sends when a peer is removed)"),
        (B + "-open", "A", frm(rs4, 1), "OPEN sent by BIRD (default channel options)"),
        (B + "-open-extended-nexthop", "C", frm(rs6, 1), "OPEN sent by BIRD on the IPv6 session whose ipv4 channel has `extended next hop on`"),
        (B + "-keepalive", "A", frm(rs4, 4), "first KEEPALIVE sent by BIRD"),
        (B + "-update-ipv4", "A", upd(rs4, nlri4()), "UPDATE sent by BIRD with its IPv4 static routes"),
        (B + "-update-ipv6-mp-reach", "A", upd(rs4, reach(2)), "UPDATE sent by BIRD with its IPv6 static routes (over the IPv4 session)"),
        (B + "-update-ipv4-mp-reach-ipv6-nexthop", "C", upd(rs6, reach(1)), "UPDATE sent by BIRD with its IPv4 static routes over the IPv6 session (RFC 8950 extended next hop)"),
        (B + "-eor-ipv4", "A", upd(rs4, eor(1)), "End-of-RIB for IPv4 unicast sent by BIRD (sent although GoBGP did not advertise GR)"),
        (B + "-eor-ipv6", "A", upd(rs4, eor(2)), "End-of-RIB for IPv6 unicast sent by BIRD"),
        (B + "-withdraw-ipv4", "A", upd(rs4, wd4), "UPDATE sent by BIRD after `birdc disable st4w` (static 10.100.9.0/24 gone)"),
        (B + "-withdraw-ipv6-mp-unreach", "A", upd(rs4, unreach(2)), "UPDATE sent by BIRD after `birdc disable st6w` (static fd00:100:9::/64 gone)"),
        (B + "-notification-cease-shutdown", "A", frm(rs4, 3), "NOTIFICATION sent by BIRD on `birdc disable n1 \"...\"` (RFC 8203 shutdown communication)"),
        (F + "-open", "D", frm(frr, 1), "OPEN sent by FRR bgpd (frr defaults traditional)"),
        (F + "-keepalive", "D", frm(frr, 4), "first KEEPALIVE sent by FRR"),
        (F + "-update-ipv4", "D", upd(frr, nlri4("10.245.2.0/24")), "UPDATE sent by FRR for its `network 10.245.2.0/24`"),
        (F + "-update-ipv4-echo", "D", upd(frr, nlri4("10.100.0.0/24")), "UPDATE sent by FRR echoing BIRD's routes back to BIRD (AS_PATH of two ASes)"),
        (F + "-eor-ipv4", "D", upd(frr, eor(1)), "End-of-RIB for IPv4 unicast sent by FRR"),
        (F + "-notification-cease-shutdown", "D", frm(frr, 3), "NOTIFICATION sent by FRR on `neighbor 10.0.0.1 shutdown message ...`"),
    ]


def phase_info(a):
    gobgp = ("gobgpd AS 65100 router-id 10.0.0.2 hostname bgpdg-n1 port -1 (no listener), neighbor %s "
             "peer-as 65000 (admin-down until the routes are in the RIB, then `gobgp neighbor %s enable`), "
             "afi-safis ipv4-unicast + ipv6-unicast, connect-retry 120 hold-time 90 keepalive-interval 30 "
             "idle-hold-time-after-reset 5, local-address %s remote-port 179, global import policy "
             "reject-route except route-type local, routes added with "
             "`gobgp global rib add <prefix> origin igp -a ipv4|ipv6`, %s")
    no_gr = "no graceful restart (Cilium 1.14 default)"
    gr = ("graceful-restart enabled restart-time 120 notification-enabled, mp-graceful-restart enabled "
          "for both afi-safis, gobgpd started with -r (restart state bit, Cilium LocalRestarting)")
    bird = ("bird router id 10.0.0.1, protocol bgp %s: local as 65000, neighbor %s as %s, hold time 90, "
            "passive on, ipv4 { import all; export all;%s }, ipv6 { import all; export all; }; static "
            "blackhole routes 10.100.0.0/24 10.100.1.0/24 10.100.9.0/24 (st4w) fd00:100::/64 fd00:100:1::/64 "
            "fd00:100:9::/64 (st6w)")
    frr = ("frr defaults traditional, hostname bgpdg-n3, router bgp 65200, bgp router-id 10.0.0.4, "
           "no bgp ebgp-requires-policy, no bgp network import-check, neighbor 10.0.0.1 remote-as 65000, "
           "address-family ipv4 unicast network 10.245.2.0/24; bgpd -Z -S -P 0 (no zebra)")
    gd = "gobgpd (Debian gobgpd %s)" % a.gobgp_version
    bd = "bird (Debian bird2 %s)" % a.bird_version
    fd = "FRR bgpd (Debian frr %s)" % a.frr_version
    # peers: ip -> (short name, package description, config in one line)
    return {
        "A": dict(session="IPv4 TCP session, gobgpd dials bird:179",
                  peers={"10.0.0.2": ("gobgpd", gd, gobgp % ("10.0.0.1", "10.0.0.1", "0.0.0.0", no_gr)),
                         "10.0.0.1": ("bird", bd, bird % ("n1", "10.0.0.2", 65100, ""))}),
        "B": dict(session="IPv4 TCP session, gobgpd dials bird:179",
                  peers={"10.0.0.2": ("gobgpd", gd, gobgp % ("10.0.0.1", "10.0.0.1", "0.0.0.0", gr)),
                         "10.0.0.1": ("bird", bd, bird % ("n1", "10.0.0.2", 65100, ""))}),
        "C": dict(session="IPv6 TCP session, gobgpd dials [fd00::1]:179",
                  peers={"fd00::2": ("gobgpd", gd, gobgp % ("fd00::1", "fd00::1", "::", no_gr)),
                         "fd00::1": ("bird", bd, bird % ("n1v6", "fd00::2", 65100, " extended next hop on;"))}),
        "D": dict(session="IPv4 TCP session, FRR dials bird:179",
                  peers={"10.0.0.4": ("frr", fd, frr),
                         "10.0.0.1": ("bird", bd, bird % ("n3", "10.0.0.4", 65200, ""))}),
    }


def hex_lines(raw):
    return [raw[i:i + 16].hex(" ") for i in range(0, len(raw), 16)]


def cmd_golden(a):
    spec = build_spec(a)
    phases = phase_info(a)
    msgs, raw_tshark, pdml, text = {}, {}, {}, {}
    for ph in sorted(phases):
        pcap = os.path.join(a.work, "phase-%s.pcap" % ph)
        msgs[ph] = split_pcap(pcap)
        raw_tshark[ph] = tshark_raw_by_frame(pcap)
        pdml[ph] = tshark_pdml_by_frame(pcap)
        text[ph] = tshark_text_by_frame(pcap)
        # Cross-check: our reassembly == tshark's, message for message.
        ours = {}
        for m in msgs[ph]:
            ours.setdefault(m.frame, []).append(m.raw.hex())
        if ours != raw_tshark[ph]:
            for fr in sorted(set(ours) | set(raw_tshark[ph])):
                if ours.get(fr) != raw_tshark[ph].get(fr):
                    print("frame %s: ours %s tshark %s" % (fr, ours.get(fr), raw_tshark[ph].get(fr)),
                          file=sys.stderr)
            sys.exit("phase %s: our BGP message split differs from tshark's" % ph)
        print("phase %s: %d BGP messages, identical to tshark's reassembly" % (ph, len(msgs[ph])),
              file=sys.stderr)

    # Read BIRD's complaints, if any, to document the peer's reaction.
    bird_log = {}
    for ph in phases:
        p = os.path.join(a.work, "bird-%s.log" % ph)
        lines = []
        if os.path.exists(p):
            for line in open(p, encoding="utf-8", errors="replace"):
                if "<RMT>" in line or "<ERR>" in line or "<WARN>" in line:
                    lines.append(re.sub(r"^\S+ \S+ ", "", line.strip()))
        bird_log[ph] = lines

    stage = a.out.rstrip("/") + ".staging"
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    rows, problems = [], []
    for stem, ph, pred, what in spec:
        m, count = first(pred, msgs[ph])
        if m is None:
            problems.append("%s: no matching message in phase %s" % (stem, ph))
            continue
        proto = pdml[ph][m.frame][m.index_in_frame]
        block = text[ph][m.frame][m.index_in_frame]
        summary, det = facts(proto)
        if int(proto.find("field[@name='bgp.length']").get("show")) != len(m.raw):
            sys.exit("%s: tshark length differs" % stem)
        info = phases[ph]
        sender, sender_desc, sender_conf = info["peers"][m.src]
        receiver, receiver_desc, receiver_conf = info["peers"][m.dst]
        direction = "%s %s -> %s %s (%s)" % (sender, m.src, receiver, m.dst, info["session"])
        notes = []
        if count > 1:
            notes.append("%d messages in this capture matched the selection; this is number %d"
                         % (count, getattr(pred, "nth", 0) + 1))
        if stem.endswith("-update-ipv6-mapped-nexthop") and bird_log[ph]:
            notes.append("BIRD's reaction: " + " / ".join(
                l for l in bird_log[ph] if "fd00:10:241:1::/64" in l or "NEXT_HOP" in l))
        hdr = [
            "# bgpdemo golden BGP message: %s" % stem,
            "# Source: %s; peer %s" % (sender_desc, receiver_desc),
            "# Captured: %s by tests/tools/capture_golden.sh phase %s (tcpdump in netns bgpdg-rs, "
            "split by tests/tools/split_bgp_stream.py, dissected by tshark %s)" % (a.date, ph, a.tshark_version),
            "# Config: %s" % sender_conf,
            "# Peer config: %s" % receiver_conf,
            "# Direction: %s" % direction,
            "# Selected: %s" % what,
            "# Content: %s" % summary,
        ] + ["# Note: %s" % n for n in notes] + [
            "# Format: one whole BGP message (marker, length, type, body), lowercase hex, 16 bytes per line",
        ]
        with open(os.path.join(stage, stem + ".hex"), "w") as fh:
            fh.write("\n".join(hdr + hex_lines(m.raw)) + "\n")
        tsh = None
        tlines = ["# %s: tshark %s verbose dissection of this message (tshark -O bgp), BGP part only"
                  % (stem, a.tshark_version)] + block.rstrip("\n").split("\n")
        if len(tlines) < 200:
            tsh = stem + ".tshark.txt"
            with open(os.path.join(stage, tsh), "w") as fh:
                fh.write("\n".join(tlines) + "\n")
        rows.append((stem, sender_desc, direction, ph, what, summary, det, tsh, notes))
        print("%-55s %-12s %4d bytes  %s" % (stem + ".hex", m.type_name, len(m.raw), summary[:90]),
              file=sys.stderr)

    # Identical repeats worth knowing about (same daemon, other phase).
    same = []
    for ph_a, ph_b, ip_a, ip_b, typ, label in [
            ("A", "B", "10.0.0.1", "10.0.0.1", 1, "BIRD's OPEN in phase B (GR peer) is byte-identical to bird-open"),
            ("A", "D", "10.0.0.1", "10.0.0.1", 1, "BIRD's OPEN to FRR in phase D is byte-identical to bird-open"),
            ("A", "C", "10.0.0.2", "fd00::2", 1, "gobgpd's OPEN over the IPv6 session (phase C) is byte-identical to gobgp-open")]:
        ma, _ = first(lambda m: m.src == ip_a and m.type == typ, msgs[ph_a])
        mb, _ = first(lambda m: m.src == ip_b and m.type == typ, msgs[ph_b])
        if ma and mb:
            same.append(label if ma.raw == mb.raw else label.replace("is byte-identical to", "differs from"))
    b6a, _ = first(lambda m: m.src == "10.0.0.1" and m.type == 2 and m.info["mp_reach"] and m.info["mp_reach"][0] == 2, msgs["A"])
    b6c, _ = first(lambda m: m.src == "fd00::1" and m.type == 2 and m.info["mp_reach"] and m.info["mp_reach"][0] == 2, msgs["C"])
    if b6a and b6c:
        same.append("BIRD's IPv6 MP_REACH UPDATE over the IPv6 session (phase C) %s bird-update-ipv6-mp-reach (IPv4 session)"
                    % ("is byte-identical to" if b6a.raw == b6c.raw else "differs from"))

    # Behaviour visible in the captures (computed, so it stays true on regeneration).
    def cnt(ph, pred):
        return sum(1 for m in msgs[ph] if pred(m))
    for ph in ("A", "C"):
        ip = "10.0.0.2" if ph == "A" else "fd00::2"
        n = cnt(ph, lambda m: m.src == ip and (is_eor(m, 1) or is_eor(m, 2)))
        same.append("phase %s: gobgpd (no GR) sent %d End-of-RIB marker(s)" % (ph, n))
    for ph, ip in (("A", "10.0.0.1"), ("C", "fd00::1")):
        same.append("phase %s: BIRD sent End-of-RIB for IPv4 %d time(s) and for IPv6 %d time(s) although "
                    "gobgpd advertised no GR capability" % (ph, cnt(ph, lambda m: m.src == ip and is_eor(m, 1)),
                                                           cnt(ph, lambda m: m.src == ip and is_eor(m, 2))))
    n4 = [len(m.info["mp_reach"][3]) for m in msgs["C"] if m.src == "fd00::2" and m.type == 2
          and m.info["mp_reach"] and m.info["mp_reach"][0] == 1]
    n4a = [len(m.info["nlri4"]) for m in msgs["A"] if m.src == "10.0.0.2" and m.type == 2 and m.info["nlri4"]]
    same.append("gobgpd packed its two IPv4 prefixes as %s over the IPv4 session (classic NLRI) but as %s "
                "over the IPv6 session (MP_REACH_NLRI) (list = prefixes per UPDATE)" % (n4a, n4))
    o = [m for m in msgs["B"] if m.src == "10.0.0.2" and m.type == 1]
    if len(o) == 2:
        d = ["offset %d: 0x%02x -> 0x%02x" % (i, x, y) for i, (x, y) in enumerate(zip(o[0].raw, o[1].raw)) if x != y]
        same.append("gobgpd's OPEN after its hard reset (gobgp-open-gr-after-reset) differs from gobgp-open-gr "
                    "only at %s (GR capability restart flags and per-AFI flags)" % ", ".join(d))
    for ph in sorted(bird_log):
        for line in bird_log[ph]:
            same.append("bird log, phase %s: `%s`" % (ph, line))

    with open(os.path.join(stage, "MANIFEST.md"), "w") as fh:
        w = fh.write
        w("# Golden BGP wire messages\n\n")
        w("Real BGP messages captured from real daemons talking to each other in network\n"
          "namespaces, one message per `.hex` file. Regenerate with\n"
          "`sudo tests/tools/capture_golden.sh` (Debian 12, packages gobgpd, bird2, frr, tshark, tcpdump).\n"
          "Bytes are as sent on the wire; only the date in the headers changes between runs.\n\n")
        w("Captured %s with gobgpd %s, bird2 %s, frr %s; decoded by tshark %s.\n"
          "Every fact below is tshark's dissection of the capture (PDML / `tshark -O bgp`),\n"
          "not bgpdemo's. Our TCP reassembly and message split were checked against tshark's\n"
          "(`bgp_raw` of `tshark -T json -x`) for every message of every capture.\n\n"
          % (a.date, a.gobgp_version, a.bird_version, a.frr_version, a.tshark_version))
        w("## `.hex` format\n\nLines starting with `#` are comments (source, date, config, direction,\n"
          "content). The other lines are the whole message, marker included, as lowercase hex\n"
          "bytes separated by spaces, 16 per line. `<name>.tshark.txt` is tshark's verbose\n"
          "dissection of the same message.\n\n")
        w("## Setup\n\n")
        w("Network namespaces bgpdg-rs (bird, eth0 10.0.0.1/24 fd00::1/64), bgpdg-n1 (gobgpd,\n"
          "10.0.0.2/24 fd00::2/64), bgpdg-n3 (FRR, 10.0.0.4/24 fd00::4/64) on one bridge; fixed MACs\n"
          "02:00:00:00:00:0N, so link-local addresses are fe80::ff:fe00:N. One pcap per phase.\n\n")
        w("| phase | session | daemon | configuration |\n|---|---|---|---|\n")
        for ph, info in sorted(phases.items()):
            for ip, (short, desc, conf) in info["peers"].items():
                w("| %s | %s | %s %s | %s |\n" % (ph, info["session"], desc, ip, conf.replace("|", "\\|")))
        w("\nShutdown texts: BIRD `%s`, gobgpd `%s` (and `%s` on its hard reset), FRR `%s`.\n\n"
          % (a.bird_shutdown_text, a.gobgp_shutdown_text, a.gobgp_reset_text, a.frr_shutdown_text))
        w("## Files\n\n")
        w("| file | origin | facts to assert (tshark) |\n|---|---|---|\n")
        for stem, sender_desc, direction, ph, what, summary, det, tsh, notes in rows:
            origin = "%s<br>phase %s: %s<br>%s" % (sender_desc, ph, direction, what)
            cell = "<br>".join(d.replace("|", "\\|") for d in det)
            if notes:
                cell += "<br>" + "<br>".join("note: " + n.replace("|", "\\|") for n in notes)
            name = "`%s.hex`" % stem + ("<br>`%s`" % tsh if tsh else "")
            w("| %s | %s | %s |\n" % (name, origin.replace("|", "\\|").replace("`", ""), cell))
        if same:
            w("\n## Observations\n\n")
            for s in same:
                w("- %s.\n" % s)
        if problems:
            w("\n## Missing\n\n")
            for p in problems:
                w("- %s\n" % p)

    # Swap in: remove only files this tool owns, then move the new ones.
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.endswith(".hex") or f.endswith(".tshark.txt") or f == "MANIFEST.md":
            os.remove(os.path.join(a.out, f))
    for f in sorted(os.listdir(stage)):
        shutil.move(os.path.join(stage, f), os.path.join(a.out, f))
    os.rmdir(stage)
    for p in problems:
        print("MISSING: " + p, file=sys.stderr)
    if problems:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split", help="print the BGP messages of a pcap")
    s.add_argument("pcap")
    g = sub.add_parser("golden", help="write golden files (used by capture_golden.sh)")
    g.add_argument("--work", required=True)
    g.add_argument("--out", required=True)
    g.add_argument("--date", default=datetime.date.today().isoformat())
    for k in ("gobgp", "bird", "frr", "tshark"):
        g.add_argument("--%s-version" % k, required=True)
    for k in ("bird", "gobgp", "frr"):
        g.add_argument("--%s-shutdown-text" % k, required=True)
    g.add_argument("--gobgp-reset-text", required=True)
    a = ap.parse_args()
    if a.cmd == "split":
        cmd_split(a)
    else:
        cmd_golden(a)


if __name__ == "__main__":
    main()
