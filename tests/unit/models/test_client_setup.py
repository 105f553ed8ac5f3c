from __future__ import annotations

import asyncio
import subprocess
import sys

import pytest

from burro.config.types import ProviderInfo
from burro.models import ModelError, open_client
from burro.protocol.items import user_text
from burro.protocol.model import Prompt


def test_importing_burro_models_loads_no_http_stack_or_sdk() -> None:
    code = (
        "import sys, burro.models\n"
        "from burro.models import open_client\n"
        "from burro.config.types import ProviderInfo\n"
        "for wire in ('responses', 'chat', 'anthropic'):\n"
        "    open_client(ProviderInfo(name='p', base_url='http://h/v1', wire_api=wire),"
        " api_key=None, session_id='s')\n"
        "print(sorted(m for m in ('httpx', 'openai', 'anthropic') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("base_url", ["ftp://example.invalid/v1", "not a url at all"])
def test_bad_base_url_is_a_clear_non_retryable_error(base_url: str) -> None:
    info = ProviderInfo(name="mine", base_url=base_url, wire_api="chat")
    prompt = Prompt(model="m", instructions="", items=[user_text("hi")])

    async def run() -> None:
        client = open_client(info, api_key="k", session_id="s")
        try:
            async for _ in client.stream(prompt):
                pass
        finally:
            await client.aclose()

    with pytest.raises(ModelError) as exc:
        asyncio.run(run())
    assert not exc.value.retryable
    assert "mine" in exc.value.message and "\n" not in exc.value.message
