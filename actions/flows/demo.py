"""Demo mode for facilitators: list the flows, then play a scripted sample run one step per tap.

Triggered by start_demo ("/demo" on Telegram) and the "Lanjut ▶" button (demo_next). The demo is not a form:
any other message is handled as usual (a facilitator's typed question is answered), and a later "Lanjut ▶"
carries on from the step shown last. "batal" or starting a real flow ends the demo. The sample answers are
fixed, so every run shows the same thing; the summary is the flow's own, of those answers as its validators
read them, and titles and step counts come from the flows too.
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

from actions.flows.base import FLOW_TITLES, FlowValidationAction, Slots
from actions.flows.control import reset_events
from actions.flows.documents import Saver, SummaryAction
from actions.flows.institutionalisation import ValidateInstitutionalisationForm, institutionalisation_states
from actions.flows.institutionalisation_rules import assess, render_checklist
from actions.flows.kipp_rules import render_summary
from actions.flows.readiness import ValidateReadinessForm, readiness_answers
from actions.flows.replication import ValidateReplicationForm, replication_plan, send_plan
from knowledge import KippEdition, KnowledgeUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoStep:
    """One question of a sample run and the sample officer's answer: typed, or the title of a tapped button."""

    question: str
    answer: str
    tapped: str | None = None  # the button's value, when the answer is a tap


@dataclass(frozen=True)
class DemoScript:
    """One sample run: the flow it shows, the intent that starts the real flow, and its steps in order."""

    key: str
    flow: type[FlowValidationAction]
    start_intent: str
    steps: tuple[DemoStep, ...]

    @property
    def title(self) -> str:
        """Return the flow's name, as the flows themselves call it."""
        return FLOW_TITLES[self.start_intent]

    @property
    def start_payload(self) -> str:
        """Return the payload of the button that starts the real flow."""
        return f"/{self.start_intent}"


SCRIPTS: dict[str, DemoScript] = {
    "kesiapan": DemoScript(
        "kesiapan",
        ValidateReadinessForm,
        "start_readiness_check",
        (
            DemoStep("Instansi Anda termasuk jenis apa?", "Pemda"),
            DemoStep("Sejak kapan inovasi mulai diterapkan?", "Maret 2023"),
            DemoStep("Bagaimana riwayat inovasi ini di KIPP?", "Pernah ikut, tidak menang"),
            DemoStep("Apakah inovasi ini mengadaptasi inovasi Top KIPP sebelumnya?", "Tidak"),
            DemoStep("Dokumen pendukung apa saja yang sudah ada?", "SK inisiator, data bukti manfaat"),
        ),
    ),
    "replikasi": DemoScript(
        "replikasi",
        ValidateReplicationForm,
        "start_replication_plan",
        (
            DemoStep(
                "Instansi dan unit mana yang menjalankan replikasi?",
                "Dinas Lingkungan Hidup Kota Contoh, Bidang Pengelolaan Sampah",
            ),
            DemoStep(
                "Masalah layanan apa yang ingin diselesaikan?",
                "Sampah rumah tangga di tiga kelurahan menumpuk di TPS karena angkutan ke TPA tidak mencukupi.",
            ),
            DemoStep("Inovasi apa yang akan direplikasi?", "TOSS (Tempat Olah Sampah Setempat)"),
            DemoStep("Dari instansi mana asalnya?", "Pemkab Klungkung"),
            DemoStep(
                "Apa yang dimodifikasi, dan mengapa?",
                "Skala diperkecil per kelurahan dan dikelola bersama bank sampah warga, karena lahan terbatas.",
            ),
            DemoStep("Siapa tim pelaksananya?", "Dinas Lingkungan Hidup, lurah, pengurus bank sampah"),
            DemoStep("Siapa penanggung jawabnya?", "Kepala Bidang Pengelolaan Sampah DLH"),
            DemoStep("Dari mana sumber anggarannya?", "APBD"),
            DemoStep("Berapa lama jadwalnya?", "6 bulan mulai Januari 2027"),
            DemoStep(
                "Apa indikator keberhasilannya?",
                "Sampah terangkut naik dari 60% menjadi 90%; volume ke TPA turun 30%.",
            ),
            DemoStep("Bagaimana rencana studi tirunya?", "Kunjungan langsung", tapped="langsung"),
        ),
    ),
    "pelembagaan": DemoScript(
        "pelembagaan",
        ValidateInstitutionalisationForm,
        "start_institutionalisation_check",
        (
            DemoStep("Apakah inovasi sudah punya dasar hukum?", "SK pimpinan"),
            DemoStep("Apakah ada mata anggaran sendiri?", "Ya"),
            DemoStep("Sudah masuk perjanjian kinerja?", "Belum"),
            DemoStep("Ada SOP tertulis?", "Ya"),
            DemoStep("Tim/inisiator sudah ditetapkan dengan SK?", "Ya"),
            DemoStep("Ada dukungan masyarakat?", "Sebagian"),
            DemoStep("Sudah direplikasi pihak lain?", "Belum"),
        ),
    ),
}


def sample_tracker(script: DemoScript, today: date) -> Tracker:
    """Return a tracker holding the sample run's answers as the flow's own validators read them.

    The summary at the end of a demo is then the real flow's summary of those answers, never a copy of it.
    """
    form = script.flow(today=lambda: today)
    tracker = Tracker(
        sender_id=f"demo-{script.key}",
        slots={},
        latest_message={},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name=None,
    )
    for slot, step in zip(form.SLOTS, script.steps, strict=False):
        answer = step.tapped if step.tapped is not None else step.answer
        validate: Callable[..., Slots] = getattr(form, f"validate_{slot}")
        tracker.slots.update(validate(answer, CollectingDispatcher(), tracker, {}))
    return tracker


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
        shown = script.steps[step - 1]
        dispatcher.utter_message(
            text=f"🎬 {script.title} · langkah {step}/{total}\n\n"
            f"🤖 Bot: {shown.question}\n👤 Peserta: «{shown.answer}»",
            buttons=[NEXT_BUTTON, EXIT_BUTTON],
        )
        return
    dispatcher.utter_message(text=f"🎬 {script.title} · langkah {total}/{total}: ringkasan untuk peserta")
    answers = sample_tracker(script, today)
    if script.key == "kesiapan":
        dispatcher.utter_message(text=render_summary(readiness_answers(answers), today, editions))
    elif script.key == "replikasi":
        await send_plan(
            dispatcher, answers, replication_plan(answers), today, saver, "Contoh draf rencana aksi replikasi (demo)"
        )
    else:
        dispatcher.utter_message(text=render_checklist(assess(institutionalisation_states(answers))))
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


class ActionDemoNext(SummaryAction):
    """Show the next step of the running sample, or say that the demo was left."""

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
