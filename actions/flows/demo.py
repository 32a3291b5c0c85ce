"""Demo mode for facilitators: list the flows, then play a scripted sample run one step per tap.

Triggered by start_demo ("/demo" on Telegram) and the "Lanjut ▶" button (demo_next). The demo is not a form:
any other message is handled as usual (a facilitator's typed question is answered), and a later "Lanjut ▶"
carries on from the step shown last. "batal" or starting a real flow ends the demo. The sample answers are
fixed, so every run shows the same thing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.flows.control import reset_events
from actions.flows.dates import StartDate, Timeline
from actions.flows.documents import Saver, send_document
from actions.flows.institutionalisation_rules import assess, render_checklist
from actions.flows.kipp_rules import Answers, render_summary
from actions.flows.plan_document import ReplicationPlan, build_plan_document, document_filename
from actions.flows.replication import plan_summary
from knowledge import KippEdition, KnowledgeUnavailable, kipp_editions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoScript:
    """One sample run: its title, the command that starts the real flow, and (question, answer) steps."""

    key: str
    title: str
    start_payload: str
    steps: tuple[tuple[str, str], ...]


SAMPLE_PLAN = ReplicationPlan(
    agency="Dinas Lingkungan Hidup Kota Contoh, Bidang Pengelolaan Sampah",
    problem="Sampah rumah tangga di tiga kelurahan menumpuk di TPS karena angkutan ke TPA tidak mencukupi.",
    innovation="TOSS (Tempat Olah Sampah Setempat)",
    origin="Pemkab Klungkung",
    modification="Skala diperkecil per kelurahan dan dikelola bersama bank sampah warga, karena lahan terbatas.",
    team="Dinas Lingkungan Hidup, lurah, pengurus bank sampah",
    lead="Kepala Bidang Pengelolaan Sampah DLH",
    budget="APBD (anggaran pemerintah daerah)",
    timeline=Timeline(6, "2027-01"),
    indicators="Sampah terangkut naik dari 60% menjadi 90%; volume ke TPA turun 30%.",
    study_visit="Kunjungan langsung (studi tiru) ke instansi asal",
)
SAMPLE_ANSWERS = Answers("pemda", StartDate.from_slot("2023-03"), "entered", False, ("sk_inisiator", "data_manfaat"))
SAMPLE_LEVERS = {
    "inst_regulation": "sk",
    "inst_budget": "yes",
    "inst_performance": "no",
    "inst_sop": "yes",
    "inst_team_sk": "yes",
    "inst_community": "partial",
    "inst_replicated": "no",
}
SCRIPTS: dict[str, DemoScript] = {
    "kesiapan": DemoScript(
        "kesiapan",
        "Cek kesiapan KIPP",
        "/start_readiness_check",
        (
            ("Instansi Anda termasuk jenis apa?", "Pemda"),
            ("Sejak kapan inovasi mulai diterapkan?", "Maret 2023"),
            ("Bagaimana riwayat inovasi ini di KIPP?", "Pernah ikut, tidak menang"),
            ("Apakah inovasi ini mengadaptasi inovasi Top KIPP sebelumnya?", "Tidak"),
            ("Dokumen pendukung apa saja yang sudah ada?", "SK inisiator, data bukti manfaat"),
        ),
    ),
    "replikasi": DemoScript(
        "replikasi",
        "Rencana aksi replikasi",
        "/start_replication_plan",
        (
            ("Instansi dan unit mana yang menjalankan replikasi?", SAMPLE_PLAN.agency),
            ("Masalah layanan apa yang ingin diselesaikan?", SAMPLE_PLAN.problem),
            ("Inovasi apa yang akan direplikasi?", SAMPLE_PLAN.innovation),
            ("Dari instansi mana asalnya?", SAMPLE_PLAN.origin),
            ("Apa yang dimodifikasi, dan mengapa?", SAMPLE_PLAN.modification),
            ("Siapa tim pelaksananya?", SAMPLE_PLAN.team),
            ("Siapa penanggung jawabnya?", SAMPLE_PLAN.lead),
            ("Dari mana sumber anggarannya?", "APBD"),
            ("Berapa lama jadwalnya?", "6 bulan mulai Januari 2027"),
            ("Apa indikator keberhasilannya?", SAMPLE_PLAN.indicators),
            ("Bagaimana rencana studi tirunya?", "Kunjungan langsung"),
        ),
    ),
    "pelembagaan": DemoScript(
        "pelembagaan",
        "Cek pelembagaan",
        "/start_institutionalisation_check",
        (
            ("Apakah inovasi sudah punya dasar hukum?", "SK pimpinan"),
            ("Apakah ada mata anggaran sendiri?", "Ya"),
            ("Sudah masuk perjanjian kinerja?", "Belum"),
            ("Ada SOP tertulis?", "Ya"),
            ("Tim/inisiator sudah ditetapkan dengan SK?", "Ya"),
            ("Ada dukungan masyarakat?", "Sebagian"),
            ("Sudah direplikasi pihak lain?", "Belum"),
        ),
    ),
}
NEXT_BUTTON = {"title": "Lanjut ▶", "payload": "/demo_next"}
EXIT_BUTTON = {"title": "■ Keluar demo", "payload": "/cancel"}


def demo_menu(dispatcher: CollectingDispatcher) -> None:
    """Send the list of flows that can be demonstrated."""
    dispatcher.utter_message(
        text="🎬 Mode demo fasilitator. Pilih alur yang ingin diperagakan; setiap ketukan «Lanjut ▶» menampilkan "
        "satu langkah dengan contoh jawaban peserta. Pertanyaan yang diketik di tengah demo tetap dijawab, lalu demo "
        "lanjut dengan «Lanjut ▶»; ketik «batal» untuk keluar.",
        buttons=[
            {"title": script.title, "payload": '/start_demo{"demo_flow":"' + script.key + '"}'}
            for script in SCRIPTS.values()
        ],
    )


async def send_step(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    script: DemoScript,
    step: int,
    today: date,
    editions: Sequence[KippEdition] = (),
    saver: Saver | None = None,
) -> None:
    """Send step `step` of a sample run: 0 is the introduction, the last one is the summary."""
    total = len(script.steps) + 1
    if step == 0:
        dispatcher.utter_message(
            text=f"🎬 Demo «{script.title}»: contoh jawaban seorang peserta (data rekaan). {total} langkah; "
            "ketuk «Lanjut ▶» untuk langkah berikutnya.",
            buttons=[NEXT_BUTTON, EXIT_BUTTON],
        )
        return
    if step <= len(script.steps):
        question, answer = script.steps[step - 1]
        dispatcher.utter_message(
            text=f"🎬 {script.title} · langkah {step}/{total}\n\n🤖 Bot: {question}\n👤 Peserta: «{answer}»",
            buttons=[NEXT_BUTTON, EXIT_BUTTON],
        )
        return
    dispatcher.utter_message(text=f"🎬 {script.title} · langkah {total}/{total}: ringkasan untuk peserta")
    if script.key == "kesiapan":
        dispatcher.utter_message(text=render_summary(SAMPLE_ANSWERS, today, editions))
    elif script.key == "replikasi":
        dispatcher.utter_message(text=plan_summary(SAMPLE_PLAN))
        await send_document(
            dispatcher,
            tracker,
            filename=document_filename(SAMPLE_PLAN),
            content=build_plan_document(SAMPLE_PLAN, today),
            caption="Contoh draf rencana aksi replikasi (demo)",
            saver=saver,
        )
    else:
        dispatcher.utter_message(text=render_checklist(assess(SAMPLE_LEVERS)))
    dispatcher.utter_message(
        text="Demo selesai.",
        buttons=[
            {"title": "Coba sendiri", "payload": script.start_payload},
            {"title": "Ulangi demo", "payload": '/start_demo{"demo_flow":"' + script.key + '"}'},
            {"title": "Demo alur lain", "payload": "/start_demo"},
        ],
    )


class ActionDemo(Action):
    """List the demo flows, or start the sample run of the chosen one."""

    def __init__(self, today: Callable[[], date] | None = None) -> None:
        self._today = today or date.today

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_demo"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on start_demo, with or without a chosen `demo_flow`."""
        events: list[dict[str, Any]] = [ActiveLoop(None)]
        if (tracker.active_loop or {}).get("name"):
            events += reset_events()  # /demo in the middle of a flow leaves it
        key = next(tracker.get_latest_entity_values("demo_flow"), None)
        script = SCRIPTS.get(str(key)) if key else None
        if script is None:
            demo_menu(dispatcher)
            return [*events, SlotSet("demo_flow", None), SlotSet("demo_step", None)]
        await send_step(dispatcher, tracker, script, 0, self._today())
        logger.info("demo started: %s", script.key)
        return [*events, SlotSet("demo_flow", script.key), SlotSet("demo_step", 0.0)]


class ActionDemoNext(Action):
    """Show the next step of the running sample, or say that the demo was left."""

    def __init__(
        self,
        today: Callable[[], date] | None = None,
        editions: Callable[[], list[KippEdition]] | None = None,
        saver: Saver | None = None,
    ) -> None:
        self._today = today or date.today
        self._editions = editions or kipp_editions
        self._saver = saver

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_demo_next"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on each "Lanjut ▶" tap."""
        script = SCRIPTS.get(str(tracker.get_slot("demo_flow")))
        step = int(tracker.get_slot("demo_step") or 0) + 1
        # A question typed during the demo is answered as usual and leaves the demo where it was: the slots, not
        # the previous action, say whether a demo is running ("batal" and starting a flow clear them).
        if script is None or step > len(script.steps) + 1:
            dispatcher.utter_message(text="Mode demo sudah berakhir. Pilih demo lagi bila ingin memutarnya.")
            demo_menu(dispatcher)
            return [SlotSet("demo_flow", None), SlotSet("demo_step", None)]
        editions: list[KippEdition] = []
        if script.key == "kesiapan" and step == len(script.steps) + 1:
            try:
                editions = await asyncio.to_thread(self._editions)
            except KnowledgeUnavailable:
                dispatcher.utter_message(response="utter_kb_unavailable")
                return []
        await send_step(dispatcher, tracker, script, step, self._today(), editions, self._saver)
        return [SlotSet("demo_step", float(step))]
