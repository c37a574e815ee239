"""Every Python code block of the README, the package READMEs and docs/ runs.

The blocks of one page run in order, in one module namespace, like a reader pasting them into a
file. A block may use top-level ``await``. A block preceded by ``<!-- docs: skip -->`` is not
run (none is, today).
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from events_local import local_handler

ROOT = Path(__file__).resolve().parent.parent
ALL_PAGES = [
    ROOT / "README.md",
    *sorted((ROOT / "packages").glob("*/README.md")),
    *sorted((ROOT / "docs").rglob("*.md")),
]
FENCE = re.compile(r"(<!-- docs: skip -->\n)?```python\n(.*?)\n```", re.S)


def blocks(page: Path) -> Iterator[tuple[int, str]]:
    text = page.read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        if match.group(1) is None:
            yield text.count("\n", 0, match.start(2)) + 1, match.group(2)


PAGES = [page for page in ALL_PAGES if any(blocks(page))]


def test_the_readme_and_docs_have_code_to_run() -> None:
    assert ROOT / "README.md" in PAGES
    assert len(PAGES) >= 15


@pytest.fixture(autouse=True)
def _fresh_local_handler() -> Iterator[None]:
    local_handler.clear()
    yield
    local_handler.clear()
    otel = sys.modules.get("events_otel")
    if otel is not None:  # a page may switch tracing on: no hooks for the tests after it
        otel.uninstrument()


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page: Path) -> None:
    found = list(blocks(page))
    module = types.ModuleType("docs_" + re.sub(r"\W", "_", str(page.relative_to(ROOT))))
    sys.modules[module.__name__] = module
    try:
        for line, source in found:
            code = compile(
                source,
                f"{page.relative_to(ROOT)}:{line}",
                "exec",
                flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT,
                dont_inherit=True,
            )
            if code.co_flags & inspect.CO_COROUTINE:
                asyncio.run(eval(code, module.__dict__))
            else:
                exec(code, module.__dict__)
    finally:
        del sys.modules[module.__name__]
