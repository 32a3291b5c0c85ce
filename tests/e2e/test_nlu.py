"""NLU on the trained model: intents and entities for informal Indonesian the model never saw."""

from __future__ import annotations

import asyncio

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def agent(rasa_model: str):
    from rasa.core.agent import Agent

    return Agent.load(rasa_model)


def parse(agent, text: str) -> dict:
    return asyncio.run(agent.parse_message(text))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("selamat pagi mimin", "greet"),
        ("oke makasih banyak infonya", "thanks"),
        ("bisa bantu apa aja bot ini", "help"),
        ("kapan pendaftaran kompetisi inovasi dibuka", "ask_kipp"),
        ("inovasi pemkot kami pernah masuk top 99, masih bisa daftar kipp?", "ask_kipp"),
        ("cara mereplikasi inovasi dari kabupaten tetangga gmn", "ask_replication"),
        ("hub jipp di provinsi kami apa tugasnya", "ask_replication"),
        ("biar inovasinya berkelanjutan perlu perda ga", "ask_institutionalisation"),
        ("mal pelayanan publik di kabupaten kami belum ada, gmn ngajuinnya", "ask_mpp"),
        # Asking about the action plan is a question; asking for one starts the flow.
        ("apa wajib bikin rencana aksi replikasi?", "ask_replication"),
        ("tolong susunin rencana aksi replikasi buat kami", "start_replication_plan"),
        ("cara perpanjang paspor online", "out_of_scope"),
        ("kapan kenaikan gaji pns diumumkan", "out_of_scope"),
    ],
)
def test_intent_of_unseen_message(agent, text: str, intent: str) -> None:
    assert parse(agent, text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("juknis kipp tahun 2023 apa", "year", "2023"),
        ("permenpan 91/2021 ngatur apa", "regulation_number", "91/2021"),
        ("syarat kelompok khusus apa aja", "group", "khusus"),
        ("apa itu jaringan inovasi pelayanan publik", "topic", "jipp"),
    ],
)
def test_entity_is_extracted_and_normalised(agent, text: str, entity: str, value: str) -> None:
    entities = {(e["entity"], e["value"]) for e in parse(agent, text)["entities"]}
    assert (entity, value) in entities, entities
