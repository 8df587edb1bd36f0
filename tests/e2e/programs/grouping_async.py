"""An asyncio task dies: the asyncio integration reports it (the program awaits it and moves on)."""

import asyncio
import contextlib

import sentry_sdk
from sentry_sdk.integrations.asyncio import AsyncioIntegration


class PriceService:
    async def fetch(self, sku):
        await asyncio.sleep(0)
        return {"widget": 250}[sku]


async def checkout(service):
    async def price_of(sku):
        return await service.fetch(sku)

    return await price_of("gadget")


async def main():
    sentry_sdk.init(
        release="shop@1.0", environment="differential", integrations=[AsyncioIntegration()]
    )
    task = asyncio.create_task(checkout(PriceService()))
    with contextlib.suppress(KeyError):
        await task


asyncio.run(main())
sentry_sdk.flush()
