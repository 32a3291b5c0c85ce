"""The stemmer and its cache under concurrent use: one stemmer is built, every thread gets the same stems."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from knowledge import text

WORDS = ["pelembagaan", "direplikasi", "penghargaan", "kompetisi", "pelayanan", "berkelanjutan", "diumumkan"] * 8


def test_threads_asking_at_once_build_one_stemmer_and_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = {word: StemmerFactory().create_stemmer().stem(word) for word in set(WORDS)}
    built: list[int] = []

    class CountingFactory(StemmerFactory):  # type: ignore[misc]
        def create_stemmer(self, isDev: bool = False):  # type: ignore[no-untyped-def]
            built.append(1)
            time.sleep(0.05)  # widen the window in which a second thread could start building another one
            return super().create_stemmer(isDev)

    monkeypatch.setattr(text, "StemmerFactory", CountingFactory)
    monkeypatch.setattr(text, "_stemmer", None)
    text.stem.cache_clear()
    start = threading.Barrier(16)

    def stem_all(offset: int) -> list[tuple[str, str]]:
        start.wait()
        words = WORDS[offset:] + WORDS[:offset]
        return [(word, text.stem(word)) for word in words]

    try:
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(stem_all, range(16)))
    finally:
        text.stem.cache_clear()
    assert len(built) == 1
    assert all(dict(pairs) == expected for pairs in results)
