#!/usr/bin/env python3
"""Scores a replay's signals against labelled expectations, per topic.

    build/h2s replay -q --input feeds/samples/sample_feed.ndjson | python3 feeds/samples/evaluate.py
    python3 feeds/samples/evaluate.py --signals out.ndjson --expected my_labels.tsv

Labels (TSV with a header: story_id, vendor, expect, headline): expect is a ';'-separated list of
TICKER:side:topic (MACRO means QQQ and TLT), "none", "duplicate", "deleted", "cancel",
"revision:<list>" or "rejected:<reason>". A story id's expectations add up over its rows.
"""
import argparse
import collections
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def expand(spec):
    out = set()
    for item in spec.split(";"):
        ticker, side, topic = item.split(":")
        for t in (["QQQ", "TLT"] if ticker == "MACRO" else [ticker]):
            out.add((t, side, topic))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", default="-", help="replay output (NDJSON); '-' reads stdin")
    parser.add_argument("--expected", default=os.path.join(HERE, "sample_expected.tsv"))
    args = parser.parse_args()

    got = collections.defaultdict(set)
    stream = sys.stdin if args.signals == "-" else open(args.signals)
    for line in stream:
        s = json.loads(line)
        if s.get("type") != "signal":
            continue  # cancels withdraw signals of deleted stories; they are not labelled
        got[s["story_id"]].add((s["ticker"], s["side"], s["topic"]))

    want = collections.defaultdict(set)
    labelled = set()
    with open(args.expected) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            expect = row["expect"]
            if not row["story_id"] or expect.startswith("rejected") or expect in ("deleted", "cancel"):
                continue
            labelled.add(row["story_id"])
            if expect in ("none", "duplicate"):
                continue
            want[row["story_id"]] |= expand(expect.replace("revision:", ""))

    per_topic = collections.defaultdict(lambda: [0, 0, 0, 0])  # expected, produced, correct, wrong side
    for story in labelled | set(got):
        w, g = want.get(story, set()), got.get(story, set())
        for (ticker, side, topic) in w:
            per_topic[topic][0] += 1
            if (ticker, side, topic) in g:
                per_topic[topic][2] += 1
            elif (ticker, "buy" if side == "sell" else "sell", topic) in g:
                per_topic[topic][3] += 1
        for (_, _, topic) in g:
            per_topic[topic][1] += 1

    print(f"{'topic':<20} {'expected':>8} {'signals':>8} {'correct':>8} {'wrong side':>10} {'precision':>9} {'recall':>7}")
    totals = [0, 0, 0, 0]
    for topic in sorted(per_topic):
        e, p, c, ws = per_topic[topic]
        totals = [a + b for a, b in zip(totals, per_topic[topic])]
        print(f"{topic:<20} {e:>8} {p:>8} {c:>8} {ws:>10} {c / p if p else 1:>9.2f} {c / e if e else 1:>7.2f}")
    e, p, c, ws = totals
    print(f"{'all':<20} {e:>8} {p:>8} {c:>8} {ws:>10} {c / p if p else 1:>9.2f} {c / e if e else 1:>7.2f}")
    unexpected = sum(1 for story in got if story not in labelled)
    if unexpected:
        print(f"signals for unlabelled stories: {unexpected}")
    return 0 if c == e == p else 1


if __name__ == "__main__":
    sys.exit(main())
