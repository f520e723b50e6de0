#!/usr/bin/env python3
"""Turns the code addresses a profile saw run into the input sections of the agent's link.

Usage: hot-sections.py LINK_MAP CALLGRIND_FILE...  > hot.order

LINK_MAP is the map the agent's release link writes (gold's -Map). Each callgrind file must come
from a run with --dump-instr=yes: a cost line starts with the address of an instruction that
ran. Prints the name of every .text input section holding one of those addresses, once, in the
order of the link, for gold's --section-ordering-file. Sections that Swift leaves unnamed
(.text..L__unnamed_N, the same names in every object, 40 KB in all) are named by one glob.
Generic names (.text, .text.startup, .text.unlikely. ...) are left out: in the archives built
without function sections they name whole objects, 11 MB of code in all.
"""
import bisect
import re
import sys

link_map, profiles = sys.argv[1], sys.argv[2:]

starts, ends, names = [], [], []
pending = None
with open(link_map, errors="replace") as lines:
    for line in lines:
        if line.startswith(" .text"):
            parts = line.split()
            pending = parts[0]
            if len(parts) >= 3 and parts[1].startswith("0x"):
                parts = parts[1:]
            else:
                continue
        elif pending and line.startswith("                0x"):
            parts = line.split()
        else:
            pending = None
            continue
        if len(parts) >= 3 and parts[1].startswith("0x"):
            start, size = int(parts[0], 16), int(parts[1], 16)
            if size:
                starts.append(start)
                ends.append(start + size)
                names.append(pending)
        pending = None
order = sorted(range(len(starts)), key=starts.__getitem__)
starts = [starts[i] for i in order]
ends = [ends[i] for i in order]
names = [names[i] for i in order]

address = re.compile(r"^(?:\+?)0x([0-9a-f]+)\s")
ran = set()
for profile in profiles:
    with open(profile, errors="replace") as lines:
        for line in lines:
            match = address.match(line)
            if match:
                ran.add(int(match.group(1), 16))

hot = set()
for pc in ran:
    i = bisect.bisect_right(starts, pc) - 1
    if i >= 0 and pc < ends[i]:
        hot.add(i)

print("# The code the agent runs, placed side by side at the start of the release link.")
print("# Written by scripts/profile-agent; see there why. Do not edit by hand.")
print(".text..L__unnamed_*")
seen = set()
size = 0
for i in sorted(hot):
    name = names[i]
    generic = re.fullmatch(r"\.text(\.(unlikely|hot|startup|exit|split))?\.?", name) or name.startswith(".text..L__unnamed_")
    if name not in seen and not generic and not re.search(r"[][*?]", name):
        seen.add(name)
        print(name)
    if not generic:
        size += ends[i] - starts[i]
print(f"{len(ran)} addresses ran; {len(seen)} sections named, {size // 1024} KB", file=sys.stderr)
