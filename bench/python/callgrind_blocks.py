#!/usr/bin/env python3
"""Instructions per basic block of one function, from a callgrind profile (the ninth session's way to see where
frPoly's instructions go; perf's per-instruction profile is flat there).

    valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=/tmp/cg.out \\
        target/release/cocokit convert bench/out/synth-5000-s1.json --to rle -q > /dev/null
    python3 bench/python/callgrind_blocks.py /tmp/cg.out target/release/cocokit polygon_to_compressed_json [TOP]

Prints the function's total (its own instructions, callees excluded), then the TOP (default 30) blocks by
instructions executed: start address, times executed, instructions in the block, total, and the source line of
the block's first instruction (from `objdump -dl`). BINARY must be the very file profiled: a rebuild moves the
code, and the addresses then point at the wrong instructions. A "block" here is a run of consecutive instructions executed
equally often. Standard library only; needs objdump.
"""
import collections
import re
import subprocess
import sys


def function_costs(profile, name):
    """Self cost per instruction address of the first function whose name contains `name`."""
    lines = open(profile).read().split("\n")
    ids = {}
    for line in lines:
        m = re.match(r"c?fn=\((\d+)\)(?: (.*))?$", line)
        if m and m.group(2):
            ids[m.group(1)] = m.group(2)
    wanted = next((i for i, n in ids.items() if name in n), None)
    if wanted is None:
        sys.exit(f"no function matching {name!r} in {profile}")
    costs = collections.Counter()
    inside, addr, skip = False, 0, False
    for line in lines:
        if line.startswith("fn="):
            inside = re.match(r"fn=\((\d+)\)", line).group(1) == wanted
            continue
        if not inside:
            continue
        if line.startswith("calls="):
            skip = True  # the next line is the call's inclusive cost, not this function's
            continue
        if not line or line[0] not in "0123456789+-*":
            continue
        parts = line.split()
        a = parts[0]
        if a.startswith("0x"):
            addr = int(a, 16)
        elif a[0] == "+":
            addr += int(a[1:])
        elif a[0] == "-":
            addr -= int(a[1:])
        if skip:
            skip = False
            continue
        if len(parts) >= 3:
            costs[addr] += int(parts[2])
    return ids[wanted], costs


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    profile, binary, name = sys.argv[1:4]
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    full, costs = function_costs(profile, name)
    if not costs:
        sys.exit(f"{full}: no instructions of its own in {profile} (was it taken with --dump-instr=yes?)")
    lo, hi = min(costs), max(costs) + 16
    dump = subprocess.run(
        ["objdump", "-dl", "--no-show-raw-insn", f"--start-address={lo:#x}", f"--stop-address={hi:#x}", binary],
        capture_output=True, text=True, check=True,
    ).stdout
    source, blocks = None, []
    for line in dump.split("\n"):
        m = re.match(r"\s+([0-9a-f]+):\s", line)
        if not m:
            if re.match(r"^/.*:\d+", line):
                source = line.split("/")[-1].split(" ")[0]
            continue
        a = int(m.group(1), 16)
        c = costs.get(a, 0)
        if blocks and blocks[-1][1] == c:
            blocks[-1][2] += 1
            blocks[-1][3] += c
        else:
            blocks.append([a, c, 1, c, source])
    print(f"{full}: {sum(costs.values()):,} instructions")
    for a, c, n, t, src in sorted(blocks, key=lambda b: -b[3])[:top]:
        print(f"{a:#x}  x{c:>11,}  {n:>4} instr  {t / 1e6:9.1f} M  {src}")


if __name__ == "__main__":
    main()
