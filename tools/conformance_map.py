#!/usr/bin/env python3
"""Regenerates docs/conformance.md: every SPIFFE rule of spiffe-rules.md §1.A–1.F with the tests named after it.

Tests carry rule numbers in their method names (e.g. W13_E9_callerWithoutIdentity...). Usage, from the repo root:
    python3 tools/conformance_map.py ../shared/docs/spiffe-rules.md > docs/conformance.md
"""
import os
import re
import sys

NOT_APPLICABLE = {
    "X-8": "Signet's CAs set no pathLenConstraint (a MAY); nothing to validate.",
    "X-9": "Signet's CAs carry no name constraints (a MAY); nothing to validate.",
    "J-11": "Client-side: how a workload sends a token.",
    "J-14": "`jti` is optional; validators need not track it (no test needed).",
    "B-9": "Signet exposes no bundle maps yet (federation is a later issue).",
    "B-10": "Each trust domain has its own CA keys; federation, where TDs meet, is a later issue.",
    "W-7": "Federated bundles: none until federation lands; the own TD is never in federated_bundles.",
    "W-9": "Federated bundles: none until federation lands.",
}

rules_src = open(sys.argv[1]).read()
rules = re.findall(r'^\| ((?:ID|X|J|B|E|W)-\d+) \| ([^|]*)\| ([^|]*)\| ([^|]*)\|', rules_src, re.M)
tests = {}
for root, dirs, files in os.walk('.'):
    dirs[:] = [d for d in dirs if d not in ('target', '.git', 'node_modules')]
    for f in sorted(files):
        if not f.endswith('Test.java'):
            continue
        path = os.path.join(root, f)
        module = path.split(os.sep)[1]
        src = open(path, encoding='utf-8').read()
        for m in re.finditer(r'void ((?:(?:ID|X|J|B|E|W|F)\d+_)+)(\w+)\(', src):
            for kind, num in re.findall(r'(ID|X|J|B|E|W|F)(\d+)', m.group(1)):
                tests.setdefault(f"{kind}-{num}", []).append(f"`{module}` {f[:-5]}.{m.group(1)}{m.group(2)}")

print("# SPIFFE conformance: rules and the tests that check them\n")
print("Every normative rule of the SPIFFE specs that applies to a server or an agent (spiffe-rules.md §1.A–1.F),")
print("with the tests named after it. Regenerate with `python3 tools/conformance_map.py <spiffe-rules.md> > docs/conformance.md`.\n")
print("| rule | level | rule text | tests |")
print("|---|---|---|---|")
for rid, lvl, _sec, text in rules:
    found = tests.get(rid, [])
    cell = "<br>".join(sorted(set(found))) if found else ("n/a — " + NOT_APPLICABLE[rid] if rid in NOT_APPLICABLE else "**none**")
    print(f"| {rid} | {lvl.strip()} | {text.strip()} | {cell} |")
