#!/usr/bin/env python3
"""Renders labelled corpus files (JSON Lines, quality/README.md) as a replayable feed and its labels.

    python3 quality/make_feed.py quality/corpus/*.jsonl --feed /tmp/dev.ndjson --labels /tmp/dev.json

The feed holds one vendor message per line in the format each item names (generic, alpaca,
benzinga, finnhub, polygon), in time order; the labels are one JSON object in the format of
labels.md, keyed by the story id as h2s reports it (`ID@N` for the N-th version). Deterministic:
the same corpus files give the same bytes. `--exclude FILE` drops items whose headline (case and
spacing folded) appears in FILE's corpus, so a blind set is scored only on what the pack never saw.
`--apart DAYS` keeps the files' stories out of each other's dedup windows (see --help).
"""
import argparse
import hashlib
import json
import re
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

FORMATS = ("generic", "alpaca", "benzinga", "finnhub", "polygon")
KINDS = ("signal", "distractor", "no_direction", "duplicate", "revision")


def parse_time(text):
    t = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc2822_eastern(t):
    return format_datetime(t.astimezone(timezone(timedelta(hours=-5))))


def number_for(text, salt=""):
    """A stable 12-digit vendor id for a corpus id (vendors with integer ids)."""
    digest = hashlib.sha256((salt + text).encode()).digest()
    return 100_000_000_000 + int.from_bytes(digest[:8], "big") % 800_000_000_000


def fold(headline):
    return " ".join(re.findall(r"[a-z0-9]+", headline.lower()))


def load(paths):
    items = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                item = json.loads(line)
                item["_where"] = f"{path}:{lineno}"
                if item.get("format") not in FORMATS:
                    sys.exit(f"{item['_where']}: unknown format {item.get('format')!r}")
                if item.get("kind") not in KINDS:
                    sys.exit(f"{item['_where']}: unknown kind {item.get('kind')!r}")
                items.append(item)
    return items


def story_key(item):
    """The story id h2s reports for this item."""
    fmt, cid = item["format"], item["id"]
    if fmt in ("alpaca", "benzinga", "finnhub"):
        return str(number_for(cid))
    if fmt == "polygon":
        return hashlib.sha256(cid.encode()).hexdigest()
    return cid


def render(item, version, first):
    """One feed line for one version of an item; `first` is its version 1."""
    fmt = item["format"]
    published = parse_time(first["published_at"])
    updated = parse_time(item["updated_at"]) if version > 1 else published
    headline, summary, tickers = item["headline"], item.get("summary", ""), item.get("tickers") or []
    key = story_key(item)
    if fmt == "generic":
        msg = {"id": key, "headline": headline}
        if summary:
            msg["summary"] = summary
        if tickers:
            msg["tickers"] = tickers
        msg["published_at"] = iso(published)
        if version > 1:
            msg["updated_at"] = iso(updated)
            msg["action"] = "updated"
    elif fmt == "alpaca":
        msg = [{"T": "n", "id": int(key), "headline": headline, "summary": summary, "author": "Benzinga Newsdesk",
                "created_at": iso(published), "updated_at": iso(updated),
                "url": f"https://www.benzinga.com/news/{key}", "content": f"<p>{summary}</p>" if summary else "",
                "symbols": tickers, "source": "benzinga"}]
    elif fmt == "benzinga":
        event = number_for(f"{item['id']}@{version}", "event:")
        msg = {"api_version": "websocket/v1", "kind": "News/v1",
               "data": {"id": event, "action": "Updated" if version > 1 else "Created",
                        "timestamp": updated.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "content": {"id": int(key), "revision_id": int(key) * 10 + version, "type": "story",
                                    "title": headline, "body": f"<p>{summary}</p>" if summary else "",
                                    "teaser": summary, "authors": [{"name": "Benzinga Newsdesk"}],
                                    "url": f"https://www.benzinga.com/news/{key}",
                                    "securities": [{"symbol": t, "exchange": "NASDAQ", "primary": i == 0}
                                                   for i, t in enumerate(tickers)],
                                    "channels": [{"name": "News"}], "created_at": rfc2822_eastern(published),
                                    "updated_at": rfc2822_eastern(updated)}}}
    elif fmt == "finnhub":
        if version > 1:
            sys.exit(f"{item['_where']}: finnhub sends no revisions; use benzinga, alpaca or generic")
        msg = {"category": "company" if tickers else "general", "datetime": int(published.timestamp()),
               "headline": headline, "id": int(key), "image": "", "related": ",".join(tickers),
               "source": "Reuters", "summary": summary, "url": f"https://finnhub.io/api/news?id={key}"}
    else:
        if version > 1:
            sys.exit(f"{item['_where']}: polygon sends no revisions; use benzinga, alpaca or generic")
        msg = {"id": key, "publisher": {"name": "Newswire"}, "title": headline, "author": "Staff",
               "published_utc": iso(published), "article_url": f"https://example.invalid/{key}",
               "tickers": tickers, "description": summary}
    return updated, json.dumps(msg, ensure_ascii=False, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="+", help="corpus files (JSON Lines)")
    parser.add_argument("--feed", required=True, help="feed to write (NDJSON)")
    parser.add_argument("--labels", required=True, help="labels to write (JSON, labels.md)")
    parser.add_argument("--exclude", action="append", default=[], help="corpus whose headlines to leave out")
    parser.add_argument("--apart", type=int, default=0, metavar="DAYS",
                        help="move the N-th corpus file N*DAYS days back, so files collected apart never share a "
                             "dedup window (one event in two files is not a repeat the labels expect)")
    args = parser.parse_args()

    items = load(args.corpus)
    if args.apart:
        index = {path: n for n, path in enumerate(args.corpus)}
        for i in items:
            shift = -timedelta(days=args.apart * index[i["_where"].rsplit(":", 1)[0]])
            for field in ("published_at", "updated_at"):
                if field in i:
                    i[field] = iso(parse_time(i[field]) + shift)
    seen = {fold(i["headline"]) for i in load(args.exclude)} if args.exclude else set()
    dropped = {i["id"] for i in items if i.get("version", 1) == 1 and fold(i["headline"]) in seen}
    if dropped:
        print(f"make_feed: left out {len(dropped)} stories whose headline is in {', '.join(args.exclude)}",
              file=sys.stderr)
    # Corpora collected apart may hold the same published headline: keep the first file's copy, as
    # one story (a second copy would be a repeat the labels do not expect).
    first_file = {}
    repeats = set()
    for i in items:
        if i.get("version", 1) != 1 or i["kind"] == "duplicate":
            continue
        path = i["_where"].rsplit(":", 1)[0]
        key = fold(i["headline"])
        if first_file.setdefault(key, path) != path:
            repeats.add(i["id"])
    if repeats:
        print(f"make_feed: left out {len(repeats)} stories another corpus file already holds", file=sys.stderr)
    dropped |= repeats
    # A repeat of a story left out has no original in the feed: it would be scored as a repeat
    # that got through, so it goes too.
    orphans = {i["id"] for i in items if i.get("duplicate_of") in dropped}
    if orphans:
        print(f"make_feed: left out {len(orphans)} repeats of stories left out", file=sys.stderr)
    dropped |= orphans
    items = [i for i in items if i["id"] not in dropped]

    firsts, lines, labels = {}, [], {}
    for item in items:
        version = item.get("version", 1)
        if version == 1:
            if item["id"] in firsts:
                sys.exit(f"{item['_where']}: id {item['id']} repeats without a version number")
            firsts[item["id"]] = item
    for order, item in enumerate(items):
        version = item.get("version", 1)
        first = firsts.get(item["id"])
        if first is None:
            sys.exit(f"{item['_where']}: version {version} of {item['id']} without its version 1")
        if version > 1:
            item = {**first, **item}  # a later version repeats what it does not change
        when, text = render(item, version, first)
        lines.append((when, order, text))
        key = story_key(item) + (f"@{version}" if version > 1 else "")
        if key in labels:
            sys.exit(f"{item['_where']}: story id {key} twice (ids must be unique per story)")
        label = {"expect": item["expect"], "topic": item["topic"], "kind": item["kind"],
                 "note": f"{item['id']}: {item['note']}"}
        if item.get("duplicate_of"):
            label["duplicate_of"] = item["duplicate_of"]
        labels[key] = label
    lines.sort()
    with open(args.feed, "w", encoding="utf-8") as f:
        for _, _, text in lines:
            f.write(text + "\n")
    with open(args.labels, "w", encoding="utf-8") as f:
        json.dump(labels, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"make_feed: {len(lines)} messages, {len(labels)} labels", file=sys.stderr)


if __name__ == "__main__":
    main()
