"""Hostile .zip files are refused quickly, cheaply and with a message that says what is wrong."""

import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from app.io.archive import ArchiveProblem, read_folder_file, read_members

WANTED = {"actors.csv", "sites.csv"}
MB = 1024 * 1024
LIMITS = {"max_member_bytes": MB, "max_total_bytes": 2 * MB, "max_members": 20}
ACTORS = "slug,name\nrussia,Russia\n"


def make_zip(path: Path, members: dict[str, bytes | str], **options: int) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, **options) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def read(path: Path, **limits: int) -> dict[str, str]:
    return read_members(path, WANTED, **{**LIMITS, **limits})


def refusal(path: Path, **limits: int) -> ArchiveProblem:
    with pytest.raises(ArchiveProblem) as caught:
        read(path, **limits)
    return caught.value


def patch_headers(path: Path, *, flag: int | None = None, method: int | None = None) -> None:
    """Rewrite every local and central header, as a tool writing such a zip would."""
    data = bytearray(path.read_bytes())
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = data.find(signature)
        while start != -1:
            if flag is not None:
                (old,) = struct.unpack_from("<H", data, start + flag_at)
                struct.pack_into("<H", data, start + flag_at, old | flag)
            if method is not None:
                struct.pack_into("<H", data, start + method_at, method)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def test_wanted_files_are_read_by_base_name_from_any_folder(tmp_path: Path) -> None:
    path = make_zip(
        tmp_path / "syria.zip",
        {
            "syria/actors.csv": "\ufeff" + ACTORS,  # a BOM, as Excel writes
            "syria/sites.csv": "slug\n",
            "syria/notes.txt": "ignored",
            "__MACOSX/syria/._actors.csv": b"\x00\x05\x16\x07",
        },
    )
    assert read(path) == {"actors.csv": ACTORS, "sites.csv": "slug\n"}


def test_a_missing_file_is_just_absent_for_the_caller_to_report(tmp_path: Path) -> None:
    assert read(make_zip(tmp_path / "a.zip", {"actors.csv": ACTORS})) == {"actors.csv": ACTORS}


def test_a_zip_bomb_is_refused_in_a_fraction_of_a_second_and_little_memory(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("actors.csv", "w", force_zip64=True) as member,
    ):
        zeros = bytes(MB)
        for _ in range(128):
            member.write(zeros)
    assert path.stat().st_size < MB  # 128 MiB of zeros deflate to a few hundred kB
    tracemalloc.start()
    started = time.perf_counter()
    problem = refusal(path)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert problem.file == "actors.csv"
    assert "more than 1,048,576 bytes" in problem.message
    assert elapsed < 0.5
    assert peak < 8 * MB


def test_a_header_that_understates_the_size_does_not_get_past_the_limit(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "liar.zip", {"actors.csv": bytes(3 * MB)})
    data = bytearray(path.read_bytes())
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        struct.pack_into("<L", data, data.find(signature) + size_at, 100)
    path.write_bytes(bytes(data))
    problem = refusal(path)
    assert problem.file == "actors.csv"
    # zipfile stops at the claimed size, then finds the checksum wrong.
    assert "damaged" in problem.message


def test_members_that_together_pass_the_total_are_refused(tmp_path: Path) -> None:
    body = b"x" * (MB - 10)
    path = make_zip(tmp_path / "big.zip", {"actors.csv": body, "sites.csv": body})
    problem = refusal(path, max_total_bytes=MB + MB // 2)
    assert problem.file == "sites.csv"
    assert "total" in problem.message


def test_an_archive_of_too_many_entries_is_refused_before_its_directory_is_parsed(
    tmp_path: Path,
) -> None:
    path = make_zip(tmp_path / "many.zip", {f"f{i}.txt": "" for i in range(50)})
    problem = refusal(path, max_members=20)
    assert problem.file == "many.zip"
    assert "50 entries" in problem.message


def test_an_encrypted_member_is_refused_asking_for_no_password(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "secret.zip", {"actors.csv": ACTORS})
    patch_headers(path, flag=0x1)
    problem = refusal(path)
    assert (problem.file, problem.line) == ("actors.csv", None)
    assert "encrypted" in problem.message and "password" in problem.message


@pytest.mark.parametrize(("method", "named"), [(98, "PPMd"), (9, "Deflate64"), (77, "77")])
def test_an_unknown_compression_method_is_refused_naming_it(
    tmp_path: Path, method: int, named: str
) -> None:
    path = make_zip(tmp_path / "odd.zip", {"actors.csv": ACTORS})
    patch_headers(path, method=method)
    problem = refusal(path)
    assert problem.file == "actors.csv"
    assert named in problem.message and "Deflate" in problem.message


def test_a_corrupt_deflate_stream_is_refused_as_damaged(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "bad.zip", {"actors.csv": ACTORS * 200})
    data = bytearray(path.read_bytes())
    (name_length, extra_length) = struct.unpack_from("<HH", data, 26)
    start = 30 + name_length + extra_length
    data[start : start + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    problem = refusal(path)
    assert problem.file == "actors.csv"
    assert "damaged" in problem.message


def test_a_truncated_zip_is_refused_as_not_a_zip(tmp_path: Path) -> None:
    rows = "".join(f"actor-{i},Actor {i * i}\n" for i in range(2000))
    path = make_zip(tmp_path / "cut.zip", {"actors.csv": rows})
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    problem = refusal(path)
    assert problem.file == "cut.zip"
    assert "not a .zip" in problem.message


def test_a_file_that_is_not_a_zip_at_all_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "actors.zip"
    path.write_text(ACTORS)
    assert "not a .zip" in refusal(path).message


@pytest.mark.parametrize(
    "name",
    ["../actors.csv", "syria/../../actors.csv", "..\\actors.csv", "/etc/actors.csv", "C:\\x.csv"],
)
def test_a_member_that_climbs_out_of_the_archive_is_refused(tmp_path: Path, name: str) -> None:
    path = make_zip(tmp_path / "evil.zip", {"sites.csv": "slug\n", name: ACTORS})
    problem = refusal(path)
    assert problem.file == name
    assert "inside the archive" in problem.message


def test_an_unwanted_member_that_climbs_out_is_refused_too(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "evil.zip", {"actors.csv": ACTORS, "../evil.csv": "x"})
    assert refusal(path).file == "../evil.csv"


def test_a_backslash_folder_is_a_folder_not_part_of_the_name(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "win.zip", {"syria\\actors.csv": ACTORS})
    assert read(path) == {"actors.csv": ACTORS}


def test_the_same_file_twice_is_refused_rather_than_one_chosen(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "two.zip", {"a/actors.csv": ACTORS, "b/actors.csv": ACTORS})
    problem = refusal(path)
    assert "twice" in problem.message and "a/actors.csv" in problem.message


LATIN_1 = "slug,name\nrussia,Russia\nfrance,République française\n".encode("latin-1")


def test_a_latin_1_member_is_refused_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "latin.zip", {"syria/actors.csv": LATIN_1})
    problem = refusal(path)
    assert (problem.file, problem.line) == ("actors.csv", 3)
    assert "UTF-8" in problem.message and "0xe9" in problem.message
    assert str(problem).startswith("actors.csv:3: ")


def test_a_latin_1_folder_file_is_refused_at_the_line_of_the_bad_byte(tmp_path: Path) -> None:
    path = tmp_path / "actors.csv"
    path.write_bytes(LATIN_1)
    with pytest.raises(ArchiveProblem) as caught:
        read_folder_file(path, MB)
    assert (caught.value.file, caught.value.line) == ("actors.csv", 3)


def test_a_folder_file_is_read_without_its_bom_and_refused_past_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "actors.csv"
    path.write_bytes(b"\xef\xbb\xbf" + ACTORS.encode())
    assert read_folder_file(path, MB) == ACTORS
    with pytest.raises(ArchiveProblem, match="more than 10 bytes"):
        read_folder_file(path, 10)
