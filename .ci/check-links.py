#!/usr/bin/env python3
"""Check that every relative link and image in the repository's Markdown resolves: the file
exists and, for `file#anchor`, the anchor is a heading of that file (GitHub's slug rules)."""
import os, re, sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else '.'
SKIP = {'target', '.git', 'results'}   # results/samples/*.md are generated reports
ALLOW_MISSING: set = set()  # every linked file must exist

def slug(h):
    h = re.sub(r'`', '', h.strip().lower())
    h = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', h)
    h = re.sub(r'[^\w\- ]', '', h)   # keep letters, digits, _, -, space
    return h.replace(' ', '-')

def anchors(path):
    out, seen, fence = set(), {}, False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'):
            fence = not fence
        if fence:
            continue
        m = re.match(r'^(#{1,6})\s+(.*?)\s*#*\s*$', line)
        if m:
            s = slug(m.group(2))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else f'{s}-{n}')
    return out

bad = 0
files = []
for d, dirs, fs in os.walk(ROOT):
    dirs[:] = [x for x in dirs if x not in SKIP]
    files += [os.path.join(d, f) for f in fs if f.endswith('.md')]
for f in sorted(files):
    text, fence = [], False
    for line in open(f, encoding='utf-8'):
        if line.startswith('```'):
            fence = not fence
            continue
        if not fence:
            text.append(re.sub(r'`[^`]*`', '', line))
    for target in re.findall(r'\]\(([^)\s]+)\)', ''.join(text)):
        if re.match(r'[a-z]+://', target) or target.startswith('mailto:'):
            continue
        path, _, frag = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(f), path)) if path else f
        rel = os.path.relpath(dest, ROOT)
        if not os.path.exists(dest):
            if rel in ALLOW_MISSING:
                continue
            print(f'{os.path.relpath(f, ROOT)}: missing {target}'); bad += 1; continue
        if frag and dest.endswith('.md') and frag not in anchors(dest):
            print(f'{os.path.relpath(f, ROOT)}: no heading #{frag} in {rel}'); bad += 1
print(f'{len(files)} files checked, {bad} broken link(s)')
sys.exit(1 if bad else 0)
