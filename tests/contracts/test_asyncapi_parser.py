"""The official AsyncAPI parser (`@asyncapi/parser` from the npm registry, pinned with its package-lock in
tests/contracts/asyncapi_parser/) accepts contracts/asyncapi.json with no error, as a JavaScript client's
tooling would (issue 9). It refused the document once every message had a `messageId` and the national ones
sat in two channels under one id (now `….national` on national.events). The parser reports neither
`nullable` nor Python regex groups as errors: tests/contracts/test_contracts.py checks those. Installed with `npm ci` into var/ (ignored); skipped, saying why, only if node/npm are missing or
the registry cannot be reached."""
from __future__ import annotations

import subprocess

from contracts import asyncapi
from tests.contracts.asyncapi_validation import install_official_parser


def test_the_official_asyncapi_parser_accepts_the_document():
    installed = install_official_parser()
    run = subprocess.run(["node", "check.mjs", str(asyncapi.DOCUMENT)], cwd=installed, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-1000:]
