"""Print the cross-validated intent scores that `rasa test nlu --cross-validation` wrote."""

from __future__ import annotations

import json
import sys
from pathlib import Path

BAR = 0.9


def main(argv: list[str]) -> int:
    """Print per-intent F1 and the weighted average; exit 1 below the bar."""
    report = json.loads((Path(argv[0]) / "intent_report.json").read_text())
    intents = {k: v for k, v in report.items() if isinstance(v, dict) and "f1-score" in v and "avg" not in k}
    for name, scores in sorted(intents.items(), key=lambda item: item[1]["f1-score"]):
        print(f"  {name:28s} f1 {scores['f1-score']:.3f}  (support {scores['support']})")
    weighted = report["weighted avg"]["f1-score"]
    print(f"intent F1 (weighted, cross-validated): {weighted:.3f}  [bar {BAR}]")
    return 0 if weighted >= BAR else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["results/nlu-cv"]))
