#!/usr/bin/env python3
"""Baseline: the script a quant would write instead of h2s, stdlib only (json + re).

Decodes every vendor format h2s reads, matches the rule pack's patterns with `re` (rules fire as in
h2s: a pattern in a field without an exclusion there, and any `requires` anywhere), scores each
matched story with the pack's lexicon, and times each message with perf_counter_ns.

  python_pipeline.py --pack PACK.json --feed FEED.ndjson --out RESULT.json
PACK.json is written by h2s_bench (the compiled pack's patterns, as h2s compiled them).
RESULT.json: {"per_message_ns": [...], "matches": [[story_id, [rule, ...]], ...], "signals": N}
"""
import argparse
import html
import json
import re
import time

TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")


def strip_html(text):
    if not text:
        return ""
    if "<" not in text and "&" not in text:
        return text
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", text))).strip()


def tickers_of(value):
    if isinstance(value, str):
        return [t for t in re.split(r"[,\s]+", value) if t]
    out = []
    for item in value or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("symbol"), str):
            out.append(item["symbol"])
    return out


def newsapi_id(url):
    h = 14695981039346656037
    for b in url.encode():
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "na-%016x" % h


def stories_of(doc):
    """Yields (id, headline, summary, body, tickers) for each story in one decoded line."""
    if isinstance(doc, dict) and "h2s_recv_us" in doc and "msg" in doc:
        doc = doc["msg"]
    items = doc if isinstance(doc, list) else [doc]
    for o in items:
        if not isinstance(o, dict):
            continue
        if "T" in o:
            if o["T"] == "n":
                yield (str(o["id"]), o.get("headline") or "", strip_html(o.get("summary")),
                       strip_html(o.get("content")), tickers_of(o.get("symbols")))
        elif "data" in o and ("kind" in o or "api_version" in o):
            if str(o.get("kind", "News")).startswith("News"):
                c = o["data"].get("content", {})
                yield (str(o["data"].get("id", c.get("id"))), c.get("title") or "", strip_html(c.get("teaser")),
                       strip_html(c.get("body")), tickers_of(c.get("securities")))
        elif "results" in o or "articles" in o:
            for item in o.get("results") or o.get("articles") or []:
                yield from stories_of(item)
        elif "published_utc" in o:
            yield (str(o["id"]), o.get("title") or "", strip_html(o.get("description")), "", tickers_of(o.get("tickers")))
        elif "publishedAt" in o:
            yield (newsapi_id(o["url"]), o.get("title") or "", strip_html(o.get("description")),
                   strip_html(o.get("content")), [])
        elif "datetime" in o and "headline" in o:
            yield (str(o["id"]), o["headline"], strip_html(o.get("summary")), "", tickers_of(o.get("related")))
        elif "headline" in o:
            if o.get("action") != "deleted":
                yield (str(o["id"]), o["headline"], strip_html(o.get("summary")), strip_html(o.get("body")),
                       tickers_of(o.get("tickers")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--pack", required=True)
    parser.add_argument("--feed", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    pack = json.load(open(args.pack))
    rules = pack["rules"]
    compiled = []
    for p in pack["patterns"]:
        # bytes patterns: ASCII classes and byte offsets, as Hyperscan sees the text
        flags = re.IGNORECASE if p["caseless"] else 0
        compiled.append((re.compile(p["expression"].encode(), flags), p["kind"], p["owner"], p.get("weight", 0.0)))
    rule_patterns = [(r, o) for r, k, o, _ in compiled if k == "rule"]
    requires = [(r, o) for r, k, o, _ in compiled if k == "requires_any"]
    excludes = [(r, o) for r, k, o, _ in compiled if k == "rule_exclude"]
    lexicon = [(r, w) for r, k, _, w in compiled if k in ("lexicon", "event")]

    per_message_ns = []
    matches = []
    signals = 0
    with open(args.feed, encoding="utf-8") as feed:
        for line in feed:
            if not line.strip():
                continue
            start = time.perf_counter_ns()
            try:
                doc = json.loads(line)
            except ValueError:
                per_message_ns.append(time.perf_counter_ns() - start)
                continue
            for story_id, headline, summary, body, tickers in stories_of(doc):
                fields = [f.encode() for f in (headline, summary, body)]
                hit = {}
                excluded = {}
                required = set()
                for i, text in enumerate(fields):
                    if not text:
                        continue
                    for regex, owner in rule_patterns:
                        if regex.search(text):
                            hit.setdefault(owner, set()).add(i)
                    for regex, owner in excludes:
                        if regex.search(text):
                            excluded.setdefault(owner, set()).add(i)
                    for regex, owner in requires:
                        if regex.search(text):
                            required.add(owner)
                fired = sorted(rules[o]["id"] for o, f in hit.items()
                               if f - excluded.get(o, set()) and (not rules[o]["has_requires"] or o in required))
                if fired:
                    tone = 0.0
                    for i, text in enumerate(fields):
                        for regex, weight in lexicon:
                            tone += weight * (1.0 if i == 0 else 0.5) * len(regex.findall(text))
                    if abs(tone) >= 0.15 and tickers:
                        signals += len(tickers)
                matches.append([story_id, fired])
            per_message_ns.append(time.perf_counter_ns() - start)
    json.dump({"per_message_ns": per_message_ns, "matches": matches, "signals": signals}, open(args.out, "w"))


if __name__ == "__main__":
    main()
