"""`make retrieval-report`: how well retrieval finds held-out phrasings and rejects off-topic questions.

Each knowledge-base entry lists several phrasings. For each fold one phrasing per entry is held out of
the index and asked as a question: the right entry must come back confidently. The out-of-scope NLU
examples must not be answered. This measures the retrieval itself, on questions it never indexed.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import datetime, timezone

import yaml

from knowledge import Entry, read_content_dir
from knowledge.retrieval import KnowledgeIndex
from settings import PROJECT_ROOT

FOLDS = 3


def stored(entries: list) -> list[Entry]:
    """Turn content entries into stored-looking entries for an in-memory index."""
    now = datetime.now(timezone.utc)
    return [Entry(**vars(e), status="active", version=1, created_at=now, updated_at=now) for e in entries]


def out_of_scope_examples() -> list[str]:
    """Return the out-of-scope NLU examples (plain text, annotations removed)."""
    data = yaml.safe_load((PROJECT_ROOT / "nlu" / "data" / "nlu" / "out_of_scope.yml").read_text())
    lines = [block["examples"] for block in data["nlu"] if block.get("intent") == "out_of_scope"]
    return [line.strip()[2:] for text in lines for line in text.splitlines() if line.strip().startswith("- ")]


def evaluate(entries: list[Entry]) -> dict[str, float]:
    """Return held-out accuracy (confident and right), wrong-confident rate, and off-topic rejection."""
    right = wrong = asked = 0
    for fold in range(FOLDS):
        held: list[tuple[str, str]] = []
        indexed = []
        for entry in entries:
            if len(entry.questions) > FOLDS:
                question = entry.questions[fold]
                held.append((question, entry.id))
                entry = replace(entry, questions=tuple(q for q in entry.questions if q != question))
            indexed.append(entry)
        index = KnowledgeIndex(indexed)
        for question, expected in held:
            result = index.search(question)
            asked += 1
            if result.confident:
                right += result.best.entry.id == expected
                wrong += result.best.entry.id != expected
    index = KnowledgeIndex(entries)
    off_topic = out_of_scope_examples()
    rejected = sum(not index.search(text).confident for text in off_topic)
    return {
        "held_out_right": right / asked,
        "held_out_wrong": wrong / asked,
        "off_topic_rejected": rejected / len(off_topic),
        "asked": asked,
        "off_topic": len(off_topic),
    }


def main() -> int:
    """Print the retrieval figures."""
    figures = evaluate(stored(read_content_dir()))
    print(f"held-out phrasings answered with the right entry: {figures['held_out_right']:.1%} of {figures['asked']}")
    print(f"held-out phrasings answered with a wrong entry:   {figures['held_out_wrong']:.1%}")
    rejected, total = figures["off_topic_rejected"], figures["off_topic"]
    print(f"off-topic questions declined or offered choices:  {rejected:.1%} of {total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
