#!/usr/bin/env python3
"""Writes the dev feed (dev_feed.ndjson, dev_expected.tsv): 58 headlines in the generic format,
written after the default pack was tuned on the sample feed, to check that it generalizes.
Measured once before any change (precision 0.93, recall 0.76); the general gaps it showed were
fixed, so it is a regression set now, not a held-out one.
    python3 feeds/samples/make_dev_feed.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
H = [
("AWS unveils Trainium3 UltraServers, claims 40% better price performance","AMZN:buy:amzn.trainium"),
("Amazon's custom chip unit Annapurna hit by engineer departures","AMZN:sell:amzn.trainium"),
("Trainium demand outstrips supply, AWS exec says","AMZN:buy:amzn.trainium"),
("Amazon pushes back Trainium3 volume ramp to mid-2026","AMZN:sell:amzn.trainium"),
("Amazon to spend $200 billion on capex in 2026, mostly AI","AMZN:buy:amzn.aws_capex"),
("AWS cancels plans for $10 billion data center in Oregon","AMZN:sell:amzn.aws_capex"),
("Amazon boosts data center spending as AI orders pile up","AMZN:buy:amzn.aws_capex"),
("Anthropic commits to 1 million Trainium chips in expanded AWS pact","AMZN:buy:amzn.ai_customers"),
("OpenAI scales back AWS usage, shifts training to Microsoft Azure","AMZN:sell:amzn.ai_customers"),
("Broadcom forecasts AI chip sales to double next year, shares surge","AVGO:buy:avgo.asic"),
("Broadcom AI revenue misses estimates as custom chip ramp slows","AVGO:sell:avgo.asic"),
("Broadcom signs deal to supply custom AI chips to Anthropic","AVGO:buy:avgo.asic"),
("Nvidia beats on record data center sales, guides above consensus","NVDA:buy:nvda.gpu"),
("China bans purchases of Nvidia AI chips by state firms","NVDA:sell:nvda.gpu"),
("Nvidia Blackwell shipments hit by server rack overheating problems","NVDA:sell:nvda.gpu"),
("Nvidia GPU demand remains insatiable, Huang says","NVDA:buy:nvda.gpu"),
("Equinix cuts full-year revenue outlook on weaker demand","EQIX:sell:dc.reit"),
("Digital Realty signs record leases with hyperscalers, stock climbs","DLR:buy:dc.reit"),
("Digital Realty core FFO misses estimates","DLR:sell:dc.reit"),
("Microsoft Azure revenue growth beats estimates, accelerates to 40%","MSFT:buy:cloud.peers"),
("Oracle shares plunge as cloud revenue disappoints","ORCL:sell:cloud.peers"),
("Oracle wins $20 billion AI cloud contract from Meta","ORCL:buy:cloud.peers"),
("US inflation accelerates to 3.1% in November, above forecasts","MACRO:sell:macro.cpi"),
("Consumer prices rose less than expected in October","MACRO:buy:macro.cpi"),
("Core CPI up 0.3% vs 0.2% estimate","MACRO:sell:macro.cpi"),
("US core PCE inflation eases to 2.6%","MACRO:buy:macro.pce"),
("PCE price index rises more than expected in August","MACRO:sell:macro.pce"),
("US economy adds 50,000 jobs, well below expectations","MACRO:buy:macro.jobs"),
("Jobless claims fall to lowest level since April","MACRO:sell:macro.jobs"),
("US unemployment rate unexpectedly rises to 4.7%","MACRO:buy:macro.jobs"),
("Nonfarm payrolls beat forecasts as wage growth accelerates","MACRO:sell:macro.jobs"),
("Fed's Bowman says inflation risks argue for holding rates","MACRO:sell:macro.fed_speak"),
("Fed's Goolsbee: more rate cuts likely if inflation keeps cooling","MACRO:buy:macro.fed_speak"),
("Fed's Williams sees policy as modestly restrictive, open to a cut","MACRO:buy:macro.fed_speak"),
("Powell signals Fed could pause rate cuts","MACRO:sell:macro.fed_speak"),
("Fed lowers rates by 25 bps, third cut this year","MACRO:buy:macro.fomc"),
("FOMC minutes reveal hawkish tilt, many officials wary of more cuts","MACRO:sell:macro.fomc"),
("Fed leaves rates unchanged, signals two cuts in 2026","MACRO:buy:macro.fomc"),
# must not signal
("Amazon Prime Day sales hit record","none"),
("Amazon rainforest fires rise sharply in August","none"),
("AWS outage disrupts Netflix and Reddit","none"),
("Venus Williams returns to tennis at 45","none"),
("Williams-Sonoma beats estimates, raises outlook","none"),
("Bank of Japan keeps rates steady, signals hike possible","none"),
("China's CPI falls 0.2% as deflation pressures persist","none"),
("UK unemployment rate rises to 5%","none"),
("Euro zone inflation cools to 2%, below ECB target","none"),
("ECB cuts rates for eighth time","none"),
("Broadcom's VMware unit faces EU antitrust probe","none"),
("Nvidia unveils new GeForce RTX gaming laptops","none"),
("Equinix sponsors Mercedes F1 team for 2026 season","none"),
("Reporter fed up with coffee prices writes column","none"),
("Mount Rainier National Park reopens after storm","none"),
("American Welding Society (AWS) names new president","none"),
("Amazon to hire 250,000 seasonal workers","none"),
("Microsoft Teams gets new AI features","none"),
("Oracle Park hosts World Series game 3","none"),
("Tim Cook says Apple will invest $500 billion in US","none"),
]
with open(os.path.join(HERE, "dev_feed.ndjson"), "w") as f, open(os.path.join(HERE, "dev_expected.tsv"), "w") as g:
    g.write('story_id\tvendor\texpect\theadline\n')
    for i,(h,e) in enumerate(H):
        sid=f"dev-{i}"
        f.write(json.dumps({"id":sid,"headline":h,"published_at":f"2025-12-03T1{i//60}:{i%60:02d}:00Z"})+"\n")
        g.write(f"{sid}\tgeneric\t{e}\t{h}\n")
