"""Reading a dataset's CSV texts from an uploaded .zip (or a folder) without trusting it.

A zip is a list of claims: how many entries, how large each is, where it belongs. Each is checked
against a limit before it costs anything: the entry count before the directory is parsed, each
member's inflated size while it streams (a 1 MB zip can inflate to 1 GB), the total across members,
and each name (no `..`, no absolute path, either slash). Every way a member can fail to read, from
a password to a bad byte, becomes one `ArchiveProblem` saying which file, where, and what to do.
"""

import lzma
import re
import zipfile
import zlib
from pathlib import Path

CHUNK_BYTES = 64 * 1024
# The most a legitimate central directory entry needs (46 fixed bytes plus a long path); a
# directory larger than this many bytes per allowed entry is refused before it is parsed.
MAX_DIRECTORY_BYTES_PER_ENTRY = 1024

READABLE_METHODS = {
    zipfile.ZIP_STORED,
    zipfile.ZIP_DEFLATED,
    zipfile.ZIP_BZIP2,
    zipfile.ZIP_LZMA,
}
# Methods people meet in practice, so the message can name the tool's setting to change.
METHOD_NAMES = {9: "Deflate64", 93: "Zstandard", 95: "XZ", 97: "WavPack", 98: "PPMd"}
AES_METHOD = 99
ENCRYPTED_FLAG = 0x1

# What a damaged member raises, depending on its compression method and where it breaks.
_DAMAGE = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError)


class ArchiveProblem(Exception):
    """Something in a dataset archive or file that stops it being read, said plainly."""

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")


def _name_problem(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return "is an absolute path; a dataset's files must sit inside the archive"
    # Windows tools may write `\` as the separator, so `..\x` climbs just as `../x` does.
    if ".." in re.split(r"[\\/]", name):
        return "has '..' in its path; a dataset's files must sit inside the archive"
    return None


def _base_name(name: str) -> str:
    return re.split(r"[\\/]", name)[-1]


def _decode(data: bytes, file: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        raise ArchiveProblem(
            file,
            line,
            f"is not UTF-8 (byte 0x{byte:02x} cannot start a character); "
            "save the file as UTF-8 and try again",
        ) from None


def _check_directory(path: Path, max_members: int) -> None:
    """Refuse an archive whose end record announces too many entries, before parsing them.

    zipfile builds an object for every entry of the directory as soon as the archive is opened,
    so the count has to be read from the end record first.
    """
    try:
        with path.open("rb") as raw:
            end = zipfile._EndRecData(raw)  # type: ignore[attr-defined]  # stable since Python 2
    except OSError as exc:
        raise ArchiveProblem(path.name, None, f"cannot be read ({exc.strerror})") from None
    if end is None:
        raise ArchiveProblem(path.name, None, "is not a .zip file (no zip directory found)")
    entries = int(end[zipfile._ECD_ENTRIES_TOTAL])  # type: ignore[attr-defined]
    directory_bytes = int(end[zipfile._ECD_SIZE])  # type: ignore[attr-defined]
    if entries > max_members or directory_bytes > max_members * MAX_DIRECTORY_BYTES_PER_ENTRY:
        raise ArchiveProblem(
            path.name,
            None,
            f"holds {entries} entries; a dataset needs a handful and at most {max_members} "
            "are read",
        )


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, file: str, limit: int, left: int
) -> bytes:
    if info.flag_bits & ENCRYPTED_FLAG or info.compress_type == AES_METHOD:
        raise ArchiveProblem(file, None, "is encrypted; make the .zip again without a password")
    if info.compress_type not in READABLE_METHODS:
        method = METHOD_NAMES.get(info.compress_type, f"number {info.compress_type}")
        raise ArchiveProblem(
            file,
            None,
            f"is compressed with a method that cannot be read ({method}); "
            "make the .zip again with ordinary (Deflate) compression",
        )
    if info.file_size > limit:
        raise _too_large(file, limit)
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            # The declared size can lie; only what actually inflates is counted.
            while chunk := stream.read(CHUNK_BYTES):
                size += len(chunk)
                if size > limit:
                    raise _too_large(file, limit)
                if size > left:
                    raise ArchiveProblem(
                        file, None, "takes the archive past the total size a dataset may have"
                    )
                chunks.append(chunk)
    except (NotImplementedError, RuntimeError) as exc:
        # Raised by zipfile for methods or encryption this Python cannot read after all.
        raise ArchiveProblem(file, None, f"cannot be read: {exc}") from None
    except _DAMAGE as exc:
        raise ArchiveProblem(
            file, None, f"is damaged and cannot be unpacked ({exc}); make the .zip again"
        ) from None
    return b"".join(chunks)


def _too_large(file: str, limit: int) -> ArchiveProblem:
    return ArchiveProblem(
        file, None, f"unpacks to more than {limit:,} bytes, the most one file may"
    )


def read_members(
    path: Path,
    wanted: set[str],
    *,
    max_member_bytes: int,
    max_total_bytes: int,
    max_members: int,
) -> dict[str, str]:
    """The texts of the wanted files in a .zip, by base name (folders inside are ignored).

    Files not wanted are skipped, unread; a wanted file that is absent is simply not in the
    answer. Raises ArchiveProblem for anything unsafe or unreadable.
    """
    _check_directory(path, max_members)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ArchiveProblem(path.name, None, f"is not a readable .zip file ({exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_members:
            raise ArchiveProblem(
                path.name, None, f"holds {len(infos)} entries; at most {max_members} are read"
            )
        chosen: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            problem = _name_problem(info.filename)
            if problem:
                raise ArchiveProblem(info.filename, None, problem)
            name = _base_name(info.filename)
            if info.is_dir() or name not in wanted:
                continue
            if name in chosen:
                raise ArchiveProblem(
                    name,
                    None,
                    f"is in the archive twice ({chosen[name].filename} and {info.filename}); "
                    "keep one",
                )
            chosen[name] = info
        texts: dict[str, str] = {}
        left = max_total_bytes
        for name, info in chosen.items():
            data = _read_member(archive, info, name, max_member_bytes, left)
            left -= len(data)
            texts[name] = _decode(data, name)
        return texts


def read_folder_file(path: Path, max_bytes: int) -> str:
    """One dataset file from a folder, refused if larger than max_bytes or not UTF-8."""
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise ArchiveProblem(path.name, None, f"cannot be read ({exc.strerror})") from None
    if len(data) > max_bytes:
        raise _too_large(path.name, max_bytes)
    return _decode(data, path.name)
