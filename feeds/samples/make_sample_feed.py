#!/usr/bin/env python3
"""Writes the bundled sample feed (sample_feed.ndjson) and its expected labels (sample_expected.tsv).

Deterministic: the same script always writes the same bytes. Run from anywhere:
    python3 feeds/samples/make_sample_feed.py
"""
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stories import DELETES, DUPLICATES, REVISIONS, STORIES  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
START = datetime(2025, 12, 2, 13, 30, 0, tzinfo=timezone.utc)
rng = random.Random(20251202)

NOISE_COMPANIES = ["Procter & Gamble", "Caterpillar", "Home Depot", "Starbucks", "Ford", "Delta Air Lines",
                   "Target", "Nike", "Costco", "Chevron", "Exxon Mobil", "Pfizer", "Merck", "Visa",
                   "JPMorgan", "Goldman Sachs", "Disney", "Uber", "Airbnb", "PayPal", "Intel", "Qualcomm",
                   "Salesforce", "Adobe", "Shopify", "Lululemon", "Kroger", "FedEx", "UPS", "General Mills"]
NOISE_TICKERS = ["PG", "CAT", "HD", "SBUX", "F", "DAL", "TGT", "NKE", "COST", "CVX", "XOM", "PFE", "MRK", "V",
                 "JPM", "GS", "DIS", "UBER", "ABNB", "PYPL", "INTC", "QCOM", "CRM", "ADBE", "SHOP", "LULU", "KR",
                 "FDX", "UPS", "GIS"]
NOISE_TEMPLATES = ["{c} beats third-quarter profit estimates", "{c} misses revenue forecasts, shares slide",
                   "{c} names new chief financial officer", "{c} raises quarterly dividend by 5%",
                   "{c} to cut 1,200 jobs in restructuring", "{c} shares rise after analyst upgrade",
                   "{c} recalls products over safety concerns", "{c} opens new headquarters in Austin",
                   "{c} completes acquisition of regional rival", "{c} reaffirms full-year guidance",
                   "{c} faces lawsuit over pricing practices", "{c} launches holiday promotion"]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def rfc2822_eastern(t):
    return format_datetime(t.astimezone(timezone(timedelta(hours=-5))))


def dumps(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Feed:
    def __init__(self):
        self.lines = []     # (time, text)
        self.expected = []  # (story_id, vendor, expectation, headline)
        self.next_id = {"alpaca": 41_000_000, "benzinga": 48_000_000, "finnhub": 130_000_000}

    def new_id(self, vendor):
        if vendor in self.next_id:
            self.next_id[vendor] += rng.randint(3, 90)
            return self.next_id[vendor]
        if vendor == "polygon":
            return "%064x" % rng.getrandbits(256)
        return "gen-%06d" % rng.randint(0, 999999)

    def add(self, when, text):
        self.lines.append((when, text))


def render(vendor, sid, headline, body, tickers, when, updated=None, action="Created", revision=None):
    """One vendor message object (not yet a line) for a story."""
    updated = updated or when
    if vendor == "alpaca":
        return {"T": "n", "id": sid, "headline": headline, "summary": body[:120], "author": "Benzinga Newsdesk",
                "created_at": iso(when), "updated_at": iso(updated), "url": f"https://www.benzinga.com/news/{sid}",
                "content": f"<p>{body}</p>" if body else "", "symbols": tickers, "source": "benzinga"}
    if vendor == "benzinga":
        return {"api_version": "websocket/v1", "kind": "News/v1",
                "data": {"id": sid, "action": action, "timestamp": iso_ms(updated),
                         "content": {"id": sid, "revision_id": revision or sid * 10 + 1, "type": "story",
                                     "title": headline, "body": f"<p>{body}</p>" if body else "",
                                     "teaser": body[:100], "authors": [{"name": "Benzinga Staff"}],
                                     "url": f"https://www.benzinga.com/news/{sid}",
                                     "securities": [{"symbol": t, "exchange": "NASDAQ", "primary": i == 0}
                                                    for i, t in enumerate(tickers)],
                                     "channels": [{"name": "News"}], "created_at": rfc2822_eastern(when),
                                     "updated_at": rfc2822_eastern(updated)}}}
    if vendor == "finnhub":
        return {"category": "company" if tickers else "general", "datetime": int(when.timestamp()),
                "headline": headline, "id": sid, "image": "", "related": ",".join(tickers), "source": "Reuters",
                "summary": body, "url": f"https://finnhub.io/api/news?id={sid}"}
    if vendor == "polygon":
        return {"id": sid, "publisher": {"name": "GlobeNewswire Inc."}, "title": headline, "author": "Staff",
                "published_utc": iso(when), "article_url": f"https://www.globenewswire.com/{sid[:12]}",
                "tickers": tickers, "description": body, "keywords": ["markets"]}
    if vendor == "newsapi":
        slug = "-".join(headline.lower().split()[:8]).replace("'", "").replace(",", "").replace("%", "pct")
        return {"source": {"id": "reuters", "name": "Reuters"}, "author": "Reuters Staff", "title": headline,
                "description": body, "url": f"https://www.reuters.com/markets/{slug}-{when.strftime('%Y%m%d%H%M')}/",
                "urlToImage": None, "publishedAt": iso(when), "content": (body + " [+1800 chars]") if body else None}
    return {"id": sid, "headline": headline, "body": body, "tickers": tickers, "source": "Dow Jones",
            "published_at": iso(when)}


def newsapi_id(url):
    """The id h2s derives for a NewsAPI article: "na-" + FNV-1a 64 of its URL, in hex."""
    h = 14695981039346656037
    for byte in url.encode("utf-8"):
        h = ((h ^ byte) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "na-%016x" % h


def story_id_of(vendor, message):
    if vendor == "newsapi":
        return newsapi_id(message["url"])
    return str(message["id"]) if vendor != "benzinga" else str(message["data"]["id"])


def main():
    feed = Feed()
    vendors = ["alpaca", "benzinga", "finnhub", "polygon", "newsapi", "generic"]
    t = START
    originals = {}  # story index -> (vendor, sid, when, tickers)

    # Session start: control messages from an Alpaca stream, as recorded live.
    feed.add(t, dumps({"h2s_recv_us": int(t.timestamp() * 1e6), "feed": "alpaca", "msg": [{"T": "success", "msg": "connected"}]}))
    feed.add(t, dumps([{"T": "success", "msg": "authenticated"}]))
    feed.add(t, dumps([{"T": "subscription", "news": ["*"]}]))

    noise = [(tpl.format(c=c), NOISE_TICKERS[i]) for i, c in enumerate(NOISE_COMPANIES)
             for tpl in rng.sample(NOISE_TEMPLATES, 3)]
    rng.shuffle(noise)

    order = list(range(len(STORIES)))
    pending_page = []  # polygon/newsapi stories batched several to a line
    noise_iter = iter(noise)
    for n, index in enumerate(order):
        headline, body, tickers, expect = STORIES[index]
        t += timedelta(seconds=rng.randint(20, 75), microseconds=rng.randint(0, 999_999))
        vendor = vendors[n % len(vendors)]
        sid = feed.new_id(vendor)
        message = render(vendor, sid, headline, body, tickers, t)
        originals[index] = (vendor, sid, t, tickers)
        feed.expected.append((story_id_of(vendor, message) or "", vendor, ";".join(expect) if expect else "none", headline))
        if vendor in ("polygon", "newsapi"):
            # Pages of results: this story plus a noise item in the same line.
            h, tk = next(noise_iter)
            extra = render(vendor, feed.new_id(vendor), h, "", [tk], t)
            feed.expected.append((story_id_of(vendor, extra) or "", vendor, "none", h))
            if vendor == "polygon":
                line = {"results": [message, extra], "status": "OK", "request_id": "%032x" % rng.getrandbits(128), "count": 2}
            else:
                line = {"status": "ok", "totalResults": 2, "articles": [message, extra]}
        elif vendor == "alpaca" and n % 4 == 0:
            h, tk = next(noise_iter)
            extra = render(vendor, feed.new_id(vendor), h, "", [tk], t)
            feed.expected.append((str(extra["id"]), vendor, "none", h))
            line = [message, extra]
        elif vendor == "alpaca":
            line = [message]
        else:
            line = message
        text = dumps(line)
        if n % 5 == 2:  # some lines as recorded by `h2s record`, with their live receive time
            text = dumps({"h2s_recv_us": int(t.timestamp() * 1e6) + rng.randint(800, 4000), "feed": vendor, "msg": line})
        feed.add(t, text)
        if n % 3 == 1:
            h, tk = next(noise_iter, (None, None))
            if h:
                t += timedelta(seconds=rng.randint(5, 30))
                nid = feed.new_id("generic")
                feed.add(t, dumps(render("generic", nid, h, "", [tk], t)))
                feed.expected.append((nid, "generic", "none", h))

        # Repeats on another wire shortly after their original.
        for dup_index, dup_headline in DUPLICATES:
            if dup_index == index:
                when = t + timedelta(seconds=rng.randint(30, 240))
                dv = vendors[(n + 3) % len(vendors)]
                did = feed.new_id(dv)
                dmsg = render(dv, did, dup_headline, body, tickers, when)
                dline = [dmsg] if dv == "alpaca" else dmsg
                if dv == "polygon":
                    dline = {"results": [dmsg], "status": "OK", "count": 1}
                elif dv == "newsapi":
                    dline = {"status": "ok", "totalResults": 1, "articles": [dmsg]}
                feed.add(when, dumps(dline))
                feed.expected.append((story_id_of(dv, dmsg) or "", dv, "duplicate", dup_headline))

    # Revisions come from the original vendor under the original id; deletes likewise.
    for index, new_headline, new_body, expectation in REVISIONS:
        vendor, sid, when, tickers = originals[index]
        headline, body, _, _ = STORIES[index]
        changed = new_headline is not None
        # An unchanged resend inside the 15-minute dedup window is a duplicate; changes come later too.
        updated = when + timedelta(minutes=rng.randint(6, 25) if changed else rng.randint(3, 12))
        msg = render(vendor, sid, new_headline or headline, new_body if changed else body, tickers, when,
                     updated=updated, action="Updated", revision=(sid * 10 + 2) if vendor == "benzinga" else None)
        if vendor == "generic":
            msg["action"] = "updated"
            msg["updated_at"] = iso(updated)
        if vendor == "polygon":
            msg = {"results": [msg], "status": "OK", "count": 1}
        elif vendor == "newsapi":
            msg["publishedAt"] = iso(updated)
            msg = {"status": "ok", "totalResults": 1, "articles": [msg]}
        elif vendor == "alpaca":
            msg = [msg]
        elif vendor == "finnhub":
            msg["datetime"] = int(updated.timestamp())
        feed.add(updated, dumps(msg))
        if isinstance(expectation, list):
            label = "revision:" + ";".join(expectation)
        else:
            label = "duplicate"  # unchanged, or not moved enough to re-signal
        story_id = story_id_of(vendor, msg["results"][0] if vendor == "polygon" else
                               msg["articles"][0] if vendor == "newsapi" else msg[0] if vendor == "alpaca" else msg)
        feed.expected.append((story_id, vendor, label, new_headline or headline))
    for index in DELETES:
        vendor, sid, when, tickers = originals[index]
        assert vendor in ("benzinga", "generic"), f"story {index} comes from {vendor}, which has no deletes"
        gone = when + timedelta(minutes=rng.randint(10, 40))
        if vendor == "benzinga":
            msg = {"api_version": "websocket/v1", "kind": "News/v1",
                   "data": {"id": sid, "action": "Removed", "timestamp": iso_ms(gone),
                            "content": {"id": sid, "created_at": rfc2822_eastern(when), "updated_at": rfc2822_eastern(gone)}}}
        else:
            msg = {"id": sid, "action": "deleted", "published_at": iso(when), "updated_at": iso(gone)}
        feed.add(gone, dumps(msg))
        cancel = "cancel" if STORIES[index][3] else "deleted"
        feed.expected.append((str(sid), vendor, cancel, ""))

    # Bad input the pipeline must count and report, never crash on.
    bad_time = START + timedelta(minutes=40)
    for text, reason in [
        ('{"id":"gen-bad-1","headline":"Nvidia data center revenue jumps","published_at":"2025-12-02T14:', "malformed_json"),
        ('{"id":"gen-bad-2","headline":"Broken \\ud83d escape","published_at":"2025-12-02T14:10:00Z"}', "malformed_json"),
        ('{"foo":1,"bar":"not a news item"}', "unknown_format"),
        ('{"id":"gen-bad-3","body":"no headline here","published_at":"2025-12-02T14:10:00Z"}', "missing_field"),
        ('{"id":"gen-bad-4","headline":"When?","published_at":"yesterday afternoon"}', "bad_timestamp"),
        ('{"category":"company","datetime":1764686400,"headline":42,"id":7,"related":"AMZN","source":"x","summary":""}', "wrong_type"),
        ('{"id":"gen-bad-5","headline":"Trailing","published_at":"2025-12-02T14:10:00Z"} {"extra":true}', "trailing_content"),
        ("this is not json at all", "malformed_json"),  # a root that starts like 'true' but is not
        ("42", "unknown_format"),
        ('{"id":"gen-bad-7","headline":"Nvidia deep","published_at":"2025-12-02T14:10:00Z","x":' + "[" * 70 + "]" * 70 + "}",
         "malformed_json"),  # nesting past the limit in a field no decoder reads
        ('{"id":"gen-bad-6","headline":"Amazon Trainium3 \xff\xfe ships","published_at":"2025-12-02T14:10:00Z"}', "invalid_utf8"),
        ('[{"T":"n","id":999,"headline":"Alpaca item without a time"}]', "missing_field"),
    ]:
        feed.add(bad_time, text)
        feed.expected.append(("", "", "rejected:" + reason, ""))
        bad_time += timedelta(seconds=1)

    feed.lines.sort(key=lambda pair: pair[0])
    out = os.path.join(HERE, "sample_feed.ndjson")
    with open(out, "wb") as f:
        for i, (_, text) in enumerate(feed.lines):
            data = text.encode("utf-8", "surrogateescape") if "\xff" not in text else text.encode("latin-1", "replace")
            f.write(data + b"\n")
            if i in (40, 120):
                f.write(b"\n")  # blank lines are skipped and counted
    with open(os.path.join(HERE, "sample_expected.tsv"), "w") as f:
        f.write("story_id\tvendor\texpect\theadline\n")
        for row in feed.expected:
            f.write("\t".join(row) + "\n")
    with open(os.path.join(HERE, "sample_labels.json"), "w") as f:
        json.dump(labels_md(feed.expected), f, indent=1)
        f.write("\n")
    print(f"wrote {out}: {len(feed.lines)} lines, {len(feed.expected)} labelled messages")


def labels_md(expected):
    """The expectations in the labels.md format that `h2s eval` reads: ID@N for the N-th version."""
    labels, versions = {}, {}
    for story_id, _, expect, headline in expected:
        if not story_id or expect.startswith("rejected") or expect in ("deleted", "cancel"):
            continue
        versions[story_id] = versions.get(story_id, 0) + 1
        n = versions[story_id]
        key = story_id if n == 1 else f"{story_id}@{n}"
        pairs, topic = [], None
        for item in expect.replace("revision:", "").split(";") if expect not in ("none", "duplicate") else []:
            ticker, side, topic = item.split(":")
            pairs += [[t, side] for t in (["QQQ", "TLT"] if ticker == "MACRO" else [ticker])]
        if n > 1:
            kind = "revision"
        elif expect == "duplicate":
            kind = "duplicate"
        else:
            kind = "signal" if pairs else "distractor"
        labels[key] = {"expect": pairs, "topic": topic, "kind": kind, "note": headline}
    return labels


if __name__ == "__main__":
    main()
