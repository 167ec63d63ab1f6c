"""`python -m channels.email`: the mailbox worker (see docs/email.md)."""
import asyncio
import logging
import os
import signal

from channels.email.worker import main


def run() -> None:
    logging.basicConfig(level=os.environ.get("EMAIL_LOG_LEVEL", "INFO").upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    loop = asyncio.new_event_loop()
    task = loop.create_task(main())
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        loop.run_until_complete(task)
    except asyncio.CancelledError:
        pass
    finally:
        loop.close()


if __name__ == "__main__":
    run()
