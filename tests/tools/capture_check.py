#!/usr/bin/env python3
"""capture_check.py - the Python half of capture_crosscheck.sh.

  capture_check.py pcap OURS.json TSHARK.tsv OURS_PCAPNG.json
      OURS.json is `bgpdemo decode` of the pcap, TSHARK.tsv tshark's fields, one line per
      frame holding BGP (frame, ip/ipv6 and port of each end, bgp.type, the prefixes). Per
      frame, compares the endpoints, the message types in order, and the sets of prefixes
      announced and withdrawn. OURS_PCAPNG.json must equal OURS.json but for the time's
      digits (pcapng times have nanoseconds).

  capture_check.py mrt OURS.json BGPDUMP.txt OURS_GZ.json
      BGPDUMP.txt is `bgpdump -m`: compares the set of A (announce), W (withdraw), B (RIB
      entry) and STATE lines with the same lines made from our records; OURS_GZ.json, the
      gzip of the same file, must equal OURS.json.

Prints one OK/FAIL line per check and "N passed, M failed"; exits 1 when anything failed.
"""

import json
import sys

TYPES = {"open": "1", "update": "2", "notification": "3", "keepalive": "4", "route-refresh": "5"}
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("OK   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))


def split(v):
    return [x for x in v.split(",") if x] if v else []


def prefixes(rec, key_nlri):
    """Announced (key_nlri='nlri') or withdrawn ('withdrawn') prefixes, IPv4 and MP."""
    out = [p if isinstance(p, str) else p["prefix"] for p in rec.get(key_nlri, [])]
    attrs = rec.get("attributes", {})
    mp = attrs.get("mp_reach_nlri" if key_nlri == "nlri" else "mp_unreach_nlri")
    if mp:
        out += [p if isinstance(p, str) else p["prefix"] for p in mp.get(key_nlri, [])]
    return out


def pcap(ours_path, tshark_path, ng_path):
    ours = json.load(open(ours_path))
    frames = {}
    for r in ours:
        if "type" not in r:
            continue
        frames.setdefault(r["frame"], []).append(r)
    lines = [l.rstrip("\n").split("\t") for l in open(tshark_path) if l.strip()]
    check("pcap: tshark and bgpdemo see BGP in the same frames",
          sorted(frames) == sorted(int(l[0]) for l in lines),
          "bgpdemo %s, tshark %s" % (sorted(frames), [int(l[0]) for l in lines]))
    for l in lines:
        (num, ip4s, ip6s, sport, ip4d, ip6d, dport, types, nlri, nlri6, wd, wd6, lens) = (
            l + [""] * 13)[:13]
        recs = frames.get(int(num), [])
        src = (ip4s or "[%s]" % ip6s) + ":" + sport
        dst = (ip4d or "[%s]" % ip6d) + ":" + dport
        name = "pcap frame %s" % num
        check(name + ": endpoints", all(r["from"] == src and r["to"] == dst for r in recs),
              "tshark %s > %s, bgpdemo %s" % (src, dst, [(r["from"], r["to"]) for r in recs]))
        check(name + ": types", [TYPES[r["type"]] for r in recs] == split(types),
              "tshark %s, bgpdemo %s" % (split(types), [r["type"] for r in recs]))
        ann = sorted(p.split("/")[0] for r in recs for p in prefixes(r, "nlri"))
        wdn = sorted(p.split("/")[0] for r in recs for p in prefixes(r, "withdrawn"))
        check(name + ": announced", ann == sorted(split(nlri) + split(nlri6)),
              "tshark %s, bgpdemo %s" % (sorted(split(nlri) + split(nlri6)), ann))
        check(name + ": withdrawn", wdn == sorted(split(wd) + split(wd6)),
              "tshark %s, bgpdemo %s" % (sorted(split(wd) + split(wd6)), wdn))
        ours_lens = sorted(int(p.split("/")[1]) for r in recs
                           for p in prefixes(r, "nlri") + prefixes(r, "withdrawn"))
        check(name + ": prefix lengths", ours_lens == sorted(int(x) for x in split(lens)),
              "tshark %s, bgpdemo %s" % (split(lens), ours_lens))
    ng = json.load(open(ng_path))
    strip = lambda recs: [{k: v for k, v in r.items() if k != "time"} for r in recs]
    check("pcapng: the same records as the pcap", strip(ng) == strip(ours))
    check("pcapng: the same times, to the microsecond",
          [r.get("time", "")[:26] for r in ng] == [r.get("time", "")[:26] for r in ours])


def path_text(attrs):
    segs = attrs.get("as_path", [])
    parts = []
    for s in segs:
        asns = " ".join(str(a) for a in s["asns"])
        parts.append(asns if s["type"] == "as_sequence" else "{%s}" % asns.replace(" ", ","))
    return " ".join(parts)


def route_line(kind, peer_ip, peer_as, prefix, attrs):
    nh = attrs.get("next_hop") or attrs.get("mp_reach_nlri", {}).get("next_hop", "")
    return "|".join([kind, peer_ip, str(peer_as), prefix, path_text(attrs),
                     attrs.get("origin", "").upper(), nh, str(attrs.get("med", 0)),
                     " ".join(attrs.get("communities", []))])


def mrt(ours_path, dump_path, gz_path):
    ours = json.load(open(ours_path))
    mine = set()
    for r in ours:
        t = r.get("type")
        if t == "update":
            for p in prefixes(r, "nlri"):
                mine.add(route_line("A", r["from"], r["from_as"], p, r["attributes"]))
            for p in prefixes(r, "withdrawn"):
                mine.add("|".join(["W", r["from"], str(r["from_as"]), p]))
        elif t == "state_change":
            mine.add("|".join(["STATE", r["from"], str(r["from_as"]),
                               str(r["old_state_code"]), str(r["new_state_code"])]))
        elif t == "rib":
            for e in r["entries"]:
                mine.add(route_line("B", e["peer_ip"], e["peer_as"], r["prefix"], e["attributes"]))
    theirs = set()
    for line in open(dump_path):
        f = line.rstrip("\n").split("|")
        if f[2] in ("A", "B"):
            theirs.add("|".join([f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[10], f[11]]))
        elif f[2] == "W":
            theirs.add("|".join(f[2:6]))
        elif f[2] == "STATE":
            theirs.add("|".join(f[2:7]))
    check("mrt: bgpdump -m and bgpdemo give the same %d lines" % len(theirs), mine == theirs,
          "only bgpdump: %s; only bgpdemo: %s" % (sorted(theirs - mine), sorted(mine - theirs)))
    check("mrt: no record has an error", not any("error" in r for r in ours))
    check("mrt: the gzip file decodes the same", json.load(open(gz_path)) == ours)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("pcap", "mrt"):
        print(__doc__)
        return 2
    (pcap if sys.argv[1] == "pcap" else mrt)(*sys.argv[2:])
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
