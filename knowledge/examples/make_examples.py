"""Write the example import spreadsheets `contoh_import.xlsx` and `contoh_import.csv` next to this script.

Run `python -m knowledge.examples.make_examples` after changing the columns; the files are committed so
content officers can copy one and fill it in. Both are checked by the tests (`kb validate`).
"""

from __future__ import annotations

from pathlib import Path

from knowledge.admin_files import COLUMNS, csv_bytes, write_xlsx

HERE = Path(__file__).resolve().parent

ROWS = [
    {
        "id": "klinik-contoh-jadwal",
        "topic": "klinik",
        "title": "Contoh: jadwal konsultasi Klinik Inovasi",
        "questions": (
            "kapan jadwal konsultasi klinik inovasi\njam berapa bisa konsultasi inovasi\njadwal coaching clinic"
        ),
        "answer": (
            "Ini baris contoh. Tulis jawaban lengkap di sini, boleh beberapa paragraf.\n\n"
            "Jangan tulis baris 'Sumber:' di jawaban; sumber diisi di kolom sources."
        ),
        "sources": "Kementerian PANRB | https://menpan.go.id/\nBuku Panduan Klinik Inovasi",
        "answer_en": "",
        "facts": "",
        "version": "",
        "status": "",
    },
    {
        "id": "replikasi-contoh-ubah",
        "topic": "replikasi",
        "title": "Contoh: mengubah entri yang sudah ada",
        "questions": "contoh pertanyaan pertama\ncontoh pertanyaan kedua",
        "answer": "Untuk mengubah entri, ekspor dulu (kb export), ubah selnya, lalu impor lagi.",
        "sources": "JIPPNas | https://jippnas.menpan.go.id/",
        "answer_en": "To change an entry, export it first, edit the cells, then import the file again.",
        "facts": "",
        "version": "",
        "status": "",
    },
]


def main() -> None:
    """Write both example files."""
    write_xlsx(ROWS, HERE / "contoh_import.xlsx")
    (HERE / "contoh_import.csv").write_bytes(csv_bytes([{c: row.get(c, "") for c in COLUMNS} for row in ROWS]))


if __name__ == "__main__":
    main()
