"""Access to the ESL test vectors (copied from the shared research into the repo)."""

from __future__ import annotations

from pathlib import Path

from switchy.esl import Event, Frame, FrameParser, event_from_frame

VECTORS = Path(__file__).resolve().parents[1] / "esl" / "vectors"
REAL = VECTORS / "real"


def frame_files() -> list[Path]:
    """Every file holding frames (not the READMEs, transcript or TSV)."""
    return sorted(p for p in VECTORS.rglob("*.txt") if p.name != "_transcript.txt")


def sequence_dirs() -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.is_dir())


def parse(data: bytes) -> list[Frame]:
    return FrameParser().feed(data)


def parse_file(path: Path) -> list[Frame]:
    return parse(path.read_bytes())


def event_of(frame: Frame) -> Event:
    return event_from_frame(frame.content_type, frame.body)


def sequence_stream(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("*.txt")))
