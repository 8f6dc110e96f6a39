#!/usr/bin/python3
"""Combines RpcBench's and py_bench.py's JSON into the comparison table (or JSON) that `run` prints.

Usage: compare.py [--json] OURS_JSON PYTHON_JSON
"""

import argparse
import json
import sys

# Our targets (tools/bench/README.md): a unary call over the Unix socket at p50 <= 150 us, and at least five times
# python3-grpcio's throughput with 16 concurrent callers.
TARGET_P50_US = 150.0
TARGET_THROUGHPUT_RATIO = 5.0


def compare(ours, python):
    p50 = ours["unary"]["p50_us"]
    throughput_ratio = ours["concurrent"]["calls_per_second"] / python["concurrent"]["calls_per_second"]
    return {
        "virt_rpc": ours,
        "python": python,
        "ratios": {
            "p50_python_over_ours": round(python["unary"]["p50_us"] / p50, 2),
            "p99_python_over_ours": round(python["unary"]["p99_us"] / ours["unary"]["p99_us"], 2),
            "throughput_ours_over_python": round(throughput_ratio, 2),
            "p50_over_target": round(p50 / TARGET_P50_US, 2),
        },
        "targets": {"p50_us_max": TARGET_P50_US, "throughput_ratio_min": TARGET_THROUGHPUT_RATIO},
        "met": {"p50": p50 <= TARGET_P50_US, "throughput": throughput_ratio >= TARGET_THROUGHPUT_RATIO},
    }


def table(result):
    ours, python, ratios, met = result["virt_rpc"], result["python"], result["ratios"], result["met"]
    callers = ours["concurrent"]["callers"]
    verdict = {True: "met", False: "MISSED"}
    rows = [
        ("", "virt-rpc", python["implementation"], "ratio", "target", ""),
        ("unary p50", f"{ours['unary']['p50_us']:.1f} us", f"{python['unary']['p50_us']:.1f} us",
         f"{ratios['p50_python_over_ours']:.2f}x faster", f"<= {TARGET_P50_US:.0f} us",
         f"{verdict[met['p50']]} ({ratios['p50_over_target']:.2f} of target)"),
        ("unary p99", f"{ours['unary']['p99_us']:.1f} us", f"{python['unary']['p99_us']:.1f} us",
         f"{ratios['p99_python_over_ours']:.2f}x faster", "", ""),
        (f"{callers} callers", f"{ours['concurrent']['calls_per_second']:,.0f}/s",
         f"{python['concurrent']['calls_per_second']:,.0f}/s ({python['concurrent']['mode']})",
         f"{ratios['throughput_ours_over_python']:.2f}x", f">= {TARGET_THROUGHPUT_RATIO:.0f}x",
         verdict[met["throughput"]]),
    ]
    for name, variant in ours.items():
        if isinstance(variant, dict) and name not in ("unary", "concurrent"):
            rows.append((f"  {name}", f"p50 {variant['unary']['p50_us']:.1f} us",
                         f"{variant['concurrent']['calls_per_second']:,.0f}/s", "", "", "(--breakdown)"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"unary Echo over a Unix socket, {ours['processors']} CPUs, "
             f"{ours['unary']['calls']} sequential calls, {callers} callers for {ours['concurrent']['seconds']:.1f} s"]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("ours")
    parser.add_argument("python")
    args = parser.parse_args()
    result = compare(json.loads(args.ours), json.loads(args.python))
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
