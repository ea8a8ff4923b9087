"""The `department:` line that groups a run's facts files (engine/run/parallel.py) is read from a file's head,
and from the whole file when it is not there: never cut short at the head's end."""
from __future__ import annotations

from engine.run.parallel import HEAD_BYTES, department_of_file


def test_the_line_at_the_top():
    assert department_of_file("year: 2024\ndepartment: 杜集区城市管理局\n".encode()) == "杜集区城市管理局"


def test_the_line_after_the_head_is_still_found():
    data = ("year: 2024\nnarrative: |\n" + "  一段说明\n" * (HEAD_BYTES // 6) + "department: 甲局\n").encode()
    assert len(data) > 2 * HEAD_BYTES
    assert department_of_file(data) == "甲局"


def test_a_line_across_the_head_end_is_read_whole():
    for shift in range(0, 40, 3):
        padding = "#" * (HEAD_BYTES - len("department: ") - 2 - shift) + "\n"
        data = (padding + "department: 某某市某某区城市管理局 # 注释\nyear: 2024\n").encode()
        assert department_of_file(data) == "某某市某某区城市管理局", shift


def test_no_line_is_none():
    assert department_of_file(b"year: 2024\n" * 20000) is None


def test_an_open_file_gives_what_its_bytes_give(tmp_path):
    """department_of_stream reads the head first and the rest only when needed: the same answers."""
    from engine.run.parallel import department_of_stream

    cases = [b"year: 2024\ndepartment: \xe7\x94\xb2\n",
             ("year: 2024\nnarrative: |\n" + "  一段说明\n" * (HEAD_BYTES // 6) + "department: 甲局\n").encode(),
             b"year: 2024\n" * 20000, b"", b"department: \xe4\xb9\x99\n" + b"#" * HEAD_BYTES]
    cases += [("#" * (HEAD_BYTES - len("department: ") - 2 - shift) + "\n" + "department: 某某市某某区城市管理局\n").encode()
              for shift in range(0, 40, 3)]
    for n, data in enumerate(cases):
        path = tmp_path / f"{n}.yaml"
        path.write_bytes(data)
        with open(path, "rb") as stream:
            assert department_of_stream(stream, len(data)) == department_of_file(data), n


def test_one_read_gives_the_hash_and_the_line_of_two(tmp_path, monkeypatch):
    """facts_read (a cached run reads each facts file once) gives file_sha256's hash and department_groups' size and
    line, for a file over the loader's limit too (not read whole)."""
    from engine.load import files
    from engine.run import parallel

    cases = [b"year: 2024\ndepartment: \xe7\x94\xb2\n", b"",
             ("year: 2024\nnarrative: |\n" + "  一段说明\n" * (HEAD_BYTES // 6) + "department: 甲局\n").encode()]
    paths = []
    for n, data in enumerate(cases):
        paths.append(tmp_path / f"{n}.yaml")
        paths[-1].write_bytes(data)
    for path in paths:
        assert parallel.facts_read(path) == (files.file_sha256(path), parallel._size_and_department(path))
    monkeypatch.setattr(parallel, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    assert parallel.facts_read(paths[2]) == (files.file_sha256(paths[2]), (len(cases[2]), None))

