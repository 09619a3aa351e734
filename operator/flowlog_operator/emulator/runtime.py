"""One running emulator's moving parts, built from an ``EmulatorConfig``: state, auth, limits, faults."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable

from flowlog_operator.emulator.actions import STS_ACTIONS, VPC_ACTIONS
from flowlog_operator.emulator.auth import Authenticator
from flowlog_operator.emulator.calls import CallLedger
from flowlog_operator.emulator.config import EmulatorConfig
from flowlog_operator.emulator.faults import FaultInjector
from flowlog_operator.emulator.inventory import Inventory, default_inventory_document
from flowlog_operator.emulator.persistence import StateFile
from flowlog_operator.emulator.ratelimit import RateLimiter
from flowlog_operator.emulator.state import Account, Delays, EmulatorState


class EmulatorRuntime:
    def __init__(self, config: EmulatorConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.state = EmulatorState(
            inventory=self._initial_inventory(),
            account=self._initial_account(),
            delays=Delays(config.activation_delay, config.deactivation_delay, config.deletion_delay),
        )
        self.authenticator = Authenticator(
            config.access_keys, self.state.sts, clock, config.max_clock_skew_seconds
        )
        self.limiter = RateLimiter(config.rate_limits, enabled=config.rate_limits_enabled)
        writes = [a.name for a in (*VPC_ACTIONS.values(), *STS_ACTIONS.values()) if a.mutating]
        self.faults = FaultInjector(copy.deepcopy(config.faults), write_actions=writes)
        self.calls = CallLedger([*VPC_ACTIONS, *STS_ACTIONS])
        self.stopping = asyncio.Event()
        self.state_file = StateFile(config.state_file) if config.state_file else None
        saved = self.state_file.load() if self.state_file else None
        if saved is not None:
            self.state.load_json(saved)

    def _initial_inventory(self) -> Inventory:
        document = (
            self.config.inventory if self.config.inventory is not None else default_inventory_document()
        )
        return Inventory.from_document(copy.deepcopy(document))

    def _initial_account(self) -> Account:
        return Account(
            service_enabled=self.config.service_enabled,
            flowlog_quota=self.config.flowlog_quota,
            allow_several_flowlogs_per_resource=self.config.allow_several_flowlogs_per_resource,
        )

    async def pause(self, seconds: float) -> bool:
        """Wait ``seconds``, cut short when the emulator stops; ``True`` when the whole pause elapsed."""
        if self.stopping.is_set():
            return False
        try:
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)
        except TimeoutError:
            return True
        return False

    def persist(self) -> None:
        if self.state_file is not None:
            self.state_file.save(self.state.to_json())

    def reset(self) -> None:
        """Back to the configuration's starting point: no flow logs, no calls, the configured faults."""
        self.state.inventory = self._initial_inventory()
        self.state.account = self._initial_account()
        self.state.flowlogs.clear()
        self.state.sts.clear()
        self.state.next_sequence = 1
        self.calls.clear()
        self.limiter.reset()
        self.faults.replace(copy.deepcopy(self.config.faults))
        self.persist()
