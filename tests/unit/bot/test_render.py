"""render: escaping for HTML parse mode, splitting at Telegram's limit, keyboards and long payloads."""

from __future__ import annotations

import base64

import pytest
from telegram import InlineKeyboardMarkup

from bot.render import (
    BUTTONS_ONLY_TEXT,
    MAX_CALLBACK_DATA_BYTES,
    MAX_TEXT_LENGTH,
    KbAnswerRef,
    OutgoingDocument,
    OutgoingPhoto,
    OutgoingText,
    PayloadStore,
    build_keyboard,
    render_reply,
    split_text,
    to_html,
    utf16_len,
)
from tests.fake_telegram import BadRequest, parse_telegram_html

TOPICS = ["KIPP", "Replikasi", "Pelembagaan", "JIPP", "MPP", "UNPSA"]


def visible(html_text: str) -> str:
    """What a Telegram user reads, as the Bot API stand-in parses it (raises if Telegram would refuse it)."""
    return parse_telegram_html(html_text)[0]


# Escaping ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Gunakan <b>tebal</b> & <i>miring</i>",
        "a < b > c && d",
        "</a><a href='x'>",
        "&lt; is not an entity here",
        "Tag <script>alert(1)</script>",
        "\"quotes\" and 'apostrophes'",
    ],
)
def test_content_never_breaks_the_formatting(text: str) -> None:
    assert visible(to_html(text)) == text


def test_markdown_links_become_clickable_links() -> None:
    html_text = to_html("Lihat [pedoman KIPP](https://example.go.id/kipp?a=1&b=2) untuk detail.")
    text, links = parse_telegram_html(html_text)
    assert text == "Lihat pedoman KIPP untuk detail."
    assert links == ["https://example.go.id/kipp?a=1&b=2"]


def test_bare_urls_are_kept_as_text_for_telegram_to_link() -> None:
    url = "https://jippnas.menpan.go.id/inovasi?id=12&tahun=2024"
    html_text = to_html(f"Daftar di {url}.")
    assert visible(html_text) == f"Daftar di {url}."
    assert "<a" not in html_text


def test_bold_markup_becomes_bold_and_its_content_is_escaped() -> None:
    html_text = to_html("**Syarat <1>** berikut")
    assert html_text == "<b>Syarat &lt;1&gt;</b> berikut"


def test_a_link_label_with_markup_is_escaped() -> None:
    text, links = parse_telegram_html(to_html('[<b>"x"</b>](https://e.test/?q="1")'))
    assert text == '<b>"x"</b>'
    assert links == ['https://e.test/?q="1"']


# Splitting -----------------------------------------------------------------------------------------------------


def test_short_text_is_one_chunk() -> None:
    assert split_text("  Halo  ") == ["Halo"]
    assert split_text("   ") == []


def test_long_text_splits_at_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraf {i}: " + "kata " * 300 for i in range(6)]
    chunks = split_text("\n\n".join(paragraphs))
    assert len(chunks) > 1
    assert all(utf16_len(chunk) <= MAX_TEXT_LENGTH for chunk in chunks)
    # Every chunk is made of whole paragraphs, and nothing is lost or reordered.
    rejoined = "\n\n".join(chunks).split("\n\n")
    assert [p.strip() for p in rejoined] == [p.strip() for p in paragraphs]


def test_a_paragraph_too_long_splits_at_lines() -> None:
    lines = [f"- butir {i} " + "x" * 90 for i in range(100)]
    chunks = split_text("\n".join(lines))
    assert len(chunks) == 3
    assert all(utf16_len(chunk) <= MAX_TEXT_LENGTH for chunk in chunks)
    assert "\n".join(chunks).split("\n") == lines


def test_a_line_too_long_splits_at_a_space_then_hard() -> None:
    words = "inovasi " * 1500
    chunks = split_text(words)
    assert all(utf16_len(c) <= MAX_TEXT_LENGTH for c in chunks)
    assert all(c.split() == ["inovasi"] * len(c.split()) for c in chunks)  # no word was cut
    solid = "y" * 9000
    hard = split_text(solid)
    assert [len(c) for c in hard] == [4096, 4096, 808]


def test_limit_is_counted_in_utf16_units() -> None:
    emoji = "👍" * 3000  # 2 UTF-16 units each: 6000 units
    chunks = split_text(emoji)
    assert all(utf16_len(c) <= MAX_TEXT_LENGTH for c in chunks)
    assert "".join(chunks) == emoji


def test_a_long_reply_renders_to_messages_telegram_accepts() -> None:
    text = "\n\n".join(f"Bagian {i} <penting> & " + "isi " * 400 for i in range(8))
    items = render_reply([{"text": text, "buttons": [{"title": "Lanjut", "payload": "/next"}]}], PayloadStore())
    assert len(items) > 1
    for item in items:
        assert isinstance(item, OutgoingText)
        assert utf16_len(visible(item.html)) <= MAX_TEXT_LENGTH
    # The keyboard belongs under the last part only.
    assert [item.keyboard is not None for item in items] == [False] * (len(items) - 1) + [True]


# Keyboards -----------------------------------------------------------------------------------------------------


def test_topic_buttons_become_an_inline_keyboard_with_their_payloads() -> None:
    buttons = [{"title": t, "payload": f'/choose_topic{{"topic":"{t.lower()}"}}'} for t in TOPICS]
    keyboard = build_keyboard(buttons, PayloadStore())
    assert isinstance(keyboard, InlineKeyboardMarkup)
    flat = [key for row in keyboard.inline_keyboard for key in row]
    assert [key.text for key in flat] == TOPICS
    assert all(len(row) <= 3 for row in keyboard.inline_keyboard)
    assert flat[0].callback_data == '/choose_topic{"topic":"kipp"}'


def test_long_titles_get_a_row_each() -> None:
    buttons = [
        {"title": "Bagaimana cara mendaftar KIPP tahun ini?", "payload": "/a"},
        {"title": "Lainnya", "payload": "/b"},
    ]
    keyboard = build_keyboard(buttons, PayloadStore())
    assert keyboard is not None
    assert [len(row) for row in keyboard.inline_keyboard] == [1, 1]


def test_payloads_over_64_bytes_are_stored_under_a_short_key() -> None:
    store = PayloadStore()
    payload = '/ask_topic{"topic": "pelembagaan inovasi daerah", "year": "2024", "detail": "syarat"}'
    assert len(payload.encode()) > MAX_CALLBACK_DATA_BYTES
    keyboard = build_keyboard([{"title": "Syarat", "payload": payload}], store)
    assert keyboard is not None
    data = keyboard.inline_keyboard[0][0].callback_data
    assert isinstance(data, str)
    assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    assert store.resolve(data) == payload
    # Rendering the same button again reuses the entry.
    build_keyboard([{"title": "Syarat", "payload": payload}], store)
    assert len(store) == 1


def test_multibyte_payloads_are_measured_in_bytes() -> None:
    store = PayloadStore()
    payload = '/pilih{"topik":"' + "é" * 30 + '"}'  # 30 characters of 2 bytes each
    assert len(payload) <= 64 < len(payload.encode())
    data = store.callback_data(payload)
    assert data != payload and store.resolve(data) == payload


def test_short_payloads_pass_through_and_cannot_be_mistaken_for_keys() -> None:
    store = PayloadStore()
    assert store.callback_data("/greet") == "/greet"
    assert store.resolve("/greet") == "/greet"
    tricky = "k:looks-like-a-key"
    data = store.callback_data(tricky)
    assert data != tricky and store.resolve(data) == tricky


def test_the_store_is_bounded_and_forgets_the_oldest() -> None:
    store = PayloadStore(max_entries=3)
    keys = [store.callback_data(f'/p{{"n": {i}, "pad": "{"x" * 64}"}}') for i in range(5)]
    assert len(store) == 3
    assert store.resolve(keys[0]) is None
    assert store.resolve(keys[4]) is not None


def test_url_buttons_open_the_link() -> None:
    keyboard = build_keyboard([{"title": "Situs JIPP", "payload": "https://jippnas.menpan.go.id"}], PayloadStore())
    assert keyboard is not None
    key = keyboard.inline_keyboard[0][0]
    assert key.url == "https://jippnas.menpan.go.id" and key.callback_data is None


def test_unusable_buttons_are_skipped() -> None:
    assert build_keyboard([{"payload": "/x"}, "junk", {"title": ""}], PayloadStore()) is None


# Whole replies -------------------------------------------------------------------------------------------------


def test_buttons_without_text_still_make_a_message() -> None:
    [item] = render_reply([{"buttons": [{"title": "KIPP", "payload": "/kipp"}]}], PayloadStore())
    assert isinstance(item, OutgoingText)
    assert item.html == BUTTONS_ONLY_TEXT and item.keyboard is not None


def test_unknown_kinds_are_ignored() -> None:
    items = render_reply(
        [{"attachment": {"x": 1}}, {"custom": {"something": "else"}}, {"text": "ok", "elements": []}],
        PayloadStore(),
    )
    assert [visible(i.html) for i in items if isinstance(i, OutgoingText)] == ["ok"]
    assert len(items) == 1


def test_images_become_photos_with_a_caption() -> None:
    [photo] = render_reply([{"text": "Alur <KIPP>", "image": "https://e.test/alur.png"}], PayloadStore())
    assert isinstance(photo, OutgoingPhoto)
    assert photo.url == "https://e.test/alur.png"
    assert photo.caption_html is not None and visible(photo.caption_html) == "Alur <KIPP>"
    assert visible(photo.fallback_html) == "Alur <KIPP>\nhttps://e.test/alur.png"


def test_document_custom_message_becomes_a_document() -> None:
    content = b"nama,unit\nA,B\n"
    custom = {
        "document": {
            "filename": "../rekap.csv",
            "content_b64": base64.b64encode(content).decode(),
            "caption": "Rekap <2024>",
        }
    }
    [document] = render_reply([{"custom": custom}], PayloadStore())
    assert isinstance(document, OutgoingDocument)
    assert document.content == content
    assert document.filename == ".._rekap.csv"  # no path separators reach Telegram
    assert document.caption_html is not None and visible(document.caption_html) == "Rekap <2024>"


def test_a_broken_document_is_skipped() -> None:
    custom = {"document": {"filename": "x.pdf", "content_b64": "not base64!!", "caption": ""}}
    assert render_reply([{"custom": custom}], PayloadStore()) == []


def test_consecutive_texts_become_one_message_and_buttons_end_it() -> None:
    items = render_reply(
        [
            {"text": "Halo!"},
            {"text": "Pilih topik:", "buttons": [{"title": "KIPP", "payload": "/kipp"}]},
            {"text": "Atau ketik pertanyaan."},
        ],
        PayloadStore(),
    )
    assert [visible(i.html) for i in items if isinstance(i, OutgoingText)] == [
        "Halo!\n\nPilih topik:",
        "Atau ketik pertanyaan.",
    ]
    assert [i.keyboard is not None for i in items if isinstance(i, OutgoingText)] == [True, False]


def test_a_knowledge_base_answer_as_rasa_sends_it_is_one_marked_message() -> None:
    # The assistant's shape: answer, details and source as separate texts, then the marker on its own.
    items = render_reply(
        [
            {"recipient_id": "tg-1", "text": "KIPP adalah Kompetisi Inovasi Pelayanan Publik."},
            {"recipient_id": "tg-1", "text": "• Pesertanya K/L, Pemda, BUMN dan BUMD."},
            {"recipient_id": "tg-1", "text": "Sumber: menpan.go.id (https://menpan.go.id/kipp)"},
            {"recipient_id": "tg-1", "custom": {"kb_answer": {"entry_id": "kipp-apa-itu", "version": 1}}},
        ],
        PayloadStore(),
    )
    [item] = items
    assert isinstance(item, OutgoingText)
    assert visible(item.html).split("\n\n") == [
        "KIPP adalah Kompetisi Inovasi Pelayanan Publik.",
        "• Pesertanya K/L, Pemda, BUMN dan BUMD.",
        "Sumber: menpan.go.id",
    ]
    assert '<a href="https://menpan.go.id/kipp">menpan.go.id</a>' in item.html
    assert item.kb_answer == KbAnswerRef("kipp-apa-itu", "1")


def test_sources_become_linked_titles_and_the_more_button_goes_under_the_answer() -> None:
    # The assistant's current shape: the marker first, then the short answer with its sources and buttons.
    items = render_reply(
        [
            {"custom": {"kb_answer": {"entry_id": "jipp-apa", "version": 2}}},
            {
                "text": "JIPP adalah jaringan.\n\nSumber: Kementerian PANRB [berita] (https://menpan.go.id/a); "
                "Media (Jakarta) (https://example.com/b?x=1&y=2) (+1 lainnya di Selengkapnya)",
                "buttons": [{"title": "Selengkapnya", "payload": '/show_more{"entry_id":"jipp-apa","en":0}'}],
            },
        ],
        PayloadStore(),
    )
    [item] = items
    assert item.kb_answer == KbAnswerRef("jipp-apa", "2")
    assert '<a href="https://menpan.go.id/a">Kementerian PANRB (berita)</a>' in item.html
    assert '<a href="https://example.com/b?x=1&amp;y=2">Media (Jakarta)</a>' in item.html
    assert visible(item.html).endswith("(+1 lainnya di Selengkapnya)")
    assert item.keyboard.inline_keyboard[0][0].text == "Selengkapnya"


def test_text_that_only_looks_like_a_source_line_is_left_alone() -> None:
    [item] = render_reply([{"text": "Sumber: belum tercatat"}], PayloadStore())
    assert visible(item.html) == "Sumber: belum tercatat" and "<a" not in item.html


def test_kb_answer_marks_the_message_it_arrives_with() -> None:
    items = render_reply(
        [
            {"text": "Jawaban", "custom": {"kb_answer": {"entry_id": 12, "version": 3}}},
            {"text": "Mau tahu lagi?", "buttons": [{"title": "Ya", "payload": "/affirm"}]},
            {"text": "Pertanyaan lain?"},
        ],
        PayloadStore(),
    )
    assert [i.kb_answer for i in items] == [KbAnswerRef("12", "3"), None]


def test_a_kb_answer_sent_on_its_own_marks_the_answer_before_it() -> None:
    items = render_reply(
        [
            {"text": "Jawaban", "buttons": [{"title": "Sumber", "payload": "/source"}]},
            {"custom": {"kb_answer": {"entry_id": "kipp-01", "version": "2"}}},
            {"text": "Lain"},
        ],
        PayloadStore(),
    )
    assert [i.kb_answer for i in items] == [KbAnswerRef("kipp-01", "2"), None]


def test_a_kb_answer_sent_first_marks_the_next_answer() -> None:
    items = render_reply([{"custom": {"kb_answer": {"entry_id": "e1", "version": "1"}}}, {"text": "J"}], PayloadStore())
    assert [i.kb_answer for i in items] == [KbAnswerRef("e1", "1")]


def test_a_marked_answer_too_long_for_one_message_is_marked_in_every_part() -> None:
    long_answer = [{"text": "paragraf " * 300} for _ in range(4)]
    items = render_reply([*long_answer, {"custom": {"kb_answer": {"entry_id": "e", "version": 1}}}], PayloadStore())
    assert len(items) > 1
    assert all(i.kb_answer == KbAnswerRef("e", "1") for i in items)


def test_the_stand_in_refuses_what_telegram_refuses() -> None:
    # The end-to-end checks rely on this parser; make sure it would catch broken formatting.
    for broken in ["<b>x", "a < b", "x & y", "<script>x</script>", "</b>"]:
        with pytest.raises(BadRequest):
            parse_telegram_html(broken)
