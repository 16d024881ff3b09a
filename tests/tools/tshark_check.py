#!/usr/bin/env python3
"""tshark_check.py - the Python half of tshark_crosscheck.sh.

  tshark_check.py hexdump SAMPLES.jsonl > dump.txt
      Writes every sample's bytes as one text2pcap packet (offset-prefixed hex lines, a
      blank line between packets), in the order of SAMPLES.jsonl.

  tshark_check.py check SAMPLES.jsonl DISSECTION.json BGPDEMO
      DISSECTION.json is `tshark -T json` of the pcap made from that dump: frame i is
      sample i. For each sample prints one line, OK or FAIL with what differs, then
      "N passed, M failed"; exits 1 when anything failed.

SAMPLES.jsonl comes from bgpdemo_wire_samples: {"name", "hex", "decode_args", "expect"}.
Expectations (the keys of "expect"):
  "F": "v"          field F occurs exactly once, with value v
  "F": ["a", "b"]   the values of F in the message, in order, are exactly a, b
  "count:F": n      F occurs n times
  "absent:F": true  F does not occur
Values compare as strings, or as numbers when both sides are numbers ("0x40" == "64").

Each message also must:
  - be dissected as exactly one BGP message whose bgp.length is the sample's size;
  - carry no expert info of severity Error anywhere in its frame (this includes
    _ws.malformed, which tshark adds with severity Error). Warnings are printed, not failed;
  - decode with `BGPDEMO decode --hex HEX [decode_args]`: exit 0, one record, no "error".
"""

import json
import subprocess
import sys

PI_ERROR = 0x00800000  # epan/proto.h
PI_WARN = 0x00600000


def load_samples(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def hexdump(samples_path):
    out = sys.stdout
    for s in load_samples(samples_path):
        data = bytes.fromhex(s["hex"])
        for off in range(0, len(data), 16):
            out.write("%06x %s\n" % (off, " ".join("%02x" % b for b in data[off:off + 16])))
        out.write("\n")


def pairs(items):
    """object_pairs_hook: keeps tshark's duplicate keys (one per repeated field) in order."""
    return items


def flatten(node, out):
    """Appends (field, value) for every leaf under node, in document order."""
    if isinstance(node, list) and (not node or isinstance(node[0], tuple)):
        for key, value in node:
            if isinstance(value, list) and value and not isinstance(value[0], tuple):
                for item in value:  # a JSON array of values or of subtrees
                    if isinstance(item, list):
                        flatten(item, out)
                    else:
                        out.append((key, item))
            elif isinstance(value, list):
                # A subtree: record the key too (FT_NONE fields and "_ws.malformed" may
                # come as objects) so that presence checks see it.
                out.append((key, ""))
                flatten(value, out)
            else:
                out.append((key, value))


def frame_layers(frame):
    source = dict(frame)["_source"]
    return dict(source)["layers"]


def experts(layers):
    """(severity, message) of every expert info in a frame's layers."""
    found = []

    def walk(node):
        if not isinstance(node, list):
            return
        for key, value in node:
            if key == "_ws.expert" and isinstance(value, list):
                d = dict((k, v) for k, v in value if not isinstance(v, list))
                try:
                    sev = int(d.get("_ws.expert.severity", "0"))
                except ValueError:
                    sev = 0
                found.append((sev, d.get("_ws.expert.message", "?")))
            if isinstance(value, list):
                if value and isinstance(value[0], tuple):
                    walk(value)
                else:
                    for item in value:
                        walk(item)

    walk(layers)
    return found


def same(expected, actual):
    expected, actual = str(expected), str(actual)
    if expected == actual:
        return True
    try:
        return int(expected, 0) == int(actual, 0)
    except ValueError:
        return False


def show(values, limit=6):
    if len(values) <= limit:
        return json.dumps(values)
    return "[%s, ... %d values]" % (", ".join(json.dumps(v) for v in values[:limit]), len(values))


def compare(expect, fields):
    """Returns a list of problems: expected vs what tshark showed."""
    values = {}
    for key, value in fields:
        values.setdefault(key, []).append(value)
    problems = []
    for key, want in expect.items():
        if key.startswith("count:"):
            field = key[len("count:"):]
            got = len(values.get(field, []))
            if got != want:
                problems.append("%s occurs %d times, expected %d" % (field, got, want))
            continue
        if key.startswith("absent:"):
            field = key[len("absent:"):]
            if field in values:
                problems.append("%s present (%s), expected absent" % (field, show(values[field])))
            continue
        got = values.get(key, [])
        want_list = want if isinstance(want, list) else [want]
        if len(got) == len(want_list) and all(same(w, g) for w, g in zip(want_list, got)):
            continue
        if len(got) == len(want_list):
            i = next(i for i, (w, g) in enumerate(zip(want_list, got)) if not same(w, g))
            where = " (first difference at #%d: expected %s, tshark %s)" % (
                i, json.dumps(want_list[i]), json.dumps(got[i])) if len(got) > 1 else ""
        else:
            where = " (%d values, expected %d)" % (len(got), len(want_list))
        problems.append("%s: expected %s, tshark %s%s" % (
            key, show(want_list) if isinstance(want, list) else json.dumps(want),
            show(got), where))
    return problems


def decode_with_bgpdemo(bgpdemo, sample):
    cmd = [bgpdemo, "decode", "--hex", sample["hex"]] + list(sample.get("decode_args", []))
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return ["bgpdemo decode did not run: %s" % e]
    problems = []
    if run.returncode != 0:
        problems.append("bgpdemo decode exited %d: %s" % (
            run.returncode, (run.stdout + run.stderr).strip()[:300]))
        return problems
    try:
        records = json.loads(run.stdout)
    except ValueError as e:
        return ["bgpdemo decode printed no JSON: %s" % e]
    if len(records) != 1:
        problems.append("bgpdemo decode found %d messages, expected 1" % len(records))
    for r in records:
        if "error" in r:
            problems.append("bgpdemo decode: %s" % json.dumps(r["error"])[:300])
    return problems


def check(samples_path, dissection_path, bgpdemo):
    samples = load_samples(samples_path)
    with open(dissection_path, encoding="utf-8") as f:
        frames = json.load(f, object_pairs_hook=pairs)
    passed = failed = 0
    if len(frames) != len(samples):
        print("FAIL pcap: tshark read %d frames for %d samples" % (len(frames), len(samples)))
        failed += 1
    for i, sample in enumerate(samples):
        name = sample["name"]
        size = len(sample["hex"]) // 2
        problems, notes = [], []
        if i >= len(frames):
            problems.append("no frame %d in tshark's output" % (i + 1))
        else:
            layers = frame_layers(frames[i])
            bgp = [v for k, v in layers if k == "bgp"]
            if len(bgp) != 1:
                problems.append("tshark shows %d BGP messages in the frame, expected 1" % len(bgp))
            fields = []
            for layer in bgp:
                flatten(layer, fields)
            lengths = [v for k, v in fields if k == "bgp.length"]
            if lengths != [str(size)]:
                problems.append("bgp.length %s, the message is %d bytes" % (show(lengths), size))
            if any(k == "_ws.malformed" for k, _ in fields):
                problems.append("tshark: Malformed Packet")
            for sev, msg in experts(layers):
                if sev >= PI_ERROR:
                    problems.append("tshark expert error: %s" % msg)
                elif sev >= PI_WARN:
                    notes.append("tshark expert warning: %s" % msg)
            problems += compare(sample["expect"], fields)
        problems += decode_with_bgpdemo(bgpdemo, sample)
        if problems:
            failed += 1
            print("FAIL %s (%d bytes): %s" % (name, size, "; ".join(problems + notes)))
        else:
            passed += 1
            print("OK   %s (%d bytes, %d fields checked)%s" % (
                name, size, len(sample["expect"]), "; " + "; ".join(notes) if notes else ""))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "hexdump":
        hexdump(argv[2])
        return 0
    if len(argv) == 5 and argv[1] == "check":
        return check(argv[2], argv[3], argv[4])
    sys.stderr.write("usage: tshark_check.py hexdump SAMPLES.jsonl\n"
                     "       tshark_check.py check SAMPLES.jsonl DISSECTION.json BGPDEMO\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
