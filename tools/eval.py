"""`make eval`: score the running assistant on the development question set.

Protocol (../shared/eval/README.md): each case goes to the REST channel with a fresh sender (the turns
of a `conversation` share one); the texts of the returned messages joined by newlines are the reply.
An `answer` case must match every `must` pattern and carry a `Sumber:` line; a `decline` case must
decline politely and carry no `Sumber:` line.
"""

from __future__ import annotations

import argparse
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from settings import PROJECT_ROOT, bearer, get_settings

DEFAULT_CASES = PROJECT_ROOT.parent / "shared" / "eval" / "dev.yml"
DECLINE = re.compile(
    r"(?i)maaf|di luar (cakupan|lingkup)|belum (bisa|dapat)|tidak (bisa|dapat) (menjawab|membantu)|"
    r"hanya (bisa|dapat) membantu"
)
SOURCE_LINE = re.compile(r"^Sumber:", re.MULTILINE)


@dataclass
class Outcome:
    """The result of one turn."""

    kind: str
    question: str
    passed: bool
    reply: str
    reason: str = ""


def judge(kind: str, must: list[str], reply: str) -> tuple[bool, str]:
    """Apply the scoring rule to one reply; return whether it passed and why not."""
    if kind == "decline":
        if SOURCE_LINE.search(reply):
            return False, "declined question got a Sumber: line"
        return (True, "") if DECLINE.search(reply) else (False, "no polite decline")
    missing = [pattern for pattern in must if not re.search(pattern, reply, re.IGNORECASE)]
    if missing:
        return False, f"missing {missing}"
    return (True, "") if SOURCE_LINE.search(reply) else (False, "no Sumber: line")


def ask(client: httpx.Client, url: str, sender: str, text: str) -> str:
    """Send one message over REST and return the joined reply text."""
    response = client.post(url, json={"sender": sender, "message": text})
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()
    return "\n".join(m["text"] for m in messages if m.get("text"))


def run_cases(cases: list[dict[str, Any]], rasa_url: str) -> list[Outcome]:
    """Run every case against the assistant at `rasa_url`."""
    url = f"{rasa_url}/webhooks/rest/webhook"
    outcomes = []
    with httpx.Client(timeout=30, headers=bearer(get_settings().rasa_token)) as client:
        for case in cases:
            sender = f"eval-{uuid.uuid4().hex[:12]}"
            kind = case.get("kind", "answer")
            for turn in case.get("conversation") or [case]:
                reply = ask(client, url, sender, turn["q"])
                turn_kind = turn.get("kind", kind)
                passed, reason = judge(turn_kind, turn.get("must", []), reply)
                outcomes.append(Outcome(turn_kind, turn["q"], passed, reply, reason))
    return outcomes


def report(outcomes: list[Outcome]) -> dict[str, float]:
    """Print the score per kind and every failure; return the pass rates."""
    rates = {}
    for kind in ("answer", "decline"):
        group = [o for o in outcomes if o.kind == kind]
        if group:
            passed = sum(o.passed for o in group)
            rates[kind] = passed / len(group)
            print(f"{kind:8s} {passed}/{len(group)} passed ({rates[kind]:.0%})")
    for outcome in outcomes:
        if not outcome.passed:
            first_line = outcome.reply.splitlines()[0][:100] if outcome.reply else "(no reply)"
            print(f"FAIL [{outcome.kind}] {outcome.question!r}: {outcome.reason}\n     reply: {first_line}")
    return rates


def main(argv: list[str] | None = None) -> int:
    """Score the assistant; exit 1 when a kind is below the bar."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="?", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--url", default=get_settings().rasa_url, help="Rasa server URL")
    parser.add_argument("--bar", type=float, default=0.95, help="pass rate each kind must reach")
    args = parser.parse_args(argv)
    cases = yaml.safe_load(args.cases.read_text(encoding="utf-8"))["cases"]
    try:
        outcomes = run_cases(cases, args.url)
    except httpx.HTTPError as exc:
        print(f"cannot reach the assistant at {args.url} ({exc}); start it with 'make run'", file=sys.stderr)
        return 2
    rates = report(outcomes)
    return 0 if all(rate >= args.bar for rate in rates.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
