"""Time per question against archive size, from `bench --json` results:

python -m benchmarks.plot RESULT.json [RESULT.json ...] --out docs/benchmarks.png
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

SERIES = (
    ("project (server path)", lambda r: r["project"]["server_ms"]),
    ("naive: rank-bm25 BM25Okapi", lambda r: r["peers"]["naive"]["question_ms"]),
    ("bm25s (lucene)", lambda r: r["peers"]["bm25s"]["question_ms"]),
)


def plot(results: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    results = sorted(results, key=lambda r: r["passages"])
    sizes = [r["passages"] for r in results]
    figure, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    for axis, stat in zip(axes, ("p50", "p99")):
        for (label, times), marker in zip(SERIES, "os^"):
            axis.plot(sizes, [times(r)[stat] for r in results], marker=marker, label=label)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(f"{stat} per question")
        axis.set_xlabel("passages in the archive")
        axis.grid(True, which="both", alpha=0.3)
        for r in results:
            axis.annotate(f"{r['issues']:,} issues", (r["passages"], times(r)[stat]), fontsize=7, alpha=0.6)
    axes[0].set_ylabel("milliseconds")
    axes[0].legend(fontsize=8)
    machine = results[-1]["machine"]
    figure.suptitle(f"Time per question against archive size ({machine['cores']} cores, {machine['cpu']})", fontsize=10)
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.plot", description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, nargs="+", help="JSON written by `python -m benchmarks.bench --json`")
    parser.add_argument("--out", type=Path, required=True, help="the PNG to write")
    args = parser.parse_args(argv)
    try:
        results = [json.loads(path.read_text(encoding="utf-8")) for path in args.results]
    except (OSError, ValueError) as exc:
        print(f"cannot read the results: {exc}", file=sys.stderr)
        return 1
    plot(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
