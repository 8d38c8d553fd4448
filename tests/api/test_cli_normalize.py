"""`mobility-match normalize`: the JSON-lines contract other tools rely on."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import api.cli.normalize as cli_normalize
from api.cli import main
from skills_taxonomy.normalizer import Kind, Normalizer
from tests.skills_taxonomy.normalizer_fixture import shared_normalizer


@pytest.fixture(autouse=True)
def _shared(monkeypatch: pytest.MonkeyPatch) -> None:
    def build(kind: Kind) -> Normalizer:
        return shared_normalizer()

    monkeypatch.setattr(cli_normalize, "build_normalizer", build)


def run_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data: bytes, *args: str
) -> tuple[int, list[dict[str, object]], str]:
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    code = main(["normalize", *args, "--input", str(path)])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def test_one_json_object_per_line_in_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = ["soudeur TIG H/F", "", "welder", "Serveuse", "لحام"]
    code, records, err = run_cli(
        capsys, tmp_path, "\n".join(lines).encode() + b"\n", "--kind", "occupation", "--top-k", "3"
    )
    assert code == 0 and err == ""
    assert [r["text"] for r in records] == lines
    for record in records:
        assert set(record) == {"text", "resolved", "matches"}
        assert isinstance(record["matches"], list) and len(record["matches"]) <= 3
        for m in record["matches"]:
            assert set(m) == {"uri", "label", "score", "method"}
    assert records[1] == {"text": "", "resolved": False, "matches": []}
    assert records[2]["resolved"] is True


def test_stdin_is_the_default_and_crlf_is_accepted(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"Python\r\nSQL\r\n"), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["normalize", "--kind", "skill", "--lang", "en", "--top-k", "1"]) == 0
    records = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in records] == ["Python", "SQL"]
    assert records[0]["matches"][0]["method"] == "exact"


def test_invalid_utf8_names_the_line_and_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = b"welder\nplumber\nsoud\xe9ur\nbaker\n"
    code, records, err = run_cli(capsys, tmp_path, data, "--kind", "occupation")
    assert code == 2
    assert "line 3" in err and "UTF-8" in err
    assert [r["text"] for r in records] == ["welder", "plumber"]  # streamed before the error


def test_long_line_is_truncated_with_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    long = "welder " * 300
    code, records, err = run_cli(
        capsys, tmp_path, f"baker\n{long}\n".encode(), "--kind", "occupation"
    )
    assert code == 0
    assert "line 2" in err and "truncated" in err
    assert records[1]["text"] == long[: cli_normalize.MAX_LINE_CHARS]


def test_many_lines_in_batches_keep_order(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_normalize, "BATCH_LINES", 7)
    words = ["welder", "baker", "", "plombier", "nurse"]
    lines = [words[i % len(words)] for i in range(104)]
    code, records, _ = run_cli(
        capsys, tmp_path, "\n".join(lines).encode(), "--kind", "occupation", "--top-k", "1"
    )
    assert code == 0
    assert [r["text"] for r in records] == lines


def test_missing_input_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["normalize", "--kind", "skill", "--input", str(tmp_path / "nope.txt")])
    assert code == 2
    assert "nope.txt" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--kind", "diploma"],
        ["--kind", "skill", "--top-k", "0"],
        ["--kind", "skill", "--lang", "french"],
        ["--kind", "skill", "--lang", "FR"],
        ["--kind", "skill", "--lang", "fr-FR"],
    ],
)
def test_bad_arguments_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["normalize", *args])
    assert exc.value.code == 2
    assert args[-1] in capsys.readouterr().err  # the message names the bad value


def test_a_byte_order_mark_is_not_part_of_the_first_text(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = "\ufeffsoudeur\r\nmaçon\r\n".encode()  # Excel's "CSV UTF-8"
    code, records, err = run_cli(capsys, tmp_path, data, "--kind", "occupation", "--top-k", "1")
    assert code == 0 and err == ""
    assert [r["text"] for r in records] == ["soudeur", "maçon"]
    assert records[0]["matches"][0]["method"] == "exact"


def test_a_byte_order_mark_inside_the_input_is_kept(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, records, _ = run_cli(
        capsys, tmp_path, "welder\n\ufeffbaker\n".encode(), "--kind", "occupation"
    )
    assert code == 0
    assert [r["text"] for r in records] == ["welder", "\ufeffbaker"]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Batches of 13 lines, a pool from 40 lines on; records how often the pool path ran."""
    monkeypatch.setattr(cli_normalize, "BATCH_LINES", 13)
    monkeypatch.setattr(cli_normalize, "PARALLEL_MIN_LINES", 40)
    calls: list[int] = []
    parallel = cli_normalize._parallel

    def counting(*args: object, **kwargs: object) -> None:
        calls.append(1)
        parallel(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_normalize, "_parallel", counting)
    return calls


MIXED_LINES = [
    "soudeur TIG H/F",
    "Weldr",
    "",
    "aide-soignante de nuit",
    "لحام",
    "sales manager - Casablanca",
    "boulangère",
    "xqzt",
    "Développeuse Web junior",
    "HGV driver",
    "welder",
]


def raw_cli(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data: bytes, *args: str
) -> tuple[int, str, str]:
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    code = main(["normalize", *args, "--input", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("kind", ["occupation", "skill"])
def test_two_jobs_write_the_same_bytes_as_one(
    kind: str, small_batches: list[int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [f"{MIXED_LINES[i % len(MIXED_LINES)]}{' ' * (i % 3)}" for i in range(150)]
    data = "\n".join(lines).encode() + b"\n"
    one = raw_cli(capsys, tmp_path, data, "--kind", kind, "--jobs", "1", "--top-k", "5")
    assert small_batches == []
    two = raw_cli(capsys, tmp_path, data, "--kind", kind, "--jobs", "2", "--top-k", "5")
    assert small_batches == [1]  # the pool ran
    assert one == two
    assert one[0] == 0 and len(one[1].splitlines()) == 150


def test_a_short_input_does_not_start_a_pool(
    small_batches: list[int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = "\n".join(MIXED_LINES * 3).encode()  # 33 lines < 40
    code, out, _ = raw_cli(capsys, tmp_path, data, "--kind", "occupation", "--jobs", "2")
    assert code == 0 and len(out.splitlines()) == 33
    assert small_batches == []


@pytest.mark.parametrize("bad_line", [20, 90])  # before the pool starts / while it runs
def test_invalid_utf8_with_two_jobs_names_the_line_after_the_lines_before_it(
    bad_line: int, small_batches: list[int], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [MIXED_LINES[i % len(MIXED_LINES)].encode() for i in range(120)]
    lines[bad_line - 1] = b"soud\xe9ur"
    data = b"\n".join(lines) + b"\n"
    one = raw_cli(capsys, tmp_path, data, "--kind", "occupation", "--jobs", "1")
    two = raw_cli(capsys, tmp_path, data, "--kind", "occupation", "--jobs", "2")
    assert one == two
    code, out, err = two
    assert code == 2 and f"line {bad_line}:" in err
    assert len(out.splitlines()) == bad_line - 1
    assert small_batches == ([1] if bad_line > 40 else [])


def test_jobs_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["normalize", "--kind", "skill", "--jobs", "0"])
    assert exc.value.code == 2
    assert cli_normalize.default_jobs() in (1, 2)


def _run_in_a_new_process(path: Path) -> tuple[str, str]:
    script = (
        "import sys\n"
        "from api.cli import main\n"
        f"code = main(['normalize', '--kind', 'skill', '--input', {str(path)!r}])\n"
        "print(code, 'matching' in sys.modules, 'api.models' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout, done.stderr


def test_normalize_starts_without_the_matching_core_or_the_service(tmp_path: Path) -> None:
    """Only the run command's module is imported: ``normalize`` loads neither the matching core
    nor the service's models (~2 s of start-up it does not use), and still maps its errors."""
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_bytes(b"welding\n")
    bad.write_bytes(b"welding\n\xff\n")
    out, err = _run_in_a_new_process(good)
    assert len(out.splitlines()) == 1
    assert err.strip().splitlines()[-1] == "0 False False"
    out, err = _run_in_a_new_process(bad)
    assert len(out.splitlines()) == 1
    assert "normalize: error: line 2: invalid UTF-8" in err
    assert err.strip().splitlines()[-1].startswith("2 ")


def test_lines_are_normalised_with_the_loaded_index_frozen_and_unfrozen_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """In one process too (``--jobs 1``, short inputs), the garbage collector no longer walks
    the loaded index at each full collection (``gc.freeze``); the process is left as found,
    also when a line fails."""
    import gc

    frozen: list[int] = []
    normalize = Normalizer.normalize

    def spy(self: Normalizer, *args: object, **kwargs: object) -> object:
        frozen.append(gc.get_freeze_count())
        return normalize(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Normalizer, "normalize", spy)
    before = gc.get_freeze_count()
    code, out, _ = run_cli(capsys, tmp_path, b"soudeur\nwelder\n", "--kind", "occupation")
    assert code == 0 and len(out) == 2
    assert frozen and all(count > before for count in frozen)
    assert gc.get_freeze_count() == before
    code, _, _ = run_cli(capsys, tmp_path, b"soudeur\nsoud\xe9ur\n", "--kind", "occupation")
    assert code == 2 and gc.get_freeze_count() == before
